/**
 * A page change on a 4-row LCD never shows rows of the old page under rows
 * of the new one for longer than one row's write: the bridge clears first
 * where the line is the slower side, and where the LCD's bus is (a 20×4
 * behind a 100 kHz I2C backpack: ~30 ms a page) writes the first row, blanks
 * the display, writes the rest unseen and shows the whole page at once.
 */
import { describe, expect, it } from 'vitest';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { encode } from '../protocol/codec.js';
import { SCHEMA_REVISION } from '../protocol/schema.js';
import { CLEAR_PAGE, leadPieces, pagePlan, type PagePlan } from '../bridge/link/page-plan.js';
import { diffScreen, LcdModel } from '../bridge/link/screen-model.js';
import type { ScreenCommand } from '../bridge/link/types.js';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { TestHost } from './fixtures/sim/support.js';

const page = (cols: number, rows: string[]): ScreenFrame => ({ ...blankFrame(cols, rows.length), rows });
function shown(cols: number, rows: string[]): LcdModel {
  const m = new LcdModel(cols, rows.length);
  m.apply({ kind: 'CLR' });
  m.apply({ kind: 'CUR', mode: 'off', row: 0, col: 0 });
  m.apply({ kind: 'BL', on: true });
  rows.forEach((text, row) => m.apply({ kind: 'TXT', row, col: 0, text }));
  return m;
}

/** The I2C preset's real firmware after its HELLO; `send` sends commands and waits for the last one's ACK. */
function i2cBoard() {
  const board = createPresetBoard('i2c-lcd-keypad');
  const host = new TestHost(board);
  host.waitFor((m) => m.kind === 'HELLO');
  const send = (cmds: ReturnType<typeof diffScreen>) => {
    let last = 0;
    for (const c of cmds) last = host.send(c as { kind: string });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === last);
  };
  return { board, send };
}

/** Every cell different in each row: `a0aaa…`, `a1aaa…`, … */
const full = (v: string) => Array.from({ length: 4 }, (_, r) => `${v}${r}`.padEnd(20, v));

/** A page change from full('a') to full('b') on the I2C preset's real firmware, written as `plan` says; the bus bytes it took. */
function fullPageChange(plan?: PagePlan) {
  const { board, send } = i2cBoard();
  send(diffScreen(page(20, full('a')), new LcdModel(20, 4)));
  board.run(60);
  const before = board.lcdBusBytes!;
  send(diffScreen(page(20, full('b')), shown(20, full('a')), 4, plan));
  board.run(60);
  return { board, bytes: board.lcdBusBytes! - before };
}

const OLD = ['Weather: sunny 24C  ', 'Tomorrow: rain      ', 'Wind 12 km/h NW     ', '1 Back   2 More     '];
const NEW = ['You said: ping      ', 'Bot: pong, and here ', 'is a longer answer  ', 'that fills the page '];

describe('a page change', () => {
  it('on a 20×4 starts with CLR, then writes the new rows in DDRAM order (0, 2, 1, 3: each continues the last)', () => {
    const cmds = diffScreen(page(20, NEW), shown(20, OLD));
    expect(cmds[0]).toEqual({ kind: 'CLR' });
    const rows = cmds.filter((c) => c.kind === 'TXT').map((c) => (c.kind === 'TXT' ? c.row : -1));
    expect(rows).toEqual([0, 2, 1, 3]);
    // trailing blanks of the new page need no bytes after the clear
    expect(cmds.find((c) => c.kind === 'TXT' && c.row === 0)).toEqual({ kind: 'TXT', row: 0, col: 0, text: 'You said: ping' });
  });

  it('on a 20×4 that changes one row, or on a 16×2, writes only what changed, without CLR', () => {
    const oneRow = [...OLD.slice(0, 3), '1 Back   2 Less     '];
    expect(diffScreen(page(20, oneRow), shown(20, OLD))).toEqual([{ kind: 'TXT', row: 3, col: 11, text: 'Less' }]);
    const small = diffScreen(page(16, ['You said: ping  ', 'Bot: pong       ']), shown(16, ['Weather: sunny  ', 'Tomorrow: rain  ']));
    expect(small.map((c) => c.kind)).toEqual(['TXT', 'TXT']);
  });

  it('on the I2C preset’s real firmware never shows old and new rows together', () => {
    const { board, send } = i2cBoard();
    send(diffScreen(page(20, OLD), new LcdModel(20, 4)));
    board.run(50);
    expect(board.lcd.codeRows()).toEqual(OLD);

    const mixed: string[][] = [];
    board.lcd.on('change', () => {
      const rows = board.lcd.codeRows();
      const isOld = (r: number) => rows[r].trim() !== '' && rows[r] !== NEW[r] && OLD[r].startsWith(rows[r].trimEnd());
      const isNew = (r: number) => rows[r] === NEW[r] && NEW[r] !== OLD[r];
      if ([0, 1, 2, 3].some(isOld) && [0, 1, 2, 3].some(isNew)) mixed.push(rows);
    });
    send(diffScreen(page(20, NEW), shown(20, OLD)));
    board.run(60);
    expect(board.lcd.codeRows()).toEqual(NEW);
    expect(mixed).toEqual([]);
    expect(board.lcd.busyWrites).toBe(0); // the rows waited for the clear's 1.52 ms
  });

  it('on the I2C preset’s real firmware costs four bus bytes a character and none to set the address', () => {
    const { board, bytes } = fullPageChange();
    expect(board.lcd.codeRows()).toEqual(full('b'));
    // the clear (4) and 80 characters (4 each): after the clear the address is 0, row 2 goes on from
    // row 0, row 1 from row 2 (0x27 → 0x40), row 3 from row 1; no "set DDRAM address" (4 each) at all
    expect(bytes).toBe(4 + 80 * 4);
  });
});

