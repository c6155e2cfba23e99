/**
 * The link's heartbeat: a PING every period while the board is online, the
 * count of PINGs no line has answered since (liveness: the board is gone after
 * `silence` of them), and the round trip of a PING its PONG answers.
 */
import { Timer, type Clock } from '../clock.js';

export class Heartbeat {
  private readonly timer: Timer;
  private pingSeq = 0;
  private sentAt: number | null = null;
  /** PINGs sent since the board was last heard from. */
  private missed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly silence: number,
  ) {
    this.timer = new Timer(clock);
  }

  /**
   * Beats every period until stopped: while `alive()`, sends `ping(seq)`, or
   * calls `gone(missed)` once `silence` PINGs in a row went unanswered.
   */
  start(alive: () => boolean, ping: (seq: number) => void, gone: (missed: number) => void): void {
    this.missed = 0;
    const tick = () => {
      this.timer.start(this.periodMs, tick);
      if (!alive()) return;
      if (this.missed >= this.silence) {
        gone(this.missed);
        return;
      }
      this.missed++;
      this.pingSeq = (this.pingSeq + 1) & 0xff;
      this.sentAt = this.clock.now();
      ping(this.pingSeq);
    };
    this.timer.start(this.periodMs, tick);
  }

  stop(): void {
    this.timer.stop();
  }

  /** Any line from the board: it is there. */
  heard(): void {
    this.missed = 0;
  }

  /** The seq of a PING sent now, out of the beat (a question the link has for the board); its PONG is timed too. */
  probe(): number {
    this.pingSeq = (this.pingSeq + 1) & 0xff;
    this.sentAt = this.clock.now();
    return this.pingSeq;
  }

  /** A PONG: the round trip in ms when it answers the last PING (once), else null. */
  pong(seq: number): number | null {
    this.missed = 0;
    if (seq !== this.pingSeq || this.sentAt === null) return null;
    const rtt = this.clock.now() - this.sentAt;
    this.sentAt = null;
    return rtt;
  }
}
