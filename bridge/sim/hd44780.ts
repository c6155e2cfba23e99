/**
 * A virtual HD44780: decodes what a firmware writes on the controller's bus
 * (RS, R/W, E and D4–D7, latched on E's falling edge), in 8-bit mode after
 * power-on and in 4-bit mode after the switch, and keeps what the display
 * shows: DDRAM, CGRAM, cursor, display on/off, shift, backlight.
 *
 * It counts writes that arrive while the controller is still busy (37 µs
 * after most instructions and data, 1.52 ms after clear and home), which a
 * real controller would ignore or garble: `busyWrites`.
 */
import { EventEmitter } from 'node:events';
import type { ScreenFrame } from '../lcd/screen.js';
import { romTable, type RomName } from '../lcd/rom.js';

export interface Hd44780Options {
  cols: number;
  rows: number;
  /** Character ROM; default "A00". */
  rom?: RomName;
  /** Current simulated time in microseconds; default: always 0 (no busy checks). */
  now?: () => number;
}

export interface LcdCursor {
  /** Row and column of the address counter on screen, or -1 when it points off screen. */
  row: number;
  col: number;
  /** Underline cursor shown. */
  underline: boolean;
  /** Blinking block shown. */
  blink: boolean;
}

export interface TextOptions {
  /** How a custom glyph (slot 0–7) appears in text; default: the ROM table's marker "\u0000".."\u0007". */
  glyph?: (slot: number) => string;
}

const EXEC_US = 37;
const CLEAR_US = 1520;

export class Hd44780 extends EventEmitter<{ change: [] }> {
  readonly cols: number;
  readonly rows: number;
  readonly rom: RomName;
  /** Writes that came while the controller was busy, since power-on. */
  busyWrites = 0;
  /** Instructions and data bytes executed, since power-on. */
  writes = 0;

  private readonly now: () => number;
  private readonly table: readonly string[];
  private readonly bases: number[];
  private ddram = new Uint8Array(128).fill(0x20);
  private cgram = new Uint8Array(64);
  private ac = 0;
  private toCgram = false;
  private increment = true;
  private shiftOnWrite = false;
  private shift = 0;
  private displayEnabled = false;
  private underline = false;
  private blinkOn = false;
  private twoLine = false;
  private eightBit = true;
  private half: number | null = null;
  private lastE = false;
  private busyUntil = 0;
  private light = true;

  constructor(opts: Hd44780Options) {
    super();
    this.cols = opts.cols;
    this.rows = opts.rows;
    this.rom = opts.rom ?? 'A00';
    this.now = opts.now ?? (() => 0);
    this.table = romTable(this.rom);
    const c = this.cols;
    this.bases = [0x00, 0x40, c, 0x40 + c].slice(0, this.rows);
    if (this.rows === 1) this.bases = [0];
  }

  /** Back to the power-on state (display off, 8-bit mode, DDRAM blank). */
  powerOn(): void {
    this.ddram.fill(0x20);
    this.cgram.fill(0);
    this.ac = 0;
    this.toCgram = false;
    this.increment = true;
    this.shiftOnWrite = false;
    this.shift = 0;
    this.displayEnabled = false;
    this.underline = false;
    this.blinkOn = false;
    this.twoLine = false;
    this.eightBit = true;
    this.half = null;
    this.lastE = false;
    this.busyUntil = 0;
    this.busyWrites = 0;
    this.writes = 0;
    this.emit('change');
  }

  /**
   * The bus lines as they are now; data is D4–D7 as a nibble (D0–D3 are not
   * wired and read as 0). Latches on E's falling edge; reads (R/W high) are ignored.
   */
  bus(rs: boolean, rw: boolean, e: boolean, data: number): void {
    const falling = this.lastE && !e;
    this.lastE = e;
    if (!falling || rw) return;
    const nibble = data & 15;
    if (this.eightBit) {
      this.checkBusy();
      this.execute(rs, nibble << 4);
      return;
    }
    if (this.half === null) {
      this.checkBusy();
      this.half = nibble;
      return;
    }
    const value = (this.half << 4) | nibble;
    this.half = null;
    this.execute(rs, value);
  }

  /** Backlight, as the board's wiring sets it. */
  get backlight(): boolean {
    return this.light;
  }
  set backlight(on: boolean) {
    if (on === this.light) return;
    this.light = on;
    this.emit('change');
  }

  get displayOn(): boolean {
    return this.displayEnabled;
  }

  /** The ROM codes in view, one array per row (whether or not the display is on). */
  cells(): number[][] {
    return this.bases.map((_, r) => Array.from({ length: this.cols }, (_, c) => this.cellCode(r, c)));
  }

  /** Each row's codes as a string of char codes 0..255 (the bridge's ScreenFrame form). */
  codeRows(): string[] {
    return this.cells().map((row) => String.fromCharCode(...row));
  }

  /** The ROM codes a person sees: codeRows(), or blank rows while the display is off. */
  shownCodeRows(): string[] {
    return this.displayEnabled ? this.codeRows() : this.bases.map(() => ' '.repeat(this.cols));
  }

  /** What a person sees, through the character ROM: blank rows while the display is off. */
  text(opts: TextOptions = {}): string[] {
    if (!this.displayEnabled) return this.bases.map(() => ' '.repeat(this.cols));
    return this.cells().map((row) => row.map((code) => (code < 16 && opts.glyph ? opts.glyph(code & 7) : this.table[code])).join(''));
  }

