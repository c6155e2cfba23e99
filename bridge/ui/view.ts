/**
 * The view-model: a bot message laid out for one LCD as a document of lines
 * (wrapped text, then its options), ready to be scrolled through a window.
 */
import type { BotReply, QuickReply, ReplyButton } from '../chat/replies.js';
import { type CharMap, flatten, glyphCounts, SPACE, type Cell } from './charmap.js';
import type { ResolvedUIOptions } from './options.js';
import { wrap } from './wrap.js';

/** Where a message came from. */
export type Origin = 'bot' | 'human' | 'broadcast';

/**
 * One option under a message:
 *  - choice: chosen as a message (by its digit, or marked and selected);
 *  - input: a phone or email quick reply, chosen by typing the answer;
 *  - link: a URL or phone button, shown in full when chosen;
 *  - info: shown, not choosable (a Location quick reply with no location set).
 */
export interface OptionItem {
  kind: 'choice' | 'input' | 'link' | 'info';
  /** The keypad digit that chooses it ("1".."9", "0" for the tenth); unset on a message with more than ten (numbered per window, see pager.ts). */
  digit?: string;
  /** The quick reply or button as the bot sent it. */
  source: QuickReply | ReplyButton;
  /** What is sent when it is chosen. */
  text: string;
  /** What to type, for `input` options. */
  input?: 'phone' | 'email';
  /** The first cell of its line: its digit, or a space. */
  symbol: string;
  /** The second cell of its line: ↗ for a URL, ☎ for a phone number; a space otherwise. */
  mark?: string;
  label: string;
  /** For links: the full target, shown across pages when chosen. */
  target?: string;
}

export interface DocLine {
  cells: Cell[];
  /** Index into `options` for an option's line. */
  option?: number;
  /** An option's whole line when it is longer than the screen (scrolled while marked). */
  full?: Cell[];
}

export interface Doc {
  lines: DocLine[];
  /** Lines of text before the first option. */
  textLines: number;
  options: OptionItem[];
  /** Whether the last column is kept free for the page indicator. */
  narrow: boolean;
  /** More than ten numbered options: digits number the options of the window shown (pager.ts). */
  perWindow: boolean;
}

/** The text of a message, marked by where it came from. */
export function messageText(reply: BotReply, origin: Origin, opts: ResolvedUIOptions): string {
  // The parser's labels carry their own brackets ('[image]', '[card] Title').
  const body = reply.kind === 'text' ? reply.text : `${reply.label}${reply.text ? ' ' + reply.text : ''}`;
  const prefix = origin === 'human' ? opts.labels.agent : origin === 'broadcast' ? opts.labels.broadcast : '';
  return prefix ? `${prefix} ${body}` : body;
}

/** A URL without the parts that waste an LCD's columns. */
export function compactUrl(url: string): string {
  return url
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^www\./i, '')
    .replace(/\/$/, '');
}

/** A message's buttons, then its quick replies, as numbered options. */
export function optionItems(reply: BotReply, opts: ResolvedUIOptions): OptionItem[] {
  const items: OptionItem[] = [];
  for (const b of reply.buttons) {
    const title = b.title.trim();
    if (b.type === 'url' || b.type === 'phone') {
      const target = (b.value ?? title).trim();
      const shown = b.type === 'url' ? compactUrl(target) : target;
      const mark = b.type === 'url' ? '↗' : '☎';
      if (opts.links === 'send') items.push({ kind: 'choice', source: b, text: target, symbol: ' ', mark, label: title || shown });
      else
        items.push({
          kind: 'link',
          source: b,
          text: target,
          symbol: ' ',
          mark,
          label: shown || title,
          target: title && title !== target ? `${title}\n${target}` : target,
        });
    } else {
      items.push({ kind: 'choice', source: b, text: (b.value ?? title).trim() || title, symbol: ' ', label: title });
    }
  }
  for (const q of reply.quickReplies) {
    const title = q.title.trim();
    const text = (q.payload ?? title).trim() || title;
    if (q.type === 'return') {
      const label = !title || title === '❮' ? '❮' : title.startsWith('❮') ? title : `❮ ${title}`;
      items.push({ kind: 'choice', source: q, text: text || '❮', symbol: ' ', label });
    } else if (q.type === 'phone' || q.type === 'email') {
      const label = title || (q.type === 'phone' ? opts.labels.phone : opts.labels.email);
      items.push({ kind: 'input', source: q, text, input: q.type, symbol: ' ', label });
    } else if (q.type === 'location') {
      if (opts.location) items.push({ kind: 'choice', source: q, text: opts.location, symbol: ' ', label: title || 'Location' });
      else items.push({ kind: 'info', source: q, text, symbol: ' ', label: title || 'Location' });
    } else {
      items.push({ kind: 'choice', source: q, text, symbol: ' ', label: title });
    }
  }
  // up to ten are numbered 1–9, 0 for good; with more, the pager numbers the ones each window shows
  const numbered = items.filter(isNumbered);
  if (numbered.length <= 10) numbered.forEach((item, i) => (item.digit = String((i + 1) % 10)));
  for (const item of items) item.symbol = item.digit ?? ' ';
  return items;
}

