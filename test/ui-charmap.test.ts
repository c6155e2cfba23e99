import { describe, expect, it } from 'vitest';
import { transliterate } from 'transliteration';
import { CharMap, DeviceUI } from '../bridge/ui/index.js';
import { frameToText, ROM_A00, ROM_A02 } from '../bridge/lcd/index.js';
import type { BotReply } from '../bridge/chat/replies.js';

const hex = (codes: (number | object)[]) => codes.map((c) => (typeof c === 'number' ? c.toString(16) : 'glyph'));
const reply = (text: string): BotReply => ({ kind: 'text', text, buttons: [], quickReplies: [] });

function screen(rom: 'A00' | 'A02', text: string, cols = 20, rows = 4) {
  const ui = new DeviceUI({ cols, rows, rom, buttons: ['SELECT'], keypad: [] }, { autoAdvance: false });
  ui.showReplies([reply(text)], 'bot');
  const frame = ui.frame();
  ui.dispose();
  return { frame, text: frameToText(frame, rom), glyphs: frame.glyphs.filter(Boolean).length };
}

describe('character mapping', () => {
  it('maps printable ASCII to itself on both ROMs', () => {
    const ascii = 'Hello, World! 0123 {a} [b] (c) <d> @#$%^&*_+=|;:"?/';
    for (const rom of ['A00', 'A02'] as const) {
      expect(new CharMap(rom).cells(ascii)).toEqual([...ascii].map((c) => c.charCodeAt(0)));
    }
  });

  it('finds the characters the A00 ROM has in its upper half', () => {
    const map = new CharMap('A00');
    expect(hex(map.cells('äöüßµ°πΣΩ÷√¢θεσρñ'))).toEqual([
      'e1',
      'ef',
      'f5',
      'e2',
      'e4',
      'df',
      'f7',
      'f6',
      'f4',
      'fd',
      'e8',
      'ec',
      'f2',
      'e3',
      'e5',
      'e6',
      'ee',
    ]);
    expect(map.cells('ｱｲｳ')).toEqual([0xb1, 0xb2, 0xb3]);
    // Full-width katakana and hiragana become the ROM's half-width katakana, voiced ones with ﾞ.
    expect(map.cells('アイウ')).toEqual([0xb1, 0xb2, 0xb3]);
    expect(map.cells('ありがとう')).toEqual([0xb1, 0xd8, 0xb6, 0xde, 0xc4, 0xb3]);
    expect(map.cells('コーヒー。')).toEqual([0xba, 0xb0, 0xcb, 0xb0, 0xa1]);
  });

  it('does not send \\ and ~ as themselves on A00, where those codes are ¥ and →', () => {
    const map = new CharMap('A00');
    const cells = map.cells('a\\b~c');
    expect(cells[1]).toMatchObject({ glyph: '\\' });
    expect(cells[3]).toMatchObject({ glyph: '~' });
    expect(new CharMap('A00', { glyphs: false }).plain('a\\b~c')).toEqual([0x61, 0x2f, 0x62, 0x2d, 0x63]);
    expect(new CharMap('A02').cells('\\~')).toEqual([0x5c, 0x7e]);
  });

  it('holds the A02 codes the HD44780U datasheet shows where A02 is not Latin-1', () => {
    expect([0x14, 0x15, 0xa0, 0xd8].map((c) => ROM_A02[c])).toEqual(['⏫', '⏬', '‖', 'Φ']);
    // Ø is not in the A02 ROM: it must not be sent as 0xD8 (which shows Φ).
    expect(new CharMap('A02').cells('Φ')).toEqual([0xd8]);
    expect(new CharMap('A02').cells('Ø')).not.toEqual([0xd8]);
  });

  it('uses the Latin-1 half of A02 for accented letters', () => {
    expect(new CharMap('A02').cells('éàçñÄÖÜ¿«»ß')).toEqual([...'éàçñÄÖÜ¿«»ß'].map((c) => c.charCodeAt(0)));
  });

  it('normalizes decomposed accents first', () => {
    expect(new CharMap('A02').cells('e\u0301')).toEqual([0xe9]);
    expect(new CharMap('A00').cells('u\u0308')).toEqual([0xf5]);
  });

  it('shows Cyrillic with the A02 capitals and look-alikes, and transliterates it on A00', () => {
    const a02 = new CharMap('A02');
    expect(
      a02
        .cells('Жук')
        .map((c) => ROM_A02[c as number])
        .join(''),
    ).toBe('ЖУK');
    expect(
      a02
        .cells('привет')
        .map((c) => ROM_A02[c as number])
        .join(''),
    ).toBe('ПPИBET');
    expect(String.fromCharCode(...new CharMap('A00').plain('Привет'))).toBe('Privet');
  });

  it('puts typographic punctuation and emoji into plain characters', () => {
    const a00 = new CharMap('A00');
    expect(String.fromCharCode(...a00.plain('“Hi” – it’s 👍 🦄'))).toBe('"Hi" - it\'s +1 ');
    expect(a00.plain('€5')).toEqual([...'EUR5'].map((c) => c.charCodeAt(0)));
    expect(new CharMap('A02').cells('“x”')).toEqual([0x12, 0x78, 0x13]);
  });

  it('reads the ROM tables the virtual LCD reads', () => {
    expect(ROM_A00).toHaveLength(256);
    expect(ROM_A02).toHaveLength(256);
    const map = new CharMap('A00');
    for (const code of [0x41, 0x7e, 0x7f, 0xb1, 0xdf, 0xe1, 0xf4]) expect(map.cells(ROM_A00[code])).toEqual([code]);
  });
});

describe('accented text on the screen', () => {
  it('defines a glyph for each accent A00 lacks, and shows the text as written', () => {
    const s = screen('A00', 'Café crème, brûlée à la française');
    expect(s.text.join('|')).toBe(
      ['Café crème, brûlée à', 'la française        ', '                    ', '                    '].join('|'),
    );
    // é è û à ç: five glyphs; the frame carries their bitmaps.
    expect(s.glyphs).toBe(5);
    for (const row of s.frame.rows)
      for (const ch of row) {
        const code = ch.charCodeAt(0);
        if (code < 8) expect(s.frame.glyphs[code]).not.toBeNull();
      }
  });

  it('needs no glyph on A02 for the same text', () => {
    const s = screen('A02', 'Café crème, brûlée à la française');
    expect(s.glyphs).toBe(0);
    expect(s.frame.rows[0]).toBe('Café crème, brûlée à');
  });

  it('never uses more than 8 glyphs, and transliterates the rarest beyond', () => {
    const text = 'é é é è è ê ë à â ç î ô û ù ï ñ';
    const s = screen('A00', text, 20, 2);
    expect(s.glyphs).toBeLessThanOrEqual(8);
    const shown = s.text.join(' ').replace(/\s+/g, ' ').trim();
    expect(transliterate(shown)).toBe(transliterate(text));
    // The most frequent ones kept their accents.
    expect(shown).toContain('é é é è è');
    expect(shown).toMatch(/[a-z] [a-z]|[a-z]$/); // some were transliterated
  });

  it('shows ¥-free backslashes and tildes on A00 through glyphs', () => {
    const s = screen('A00', 'C:\\dir ~home', 16, 2);
    expect(s.text[0]).toBe('C:\\dir ~home    ');
    expect(s.frame.rows[0].charCodeAt(2)).toBeLessThan(8);
  });
});
