import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceUI, type UIAction, type UICaps } from '../bridge/ui/index.js';
import { frameToText } from '../bridge/lcd/index.js';
import type { BotReply, QuickReply, ReplyButton } from '../bridge/chat/replies.js';

const SHIELD: UICaps = { cols: 16, rows: 2, rom: 'A00', buttons: ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'], keypad: [] };
const KEYPAD: UICaps = { cols: 16, rows: 2, rom: 'A00', buttons: [], keypad: ['123', '456', '789', '*0#'] };
const qr = (title: string, type: QuickReply['type'] = 'text', payload?: string): QuickReply => ({ type, title, payload });
const msg = (text: string, quickReplies: QuickReply[] = [], buttons: ReplyButton[] = []): BotReply => ({
  kind: 'text',
  text,
  buttons,
  quickReplies,
});

let ui: DeviceUI;
let actions: UIAction[];
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  ui?.dispose();
  vi.useRealTimers();
});

function open(caps: UICaps, replies: BotReply[], options = {}) {
  ui = new DeviceUI(caps, { autoAdvance: false, ...options });
  actions = [];
  ui.on('action', (a) => actions.push(a));
  ui.showReplies(replies, 'bot');
}
const rows = () => frameToText(ui.frame(), 'A00');
const button = (name: string) => ui.handleInput({ type: 'button', action: 'down', button: name, index: 0 });
const key = (k: string) => {
  ui.handleInput({ type: 'key', action: 'down', key: k });
  ui.handleInput({ type: 'key', action: 'up', key: k });
};

const WEATHER = msg('Pick one', [qr('Weather'), qr('Joke', 'text', 'JOKE_PAYLOAD'), qr('News')]);

describe('quick replies and buttons as numbered options', () => {
  it('numbers them after the text and shows ▼ when more follow', () => {
    open(KEYPAD, [WEATHER]);
    expect(rows()).toEqual(['Pick one        ', '1 Weather      ▼']);
  });

  it('chooses an option with its keypad digit, sending its payload', () => {
    open(KEYPAD, [WEATHER]);
    key('2');
    expect(actions).toEqual([{ type: 'choose', option: qr('Joke', 'text', 'JOKE_PAYLOAD'), text: 'JOKE_PAYLOAD' }]);
  });

  it('marks an option with DOWN, scrolls to it, and chooses it with SELECT', () => {
    open(SHIELD, [WEATHER]);
    button('DOWN');
    expect(rows()).toEqual(['Pick one        ', '1→Weather      ▼']);
    button('DOWN');
    expect(rows()).toEqual(['1 Weather      ▲', '2→Joke         ▼']);
    button('DOWN');
    button('DOWN'); // stays on the last one
    expect(rows()).toEqual(['2 Joke         ▲', '3→News          ']);
    button('UP');
    expect(rows()[0]).toBe('2→Joke         ▲');
    button('SELECT');
    expect(actions).toEqual([{ type: 'choose', option: qr('Joke', 'text', 'JOKE_PAYLOAD'), text: 'JOKE_PAYLOAD' }]);
  });

  it('scrolls through the text with DOWN before it marks options', () => {
    open(SHIELD, [msg('A long question that needs more than two rows to be read', [qr('Yes'), qr('No')])]);
    expect(rows()[0]).toBe('A long question ');
    button('DOWN');
    expect(rows()[0]).toBe('than two rows  ▲');
    button('DOWN');
    expect(rows()).toEqual(['to be read     ▲', '1→Yes          ▼']);
  });

  it('scrolls a marked option whose title is too long, so it can be read whole', () => {
    open(SHIELD, [msg('Hi', [qr('Tell me your opening hours'), qr('Bye')])]);
    expect(rows()[1]).toBe('1 Tell me your ▼');
    button('DOWN');
    expect(rows()[1]).toBe('1→Tell me your ▼');
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      vi.advanceTimersByTime(400);
      seen.push(rows()[1]);
    }
    expect(seen).toContain('1→opening hours▼');
    button('DOWN');
    vi.advanceTimersByTime(4000);
    expect(rows()).toEqual(['1 Tell me your ▲', '2→Bye           ']);
  });

  it('shows URL and phone buttons compactly, and the full URL when chosen', () => {
    open(SHIELD, [
      msg(
        'Info',
        [],
        [
          { type: 'url', title: 'Our site', value: 'https://www.example.com/x/' },
          { type: 'phone', title: 'Call us', value: '+65 1234 5678' },
          { type: 'text', title: 'Thanks' },
        ],
      ),
    ]);
    expect(rows()).toEqual(['Info            ', '1↗example.com/x▼']);
    button('DOWN');
    expect(rows()).toEqual(['Info            ', '1→example.com/x▼']);
    button('DOWN');
    expect(rows()).toEqual(['1↗example.com/x▲', '2→+65 1234 5678▼']);
    button('UP');
    button('SELECT');
    expect(actions).toEqual([]);
    expect(rows()).toEqual(['Our site        ', 'https://www.exa▼']);
    button('RIGHT');
    expect(rows()[0]).toBe('mple.com/x/    ▲');
    button('LEFT');
    expect(rows()).toEqual(['1→example.com/x▲', '2☎+65 1234 5678▼']);
  });

  it('numbers links too, so a keypad (no UP/DOWN) opens one with its digit and closes it with #', () => {
    open(KEYPAD, [msg('Info', [qr('More')], [{ type: 'url', title: 'Site', value: 'https://example.com' }])]);
    key('1');
    expect(actions).toEqual([]);
    expect(rows()).toEqual(['Site            ', 'https://example▼']);
    key('#'); // # pages on through it, then closes it
    expect(rows()).toEqual(['.com           ▲', '                ']);
    key('#');
    expect(rows()).toEqual(['Info            ', '1↗example.com  ▼']);
    key('2');
    expect(actions).toEqual([{ type: 'choose', option: qr('More'), text: 'More' }]);
  });

  it('sends links as messages when the designer wants', () => {
    open(KEYPAD, [msg('Info', [], [{ type: 'url', title: 'Site', value: 'https://example.com' }])], { links: 'send' });
    key('1');
    expect(actions).toEqual([
      { type: 'choose', option: { type: 'url', title: 'Site', value: 'https://example.com' }, text: 'https://example.com' },
    ]);
  });

  it('shows Return as ❮', () => {
    open(KEYPAD, [msg('Hm', [qr('', 'return', 'BACK'), qr('Go')])]);
    key('3'); // no third option: nothing
    expect(actions).toEqual([]);
    expect(rows().join('|')).toBe('Hm              |1 ❮            ▼');
    key('1');
    expect(actions[0]).toMatchObject({ type: 'choose', text: 'BACK' });
  });

  it('lets a fixed-text button send its text', () => {
    open({ ...SHIELD, buttons: ['YES', 'NO'] }, [msg('Ready?')], { buttons: { YES: { send: 'Yes please' }, NO: { send: 'No' } } });
    button('YES');
    expect(actions).toEqual([{ type: 'send', text: 'Yes please' }]);
  });

  it('starts a new conversation with a NEW button', () => {
    open({ ...SHIELD, buttons: [...SHIELD.buttons, 'NEW'] }, [WEATHER]);
    button('NEW');
    expect(actions).toEqual([{ type: 'new-conversation' }]);
    expect(rows()).toEqual(['Ready           ', '                ']);
  });
});

