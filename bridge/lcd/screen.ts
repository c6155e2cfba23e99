/**
 * What the LCD should show: the renderer produces it, the device link diffs
 * it against what the LCD shows and sends only what changed.
 */
export interface ScreenFrame {
  /** One string per row, exactly `cols` long, of LCD ROM codes (char codes 0..255; 0–7 are glyphs). */
  rows: string[];
  /** Custom glyphs 0–7: 8 pixel rows each (5 bits used), or null when unused. */
  glyphs: (Uint8Array | null)[];
  cursor: { mode: 'off' | 'line' | 'block'; row: number; col: number };
  backlight: boolean;
}

export function blankFrame(cols: number, rows: number): ScreenFrame {
  return {
    rows: Array.from({ length: rows }, () => ' '.repeat(cols)),
    glyphs: Array.from({ length: 8 }, () => null),
    cursor: { mode: 'off', row: 0, col: 0 },
    backlight: true,
  };
}
