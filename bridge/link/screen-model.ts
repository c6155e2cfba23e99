/**
 * What the LCD shows, and the fewest commands that turn it into a desired
 * frame. The link keeps two of these models: what the board has acknowledged
 * (`shown`) and what it will show once everything sent arrives (`planned`);
 * new commands are diffed against `planned`.
 */
import { MAX_TEXT } from '../../protocol/schema.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { CLEAR_PAGE, type PagePlan } from './page-plan.js';
import type { ScreenCommand } from './types.js';

type Cursor = ScreenFrame['cursor'];

export class LcdModel {
  /** Cell codes, row by row. Meaningless while `known` is false. */
  readonly cells: Uint8Array;
  /** False until the first CLR: after a reset or a reconnect nobody knows what the LCD shows. */
  known = false;
  /** Custom glyph rows by slot; null when unknown. */
  readonly glyphs: (Uint8Array | null)[] = new Array(8).fill(null);
  /** Null when unknown, or while the display is blank. */
  cursor: Cursor | null = null;
  /** The display is off (CUR blank): a page is being written unseen, and the next CUR shows it. */
  blank = false;
  /** Null when unknown. */
  backlight: boolean | null = null;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.cells = new Uint8Array(cols * rows).fill(0x20);
  }

  /** Forgets everything (a reset or a reconnect). */
  forget(): void {
    this.known = false;
    this.glyphs.fill(null);
    this.cursor = null;
    this.blank = false;
    this.backlight = null;
  }

  /** Applies one screen command as the board does. */
  apply(cmd: ScreenCommand): void {
    switch (cmd.kind) {
      case 'CLR':
        this.cells.fill(0x20);
        this.known = true;
        if (this.cursor) this.cursor = { mode: this.cursor.mode, row: 0, col: 0 };
        break;
      case 'TXT': {
        if (cmd.row >= this.rows) break;
        const base = cmd.row * this.cols;
        const n = Math.min(cmd.text.length, this.cols - cmd.col);
        for (let i = 0; i < n; i++) this.cells[base + cmd.col + i] = cmd.text.charCodeAt(i);
        break;
      }
      case 'GLY':
        this.glyphs[cmd.slot] = Uint8Array.from(cmd.rows);
        break;
      case 'CUR':
        this.blank = cmd.mode === 'blank';
        this.cursor = cmd.mode === 'blank' ? null : { mode: cmd.mode, row: cmd.row, col: cmd.col };
        break;
      case 'BL':
        this.backlight = cmd.on;
        break;
    }
  }

  /** The rows as strings of LCD codes (spaces while unknown; what the LCD holds, even while the display is blank). */
  text(): string[] {
    const out: string[] = [];
    for (let r = 0; r < this.rows; r++)
      out.push(this.known ? String.fromCharCode(...this.cells.subarray(r * this.cols, (r + 1) * this.cols)) : ' '.repeat(this.cols));
    return out;
  }

  copyFrom(other: LcdModel): void {
    this.cells.set(other.cells);
    this.known = other.known;
    for (let i = 0; i < 8; i++) this.glyphs[i] = other.glyphs[i];
    this.cursor = other.cursor;
    this.blank = other.blank;
    this.backlight = other.backlight;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The commands that turn `from` into `want`, in the order they must go:
 * CLR (when the LCD is unknown, or for a page change), changed glyph slots,
 * runs of changed cells per row, rows in DDRAM order (runs separated by at
 * most `mergeGap` unchanged cells are merged; at most MAX_TEXT codes per
 * TXT), then the cursor, then the backlight. Linear in the number of cells.
 *
 * A page change on a 4-row LCD (text changes on more than one row, and in
 * at least half of the cells) is written as `page` says (page-plan.ts), so
 * that the LCD never shows rows of the old page under rows of the new one
 * for longer than one row's write: `clear` starts with CLR (the LCD goes
 * blank at once and the page appears row by row; cells the new page leaves
 * blank need no bytes then); `hide` writes the first changed row, blanks the
 * display (CUR blank), writes the rest unseen (glyph slots too: redefining
 * one changes the old cells that show it) and shows the page with the
 * closing CUR. On 1- and 2-row LCDs a page is written in a few ms, less than
 * the clear itself costs (1.52 ms), so they are written in place.
 */
