import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceUI, type UIAction, type UICaps } from '../bridge/ui/index.js';
import { frameToText } from '../bridge/lcd/index.js';
import type { BotReply, QuickReply } from '../bridge/chat/replies.js';

const KEYPAD: UICaps = { cols: 16, rows: 2, rom: 'A00', buttons: [], keypad: ['123', '456', '789', '*0#'] };
const KEYPAD20x4: UICaps = { ...KEYPAD, cols: 20, rows: 4 };
const msg = (text: string, quickReplies: QuickReply[] = []): BotReply => ({ kind: 'text', text, buttons: [], quickReplies });

let ui: DeviceUI;
let actions: UIAction[];
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  ui?.dispose();
  vi.useRealTimers();
});

function open(caps: UICaps = KEYPAD, replies: BotReply[] = [], options = {}) {
  ui = new DeviceUI(caps, { autoAdvance: false, ...options });
  actions = [];
  ui.on('action', (a) => actions.push(a));
  if (replies.length) ui.showReplies(replies, 'bot');
}
const rows = () => frameToText(ui.frame(), 'A00');
const down = (k: string) => ui.handleInput({ type: 'key', action: 'down', key: k });
const up = (k: string) => ui.handleInput({ type: 'key', action: 'up', key: k });
const hold = (k: string) => ui.handleInput({ type: 'key', action: 'hold', key: k });
/** Taps a key n times in quick succession. */
const tap = (k: string, n = 1) => {
  for (let i = 0; i < n; i++) {
    down(k);
    up(k);
    vi.advanceTimersByTime(200);
  }
};
const pause = () => vi.advanceTimersByTime(1000);

describe('multi-tap typing on a 4×3 keypad', () => {
  it('types "hi" and sends it with #', () => {
    open();
    tap('4', 2);
    pause();
    tap('4', 3);
    pause();
    expect(rows()[1]).toBe('hi              ');
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: 'hi' }]);
    expect(ui.frame().cursor.mode).toBe('off');
  });

  it('takes a different key at once, without waiting', () => {
    open();
    tap('4', 2);
    tap('2', 1);
    tap('0');
    tap('9', 3);
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: 'ha y' }]);
  });

  it('shows a blinking block on the letter being chosen, then a line cursor after the text', () => {
    open();
    tap('4', 2);
    expect(rows()[1]).toBe('h               ');
    expect(ui.frame().cursor).toEqual({ mode: 'block', row: 1, col: 0 });
    pause();
    expect(ui.frame().cursor).toEqual({ mode: 'line', row: 1, col: 1 });
    tap('4', 3);
    expect(ui.frame().cursor).toEqual({ mode: 'block', row: 1, col: 1 });
  });

  it('deletes the last letter with *, and clears the line when * is held', () => {
    open();
    tap('2');
    tap('3');
    tap('4');
    tap('*');
    expect(rows()[1]).toBe('ad              ');
    down('*');
    hold('*');
    up('*');
    expect(rows()[1]).toBe('                ');
  });

  it('types the digit itself when a key is held', () => {
    open();
    down('5');
    hold('5');
    up('5');
    tap('2');
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: '5a' }]);
  });

  it('reaches punctuation on 1 and a space on 0', () => {
    open();
    tap('4', 2);
    tap('1', 4);
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: 'h!' }]);
  });

  it('scrolls a long line so that the cursor stays in view', () => {
    open();
    for (let i = 0; i < 20; i++) tap(String((i % 8) + 2));
    pause();
    const line = rows()[1];
    expect(line[0]).toBe('←');
    expect(ui.frame().cursor).toEqual({ mode: 'line', row: 1, col: 15 });
    expect(line.slice(1).trimEnd()).toBe('twadgjmptwadgj');
  });

  it('lets digits choose options, and * starts typing instead', () => {
    open(KEYPAD, [msg('Pick', [{ type: 'text', title: 'Weather' }])]);
    tap('*');
    tap('2');
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: 'a' }]);
  });

  it('leaves typing with * on an empty line, so digits choose again', () => {
    open(KEYPAD, [msg('Pick', [{ type: 'text', title: 'Weather' }])]);
    tap('*');
    tap('*');
    tap('1');
    expect(actions).toEqual([{ type: 'choose', option: { type: 'text', title: 'Weather' }, text: 'Weather' }]);
  });

  it('shows the message above the line typed on a 16×2', () => {
    open(KEYPAD, [msg('What is your name?')]);
    tap('6');
    expect(rows()).toEqual(['What is your   ▼', 'm               ']);
  });

  it('shows a prompt with the mode on a 20×4', () => {
    open(KEYPAD20x4, [msg('What is your name?')]);
    tap('6');
    expect(rows()).toEqual(['What is your name?  ', '                    ', 'Message:         abc', 'm                   ']);
    expect(ui.frame().cursor).toEqual({ mode: 'block', row: 3, col: 0 });
  });

  it('switches to capitals with a key bound to "case"', () => {
    open(KEYPAD, [], { keys: { '*': 'case' } });
    tap('4', 2);
    tap('*');
    tap('4', 3);
    tap('#');
    expect(actions).toEqual([{ type: 'send', text: 'hI' }]);
  });
});

describe('phone and email quick replies', () => {
  const phoneQr: QuickReply = { type: 'phone', title: 'My number' };
  const emailQr: QuickReply = { type: 'email', title: 'My email' };

  it('takes a phone number from the keypad: digits at once, + by holding 0', () => {
    open(KEYPAD, [msg('Your phone?', [phoneQr])]);
    tap('1');
    expect(rows()[1]).toBe('                ');
    down('0');
    hold('0');
    up('0');
    for (const d of '6591234567') tap(d);
    expect(rows()[1]).toBe('+6591234567     ');
    tap('#');
    expect(actions).toEqual([{ type: 'choose', option: phoneQr, text: '+6591234567' }]);
  });

  it('takes an email with @ and . on key 1', () => {
    open(KEYPAD20x4, [msg('Your email?', [emailQr])]);
    tap('1');
    expect(rows()[2]).toBe('Email:           abc');
    tap('2'); // a
    tap('1', 2); // @
    tap('2', 2); // b
    tap('1'); // .
    tap('2', 3); // c
    pause();
    tap('6', 3); // o
    tap('#');
    expect(actions).toEqual([{ type: 'choose', option: emailQr, text: 'a@b.co' }]);
  });
});

describe('buttons while typing', () => {
  it('sends with SELECT and deletes with LEFT', () => {
    open({ ...KEYPAD, buttons: ['LEFT', 'SELECT'] });
    tap('2');
    tap('3');
    ui.handleInput({ type: 'button', action: 'down', button: 'LEFT', index: 0 });
    ui.handleInput({ type: 'button', action: 'down', button: 'SELECT', index: 1 });
    expect(actions).toEqual([{ type: 'send', text: 'a' }]);
  });
});

describe('typing over a long message', () => {
  it('keeps the message window on the text when the typing line takes a row', () => {
    open(KEYPAD, [msg('The quick brown fox jumps over the lazy dog')], {});
    tap('*');
    expect(rows()[0]).toBe('The quick brown▼');
    expect(ui.frame().cursor).toEqual({ mode: 'line', row: 1, col: 0 });
  });
});
