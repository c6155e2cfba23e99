/**
 * Waiting on a simulated board's own time. A wait measured on the wall clock
 * fails on a loaded machine, where the board falls behind real time; a wait
 * measured on the board's clock gives the board exactly as long as a real one
 * would get, and only takes longer in wall time (the test's own timeout is
 * the backstop).
 */
import type { SimBoard } from '../../bridge/sim/board.js';

/**
 * Resolves with `check()`'s first truthy value; rejects, saying `what` was
 * not seen and what `describe()` shows, once `board` has run `boardMs` of its
 * own time since the call without it.
 */
export function untilOnBoard<T>(
  board: SimBoard,
  check: () => T,
  boardMs: number,
  what: string,
  describe: () => string = () => '',
): Promise<NonNullable<T>> {
  const end = board.nowMs + boardMs;
  return new Promise((resolve, reject) => {
    const look = () => {
      const v = check();
      if (v) return resolve(v as NonNullable<T>);
      if (board.nowMs >= end) {
        const seen = describe();
        return reject(new Error(`${what} was not seen in ${boardMs} ms of the board's time${seen ? `; it shows: ${seen}` : ''}`));
      }
      setTimeout(look, 10);
    };
    look();
  });
}
