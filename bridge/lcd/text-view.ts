/**
 * A ScreenFrame as readable text, through the LCD's ROM: for tests, logs and
 * the CLI's terminal view. Custom glyphs show as the character they draw
 * (the spinner as | / - \), an unknown bitmap as "▒".
 */
import { GLYPHS, SPINNER_FRAMES } from './glyphs.js';
import { romTable, type RomName } from './rom.js';
import type { ScreenFrame } from './screen.js';

const SPINNER_TEXT = ['|', '/', '-', '\\'];

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** What a custom glyph's bitmap draws, as one character. */
export function glyphText(bitmap: Uint8Array | null): string {
  if (!bitmap) return ' ';
  for (const [ch, bits] of GLYPHS) if (same(bits, bitmap)) return ch;
  const s = SPINNER_FRAMES.findIndex((f) => same(f, bitmap));
  return s >= 0 ? SPINNER_TEXT[s] : '▒';
}

/** The rows of a frame as Unicode text, one string per row. */
export function frameToText(frame: ScreenFrame, rom: RomName): string[] {
  const table = romTable(rom);
  const glyphs = frame.glyphs.map(glyphText);
  return frame.rows.map((row) =>
    [...row]
      .map((ch) => {
        const code = ch.charCodeAt(0);
        return code < 16 ? glyphs[code & 7] : table[code];
      })
      .join(''),
  );
}

/** A frame drawn in a box, with the cursor marked, for a terminal. */
export function frameToBox(frame: ScreenFrame, rom: RomName): string {
  const rows = frameToText(frame, rom);
  const width = rows[0]?.length ?? 0;
  const lines = rows.map((r, i) => {
    const chars = [...r];
    const c = frame.cursor;
    if (c.mode !== 'off' && c.row === i) {
      const under = chars[c.col] ?? ' ';
      chars[c.col] = c.mode === 'block' ? `\x1b[7m${under}\x1b[27m` : `\x1b[4m${under}\x1b[24m`;
    }
    return `│${chars.join('')}│`;
  });
  return [`┌${'─'.repeat(width)}┐`, ...lines, `└${'─'.repeat(width)}┘`].join('\n');
}
