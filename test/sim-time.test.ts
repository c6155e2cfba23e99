/**
 * The simulated board's time: run(ms) always arrives where it was asked to,
 * whatever fractions of a cycle the steps carry, across unplugs and resets.
 * (A run once hung for good when the time of an unplug fell between two
 * cycles: the board stood a fraction of a cycle short of its target and
 * could not take a step that small.)
 */
import { describe, expect, it } from 'vitest';
import { createPresetBoard } from '../bridge/sim/presets.js';

describe('simulated time', () => {
  it('arrives at every target, to the cycle, through unplugs and plugs at fractional times', () => {
    const board = createPresetBoard('lcd-keypad-shield');
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 400; i++) {
      const before = board.nowMs;
      const ms = rnd() * 3 + 1 / 3;
      board.run(ms);
      // whole cycles only: a fraction is where the time could stall
      expect(Number.isInteger(board.nowCycles), `step ${i}: ${board.nowCycles}`).toBe(true);
      expect(board.nowMs - before).toBeGreaterThanOrEqual(ms - 1e-3);
      expect(board.nowMs - before).toBeLessThan(ms + 1e-3);
      const r = rnd();
      if (r < 0.1) board.unplug();
      else if (r < 0.2) board.plug();
      else if (r < 0.25) board.reset();
      if (r < 0.3) board.schedule(rnd() * 1000, () => undefined);
    }
  });
});
