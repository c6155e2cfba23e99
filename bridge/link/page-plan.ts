/**
 * How a page change is written on a 4-row LCD, from what the board's HELLO
 * says of its LCD and the rate of the line.
 *
 * While a page is written the LCD must not show rows of the old page under
 * rows of the new one for longer than one row takes. Two ways:
 *
 *  - `clear`: CLR first. The LCD goes blank at once and the page appears row
 *    by row; the clear keeps the controller busy for 1.52 ms, but the next
 *    frames are still on the line then. Right when the line is the slower
 *    side: a parallel LCD, a backpack at 400 kHz.
 *  - `hide`: when the LCD's bus is much slower than the line (a 20×4 behind a
 *    100 kHz backpack: 4 bus bytes of 90 µs a character, 29 ms a page, against
 *    ~7 ms for its frames at 250000 baud), every bus byte counts and the bus
 *    should start as early as it can. The first row goes first, written where
 *    it is seen (a mix for one row's write, as allowed), then `CUR blank`
 *    turns the display off (4 bus bytes; what it holds is kept), the rest is
 *    written unseen, and the closing CUR turns it on with the whole page.
 *    Where a character takes the bus longer than the firmware needs to take a
 *    frame (100 kHz), the first run of text is sent in short pieces (`lead`):
 *    the first piece as short as lets the next frame arrive before the bus
 *    has written it, so the bus starts after a ~22-byte frame instead of a
 *    whole row's.
 */
import { encode } from '../../protocol/codec.js';
import { MAX_TEXT, schema } from '../../protocol/schema.js';

export interface PagePlan {
  way: 'clear' | 'hide';
  /** With `hide`: the lengths of the first pieces of the page's first run of text, each a TXT of its own. */
  lead: number[];
}

export const CLEAR_PAGE: PagePlan = { way: 'clear', lead: [] };

/** What the plan needs of the board (its HELLO). */
export interface PageLcd {
  lcd: 'parallel' | 'i2c';
  /** The backpack's I2C clock in kHz (0: parallel, or not said). */
  lcdKhz: number;
  cols: number;
  rows: number;
  /** The schema revision of the board's firmware: `CUR blank` only from the one that added it. */
  schemaRevision: number;
}

/** The schema revision that added `CUR blank`. */
const BLANK_SINCE = schema.CUR.fields.mode.added?.blank ?? 1;

/** µs the firmware's parallel bus takes a character: the controller's 37 µs + 3 µs, and the pins. */
const PARALLEL_US = 45;
/** µs the TWI interrupt holds the I2C bus per byte, on top of the byte's 9 clocks. */
const I2C_INTERRUPT_US = 1;
/** The bus must take this many times the line's time for a page before hiding pays. */
const BUS_BOUND = 1.5;
/**
 * µs the firmware takes to check a TXT frame, queue its text and acknowledge
 * it (120–150 µs on the simulated board). Each piece is a frame more: pieces
 * pay only where a character on the bus gives the firmware that long (at
 * 100 kHz; at 400 kHz they starve the bus instead, measured at 500000 and
 * 1000000 baud).
 */
const FRAME_US = 150;

/** Bytes on the line of a TXT of `n` characters, at its longest (3-digit seq, row, 2-digit column). */
function txtBytes(n: number): number {
  return encode({ kind: 'TXT', seq: 255, row: 3, col: 39, text: 'x'.repeat(n) }).length + 1;
}

/** The page plan for a board's LCD on a line at `baud`. */
export function pagePlan(lcd: PageLcd, baud: number): PagePlan {
  if (lcd.rows < 4 || baud <= 0 || lcd.schemaRevision < BLANK_SINCE) return CLEAR_PAGE;
  const i2c = lcd.lcd === 'i2c' && lcd.lcdKhz > 0;
  // a character is 4 bus bytes of 9 clocks through the backpack (E high and low for each nibble)
  const busUs = i2c ? 36_000 / lcd.lcdKhz + 4 * I2C_INTERRUPT_US : PARALLEL_US;
  const byteUs = 10e6 / baud;
  const perRow = Math.ceil(lcd.cols / MAX_TEXT);
  const rowText = Math.min(lcd.cols, MAX_TEXT);
  const pageBusUs = lcd.rows * lcd.cols * busUs;
  const pageLineUs = lcd.rows * perRow * txtBytes(rowText) * byteUs;
  if (pageBusUs <= BUS_BOUND * pageLineUs) return CLEAR_PAGE;
  return { way: 'hide', lead: busUs >= FRAME_US ? leadPieces(rowText, busUs, byteUs) : [] };
}

/**
 * The pieces a run of `n` characters starts with: the first as short as
 * lets the next frame be on the line before the bus has written it (a frame
 * comes in while the one before it is written; the firmware has opened the
 * bus, start and address, while the first came in), each next as long as
 * that allows; [] when no piece shorter than the run does.
 */
export function leadPieces(n: number, busUs: number, byteUs: number): number[] {
  const longestWithin = (us: number) => Math.min(n, Math.floor(us / byteUs) - txtBytes(0));
  for (let first = 1; first < n; first++) {
    const pieces = [first];
    let left = n - first;
    let budget = first * busUs;
    for (;;) {
      const k = longestWithin(budget);
      if (k < 1) break;
      if (k >= left) return pieces;
      pieces.push(k);
      left -= k;
      budget = k * busUs;
    }
  }
  return [];
}