  /** Pixel rows (5 bits each) of custom glyph 0–7. */
  glyph(slot: number): Uint8Array {
    return this.cgram.slice((slot & 7) * 8, (slot & 7) * 8 + 8);
  }

  get cursor(): LcdCursor {
    const pos = this.position(this.ac);
    return { row: pos?.row ?? -1, col: pos?.col ?? -1, underline: this.underline, blink: this.blinkOn };
  }

  /** The LCD as the bridge's screen model describes one. Glyph slots never written are null. */
  frame(): ScreenFrame {
    const cur = this.cursor;
    const mode = !this.displayEnabled || cur.row < 0 ? 'off' : cur.blink ? 'block' : cur.underline ? 'line' : 'off';
    return {
      rows: this.codeRows(),
      glyphs: Array.from({ length: 8 }, (_, i) => {
        const g = this.glyph(i);
        return g.some((b) => b !== 0) ? g : null;
      }),
      cursor: { mode, row: mode === 'off' ? 0 : cur.row, col: mode === 'off' ? 0 : cur.col },
      backlight: this.light,
    };
  }

  private checkBusy(): void {
    if (this.now() < this.busyUntil) this.busyWrites++;
  }

  private lineLength(): number {
    return this.twoLine ? 40 : 80;
  }

  private cellAddr(r: number, c: number): number | null {
    const base = this.bases[r];
    const line = base >= 0x40 ? 0x40 : 0;
    if (!this.twoLine && line) return null; // 1-line mode drives only the first line
    const len = this.lineLength();
    const off = (((base - line + c + this.shift) % len) + len) % len;
    return line + off;
  }

  private cellCode(r: number, c: number): number {
    const a = this.cellAddr(r, c);
    return a === null ? 0x20 : this.ddram[a];
  }

  private position(addr: number): { row: number; col: number } | null {
    if (this.toCgram) return null;
    for (let r = 0; r < this.bases.length; r++)
      for (let c = 0; c < this.cols; c++) if (this.cellAddr(r, c) === addr) return { row: r, col: c };
    return null;
  }

  private stepAc(dir: 1 | -1): void {
    if (this.toCgram) {
      this.ac = (this.ac + dir) & 0x3f;
      return;
    }
    if (!this.twoLine) {
      this.ac = (this.ac + dir + 80) % 80;
      return;
    }
    const line = this.ac & 0x40;
    let off = (this.ac & 0x3f) + dir;
    let l = line;
    if (off > 0x27) {
      off = 0;
      l ^= 0x40;
    } else if (off < 0) {
      off = 0x27;
      l ^= 0x40;
    }
    this.ac = l | off;
  }

  private execute(rs: boolean, v: number): void {
    this.writes++;
    this.busyUntil = this.now() + EXEC_US;
    if (rs) {
      if (this.toCgram) {
        const slot = this.ac >> 3;
        this.cgram[this.ac] = v & 0x1f;
        this.stepAc(this.increment ? 1 : -1);
        if (this.glyphInView(slot)) this.emit('change');
        return;
      }
      const old = this.ddram[this.ac];
      this.ddram[this.ac] = v;
      const visible = this.position(this.ac) !== null;
      this.stepAc(this.increment ? 1 : -1);
      if (this.shiftOnWrite) this.shift += this.increment ? 1 : -1;
      if ((visible && old !== v) || this.shiftOnWrite || this.cursorShown()) this.emit('change');
      return;
    }
    if (v & 0x80) {
      this.toCgram = false;
      this.ac = v & 0x7f;
      if (this.cursorShown()) this.emit('change');
    } else if (v & 0x40) {
      this.toCgram = true;
      this.ac = v & 0x3f;
    } else if (v & 0x20) {
      this.eightBit = !!(v & 0x10);
      this.half = null;
      this.twoLine = !!(v & 0x08);
      this.emit('change');
    } else if (v & 0x10) {
      const display = !!(v & 0x08);
      const right = !!(v & 0x04);
      if (display) this.shift += right ? -1 : 1;
      else this.stepAc(right ? 1 : -1);
      this.emit('change');
    } else if (v & 0x08) {
      this.displayEnabled = !!(v & 0x04);
      this.underline = !!(v & 0x02);
      this.blinkOn = !!(v & 0x01);
      this.emit('change');
    } else if (v & 0x04) {
      this.increment = !!(v & 0x02);
      this.shiftOnWrite = !!(v & 0x01);
    } else if (v & 0x02) {
      this.busyUntil = this.now() + CLEAR_US;
      this.toCgram = false;
      this.ac = 0;
      this.shift = 0;
      this.emit('change');
    } else if (v & 0x01) {
      this.busyUntil = this.now() + CLEAR_US;
      this.ddram.fill(0x20);
      this.toCgram = false;
      this.ac = 0;
      this.shift = 0;
      this.increment = true;
      this.emit('change');
    }
  }

  private cursorShown(): boolean {
    return this.displayEnabled && (this.underline || this.blinkOn);
  }

  private glyphInView(slot: number): boolean {
    return this.cells().some((row) => row.some((c) => c < 16 && (c & 7) === slot));
  }
}