/** Whether an option is chosen by a digit: everything but info (links too, to be shown in full). */
export function isNumbered(item: OptionItem): boolean {
  return item.kind !== 'info';
}

/** Whether an option can be marked with up/down. */
export function isSelectable(item: OptionItem): boolean {
  return item.kind !== 'info';
}

/**
 * Lays text and options out for a window `height` rows high and `cols` wide,
 * with at most `glyphBudget` different custom glyphs in any window (fewer
 * by `indicatorGlyphs` when it takes more than one page): beyond
 * that, the rarest characters are transliterated for the whole document.
 */
export function buildDoc(
  text: string,
  options: OptionItem[],
  map: CharMap,
  cols: number,
  height: number,
  glyphBudget: number,
  /** Glyphs the page indicator takes when the document needs more than one page. */
  indicatorGlyphs = 0,
): Doc {
  const textCells = map.cells(text);
  const optionCells = options.map((o) => [
    ...map.char(o.symbol),
    ...(o.mark ? map.char(o.mark) : [SPACE]),
    ...map.cells(o.label.replace(/\s+/g, ' ')),
  ]);
  const dropped = new Set<string>();
  const keep = (g: string) => !dropped.has(g);
  for (;;) {
    const lay = (width: number): DocLine[] => [
      ...wrap(flatten(textCells, keep), width).map((cells) => ({ cells })),
      ...optionCells.map((cells, option) => {
        const all = flatten(cells, keep);
        return all.length > width ? { cells: all.slice(0, width), option, full: all } : { cells: all, option };
      }),
    ];
    let lines = lay(cols);
    const narrow = lines.length > height && cols > 1;
    if (narrow) lines = lay(cols - 1);
    const over = overfullWindow(lines, Math.max(1, height), Math.max(0, glyphBudget - (narrow ? indicatorGlyphs : 0)));
    if (!over)
      return {
        lines,
        textLines: lines.filter((l) => l.option === undefined).length,
        options,
        narrow,
        perWindow: options.filter(isNumbered).length > 10,
      };
    // Transliterate the rarest glyph of that window everywhere, and lay out again.
    const total = glyphCounts([textCells, ...optionCells]);
    const rarest = [...over].sort((a, b) => (total.get(a) ?? 0) - (total.get(b) ?? 0))[0];
    dropped.add(rarest);
  }
}

function overfullWindow(lines: DocLine[], height: number, budget: number): Set<string> | null {
  for (let top = 0; top === 0 || top + height <= lines.length; top++) {
    const seen = new Set<string>();
    for (const line of lines.slice(top, top + height)) for (const c of line.cells) if (typeof c !== 'number') seen.add(c.glyph);
    if (seen.size > budget) return seen;
  }
  return null;
}

/** The documents of the messages and screens shown, laid out once per window height. */
export class DocCache {
  private readonly docs = new Map<string, Doc>();

  constructor(
    private readonly map: CharMap,
    private readonly cols: number,
    private readonly glyphs: boolean,
    private readonly rom: string,
  ) {}

  /** The document named `key` for a window `height` rows high. */
  get(key: string, text: string, items: OptionItem[], height: number): Doc {
    const full = `${key}:${height}`;
    let doc = this.docs.get(full);
    if (!doc) {
      if (this.docs.size > 16) this.docs.clear();
      // one glyph is kept for the spinner; ▲ ▼ take two more on a paged screen (A02 has them in ROM)
      const budget = this.glyphs ? 8 - 1 : 0;
      doc = buildDoc(text, items, this.map, this.cols, height, budget, this.glyphs && this.rom === 'A00' ? 2 : 0);
      this.docs.set(full, doc);
    }
    return doc;
  }

  clear(): void {
    this.docs.clear();
  }
}
