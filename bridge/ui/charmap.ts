/**
 * Text → LCD ROM codes, for the A00 and A02 character ROMs.
 *
 * Each character becomes, in this order of preference: its ROM code; a
 * look-alike ROM code (Cyrillic capitals on A02, Greek capitals, μ/β);
 * an ASCII stand-in for typographic punctuation; a request for a custom
 * glyph (the renderer grants at most 8 per screen, and falls back for the
 * rest); a transliteration (é → e, Привет → Privet, emoji → ":)" or nothing).
 */
import { createRequire } from 'node:module';
import type * as Transliteration from 'transliteration';
import { GLYPHS, GLYPH_ALIASES } from '../lcd/glyphs.js';
import { romTable, type RomName } from '../lcd/rom.js';

let transliterator: typeof Transliteration.transliterate | null = null;

/**
 * A character's transliteration, '' when there is none. The library's tables
 * take several MB of memory, so they are loaded the first time a character
 * needs them: a bridge whose bots write only what the ROM has never loads them.
 */
function transliterate(ch: string): string {
  transliterator ??= (createRequire(import.meta.url)('transliteration') as typeof Transliteration).transliterate;
  return transliterator(ch, { unknown: '' });
}

/** A request for a custom glyph, with the ROM codes to show when none is free. */
export interface GlyphCell {
  glyph: string;
  fallback: number[];
}
/** One cell of text on the way to the LCD: a ROM code, or a glyph request. */
export type Cell = number | GlyphCell;
/** Marks a line break inside a run of cells. */
export const NEWLINE = -1;
export const SPACE = 0x20;

const TYPOGRAPHY: Record<string, string> = {
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '″': '"',
  '–': '-',
  '—': '-',
  '‒': '-',
  '−': '-',
  '‐': '-',
  '‑': '-',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
  '•': '*',
  '·': '.',
  '×': 'x',
};

const EMOJI: Record<string, string> = {
  '🙂': ':)',
  '😀': ':D',
  '😃': ':D',
  '😄': ':D',
  '😁': ':D',
  '😊': ':)',
  '☺': ':)',
  '😂': ':D',
  '🤣': ':D',
  '😉': ';)',
  '😢': ":'(",
  '😭': ":'(",
  '🙁': ':(',
  '☹': ':(',
  '😞': ':(',
  '😛': ':P',
  '😜': ';P',
  '😮': ':O',
  '😐': ':|',
  '👍': '+1',
  '👎': '-1',
  '❤': '<3',
  '♥': '<3',
  '💔': '</3',
  '✔': 'v',
  '✓': 'v',
  '✅': 'v',
  '❌': 'x',
  '✖': 'x',
  '⭐': '*',
  '★': '*',
};

// Characters that never show: joiners, variation selectors, skin tones, BOM.
// eslint-disable-next-line no-misleading-character-class -- each is listed to be dropped alone, never combined
const INVISIBLE = /[\u200b-\u200f\u2060\ufe00-\ufe0f\ufeff\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]/u;

