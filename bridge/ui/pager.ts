/**
 * The pager: where the window on a message's document stands, and where a
 * navigation command moves it (page by page, option by option, message by
 * message). Pure: a state and a command in, the next state out.
 *
 *   const next = move({ index: 0, top: 0, selected: null }, 'down', { doc, height: 1, messages: 2 });
 */
import type { NavCommand } from './compose.js';
import { isNumbered, isSelectable, type Doc } from './view.js';

/** Which message is shown, its first line in the window, and the marked option. */
export interface PageState {
  /** Index of the message shown (-1: none yet). */
  index: number;
  /** First line of the document in the window. */
  top: number;
  /** Index into `doc.options` of the marked option, or null. */
  selected: number | null;
}

export interface PageContext {
  /** The document of the message shown. */
  doc: Doc;
  /** Rows of the window. */
  height: number;
  /** How many messages there are. */
  messages: number;
}

/** What a command does: the next state, and maybe an option to activate (SELECT on a marked option). */
export interface PageMove {
  state: PageState;
  activate?: number;
}

/** Where `cmd` moves the window. Going to another message puts its window at the top, unmarked. */
export function move(s: PageState, cmd: NavCommand, ctx: PageContext): PageMove {
  const { doc, height: h } = ctx;
  const selectable = doc.options.map((o, i) => (isSelectable(o) ? i : -1)).filter((i) => i >= 0);
  switch (cmd) {
    case 'down': {
      if (!selectable.length || (s.selected === null && s.top + h < doc.textLines)) return { state: pageDown(s, ctx) };
      const selected = s.selected === null ? selectable[0] : (selectable.find((i) => i > s.selected!) ?? s.selected);
      return { state: reveal({ ...s, selected }, doc, h) };
    }
    case 'up': {
      if (s.selected === null) return { state: pageUp(s, h) };
      const selected = [...selectable].reverse().find((i) => i < s.selected!) ?? null;
      return { state: reveal({ ...s, selected }, doc, h) };
    }
    case 'next':
      return { state: pageDown(s, ctx) };
    case 'prev':
    case 'back':
      return { state: pageUp(s, h) };
    case 'select': {
      if (s.selected !== null) return { state: s, activate: s.selected };
      // on the last page of the last message, back to its first page: a keypad (# only) can see every option again
      const next = pageDown(s, ctx);
      return { state: next === s && s.top > 0 ? { ...s, top: 0 } : next };
    }
  }
}

/** The next page, or the next message after the last page. */
export function pageDown(s: PageState, ctx: PageContext): PageState {
  if (s.top + ctx.height < ctx.doc.lines.length) return { ...s, top: s.top + ctx.height };
  return s.index < ctx.messages - 1 ? goTo(s.index + 1) : s;
}

/** The previous page, or the previous message from the first page. */
export function pageUp(s: PageState, h: number): PageState {
  if (s.top > 0) return { ...s, top: Math.max(0, s.top - h) };
  return s.index > 0 ? goTo(s.index - 1) : s;
}

/** The start of message `index`. */
export function goTo(index: number): PageState {
  return { index, top: 0, selected: null };
}

/** Scrolls so that the marked option is in the window. */
export function reveal(s: PageState, doc: Doc, h: number): PageState {
  if (s.selected === null) return s;
  const line = doc.lines.findIndex((l) => l.option === s.selected);
  if (line < s.top) return { ...s, top: line };
  if (line >= s.top + h) return { ...s, top: line - h + 1 };
  return s;
}

/** Paging through a text shown on its own (a link's target): returns the new top, or null to close it. SELECT pages on, and closes it from its last page. */
export function moveDetail(top: number, cmd: NavCommand, lines: number, h: number): number | null {
  if (cmd === 'back' || (cmd === 'select' && top + h >= lines)) return null;
  if (cmd === 'up' || cmd === 'prev') return Math.max(0, top - h);
  return top + h < lines ? top + h : top;
}

/** The page indicators of a window: ▲ (earlier lines) and ▼ (more lines, or another message after this one). */
export function indicators(doc: Doc, top: number, h: number, moreAfter: boolean): { up: boolean; down: boolean } {
  const more = top + h < doc.lines.length;
  if (!doc.narrow) return { up: false, down: moreAfter };
  return { up: top > 0 && (h > 1 || !more), down: more || moreAfter };
}

/** The options whose lines are in the window, in order. */
export function optionsInWindow(doc: Doc, top: number, h: number): number[] {
  const out: number[] = [];
  for (const line of doc.lines.slice(top, top + h)) if (line.option !== undefined) out.push(line.option);
  return out;
}

/** The page (0-based, pages of `h` lines from the top) that a line falls on. */
export function pageOf(line: number, h: number): number {
  return Math.floor(line / Math.max(1, h));
}

/**
 * The digit of each numbered option in the window: its own (1–9, 0), or, on
 * a message with more than ten, 1, 2, 3… by its place in the window shown.
 */
export function windowDigits(doc: Doc, top: number, h: number): Map<number, string> {
  const digits = new Map<number, string>();
  if (!doc.perWindow) {
    doc.options.forEach((o, i) => o.digit !== undefined && digits.set(i, o.digit));
    return digits;
  }
  let n = 0;
  for (const i of optionsInWindow(doc, top, h)) if (isNumbered(doc.options[i])) digits.set(i, String(++n % 10));
  return digits;
}

/** The option a digit chooses in this window, or -1. */
export function optionForDigit(doc: Doc, top: number, h: number, digit: string): number {
  for (const [i, d] of windowDigits(doc, top, h)) if (d === digit) return i;
  return -1;
}

/** Whether digits choose options on this document (rather than start typing). */
export function digitsChoose(doc: Doc): boolean {
  return doc.perWindow || doc.options.some((o) => o.digit !== undefined);
}
