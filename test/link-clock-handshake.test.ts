/**
 * The link's timers run on the clock it is given: on a manual clock nothing
 * times out until the clock says so, whatever the wall clock does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../bridge/clock.js';
import { DeviceLink } from '../bridge/link/link.js';
import { SerialError } from '../common/errors.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

/** A clock that moves only when told to. */
function manualClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}

const links: DeviceLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

describe('the link on an injected clock', () => {
  it('waits for a silent board exactly as long as its clock says, not the wall clock', async () => {
    const board = new FakeBoard({ mute: true });
    const clock = manualClock();
    const link = new DeviceLink({ path: board.path, binding: FakeBinding, clock, handshakeTimeoutMs: 8000, reconnect: false });
    links.push(link);
    let failed: unknown = null;
    const started = link.start().catch((e: unknown) => (failed = e));
    // real time passes: a wall-clock timer of 8 s would not fire, and neither does this one
    await new Promise((r) => setTimeout(r, 300));
    expect(failed).toBeNull();
    expect(clock.pending()).toBeGreaterThan(0); // the WHO resend and the deadline wait on the clock
    clock.advance(7999);
    await new Promise((r) => setTimeout(r, 50));
    expect(failed).toBeNull();
    clock.advance(1);
    await started;
    expect(failed).toBeInstanceOf(SerialError);
    expect((failed as Error).message).toMatch(/within 8 s/);
  });
});
