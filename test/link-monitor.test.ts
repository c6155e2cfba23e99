import { afterEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../bridge/cli/monitor.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import { SimBoard } from '../bridge/sim/board.js';
import { runnerFor } from '../bridge/sim/runner.js';
import { loadDevice } from '../firmware/devices/index.js';
import { fixtureHex } from './fixtures/sim/support.js';
import { untilOnBoard } from './support/board-wait.js';

afterEach(() => FakeBoard.destroyAll());

function collector() {
  let text = '';
  return { out: { write: (s: string) => (text += s) }, text: () => text };
}

describe('monitor', () => {
  it('prints every line with its decoded message or why it was rejected, and sends nothing', async () => {
    const board = new FakeBoard({ retransmitMs: 20 });
    const out = collector();
    const stop = new AbortController();
    const done = runMonitor({
      path: board.path,
      binding: FakeBinding,
      out: out.out,
      signal: stop.signal,
      now: () => new Date(2026, 0, 1, 12, 30, 5, 42),
    });
    await expect.poll(() => out.text()).toMatch(/HELLO/);
    board.press('UP');
    board.sendRaw('TXT 1 0 0 "oops"*0000\r\n');
    await expect.poll(() => out.text().match(/BTN #1 act="down" btn=1/g)?.length ?? 0).toBeGreaterThan(1); // never acked: sent again
    await expect.poll(() => out.text()).toMatch(/REJECTED crc/);
    stop.abort();
    const summary = await done;
    expect(summary).toMatchObject({ end: 'stopped', pings: 0 });
    expect(summary.rejected).toBeGreaterThan(0);
    expect(board.rxLog).toEqual([]); // passive
    const text = out.text();
    expect(text).toMatch(/^12:30:05\.042 rx HELLO 0 1 /m);
    expect(text).toMatch(/HELLO #0 proto=1 fp=[0-9A-F]{8} fw="botduino"/);
  });

  it('without --baud, finds the rate a board flashed at 115200 answers at (slowed down), says so, and shows what the board said', async () => {
    const board = new SimBoard({
      device: { ...loadDevice('lcd-keypad-shield'), baud: 115200 },
      hex: fixtureHex('lcd-keypad-shield-115200'),
    });
    registerSimBoard('sim:monitor-115200', board);
    // at a fifth of real speed, as on a loaded machine: the rate finding's windows keep the board's time
    runnerFor(board, { slowdown: 5 });
    try {
      const out = collector();
      const stop = new AbortController();
      const done = runMonitor({ path: 'sim:monitor-115200', binding: SimBinding, out: out.out, signal: stop.signal });
      // its boot HELLO went by at 250000 (garbled); the answer to a PING at 115200 is the first frame shown
      // on the board's time: 2.5 s at the first rate, then the PING at 115200 (a loaded machine only takes longer)
      await untilOnBoard(board, () => /^ {16}(NAK|PONG) #0 /m.test(out.text()), 5000, 'an answer at 115200', out.text);
      stop.abort();
      const summary = await done;
      expect(summary.baudRate).toBe(115200);
      expect(summary.frames).toBeGreaterThan(0);
      expect(out.text()).toMatch(/^# the board answers at 115200 baud \(found with PING\)\n/);
    } finally {
      unregisterSimBoard('sim:monitor-115200');
    }
  }, 60_000);

  it('writes JSON lines and pings when asked, and ends when the board is unplugged', async () => {
    const board = new FakeBoard();
    const out = collector();
    const done = runMonitor({ path: board.path, binding: FakeBinding, out: out.out, json: true, ping: 20 });
    await expect.poll(() => out.text()).toMatch(/"PONG"/);
    board.unplug();
    const summary = await done;
    expect(summary.end).toBe('closed');
    expect(summary.pings).toBeGreaterThan(0);
    const recs = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(recs.find((r) => r.msg?.kind === 'HELLO')).toMatchObject({ dir: 'rx', msg: { proto: 1, fw: 'botduino' } });
    expect(recs.find((r) => r.dir === 'tx')).toMatchObject({ msg: { kind: 'PING' } });
    expect(recs.every((r) => typeof r.time === 'string' && typeof r.line === 'string')).toBe(true);
  });
});
