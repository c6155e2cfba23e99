/**
 * The UI's sense of time that is not paging: how long a window stays for
 * reading, and the slow scrolling of a marked option too long for its line.
 */
import { Timer, type Clock } from '../clock.js';
import type { ResolvedUIOptions } from './options.js';
import type { Doc } from './view.js';

/** Time between steps of a long option's scrolling. */
export const MARQUEE_MS = 400;
/** Steps the scrolling rests at each end. */
const PAUSE = 3;

/** How long the window of `h` lines from `top` stays before the next page or message follows. */
export function readingTime(doc: Doc, top: number, h: number, r: ResolvedUIOptions['readingTime']): number {
  let chars = 0;
  for (const line of doc.lines.slice(top, top + h)) for (const c of line.cells) if (c !== 0x20) chars++;
  return Math.min(r.maxMs, Math.max(r.minMs, r.baseMs + r.perCharMs * chars));
}

/** Scrolls one long label at a time: after a pause, a step every MARQUEE_MS, a pause at the end, again. */
export class Marquee {
  private key = '';
  private step = 0;
  private readonly timer: Timer;

  constructor(
    clock: Clock,
    /** Called after each step. */
    private readonly onStep: () => void,
  ) {
    this.timer = new Timer(clock);
  }

  /** How far the label named `key` ('' for none) that is `overflow` cells too long is scrolled now; keeps it going. */
  offset(key: string, overflow: number): number {
    if (key !== this.key) {
      this.key = key;
      this.step = 0;
      this.timer.stop();
    }
    if (!key || overflow <= 0) return 0;
    if (!this.timer.running) {
      this.timer.start(MARQUEE_MS, () => {
        this.step = (this.step + 1) % (overflow + 2 * PAUSE);
        this.onStep();
      });
    }
    return Math.max(0, Math.min(overflow, this.step - PAUSE));
  }

  stop(): void {
    this.timer.stop();
  }
}
