/**
 * The host's side of go-back-N: reliable frames sent and not yet
 * acknowledged, in order, with the bytes they occupy in the board's buffer,
 * and a retransmit timeout adapted from measured round trips (RFC 6298
 * smoothing, Karn's rule: frames sent twice give no sample).
 */
import type { Message } from '../../protocol/schema.js';
import { nextSeq, seqDistance } from './seq.js';

export interface InFlight {
  seq: number;
  /** The encoded line with its "\n". */
  line: string;
  msg: Message;
  sentAt: number;
  /** Sent more than once: no RTT sample from its ACK. */
  resent: boolean;
}

export interface RtoOptions {
  /** Retransmit timeout before any round trip is measured; default 250 ms. */
  initialRtoMs?: number;
  /** Least retransmit timeout; default 40 ms. */
  minRtoMs?: number;
  /** Greatest retransmit timeout, backoff included; default 2000 ms. */
  maxRtoMs?: number;
}

/** Seqs in flight at once: well under half the seq space, so old and new never mix. */
const MAX_FRAMES_IN_FLIGHT = 64;

export class SendWindow {
  /** Seq the next new reliable frame gets. */
  next = 1;
  readonly frames: InFlight[] = [];
  bytes = 0;

  private srtt: number | null = null;
  private rttvar = 0;
  private backoff = 1;
  lastRtt: number | null = null;
  private readonly initialRto: number;
  private readonly minRto: number;
  private readonly maxRto: number;

  constructor(opts: RtoOptions = {}) {
    this.initialRto = opts.initialRtoMs ?? 250;
    this.minRto = opts.minRtoMs ?? 40;
    this.maxRto = opts.maxRtoMs ?? 2000;
  }

  /** Whether a frame of `bytes` may go now without more than `limit` bytes in flight (one frame always may). */
  fits(bytes: number, limit: number): boolean {
    if (this.frames.length === 0) return true;
    return this.frames.length < MAX_FRAMES_IN_FLIGHT && this.bytes + bytes <= limit;
  }

  /** Records a frame just sent with seq `this.next`, and moves `next` on. */
  add(line: string, msg: Message, now: number): void {
    this.frames.push({ seq: msg.seq, line, msg, sentAt: now, resent: false });
    this.bytes += line.length;
    this.next = nextSeq(this.next);
  }

  /** Seq of the oldest unacknowledged frame, or of the next new one. */
  get base(): number {
    return this.frames.length ? this.frames[0].seq : this.next;
  }

  /**
   * Acknowledges `seq` and everything before it. Returns the frames it
   * acknowledged (oldest first), empty for a stale or unknown ACK.
   */
  ack(seq: number, now: number): InFlight[] {
    const n = this.frames.length;
    if (!n) return [];
    const i = seqDistance(this.frames[0].seq, seq);
    if (i >= n) return [];
    const done = this.frames.splice(0, i + 1);
    for (const f of done) this.bytes -= f.line.length;
    const last = done[done.length - 1];
    if (!last.resent) this.sample(now - last.sentAt);
    this.backoff = 1;
    return done;
  }

  /**
   * Where the board's expected seq `exp` (from a NAK) stands: 'window' when
   * it lies within what is in flight (or is the next new seq), 'stale' when
   * it is a little behind (an old NAK), 'lost' when the board expects a seq
   * this side never sent (it lost its session state).
   */
  place(exp: number): 'window' | 'stale' | 'lost' {
    const d = seqDistance(this.base, exp);
    if (d <= this.frames.length) return 'window';
    return seqDistance(exp, this.base) <= MAX_FRAMES_IN_FLIGHT ? 'stale' : 'lost';
  }

  /** Marks every frame in flight as sent again now, and returns them. */
  resendAll(now: number): InFlight[] {
    for (const f of this.frames) {
      f.resent = true;
      f.sentAt = now;
    }
    return this.frames;
  }

  /** Doubles the timeout after a timeout (up to the cap). */
  timedOut(): void {
    this.backoff = Math.min(this.backoff * 2, 64);
  }

  /** Forgets what is in flight (a reset or a reconnect); `next` goes on. */
  clear(): InFlight[] {
    const old = this.frames.splice(0);
    this.bytes = 0;
    this.backoff = 1;
    return old;
  }

  /** Feeds a round-trip sample (also used for PING/PONG). */
  sample(ms: number): void {
    this.lastRtt = ms;
    if (this.srtt === null) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  get avgRtt(): number | null {
    return this.srtt;
  }

  /** Current retransmit timeout in ms. */
  get rto(): number {
    const base = this.srtt === null ? this.initialRto : this.srtt + Math.max(4 * this.rttvar, 10);
    return Math.min(this.maxRto, Math.max(this.minRto, base) * this.backoff);
  }
}