/** The plan for the I2C preset at its 100 kHz on the default line (250000 baud). */
const HIDE = pagePlan({ lcd: 'i2c', lcdKhz: 100, cols: 20, rows: 4, schemaRevision: SCHEMA_REVISION }, 250_000);

/** The TXT frame of `n` characters, as long as it gets (3-digit seq), with its "\n". */
const txtBytes = (n: number) => encode({ kind: 'TXT', seq: 255, row: 3, col: 39, text: 'x'.repeat(n) }).length + 1;

function applied(from: LcdModel, cmds: ScreenCommand[]): LcdModel {
  const m = new LcdModel(from.cols, from.rows);
  m.copyFrom(from);
  cmds.forEach((c) => m.apply(c));
  return m;
}

describe('the page plan', () => {
  it('hides the page where the LCD bus is the slower side, and clears first where the line is', () => {
    expect(HIDE.way).toBe('hide');
    expect(pagePlan({ lcd: 'i2c', lcdKhz: 100, cols: 20, rows: 4, schemaRevision: SCHEMA_REVISION }, 115_200).way).toBe('hide');
    expect(pagePlan({ lcd: 'i2c', lcdKhz: 400, cols: 20, rows: 4, schemaRevision: SCHEMA_REVISION }, 250_000)).toEqual(CLEAR_PAGE);
    // a fast line and a 400 kHz bus: hidden, in whole rows (a piece is a frame more for the firmware, which the bus cannot spare)
    expect(pagePlan({ lcd: 'i2c', lcdKhz: 400, cols: 20, rows: 4, schemaRevision: SCHEMA_REVISION }, 1_000_000)).toEqual({
      way: 'hide',
      lead: [],
    });
    expect(HIDE.lead.length).toBeGreaterThan(0);
    expect(pagePlan({ lcd: 'parallel', lcdKhz: 0, cols: 20, rows: 4, schemaRevision: SCHEMA_REVISION }, 250_000)).toEqual(CLEAR_PAGE);
    expect(pagePlan({ lcd: 'i2c', lcdKhz: 100, cols: 16, rows: 2, schemaRevision: SCHEMA_REVISION }, 250_000)).toEqual(CLEAR_PAGE); // 2 rows: written in place
    // a board built before CUR blank existed is never sent one
    expect(pagePlan({ lcd: 'i2c', lcdKhz: 100, cols: 20, rows: 4, schemaRevision: 1 }, 250_000)).toEqual(CLEAR_PAGE);
  });

  it('starts a run with a piece as short as lets the next frame arrive before the bus has written it', () => {
    const busUs = 364; // 4 bus bytes of 90 µs a character at 100 kHz, and the interrupt
    for (const baud of [250_000, 115_200, 500_000]) {
      const byteUs = 1e7 / baud;
      const pieces = leadPieces(20, busUs, byteUs);
      expect(pieces.length, `${baud} baud`).toBeGreaterThan(0);
      const all = [...pieces, 20 - pieces.reduce((a, b) => a + b, 0)];
      // each frame is on the line before the bus has written the piece before it
      for (let i = 1; i < all.length; i++) expect(txtBytes(all[i]) * byteUs).toBeLessThanOrEqual(all[i - 1] * busUs);
    }
    // at 250000 baud: a 22-byte first frame instead of a 41-byte row; with 2 characters the next frame would be late
    expect(leadPieces(20, 364, 40)[0]).toBe(3);
    expect(txtBytes(1) * 40).toBeGreaterThan(2 * 364);
    expect(leadPieces(20, 45, 40)).toEqual([]); // a bus faster than the line: nothing to gain
  });
});