describe('every option reachable on every preset', () => {
  const many = msg(
    'Pick',
    Array.from({ length: 12 }, (_, i) => qr(`Opt ${i + 1}`)),
    [{ type: 'url', title: 'Site', value: 'https://example.com' }],
  );
  const chose = (n: number) => ({ type: 'choose', option: qr(`Opt ${n}`), text: `Opt ${n}` });

  it('on the keypad: more than ten options are numbered per screen, # turns the page, and a digit chooses from the screen shown', () => {
    open(KEYPAD, [many]);
    expect(rows()).toEqual(['Pick            ', '1↗example.com  ▼']);
    key('#');
    expect(rows()).toEqual(['1 Opt 1        ▲', '2 Opt 2        ▼']);
    key('#');
    key('#');
    key('#');
    key('#');
    expect(rows()).toEqual(['1 Opt 9        ▲', '2 Opt 10       ▼']);
    key('#');
    expect(rows()).toEqual(['1 Opt 11       ▲', '2 Opt 12        ']);
    key('2');
    expect(actions).toEqual([chose(12)]);
  });

  it('on the keypad: # on the last page goes back to the first, so the link and the first options can be chosen again', () => {
    open(KEYPAD, [many]);
    for (let i = 0; i < 7; i++) key('#');
    expect(rows()[0]).toBe('Pick            ');
    key('1');
    expect(rows()[0]).toBe('Site            '); // the link, shown in full
  });

  it('on the shield: UP/DOWN reach the twelfth option and the link, and SELECT chooses', () => {
    open(SHIELD, [many]);
    button('DOWN');
    expect(rows()[1]).toBe('1→example.com  ▼');
    button('SELECT');
    expect(rows()[0]).toBe('Site            ');
    button('LEFT');
    for (let i = 0; i < 12; i++) button('DOWN');
    expect(rows()[1]).toMatch(/^2→Opt 12/);
    button('SELECT');
    expect(actions).toEqual([chose(12)]);
  });
});
