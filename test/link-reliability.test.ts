import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink, type DeviceLinkOptions } from '../bridge/link/link.js';
import type { InputEvent } from '../bridge/link/types.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { FakeBinding, FakeBoard, lossy } from '../support/fake-board.js';

const links: DeviceLink[] = [];
async function online(board: FakeBoard, opts: Partial<DeviceLinkOptions> = {}) {
  const link = new DeviceLink({ path: board.path, binding: FakeBinding, pingIntervalMs: 100, ...opts });
  links.push(link);
  const inputs: InputEvent[] = [];
  link.on('input', (ev) => inputs.push(ev));
  await link.start();
  return { link, inputs };
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

function frame(rows: string[], cols = 16, patch: Partial<ScreenFrame> = {}): ScreenFrame {
  const f = blankFrame(cols, rows.length);
  f.rows = rows.map((r) => r.padEnd(cols, ' ').slice(0, cols));
  return { ...f, ...patch };
}

/** Waits until the board shows `f` and has acknowledged everything. */
async function settled(link: DeviceLink, board: FakeBoard, f: ScreenFrame) {
  await expect.poll(() => board.lcd.text(), { timeout: 15_000 }).toEqual(f.rows);
  await expect.poll(() => link.stats().queueDepth, { timeout: 15_000 }).toBe(0);
}

function txLines(link: DeviceLink): string[] {
  const out: string[] = [];
  link.on('frame', (f) => {
    if (f.dir === 'tx') out.push(f.line);
  });
  return out;
}

describe('board events', () => {
  it('delivers every button and key exactly once, in order', async () => {
    const board = new FakeBoard({ keypad: ['123', '456', '789', '*0#'] });
    const { inputs } = await online(board);
    const want: InputEvent[] = [];
    for (let i = 0; i < 30; i++) {
      if (i % 2) {
        board.press(i % 5, 'down');
        want.push({ type: 'button', action: 'down', button: ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'][i % 5], index: i % 5 });
      } else {
        board.key('0123456789'[i % 10], 'up');
        want.push({ type: 'key', action: 'up', key: '0123456789'[i % 10] });
      }
      if (i % 6 === 5) await expect.poll(() => inputs.length).toBe(i + 1);
    }
    await expect.poll(() => inputs.length).toBe(30);
    expect(inputs).toEqual(want);
  });
});

describe('over a bad line', () => {
  it('delivers exactly once both ways through dropped and corrupted bytes, and the LCD ends as the host thinks', async () => {
    const board = new FakeBoard({ cols: 20, rows: 4, retransmitMs: 40 });
    const { link, inputs } = await online(board, { minRtoMs: 20, initialRtoMs: 60 });
    board.faults.toHost = lossy({ seed: 7, drop: 0.004, corrupt: 0.004 });
    board.faults.toBoard = lossy({ seed: 11, drop: 0.004, corrupt: 0.004 });

    let last = frame(['', '', '', ''], 20);
    for (let i = 0; i < 40; i++) {
      board.press(i % 5);
      if (i % 4 === 0) link.tone(440 + i, 50);
      last = frame([`Message number ${i}`, `line two ${i * 7}`, i % 3 ? 'same' : `third ${i}`, `${'*'.repeat(i % 20)}`], 20);
      link.show(last);
      if (i % 5 === 4) await expect.poll(() => inputs.length, { timeout: 15_000 }).toBe(i + 1);
    }
    await expect.poll(() => inputs.length, { timeout: 15_000 }).toBe(40);
    await settled(link, board, last);
    expect(inputs.map((e) => (e.type === 'button' ? e.index : -1))).toEqual(Array.from({ length: 40 }, (_, i) => i % 5));
    expect(board.tones.map((t) => t.hz)).toEqual(Array.from({ length: 10 }, (_, i) => 440 + i * 4));
    expect(link.screen).toEqual(last.rows);
    const st = link.stats();
    expect(st.retransmits).toBeGreaterThan(0);
    expect(Object.values(st.rejects).reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  it('goes back at once on a NAK instead of waiting for the timeout', async () => {
    const board = new FakeBoard();
    // A timeout so long that only the NAK can bring the frame back.
    const { link } = await online(board, { initialRtoMs: 600_000, minRtoMs: 600_000, maxRtoMs: 600_000 });
    let hits = 0;
    board.faults.toBoard = (chunk) => {
      const s = chunk.toString('latin1');
      if (s.includes('"Hello"') && hits++ === 0) return Buffer.from(s.replace('"Hello"', '"Hellp"'), 'latin1');
      return chunk;
    };
    const f = frame(['Hello', 'world']);
    link.show(f);
    await settled(link, board, f);
    expect(link.stats().naks.crc).toBe(1);
    expect(link.stats().retransmits).toBeGreaterThan(0);
  });
});

describe('the screen model', () => {
  it('sends only the cells that changed', async () => {
    const board = new FakeBoard();
    const { link } = await online(board);
    const a = frame(['Weather: sunny', 'Temp 21C']);
    link.show(a);
    await settled(link, board, a);
    const sent = txLines(link);
    const b = frame(['Weather: rainy', 'Temp 21C']);
    link.show(b);
    await settled(link, board, b);
    const txt = sent.filter((l) => l.startsWith('TXT'));
    expect(txt).toHaveLength(1);
    expect(txt[0]).toMatch(/^TXT \d+ 0 9 "rai"\*/); // "sunny" → "rainy": the "ny" stays
    expect(sent.some((l) => l.startsWith('CLR'))).toBe(false);
  });

  it('merges nearby changes into one write and keeps distant ones apart', async () => {
    const board = new FakeBoard({ cols: 20, rows: 2 });
    const { link } = await online(board);
    const a = frame(['....................', '....................'], 20);
    link.show(a);
    await settled(link, board, a);
    const sent = txLines(link);
    const b = frame(['x..y...............z', '....................'], 20);
    link.show(b);
    await settled(link, board, b);
    const txt = sent.filter((l) => l.startsWith('TXT'));
    expect(txt.map((l) => l.replace(/^TXT \d+ /, '').replace(/\*.*/, ''))).toEqual(['0 0 "x..y"', '0 19 "z"']);
  });

  it('defines custom glyphs before the text that uses them, and restores cursor and backlight', async () => {
    const board = new FakeBoard();
    const { link } = await online(board);
    const glyph = Uint8Array.from([0, 10, 31, 31, 14, 4, 0, 0]);
    const glyphs = blankFrame(16, 2).glyphs;
    glyphs[2] = glyph;
    const f = frame(['I \x02 botduino', ''], 16, { glyphs, cursor: { mode: 'block', row: 1, col: 3 }, backlight: false });
    link.show(f);
    await settled(link, board, f);
    expect(board.lcd.glyphs[2]).toEqual(glyph);
    expect(board.lcd.cursor).toEqual({ mode: 'block', row: 1, col: 3 });
    expect(board.lcd.backlight).toBe(false);
    const kinds = board.applied.map((m) => m.kind);
    expect(kinds.indexOf('GLY')).toBeLessThan(kinds.indexOf('TXT'));
  });

  it('only the latest frame counts when frames come faster than the board takes them', async () => {
    const board = new FakeBoard({ lineDelayMs: 3 });
    const { link } = await online(board);
    const sent = txLines(link);
    let f = frame(['', '']);
    for (let i = 0; i < 200; i++) {
      f = frame([`count ${i}`, `${i * 3}`]);
      link.show(f);
    }
    await settled(link, board, f);
    expect(sent.filter((l) => l.startsWith('TXT')).length).toBeLessThan(40);
  });

  it('never overflows the board’s receive buffer, even for a full redraw of a slow 20×4 LCD', async () => {
    const board = new FakeBoard({ cols: 20, rows: 4, rx: 64, lineDelayMs: 4 });
    const { link } = await online(board, { minRtoMs: 300 }); // no timeouts from a busy test machine
    for (let i = 0; i < 5; i++) {
      const f = frame([`${i}`.repeat(20), 'ABCDEFGHIJKLMNOPQRST'.slice(i), `row three ${i}`, '0123456789'.repeat(2)], 20);
      link.show(f);
      await settled(link, board, f);
    }
    expect(board.counters.ovf).toBe(0);
  });

  it('redraws everything after the board resets by itself', async () => {
    const board = new FakeBoard();
    const { link, inputs } = await online(board);
    const glyphs = blankFrame(16, 2).glyphs;
    glyphs[0] = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const f = frame(['\x00 still here', 'after a reset'], 16, { glyphs });
    link.show(f);
    await settled(link, board, f);
    board.press('UP');
    await expect.poll(() => inputs.length).toBe(1);
    board.reset();
    await expect.poll(() => board.lcd.text()).toEqual(f.rows);
    await expect.poll(() => board.lcd.glyphs[0]).toEqual(glyphs[0]);
    board.press('DOWN');
    await expect.poll(() => inputs.length).toBe(2);
    expect(inputs[1]).toMatchObject({ button: 'DOWN' });
  });
});

describe('commands and health', () => {
  it('stores the device id, drives the LED, and keeps the board’s health counters', async () => {
    const board = new FakeBoard();
    const { link } = await online(board, { pingIntervalMs: 30 });
    await link.setId('kiosk-7');
    expect(board.id).toBe('kiosk-7');
    link.led(true);
    await expect.poll(() => board.led).toBe(true);
    await expect.poll(() => link.stats().pongs).toBeGreaterThan(1);
    const st = link.stats();
    expect(st.device).toMatchObject({ freeRam: 900, resetCause: 'external', boot: board.boot });
    expect(st.rtt.lastMs).not.toBeNull();
    expect(st.framesIn).toBeGreaterThan(0);
    expect(st.bytesOut).toBeGreaterThan(0);
    await expect(link.setId('has space')).rejects.toThrow(/printable ASCII/);
  });
});