describe('a page change written unseen', () => {
  it('writes the first row (its first run in short pieces), blanks the display, writes the rest, then shows the page', () => {
    const from = shown(20, OLD);
    const want = { ...page(20, NEW), glyphs: [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), null, null, null, null, null, null, null] };
    const cmds = diffScreen(want, from, 4, HIDE);
    const blank = cmds.findIndex((c) => c.kind === 'CUR' && c.mode === 'blank');
    expect(cmds.filter((c) => c.kind === 'CUR' && c.mode === 'blank')).toHaveLength(1);
    expect(cmds.slice(0, blank).every((c) => c.kind === 'TXT' && c.row === 0)).toBe(true);
    const firstRow = cmds.slice(0, blank) as Extract<ScreenCommand, { kind: 'TXT' }>[];
    expect(firstRow.map((c) => c.text.length).slice(0, HIDE.lead.length)).toEqual(HIDE.lead);
    expect(cmds[blank + 1].kind).toBe('GLY'); // a redefined glyph would change old cells: unseen too
    expect(cmds.slice(blank + 2, -1).map((c) => (c.kind === 'TXT' ? c.row : c.kind))).toEqual([2, 1, 3]);
    expect(cmds.at(-1)).toEqual({ kind: 'CUR', mode: 'off', row: 0, col: 0 }); // shows the page
    expect(cmds.some((c) => c.kind === 'CLR')).toBe(false);
    const after = applied(from, cmds);
    expect(after.text()).toEqual(NEW);
    expect(after.blank).toBe(false);
  });

  it('goes on without a second blank when the page is worked out again half sent', () => {
    const from = shown(20, OLD);
    const cmds = diffScreen(page(20, NEW), from, 4, HIDE);
    const blank = cmds.findIndex((c) => c.kind === 'CUR' && c.mode === 'blank');
    const half = applied(from, cmds.slice(0, blank + 2)); // the blank and one more row sent
    expect(half.blank).toBe(true);
    const rest = diffScreen(page(20, NEW), half, 4, HIDE);
    expect(rest.some((c) => c.kind === 'CLR' || (c.kind === 'CUR' && c.mode === 'blank'))).toBe(false);
    expect(rest.at(-1)).toEqual({ kind: 'CUR', mode: 'off', row: 0, col: 0 });
    expect(applied(half, rest).text()).toEqual(NEW);
  });

  it('on the I2C preset’s real firmware: a mix only while the first row is written, then the whole page at once', () => {
    const { board, send } = i2cBoard();
    send(diffScreen(page(20, OLD), new LcdModel(20, 4)));
    board.run(50);
    expect(board.lcd.shownCodeRows()).toEqual(OLD);

    const seen: { at: number; rows: string[]; on: boolean }[] = [];
    board.lcd.on('change', () => seen.push({ at: board.nowUs, rows: board.lcd.shownCodeRows(), on: board.lcd.displayOn }));
    const before = board.lcdBusBytes!;
    send(diffScreen(page(20, NEW), shown(20, OLD), 4, HIDE));
    board.run(60);
    expect(board.lcd.shownCodeRows()).toEqual(NEW);
    expect(board.lcd.displayOn).toBe(true);

    // the display went off once, and came back on with the whole new page
    const off = seen.findIndex((s) => !s.on);
    const on = seen.findIndex((s, i) => i > off && s.on);
    expect(off).toBeGreaterThan(0);
    expect(seen[on].rows).toEqual(NEW);
    // while it was on before that, only row 0 changed
    for (const s of seen.slice(0, off)) expect(s.rows.slice(1)).toEqual(OLD.slice(1));
    // for no longer than one row's write: 20 characters of 4 bus bytes at 100 kHz, 7.2 ms on the wire
    expect(seen[off].at - seen[0].at).toBeLessThan(7_800);
    // the bytes: 4 a character written, 4 for the blank and 4 to show the page, 4 an address set (at most one a TXT)
    const cmds = diffScreen(page(20, NEW), shown(20, OLD), 4, HIDE);
    const written = cmds.reduce((n, c) => n + (c.kind === 'TXT' ? c.text.length : 0), 0);
    const bytes = board.lcdBusBytes! - before;
    expect(bytes).toBeGreaterThanOrEqual(4 * written + 8);
    expect(bytes).toBeLessThanOrEqual(4 * written + 8 + 4 * cmds.filter((c) => c.kind === 'TXT').length);
  });

  it('on the I2C preset’s real firmware costs a full page 4 bus bytes a character and 8 to hide and show it', () => {
    const { board, bytes } = fullPageChange(HIDE);
    expect(board.lcd.shownCodeRows()).toEqual(full('b'));
    // the last page ended where row 0 starts (0x67 → 0x00), each piece goes on where the last ended: no address set
    expect(bytes).toBe(80 * 4 + 8);
  });

  it('CUR blank keeps what the LCD holds, and the next CUR shows it again', () => {
    const { board, send } = i2cBoard();
    send([{ kind: 'CLR' }, { kind: 'TXT', row: 1, col: 2, text: 'kept' }, { kind: 'CUR', mode: 'blank', row: 0, col: 0 }]);
    board.run(20);
    expect(board.lcd.displayOn).toBe(false);
    expect(board.lcd.text()[1].trim()).toBe('');
    expect(board.lcd.codeRows()[1]).toBe('  kept              ');
    send([{ kind: 'CUR', mode: 'line', row: 1, col: 6 }]);
    board.run(20);
    expect(board.lcd.displayOn).toBe(true);
    expect(board.lcd.text()[1]).toBe('  kept              ');
    expect(board.lcd.cursor).toMatchObject({ row: 1, col: 6, underline: true });
  });
});
