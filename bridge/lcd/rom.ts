/**
 * The HD44780's character ROMs as Unicode, one string per code, shared by the
 * virtual LCD (codes → text) and the bridge's renderer (text → codes), so
 * both sides agree on what a code looks like.
 *
 * Conventions:
 *  - codes 0x00–0x07 are the custom glyphs (CGRAM): "\u0000".."\u0007";
 *    0x08–0x0F show the same glyphs again and map to the same markers;
 *  - codes the ROM leaves blank map to " " (the reverse map prefers 0x20);
 *  - every entry is a single UTF-16 code unit, so a row of N codes is a
 *    string of N characters. A few glyphs without a one-character Unicode
 *    equivalent use the nearest one (noted below).
 *
 * The tables follow the code charts of the HD44780U datasheet (ROM codes A00
 * and A02) as transcribed by hand; the A02 entries 0x10–0x1F and 0x80–0x9F
 * (arrows, symbols, Cyrillic and Greek) are the least certain.
 */

export type RomName = 'A00' | 'A02';

const GLYPHS = Array.from({ length: 8 }, (_, i) => String.fromCharCode(i));

function ascii(): string[] {
  const t: string[] = new Array(256).fill(' ');
  for (let i = 0; i < 16; i++) t[i] = GLYPHS[i & 7];
  for (let c = 0x20; c < 0x7f; c++) t[c] = String.fromCharCode(c);
  return t;
}

function place(t: string[], start: number, chars: string): void {
  const list = [...chars];
  list.forEach((ch, i) => (t[start + i] = ch));
}

/** A00: ASCII (0x5C ¥, 0x7E →, 0x7F ←), half-width katakana 0xA1–0xDF, Greek and symbols 0xE0–0xFF. */
export const ROM_A00: readonly string[] = (() => {
  const t = ascii();
  t[0x5c] = '¥';
  t[0x7e] = '→';
  t[0x7f] = '←';
  // 0xA1–0xDE: JIS X 0201 katakana, U+FF61..U+FF9E; 0xDF is the round mark, used as the degree sign.
  for (let c = 0xa1; c <= 0xde; c++) t[c] = String.fromCharCode(0xff61 + (c - 0xa1));
  t[0xdf] = '°';
  // 0xE9 is a superscript "-1" (shown as ⁻), 0xF8 an x with a bar (shown as x̄'s base x);
  // 0xE7 0xEA 0xF0 0xF1 0xF9 are g j p q y with descenders.
  place(t, 0xe0, 'αäßεµσρg√⁻jˣ¢£ñö');
  place(t, 0xf0, 'pqθ∞ΩüΣπxy千万円÷ █');
  return Object.freeze(t);
})();

/** A02: ASCII (0x7F ⌂), symbols 0x10–0x1F, Cyrillic and Greek 0x80–0x9F, close to ISO-8859-1 from 0xA0. */
export const ROM_A02: readonly string[] = (() => {
  const t = ascii();
  // 0x14/0x15 are two stacked solid triangles (up, down); 0xA0 a double bar; 0xD8 is Φ, not Ø.
  place(t, 0x10, '►◄“”⏫⏬●↵↑↓→←≤≥▲▼');
  t[0x7f] = '⌂';
  place(t, 0x80, 'БДЖЗИЙЛПУЦЧШЩЪЫЭ');
  place(t, 0x90, 'α♪ΓπΣσ♬τ⍾ΘΩδ∞♥ε∩');
  place(t, 0xa0, '‖¡¢£¤¥¦§ƒ©ª«ЮЯ®‘');
  place(t, 0xb0, '°±²³₧µ¶·ω¹º»¼½¾¿');
  for (let c = 0xc0; c <= 0xff; c++) t[c] = String.fromCharCode(c);
  t[0xd8] = 'Φ';
  return Object.freeze(t);
})();

export function romTable(rom: RomName): readonly string[] {
  return rom === 'A02' ? ROM_A02 : ROM_A00;
}

const reverse = new Map<RomName, Map<string, number>>();

/**
 * Character → ROM code, for the renderer. Where several codes show the same
 * character, printable ASCII wins, then the upper half, then the glyph
 * markers 0–7 (never 0x08–0x1F).
 */
export function romReverse(rom: RomName): ReadonlyMap<string, number> {
  let m = reverse.get(rom);
  if (!m) {
    m = new Map();
    const t = romTable(rom);
    const order = [...range(0x20, 0x100), ...range(0x10, 0x20), ...range(0, 8)];
    for (const c of order) if (!m.has(t[c])) m.set(t[c], c);
    reverse.set(rom, m);
  }
  return m;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
