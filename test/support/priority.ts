/**
 * Scheduling priority for tests whose simulated board has a real-time peer.
 *
 * avrdude times its exchange with the bootloader on the wall clock: it sends
 * its first sync about half a second after opening the port and throws away
 * answers that come more than 250 ms late. The simulated board it talks to
 * must therefore run close to real time. On a shared machine under load (CI
 * runs on one; the suite is tried with eight `yes > /dev/null` beside it) the
 * board gets a fraction of a core, falls behind, and its Optiboot is still
 * flashing the LED, not listening, when avrdude's sync arrives. A real-time
 * device emulator is given the CPU it needs; these tests do the same: they
 * raise their process's priority while they run, where that is allowed (root
 * or CAP_SYS_NICE, as in CI), and the programs they start (avrdude, the
 * pty helper, a `botduino simulate` child) inherit it. Elsewhere nothing
 * changes and the tests need an unloaded machine.
 */
import { getPriority, setPriority } from 'node:os';

/** Niceness the tests ask for: weighted about 70× a normal process. */
export const REAL_TIME_NICE = -19;

/**
 * Raises this process's priority to REAL_TIME_NICE if allowed; returns
 * whether it did, and a function that puts the old priority back.
 */
export function raisePriority(nice = REAL_TIME_NICE): { raised: boolean; restore: () => void } {
  const before = getPriority(0);
  if (before <= nice) return { raised: true, restore: () => {} };
  try {
    setPriority(0, nice);
  } catch {
    return { raised: false, restore: () => {} };
  }
  return { raised: true, restore: () => setPriority(0, before) };
}
