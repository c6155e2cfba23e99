import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceUI, type UIAction, type UICaps } from '../bridge/ui/index.js';
import { frameToText, glyphText } from '../bridge/lcd/index.js';
import type { BotReply } from '../bridge/chat/replies.js';

const SHIELD: UICaps = { cols: 16, rows: 2, rom: 'A00', buttons: ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'], keypad: [] };
const KEYPAD: UICaps = { cols: 16, rows: 2, rom: 'A00', buttons: [], keypad: ['123', '456', '789', '*0#'] };
const LCD20x4: UICaps = { ...SHIELD, cols: 20, rows: 4 };
const msg = (text: string): BotReply => ({ kind: 'text', text, buttons: [], quickReplies: [] });
/** Reading time of the defaults: 1500 ms + 60 ms a character, at least 2500 ms. */
const READ_SHORT = 2500;

let ui: DeviceUI;
let actions: UIAction[];
let changes: number;
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  ui?.dispose();
  vi.useRealTimers();
});

function open(caps: UICaps = SHIELD, options = {}) {
  ui = new DeviceUI(caps, options);
  actions = [];
  changes = 0;
  ui.on('action', (a) => actions.push(a));
  ui.on('change', () => changes++);
}
const rows = () => frameToText(ui.frame(), caps().rom);
let caps = () => SHIELD;
const button = (name: string) => ui.handleInput({ type: 'button', action: 'down', button: name, index: 0 });
const key = (k: string) => ui.handleInput({ type: 'key', action: 'down', key: k });
const corner = () => glyphText(ui.frame().glyphs[ui.frame().rows[0].charCodeAt(15)] ?? null);

describe('messages in order', () => {
  it('shows queued messages one after the other, each for its reading time', () => {
    open();
    ui.showReplies([msg('One'), msg('Two'), msg('Three')], 'bot');
    expect(rows()[0]).toBe('One             ');
    expect(rows()[1]).toBe('               ▼');
    vi.advanceTimersByTime(READ_SHORT - 1);
    expect(rows()[0]).toBe('One             ');
    vi.advanceTimersByTime(1);
    expect(rows()[0]).toBe('Two             ');
    vi.advanceTimersByTime(READ_SHORT);
    expect(rows()).toEqual(['Three           ', '                ']);
    vi.advanceTimersByTime(60_000);
    expect(rows()[0]).toBe('Three           ');
  });

  it('lets a key skip to the next message', () => {
    open();
    ui.showReplies([msg('One'), msg('Two')], 'bot');
    button('RIGHT');
    expect(rows()[0]).toBe('Two             ');
  });

  it('shows the answer to what the person chose at once, not after the current screen', () => {
    open(KEYPAD);
    const menu: BotReply = {
      kind: 'text',
      text: 'Pick one, please, from the list below',
      buttons: [],
      quickReplies: [
        { type: 'text', title: 'Weather' },
        { type: 'text', title: 'Joke' },
        { type: 'text', title: 'Help' },
      ],
    };
    ui.showReplies([menu, msg('A footnote')], 'bot');
    key('2');
    expect(actions.at(-1)).toMatchObject({ type: 'choose' });
    ui.delivered([msg('Here is a joke')]);
    expect(rows()[0]).toBe('Here is a joke  ');
  });

  it('makes a later reply wait until the current one has been read', () => {
    open();
    ui.showReplies([msg('First')], 'bot');
    vi.advanceTimersByTime(1000);
    ui.showReplies([msg('Second')], 'human');
    expect(rows()[0]).toBe('First           ');
    vi.advanceTimersByTime(READ_SHORT - 1000);
    expect(rows()[0]).toBe('Agent: Second   ');
  });

  it('shows a new reply at once when the last one was already read', () => {
    open();
    ui.showReplies([msg('First')], 'bot');
    vi.advanceTimersByTime(30_000);
    ui.showReplies([msg('Second')], 'bot');
    expect(rows()[0]).toBe('Second          ');
  });

  it('turns pages after a reading time that grows with the text', () => {
    open();
    ui.showReplies([msg('The quick brown fox jumps over the lazy dog')], 'bot');
    // 25 characters on the first page: 1500 + 25 × 60 = 3000 ms.
    vi.advanceTimersByTime(2999);
    expect(rows()[0]).toBe('The quick brown ');
    vi.advanceTimersByTime(1);
    expect(rows()[0]).toBe('the lazy dog   ▲');
  });

  it('waits for keys when auto-advance is off', () => {
    open(SHIELD, { autoAdvance: false });
    ui.showReplies([msg('One'), msg('Two')], 'bot');
    vi.advanceTimersByTime(60_000);
    expect(rows()[0]).toBe('One             ');
    button('SELECT');
    expect(rows()[0]).toBe('Two             ');
  });

  it('keeps earlier messages to page back to', () => {
    open();
    ui.showReplies([msg('One'), msg('Two')], 'bot');
    button('RIGHT');
    button('LEFT');
    expect(rows()[0]).toBe('One             ');
  });
});

