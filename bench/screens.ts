/**
 * The screen updates the benchmarks send: the frames the bridge's screen
 * model (bridge/link/screen-model.ts) produces for a full redraw (every cell
 * changes, from a known screen) and for a one-character change.
 */
import type { PagePlan } from '../bridge/link/page-plan.js';
import { diffScreen, LcdModel } from '../bridge/link/screen-model.js';
import type { ScreenCommand } from '../bridge/link/types.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';

/** A screen of text that differs in every cell from the one of `variant - 1`. */
export function screenText(cols: number, rows: number, variant: number): string[] {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => letters[(variant * 7 + r * 3 + c) % letters.length]).join(''),
  );
}

function frameOf(rows: string[], cols: number): ScreenFrame {
  return { ...blankFrame(cols, rows.length), rows };
}

/** A model of an LCD that shows `rows`, cursor off, backlight on. */
export function shownModel(cols: number, rows: string[]): LcdModel {
  const m = new LcdModel(cols, rows.length);
  m.apply({ kind: 'CLR' });
  m.apply({ kind: 'CUR', mode: 'off', row: 0, col: 0 });
  m.apply({ kind: 'BL', on: true });
  rows.forEach((text, row) => m.apply({ kind: 'TXT', row, col: 0, text }));
  return m;
}

/** The commands for a full redraw: from variant `v - 1` to variant `v`, a page change written as `page` says. */
export function fullScreenFrames(cols: number, rows: number, v: number, page?: PagePlan): ScreenCommand[] {
  return diffScreen(frameOf(screenText(cols, rows, v), cols), shownModel(cols, screenText(cols, rows, v - 1)), undefined, page);
}

/** The commands for one changed character in the middle of the top row; `rows` is what the LCD shows. */
export function oneCharFrames(cols: number, shown: string[]): { frames: ScreenCommand[]; after: string[] } {
  const after = [...shown];
  const c = cols >> 1;
  after[0] = shown[0].slice(0, c) + (shown[0][c] === '#' ? '%' : '#') + shown[0].slice(c + 1);
  return { frames: diffScreen(frameOf(after, cols), shownModel(cols, shown)), after };
}
