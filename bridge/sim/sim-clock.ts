/**
 * A Clock on a simulated board's time: `now()` is the board's time in ms,
 * and a timer fires when the simulation reaches it (on the event loop just
 * after, never inside a simulation step). A bridge driven by it measures its
 * timers (multi-tap, reading time, retransmit) in the board's time, so a
 * board that falls behind the wall clock on a loaded machine, or that a test
 * slows down, sees the same timing as a real one.
 */
import type { Clock } from '../clock.js';
import { CPU_HZ, type SimBoard } from './board.js';

export function simClock(board: SimBoard): Clock {
  return {
    now: () => board.nowMs,
    setTimeout(fn, ms) {
      const t = { cancelled: false };
      board.schedule((Math.max(0, ms) * CPU_HZ) / 1000, () => {
        if (!t.cancelled) setImmediate(() => t.cancelled || fn());
      });
      return t;
    },
    clearTimeout(handle) {
      if (handle && typeof handle === 'object') (handle as { cancelled: boolean }).cancelled = true;
    },
  };
}