describe('the thinking spinner', () => {
  it('turns in the top-right corner while the bot answers, and stops on its reply', () => {
    open();
    ui.showReplies([msg('Hello there')], 'bot');
    ui.send('hi');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      seen.add(corner());
      vi.advanceTimersByTime(250);
    }
    expect(seen).toEqual(new Set(['|', '/', '-', '\\']));
    ui.delivered([msg('Answer')]);
    vi.advanceTimersByTime(30_000);
    const before = changes;
    vi.advanceTimersByTime(5000);
    expect(changes).toBe(before);
    expect(ui.frame().rows[0].charCodeAt(15)).toBeGreaterThanOrEqual(8);
  });

  it('starts by itself when the user sends', () => {
    open(KEYPAD);
    key('2');
    key('#');
    expect(actions).toEqual([{ type: 'send', text: 'a' }]);
    expect(corner()).toBe('|');
  });

  it('keeps turning when a broadcast arrives meanwhile', () => {
    open();
    ui.setStatus('thinking');
    ui.showReplies([msg('Sale!')], 'broadcast');
    expect(corner()).toBe('|');
  });

  it('uses ROM characters when glyphs are off', () => {
    open(SHIELD, { glyphs: false });
    ui.setStatus('thinking');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      seen.add(rows()[0][15]);
      vi.advanceTimersByTime(250);
    }
    expect(seen).toEqual(new Set(['.', 'o', 'O']));
    expect(ui.frame().glyphs.every((g) => g === null)).toBe(true);
  });
});