const CYRILLIC_ON_A02: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  Ё: 'Ë',
  Г: 'Γ',
  Ь: 'b',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
};
const GREEK_CAPITALS: Record<string, string> = {
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

export interface CharMapOptions {
  /** Ask for custom glyphs for characters the ROM lacks; default true. */
  glyphs?: boolean;
}

/** Maps text to cells for one ROM. */
export class CharMap {
  readonly rom: RomName;
  private readonly glyphs: boolean;
  private readonly codes = new Map<string, number>();
  private readonly cache = new Map<string, Cell[]>();

  constructor(rom: RomName, opts: CharMapOptions = {}) {
    this.rom = rom;
    this.glyphs = opts.glyphs ?? true;
    const table = romTable(rom);
    // Printable ASCII first, then the upper half, then A02's symbols in 0x10–0x1F.
    const order = [...Array.from({ length: 224 }, (_, i) => 0x20 + i), ...Array.from({ length: 16 }, (_, i) => 0x10 + i)];
    for (const c of order) {
      const ch = table[c];
      if (ch === ' ' && c !== 0x20) continue;
      if (!this.codes.has(ch)) this.codes.set(ch, c);
    }
    const alias = (ch: string, to: string) => {
      const c = this.codes.get(to);
      if (c !== undefined && !this.codes.has(ch)) this.codes.set(ch, c);
    };
    alias('μ', 'µ');
    if (rom === 'A00') {
      alias('β', 'ß');
      // Katakana: the half-width forms are the ROM's; full-width ones (and the
      // combining voice marks) are their compatibility equivalents.
      for (let c = 0xa1; c <= 0xdf; c++) {
        const half = String.fromCharCode(0xff61 + (c - 0xa1));
        if (!this.codes.has(half)) this.codes.set(half, c);
        const full = half.normalize('NFKC');
        if (!this.codes.has(full)) this.codes.set(full, c);
      }
    } else {
      for (const [k, v] of Object.entries(CYRILLIC_ON_A02)) alias(k, v);
    }
    for (const [k, v] of Object.entries(GREEK_CAPITALS)) alias(k, v);
  }

  /** The ROM code of one character, if the ROM (or a look-alike) has it. */
  code(ch: string): number | undefined {
    const c = this.codes.get(ch);
    if (c !== undefined) return c;
    if (this.rom === 'A02' && /[\u0430-\u045f]/.test(ch)) return this.codes.get(ch.toUpperCase());
    return undefined;
  }

  /** Text → cells; line breaks become NEWLINE. */
  cells(text: string): Cell[] {
    const out: Cell[] = [];
    for (const ch of text.normalize('NFC').replace(/\r\n?/g, '\n')) {
      if (ch === '\n') out.push(NEWLINE);
      else out.push(...this.char(ch));
    }
    return out;
  }

  /** Cells for one character (a UI symbol, for instance). */
  char(ch: string): Cell[] {
    let hit = this.cache.get(ch);
    if (!hit) {
      hit = this.map(ch);
      this.cache.set(ch, hit);
    }
    return hit;
  }

  /** ROM codes only: glyph requests replaced by their fallback. */
  plain(text: string): number[] {
    return flatten(this.cells(text), () => false).filter((c): c is number => typeof c === 'number' && c >= 0);
  }

  private map(ch: string): Cell[] {
    const direct = this.code(ch);
    if (direct !== undefined) return [direct];
    if (this.rom === 'A00' && /[\u3041-\u3096\u309d\u309e]/.test(ch)) {
      // Hiragana reads fine as katakana on the Japanese ROM.
      return this.map(String.fromCharCode(ch.charCodeAt(0) + 0x60));
    }
    const parts = [...ch.normalize('NFD')];
    if (parts.length > 1 && parts.every((p) => this.code(p) !== undefined)) return parts.map((p) => this.code(p)!);
    // eslint-disable-next-line no-control-regex -- control characters are what it finds (they never show)
    if (INVISIBLE.test(ch) || /[\u0000-\u001f\u007f-\u009f]/.test(ch)) return [];
    const typo = TYPOGRAPHY[ch];
    if (typo !== undefined) return this.ascii(typo);
    const key = GLYPH_ALIASES.get(ch) ?? ch;
    const fallback = this.fallback(ch);
    if (this.glyphs && GLYPHS.has(key)) return [{ glyph: key, fallback }];
    return fallback;
  }

  private fallback(ch: string): number[] {
    const emoji = EMOJI[ch];
    if (emoji !== undefined) return this.ascii(emoji);
    const special: Record<string, string> = {
      '€': 'EUR',
      '£': 'L',
      '\\': '/',
      '~': '-',
      '…': '...',
      '❮': '<',
      '▲': '^',
      '▼': 'v',
      '☎': 'T:',
      '↗': '>',
      '🔗': '>',
      '↵': '<',
      '→': '>',
      '←': '<',
      '«': '<<',
      '»': '>>',
      '¥': 'Y',
      '°': 'o',
    };
    const text = special[ch] ?? transliterate(ch);
    return this.ascii(text);
  }

  /** Codes for a plain-ASCII (or mostly) string; unknown characters become "?". */
  private ascii(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const c = this.code(ch) ?? this.code(TYPOGRAPHY[ch] ?? '') ?? (ch === '\\' || ch === '~' ? this.code('-') : undefined);
      if (c !== undefined) out.push(c);
      else if (/\S/.test(ch)) out.push(0x3f);
    }
    return out;
  }
}

/** Replaces glyph requests for which `keep` says no by their fallback codes. */
export function flatten(cells: Cell[], keep: (glyph: string) => boolean): Cell[] {
  const out: Cell[] = [];
  for (const c of cells) {
    if (typeof c === 'number' || keep(c.glyph)) out.push(c);
    else out.push(...c.fallback);
  }
  return out;
}

/** How often each glyph is asked for in these runs of cells. */
export function glyphCounts(runs: Iterable<Cell[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of runs) for (const c of run) if (typeof c !== 'number') counts.set(c.glyph, (counts.get(c.glyph) ?? 0) + 1);
  return counts;
}
