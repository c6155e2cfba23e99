/**
 * Drives a simulated board from the event loop: in small slices paced to the
 * wall clock (so the bridge's timers make sense), or as fast as it goes.
 */
import type { SimBoard } from './board.js';

export type RunMode = 'realtime' | 'fast';

export interface RunnerOptions {
  /** "realtime": simulated time follows the wall clock; "fast": as fast as the machine goes. Default "realtime". */
  mode?: RunMode;
  /** Simulated milliseconds per slice; default 2. */
  sliceMs?: number;
  /** Longest the runner keeps the event loop busy at once, in wall ms; default 20. */
  budgetMs?: number;
  /**
   * Realtime mode at a fraction of real speed: 10 runs the board at a tenth
   * (tests use it to prove nothing depends on how fast the machine is).
   * Default 1.
   */
  slowdown?: number;
}

export interface RunnerStats {
  /** Simulated and wall time since start, in ms. */
  simMs: number;
  wallMs: number;
  /** Simulated time the board could not keep up with in realtime mode (skipped, not simulated), in ms. */
  behindMs: number;
}

/** The most simulated time a realtime runner tries to catch up on; beyond it, it lets the lag go. */
const MAX_LAG_MS = 250;

export class SimRunner {
  readonly mode: RunMode;
  private readonly sliceMs: number;
  private readonly budgetMs: number;
  private readonly slowdown: number;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private wallStart = 0;
  private simStart = 0;
  private shift = 0;
  private behind = 0;
  private users = 0;

  constructor(
    private readonly board: SimBoard,
    opts: RunnerOptions = {},
  ) {
    this.mode = opts.mode ?? 'realtime';
    this.sliceMs = opts.sliceMs ?? 2;
    this.budgetMs = opts.budgetMs ?? 20;
    this.slowdown = Math.max(1, opts.slowdown ?? 1);
  }

  get running(): boolean {
    return this.users > 0;
  }

  get stats(): RunnerStats {
    return {
      simMs: this.board.nowMs - this.simStart,
      wallMs: performance.now() - this.wallStart,
      behindMs: this.behind,
    };
  }

  /** Starts running (counted: every start needs a stop). */
  start(): void {
    if (this.users++ > 0) return;
    this.wallStart = performance.now();
    this.simStart = this.board.nowMs;
    this.shift = 0;
    this.behind = 0;
    this.schedule(0);
  }

  stop(): void {
    if (this.users === 0 || --this.users > 0) return;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    // kept referenced: a running board keeps the process alive, as an open port would
    this.timer = delayMs > 0 ? setTimeout(() => this.tick(), delayMs) : setImmediate(() => this.tick());
  }

  private tick(): void {
    this.timer = null;
    if (!this.users) return;
    const t0 = performance.now();
    if (this.mode === 'fast') {
      while (performance.now() - t0 < this.budgetMs) this.board.run(this.sliceMs);
      this.schedule(0);
      return;
    }
    let target = this.simStart + this.shift + (performance.now() - this.wallStart) / this.slowdown;
    const lag = target - this.board.nowMs;
    if (lag > MAX_LAG_MS) {
      this.shift -= lag - this.sliceMs;
      this.behind += lag - this.sliceMs;
      target = this.board.nowMs + this.sliceMs;
    }
    while (this.board.nowMs < target && performance.now() - t0 < this.budgetMs)
      this.board.run(Math.min(this.sliceMs, target - this.board.nowMs));
    const ahead = this.board.nowMs - (this.simStart + this.shift + (performance.now() - this.wallStart) / this.slowdown);
    this.schedule(ahead > 0.1 ? Math.max(1, Math.floor(ahead * this.slowdown)) : 0);
  }
}

const runners = new WeakMap<SimBoard, SimRunner>();

/** The one runner of a board (created on first use with these options). */
export function runnerFor(board: SimBoard, opts?: RunnerOptions): SimRunner {
  let r = runners.get(board);
  if (!r) {
    r = new SimRunner(board, opts);
    runners.set(board, r);
  }
  return r;
}
