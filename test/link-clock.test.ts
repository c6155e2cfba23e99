import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../bridge/clock.js';
import { DeviceLink } from '../bridge/link/link.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

/** A clock that moves only when the test says so. */
class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

const links: DeviceLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

describe('the link on an injected clock', () => {
  it('retransmits an unacknowledged frame exactly when the clock passes the RTO, not before', async () => {
    const clock = new ManualClock();
    const board = new FakeBoard({ bootMs: 0 });
    const link = new DeviceLink({ path: board.path, binding: FakeBinding, clock, initialRtoMs: 300, pingIntervalMs: 1e9 });
    links.push(link);
    await link.start();
    const tx: string[] = [];
    link.on('frame', (f) => {
      if (f.dir === 'tx') tx.push(f.line);
    });
    board.faults.toBoard = () => Buffer.alloc(0); // the board hears nothing: no ACK comes

    link.tone(440, 50);
    const tones = () => tx.filter((l) => l.startsWith('TONE ')).length;
    expect(tones()).toBe(1);

    clock.advance(299);
    await new Promise((r) => setImmediate(r));
    expect(tones()).toBe(1);
    expect(link.stats().retransmits).toBe(0);

    clock.advance(1);
    expect(tones()).toBe(2);
    expect(link.stats().retransmits).toBe(1);
    expect(tx[tx.length - 1]).toBe(tx.find((l) => l.startsWith('TONE ')));
  });
});