export function diffScreen(want: ScreenFrame, from: LcdModel, mergeGap = 4, page: PagePlan = CLEAR_PAGE): ScreenCommand[] {
  const out: ScreenCommand[] = [];
  const { cols, rows } = from;
  let known = from.known;
  // a page already being written behind a blank display goes on as it is
  const pageChange = known && !from.blank && isPageChange(want, from);
  const hide = pageChange && page.way === 'hide';
  if (!known) out.push({ kind: 'CLR' });
  else if (pageChange && !hide) {
    out.push({ kind: 'CLR' });
    known = false; // from here on, diffed against a blank LCD
  }

  const glyphs: ScreenCommand[] = [];
  for (let slot = 0; slot < 8; slot++) {
    const g = want.glyphs[slot];
    if (!g) continue;
    const have = from.glyphs[slot];
    if (!have || !sameBytes(have, g)) glyphs.push({ kind: 'GLY', slot, rows: g });
  }
  if (!hide) out.push(...glyphs);

  let wroteText = false;
  let firstRow = true; // (hide) the first row with changes has not been written yet
  for (let i = 0; i < rows; i++) {
    const r = rows === 4 ? DDRAM_ORDER_4[i] : i;
    const line = want.rows[r] ?? '';
    const base = r * cols;
    let runStart = -1;
    let lastChanged = -1;
    const flush = () => {
      let a = runStart;
      if (hide && firstRow && !wroteText)
        for (const n of page.lead) {
          if (lastChanged + 1 - a <= n) break;
          out.push({ kind: 'TXT', row: r, col: a, text: cellText(line, a, a + n) });
          a += n;
        }
      for (; a <= lastChanged; a += MAX_TEXT) {
        const b = Math.min(lastChanged + 1, a + MAX_TEXT);
        out.push({ kind: 'TXT', row: r, col: a, text: cellText(line, a, b) });
      }
      wroteText = true;
    };
    for (let c = 0; c < cols; c++) {
      const code = c < line.length ? line.charCodeAt(c) & 0xff : 0x20;
      const have = known ? from.cells[base + c] : 0x20;
      if (code === have) continue;
      if (runStart >= 0 && c - lastChanged - 1 > mergeGap) {
        flush();
        runStart = -1;
      }
      if (runStart < 0) runStart = c;
      lastChanged = c;
    }
    if (runStart >= 0) flush();
    if (hide && firstRow && wroteText) {
      firstRow = false;
      out.push({ kind: 'CUR', mode: 'blank', row: 0, col: 0 }, ...glyphs);
    }
  }

  const cur = clampCursor(want.cursor, cols, rows);
  const have = from.cursor;
  const cursorMoved = !have || have.mode !== cur.mode || (cur.mode !== 'off' && (have.row !== cur.row || have.col !== cur.col));
  // Writing text moves the controller's cursor: put a visible one back. A blank display: show it.
  if (hide || cursorMoved || (wroteText && cur.mode !== 'off')) out.push({ kind: 'CUR', mode: cur.mode, row: cur.row, col: cur.col });

  if (from.backlight !== want.backlight) out.push({ kind: 'BL', on: want.backlight });
  return out;
}

/**
 * The rows of a 4-row LCD in the order of their DDRAM addresses: row 2
 * continues row 0 and row 3 continues row 1, so that a firmware sends text
 * that goes on where the last ended without setting the address again (four
 * bus bytes an instruction through an I2C backpack). Other LCDs: top to bottom.
 */
const DDRAM_ORDER_4 = [0, 2, 1, 3];

/**
 * Whether `want` is a page change on a 4-row LCD: at least half of the cells
 * change, and characters `from` shows change on more than one row (rows that
 * are blank, as after the clear of a page change being sent in parts, do not
 * count: there is nothing of an old page on them to clear).
 */
function isPageChange(want: ScreenFrame, from: LcdModel): boolean {
  const { cols, rows } = from;
  if (rows < 4) return false;
  let changed = 0;
  let rowsWithOld = 0;
  for (let r = 0; r < rows; r++) {
    const line = want.rows[r] ?? '';
    let oldHere = false;
    for (let c = 0; c < cols; c++) {
      const code = c < line.length ? line.charCodeAt(c) & 0xff : 0x20;
      const have = from.cells[r * cols + c];
      if (code === have) continue;
      changed++;
      if (have !== 0x20) oldHere = true;
    }
    if (oldHere) rowsWithOld++;
  }
  return rowsWithOld > 1 && changed * 2 >= cols * rows;
}

function cellText(line: string, a: number, b: number): string {
  let s = line.length >= b ? line.slice(a, b) : line.slice(a).padEnd(b - a, ' ');
  for (let i = 0; i < s.length; i++)
    if (s.charCodeAt(i) > 0xff) {
      // Not an LCD code: the renderer maps text first. Keep the low byte rather than fail.
      s = Array.from(s, (ch) => String.fromCharCode(ch.charCodeAt(0) & 0xff)).join('');
      break;
    }
  return s;
}

function clampCursor(c: Cursor, cols: number, rows: number): Cursor {
  return {
    mode: c.mode,
    row: Math.max(0, Math.min(rows - 1, c.row | 0)),
    col: Math.max(0, Math.min(cols - 1, c.col | 0)),
  };
}