describe('status screens', () => {
  it('says the bot is offline and counts down to the next try', () => {
    open();
    ui.setStatus('offline', 5000);
    expect(rows()).toEqual(['  Bot offline   ', ' retrying in 5s ']);
    vi.advanceTimersByTime(1000);
    expect(rows()[1]).toBe(' retrying in 4s ');
    vi.advanceTimersByTime(4000);
    expect(rows()[1]).toBe('  retrying...   ');
  });

  it('shows an error and lets any key dismiss it', () => {
    open();
    ui.showReplies([msg('Hello')], 'bot');
    ui.setStatus('error', 'HTTP 500');
    expect(rows()).toEqual(['   Bot error    ', '    HTTP 500    ']);
    button('UP');
    expect(rows()[0]).toBe('Hello           ');
  });

  it('offers a retry when a message was not sent, and the retry sends that same message again', () => {
    open();
    ui.send('hi');
    ui.failed({ kind: 'not-sent' });
    expect(rows()).toEqual(['    Not sent    ', 'SELECT to retry ']);
    vi.advanceTimersByTime(120_000);
    expect(actions).toEqual([{ type: 'send', text: 'hi' }]); // never resent by itself
    button('SELECT');
    expect(actions).toEqual([
      { type: 'send', text: 'hi' },
      { type: 'send', text: 'hi' },
    ]);
    expect(corner()).toBe('|');
  });

  it('retries the message that failed, when an answer to an earlier one came in between', () => {
    open(KEYPAD);
    key('2');
    key('#'); // "a"
    const first = actions[0];
    key('3');
    key('#'); // "d", sent before "a" was answered
    const second = actions[1];
    ui.delivered([msg('You said: a')], first);
    ui.failed({ kind: 'not-sent' }, second);
    expect(rows()[1]).toBe('   # to retry   ');
    key('#');
    expect(actions).toEqual([first, second, { type: 'send', text: 'd' }]);
  });

  it('names # as the retry key on a keypad', () => {
    open(KEYPAD);
    key('2');
    key('#');
    ui.failed({ kind: 'not-sent' });
    expect(rows()[1]).toBe('   # to retry   ');
    key('#');
    expect(actions).toEqual([
      { type: 'send', text: 'a' },
      { type: 'send', text: 'a' },
    ]);
  });

  it('says "Check setup" with its cause when BotDistrikt refuses the setup, offers no retry, and any key dismisses it', () => {
    open();
    ui.showReplies([msg('Hello')], 'bot');
    ui.send('hi');
    ui.failed({ kind: 'setup', cause: '404: app id' });
    expect(rows()).toEqual(['  Check setup   ', '  404: app id   ']);
    vi.advanceTimersByTime(120_000);
    button('SELECT');
    expect(actions).toEqual([{ type: 'send', text: 'hi' }]);
    expect(rows()[0]).toBe('Hello           ');
  });

  it('tries an unreachable bot again by itself, waiting longer each time, and shows the answer when it comes back', () => {
    open();
    ui.send('hi');
    ui.failed({ kind: 'offline' });
    expect(rows()).toEqual(['  Bot offline   ', ' retrying in 5s ']);
    vi.advanceTimersByTime(4000);
    expect(rows()[1]).toBe(' retrying in 1s ');
    expect(actions).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(actions).toEqual([
      { type: 'send', text: 'hi' },
      { type: 'send', text: 'hi' },
    ]);
    expect(corner()).toBe('|');
    ui.failed({ kind: 'offline' });
    expect(rows()[1]).toBe('retrying in 10s ');
    vi.advanceTimersByTime(10_000);
    expect(actions).toHaveLength(3);
    ui.delivered([msg('Hello again')]);
    expect(rows()).toEqual(['Hello again     ', '                ']);
    vi.advanceTimersByTime(120_000);
    expect(actions).toHaveLength(3);
  });

  it('sends an unreachable bot the message at once when SELECT is pressed', () => {
    open();
    ui.send('hi');
    ui.failed({ kind: 'offline' });
    button('SELECT');
    expect(actions).toEqual([
      { type: 'send', text: 'hi' },
      { type: 'send', text: 'hi' },
    ]);
  });

  it('keeps the message in view above the status on a 20×4', () => {
    caps = () => LCD20x4;
    open(LCD20x4);
    ui.showReplies([msg('Hello')], 'bot');
    ui.setStatus('offline');
    expect(rows()).toEqual(['Hello               ', '                    ', '    Bot offline     ', '    retrying...     ']);
    caps = () => SHIELD;
  });
});

describe('life cycle', () => {
  it('emits change only when the frame changes', () => {
    open();
    ui.showReplies([msg('Hello')], 'bot');
    const n = changes;
    button('UP');
    expect(changes).toBe(n);
  });

  it('leaves no timer behind after dispose', () => {
    open(KEYPAD);
    ui.showReplies([msg('One'), msg('Two')], 'bot');
    ui.setStatus('thinking');
    key('2');
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    ui.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a glyph in its slot while it stays on screen', () => {
    open();
    ui.showReplies([msg('café au lait, très bien, à bientôt et voilà')], 'bot');
    const slotOf = (ch: string) => ui.frame().glyphs.findIndex((g) => glyphText(g) === ch);
    const before = slotOf('é');
    ui.setStatus('thinking');
    vi.advanceTimersByTime(250);
    expect(slotOf('é')).toBe(before);
  });
});
