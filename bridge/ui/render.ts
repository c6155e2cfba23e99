/**
 * The renderer: puts the regions of a screen together (the message window,
 * the line being typed, a status box) and turns them into a ScreenFrame of
 * ROM codes, with the custom glyphs that this very frame needs.
 */
import { type CharMap, SPACE, type Cell } from './charmap.js';
import { GLYPHS, SPINNER_FRAMES } from '../lcd/glyphs.js';
import type { ScreenFrame } from '../lcd/screen.js';
import type { Doc } from './view.js';
import { indicators, windowDigits } from './pager.js';

/** The glyph key of the spinner. */
export const SPINNER = 'spinner';

export interface ContentRegion {
  doc: Doc;
  /** First line shown. */
  top: number;
  /** Index of the marked option, if any. */
  selected: number | null;
  /** Another message follows this one. */
  moreAfter: boolean;
  /** How far the marked option's label is scrolled, when it is too long. */
  scroll?: number;
}

export interface InputRegion {
  /** e.g. "Message", "Phone". */
  label: string;
  /** e.g. "abc", "ABC", "123". */
  mode: string;
  text: string;
  /** Index of the letter still being chosen by multi-tap, or null. */
  pending: number | null;
}

export interface RenderState {
  cols: number;
  rows: number;
  content: ContentRegion | null;
  input: InputRegion | null;
  /** A status box: one or two lines of text. */
  overlay: string[] | null;
  /** Step of the "thinking" spinner, or null when not thinking. */
  spinner: number | null;
  /** Custom glyphs may be defined; default true. */
  glyphs?: boolean;
  backlight: boolean;
}

/** How the rows of a screen are shared out. */
export function layout(
  rows: number,
  overlay: boolean,
  input: boolean,
): { content: number; input: number; prompt: boolean; overlay: number } {
  const o = overlay ? Math.min(2, rows) : 0;
  const left = rows - o;
  const i = !input || left < 1 ? 0 : left >= 4 ? 2 : 1;
  return { content: left - i, input: i, prompt: i === 2, overlay: o };
}

/** Glyph slots from the previous frame, kept where possible so the LCD redefines as few as it can. */
export type GlyphSlots = (string | null)[];

export function render(state: RenderState, map: CharMap, previous: GlyphSlots = []): { frame: ScreenFrame; slots: GlyphSlots } {
  const { cols, rows } = state;
  // This runs for every change of every device's screen: plain loops, and the
  // grid and the row of codes are reused from one call to the next (nothing
  // keeps them: the frame gets strings).
  const { grid, codes } = scratchFor(cols, rows);
  let cursor: ScreenFrame['cursor'] = { mode: 'off', row: 0, col: 0 };
  const lay = layout(rows, !!state.overlay, !!state.input);
  const put = (row: number, cells: Cell[], col = 0) => {
    const line = grid[row];
    for (let i = 0; i < cells.length && col + i < cols; i++) line[col + i] = cells[i];
  };

  if (state.content && lay.content > 0) drawContent(state.content, lay.content, cols, map, put, grid);

  if (state.input && lay.input > 0) {
    let row = lay.content;
    if (lay.prompt) {
      const mode = map.plain(state.input.mode);
      put(row, map.plain(`${state.input.label}:`).slice(0, cols - mode.length - 1));
      put(row, mode, cols - mode.length);
      row++;
    }
    const { cells, cursor: at } = inputLine(state.input, cols, map);
    put(row, cells);
    cursor = { mode: state.input.pending !== null ? 'block' : 'line', row, col: at };
  }

  if (state.overlay) {
    const start = rows - lay.overlay;
    const lines = state.overlay.slice(0, lay.overlay);
    lines.forEach((text, i) => put(start + i, centre(map.cells(text.replace(/\s+/g, ' ')), cols)));
  }

  if (state.spinner !== null) {
    const fallback = map.plain('.oOo'[state.spinner % 4]);
    // The rightmost free cell of the top row, so ▲/▼ and text keep their place.
    let col = cols - 1;
    while (col > 0 && grid[0][col] !== SPACE) col--;
    if (grid[0][col] !== SPACE) col = cols - 1;
    grid[0][col] = state.glyphs === false ? fallback[0] : { glyph: SPINNER, fallback };
  }

  const slots = state.glyphs === false ? NO_SLOTS : assignGlyphs(grid, previous);
  const glyphs: ScreenFrame['glyphs'] = new Array<Uint8Array | null>(8).fill(null);
  for (let slot = 0; slot < 8; slot++) {
    const key = slots[slot];
    if (key === SPINNER) glyphs[slot] = SPINNER_FRAMES[(state.spinner ?? 0) % SPINNER_FRAMES.length];
    else if (key) glyphs[slot] = GLYPHS.get(key) ?? null;
  }
  const rowStrings = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const line = grid[r];
    for (let c = 0; c < cols; c++) {
      const cell = line[c];
      if (typeof cell === 'number') codes[c] = cell;
      else {
        const slot = slots.indexOf(cell.glyph);
        codes[c] = slot >= 0 ? slot : (cell.fallback[0] ?? 0x3f);
      }
    }
    rowStrings[r] = String.fromCharCode.apply(null, codes);
  }
  return { frame: { rows: rowStrings, glyphs, cursor, backlight: state.backlight }, slots };
}

