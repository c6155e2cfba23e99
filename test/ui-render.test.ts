import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceUI, type UICaps } from '../bridge/ui/index.js';
import { frameToText, glyphText } from '../bridge/lcd/index.js';
import type { BotReply } from '../bridge/chat/replies.js';
import { parseReplies } from '../bridge/botdistrikt/parse.js';

const LCD16x2: UICaps = { cols: 16, rows: 2, rom: 'A02', buttons: ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'], keypad: [] };
const LCD20x4: UICaps = { ...LCD16x2, cols: 20, rows: 4 };
const text = (t: string): BotReply => ({ kind: 'text', text: t, buttons: [], quickReplies: [] });

let ui: DeviceUI;
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  ui?.dispose();
  vi.useRealTimers();
});

function open(caps: UICaps, replies: BotReply[], options = {}) {
  ui = new DeviceUI(caps, { autoAdvance: false, ...options });
  ui.showReplies(replies, 'bot');
  return ui;
}
const rows = () => frameToText(ui.frame(), 'A02');
const press = (button: string) => {
  ui.handleInput({ type: 'button', action: 'down', button, index: 0 });
  ui.handleInput({ type: 'button', action: 'up', button, index: 0 });
};

describe('text laid out on the LCD', () => {
  const cases: { name: string; caps: UICaps; text: string; pages: string[][] }[] = [
    { name: 'short text', caps: LCD16x2, text: 'Hello world', pages: [['Hello world     ', '                ']] },
    {
      name: 'two full lines, no indicator',
      caps: LCD16x2,
      text: 'The quick brown fox jumps over',
      pages: [['The quick brown ', 'fox jumps over  ']],
    },
    {
      name: 'more than a screen: last column kept for ▲ ▼',
      caps: LCD16x2,
      text: 'The quick brown fox jumps over the lazy dog',
      pages: [
        ['The quick brown ', 'fox jumps over ▼'],
        ['the lazy dog   ▲', '                '],
      ],
    },
    {
      name: 'a word longer than a line is cut',
      caps: LCD16x2,
      text: 'Supercalifragilisticexpialidocious',
      pages: [
        ['Supercalifragil ', 'isticexpialidoc▼'],
        ['ious           ▲', '                '],
      ],
    },
    {
      name: 'line breaks are kept, blank lines dropped',
      caps: LCD16x2,
      text: 'Line one\n\nLine two',
      pages: [['Line one        ', 'Line two        ']],
    },
    {
      name: '20×4 paragraph',
      caps: LCD20x4,
      text: 'BotDistrikt bots answer here. Press RIGHT for the next page of a long message.',
      pages: [
        ['BotDistrikt bots    ', 'answer here. Press  ', 'RIGHT for the next  ', 'page of a long     ▼'],
        ['message.           ▲', '                    ', '                    ', '                    '],
      ],
    },
    {
      name: 'a long URL is cut where the line ends',
      caps: LCD20x4,
      text: 'See https://example.com/a/very/long/path?with=query',
      pages: [['See https://example.', 'com/a/very/long/path', '?with=query         ', '                    ']],
    },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.caps.cols}×${c.caps.rows})`, () => {
      open(c.caps, [text(c.text)]);
      c.pages.forEach((page, i) => {
        if (i) press('RIGHT');
        expect(rows()).toEqual(page);
      });
    });
  }

  it('goes back a page with LEFT', () => {
    open(LCD16x2, [text('The quick brown fox jumps over the lazy dog')]);
    press('RIGHT');
    press('LEFT');
    expect(rows()[0]).toBe('The quick brown ');
  });

  it('draws the thinking spinner beside the ▲ of a later page, not over it', () => {
    open(LCD16x2, [text('one two three four five six seven eight nine ten eleven twelve thirteen')]);
    press('DOWN');
    const before = rows()[0];
    expect(before.endsWith('▲')).toBe(true);
    ui.setStatus('thinking');
    expect(rows()[0].endsWith('▲')).toBe(true);
    expect(rows()[0]).not.toBe(before);
  });

  it('shows images, cards and other kinds as a short placeholder', () => {
    open(LCD16x2, [
      { kind: 'placeholder', label: '[image]', buttons: [], quickReplies: [] },
      { kind: 'placeholder', label: '[card]', text: 'Sunny Day', buttons: [], quickReplies: [] },
    ]);
    expect(rows()[0]).toBe('[image]         ');
    expect(rows()[1]).toBe('               ▼');
    press('RIGHT');
    expect(rows()[0]).toBe('[card] Sunny Day');
  });

  it('shows a parsed image as [image] and a text message without text as [empty message], with single brackets', () => {
    for (const [body, shown] of [
      [[{ type: 'image', url: 'https://x/cat.jpg' }], '[image]         '],
      [[{ type: 'text', text: null }], '[empty message] '],
      [[{ type: 'text' }], '[empty message] '],
      [[{ type: 'text', text: '' }], '[empty message] '],
    ] as const) {
      open(LCD16x2, parseReplies(body));
      expect(rows()[0]).toBe(shown);
      ui.dispose();
    }
  });

  it('marks a live agent and a broadcast', () => {
    open(LCD16x2, []);
    ui.showReplies([text('Hi, I am Ann')], 'human');
    expect(rows()[0]).toBe('Agent: Hi, I am ');
    ui.showReplies([text('Sale today')], 'broadcast');
    press('RIGHT');
    expect(rows()[0]).toBe('News: Sale today');
  });

  it('shows a hint on the idle screen', () => {
    ui = new DeviceUI({ ...LCD16x2, buttons: [], keypad: ['123', '456', '789', '*0#'] });
    expect(rows()).toEqual(['Type a message, ', '# to send       ']);
  });
});

describe('any text, any LCD', () => {
  it('always gives rows of exactly `cols` ROM codes, with every glyph code defined', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(fc.constantFrom(...'aé€Жß😀\\~ \n«»…ñ'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
          maxLength: 120,
        }),
        fc.constantFrom([8, 1], [16, 1], [16, 2], [20, 4], [40, 2]),
        fc.constantFrom('A00', 'A02'),
        fc.boolean(),
        (t, [cols, nrows], rom, typing) => {
          const u = new DeviceUI(
            { cols, rows: nrows, rom: rom as 'A00' | 'A02', buttons: [], keypad: ['123', '456', '789', '*0#'] },
            { autoAdvance: false },
          );
          u.showReplies([{ kind: 'text', text: t, buttons: [], quickReplies: [{ type: 'text', title: t.slice(0, 10) }] }], 'bot');
          if (typing) u.handleInput({ type: 'key', action: 'down', key: '*' });
          const f = u.frame();
          u.dispose();
          expect(f.rows).toHaveLength(nrows);
          for (const row of f.rows) {
            expect(row).toHaveLength(cols);
            for (const ch of row) {
              const code = ch.charCodeAt(0);
              expect(code).toBeLessThan(256);
              if (code < 8) expect(f.glyphs[code]).not.toBeNull();
            }
          }
          expect(f.glyphs.filter(Boolean).length).toBeLessThanOrEqual(8);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('custom glyphs left for text (README: at most 7; 5 on a paged A00 screen)', () => {
  const A00: UICaps = { ...LCD16x2, rom: 'A00' };
  const glyphsShown = () => {
    const f = ui.frame();
    const codes = new Set(f.rows.flatMap((r) => [...r].map((c) => c.charCodeAt(0)).filter((c) => c < 8)));
    return [...codes].map((c) => glyphText(f.glyphs[c] ?? null));
  };

  it('a one-page screen shows at most 7 different glyphs of text; the eighth slot stays for the spinner', () => {
    open(A00, [text('éèêàâçôûî')]);
    const shown = glyphsShown();
    expect(shown).toHaveLength(7);
    ui.setStatus('thinking');
    expect(glyphsShown()).toHaveLength(8); // the 7 and the spinner
  });

  it('a message of more than one page on A00 keeps two slots for ▲ ▼: 5 for its text', () => {
    open(A00, [text('éèêàâçôûî éèêàâçôûî éèêàâçôûî éèêàâçôûî')]);
    press('DOWN');
    const shown = glyphsShown();
    expect(shown).toContain('▲');
    expect(shown.filter((g) => g !== '▲' && g !== '▼')).toHaveLength(5);
  });
});