let scratch: { cols: number; rows: number; grid: Cell[][]; codes: number[] } | null = null;

/** The blank grid (and a row of codes) for a render of cols × rows. */
function scratchFor(cols: number, rows: number): { grid: Cell[][]; codes: number[] } {
  if (!scratch || scratch.cols !== cols || scratch.rows !== rows) {
    scratch = { cols, rows, grid: Array.from({ length: rows }, () => new Array<Cell>(cols)), codes: new Array<number>(cols) };
  }
  for (const line of scratch.grid) line.fill(SPACE);
  return scratch;
}

/** The slots of a frame that uses no glyph (shared: never changed in place). */
const NO_SLOTS: GlyphSlots = Object.freeze(new Array<string | null>(8).fill(null)) as GlyphSlots;
/** UI symbols, which get glyph slots before the rest. */
const UI_GLYPHS = new Set([SPINNER, '▲', '▼']);
/** Line numbers of options when a document has none per window. */
const NO_DIGITS: ReadonlyMap<number, string> = new Map();

function drawContent(
  c: ContentRegion,
  height: number,
  cols: number,
  map: CharMap,
  put: (row: number, cells: Cell[], col?: number) => void,
  grid: Cell[][],
): void {
  const { doc, top } = c;
  const marker = map.char('→');
  const digits = doc.perWindow ? windowDigits(doc, top, height) : NO_DIGITS;
  for (let r = 0; r < height; r++) {
    const line = doc.lines[top + r];
    if (!line) break;
    let cells = line.cells;
    if (line.option !== undefined && doc.perWindow) {
      cells = cells.slice(); // the document's line stays as it is
      cells[0] = map.char(digits.get(line.option) ?? ' ')[0];
    }
    if (line.option !== undefined && line.option === c.selected && cells.length > 1) {
      if (line.full && c.scroll) cells = [...line.full.slice(0, 2), ...line.full.slice(2 + c.scroll, 2 + c.scroll + cells.length - 2)];
      else if (cells === line.cells) cells = cells.slice();
      cells[1] = marker[0];
    }
    put(r, cells);
  }
  const last = height - 1;
  const ind = indicators(doc, top, height, c.moreAfter);
  if (ind.up) grid[0][cols - 1] = map.char('▲')[0];
  if (ind.down && (doc.narrow || grid[last][cols - 1] === SPACE)) grid[last][cols - 1] = map.char('▼')[0];
}

function inputLine(input: InputRegion, cols: number, map: CharMap): { cells: Cell[]; cursor: number } {
  const codes = map.plain(input.text);
  const at = input.pending ?? codes.length;
  const start = at < cols ? 0 : at - (cols - 1);
  const cells: Cell[] = codes.slice(start, start + cols);
  if (start > 0) cells[0] = map.char('←')[0];
  return { cells, cursor: at - start };
}

function centre(cells: Cell[], cols: number): Cell[] {
  if (cells.length >= cols) return cells.slice(0, cols);
  const pad = Math.floor((cols - cells.length) / 2);
  return [...Array.from({ length: pad }, () => SPACE), ...cells];
}

/** Gives the 8 slots to the glyphs of this frame: UI symbols first, then the most used. */
function assignGlyphs(grid: Cell[][], previous: GlyphSlots): GlyphSlots {
  let counts: Map<string, number> | null = null;
  for (const row of grid)
    for (const c of row) if (typeof c !== 'number') (counts ??= new Map()).set(c.glyph, (counts.get(c.glyph) ?? 0) + 1);
  if (!counts) return NO_SLOTS;
  const n = counts;
  const wanted = [...n.keys()]
    .sort((a, b) => Number(UI_GLYPHS.has(b)) - Number(UI_GLYPHS.has(a)) || n.get(b)! - n.get(a)! || (a < b ? -1 : 1))
    .slice(0, 8);
  const slots: GlyphSlots = Array.from({ length: 8 }, (_, i) => (previous[i] && wanted.includes(previous[i]!) ? previous[i]! : null));
  for (const key of wanted) {
    if (slots.includes(key)) continue;
    slots[slots.indexOf(null)] = key;
  }
  return slots;
}

/** Whether two frames would look the same on the LCD (text, cursor, backlight, glyph bitmaps). */
export function sameFrame(a: ScreenFrame, b: ScreenFrame): boolean {
  if (a.backlight !== b.backlight || a.cursor.mode !== b.cursor.mode || a.cursor.row !== b.cursor.row || a.cursor.col !== b.cursor.col)
    return false;
  if (a.rows.some((r, i) => r !== b.rows[i])) return false;
  return a.glyphs.every((g, i) => {
    const h = b.glyphs[i];
    return g === h || (!!g && !!h && g.length === h.length && g.every((v, j) => v === h[j]));
  });
}
