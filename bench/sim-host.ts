/**
 * A minimal protocol host for benchmarks on the simulated board: it greets
 * the board (WHO → HELLO), acknowledges its events, and sends reliable frames
 * pipelined within the board's advertised receive buffer (`rx`), as the
 * bridge's link does. Everything runs in simulated time: `board.run` moves
 * it forward.
 *
 *   const host = new SimHost(board);
 *   const hello = host.handshake();
 *   host.send([{ kind: 'TXT', row: 0, col: 0, text: 'hi' }]);
 *   host.runUntilAcked();
 */
import type { SimBoard } from '../bridge/sim/board.js';
import { decode, encode } from '../protocol/codec.js';
import { LineSplitter } from '../protocol/lines.js';
import { MAX_DEVICE_FRAME, type Message, type MessageOf } from '../protocol/schema.js';

/** A host frame without its seq (the host numbers it). */
export type Outgoing = { kind: string } & Record<string, unknown>;

interface Sent {
  seq: number;
  line: string;
}

export class SimHost {
  /** Every frame the board sent, decoded, in order. */
  readonly received: { msg: Message; atUs: number }[] = [];
  /** Host → board bytes of reliable frames and of control frames (WHO/ACK/PING), since `resetCounts()`. */
  readonly bytes = { reliable: 0, control: 0 };
  /** The board's receive buffer from its HELLO. */
  rx = 64;
  /** Called when a board frame has fully arrived (its last byte), in simulated µs. */
  onFrame: ((msg: Message, atUs: number) => void) | null = null;

  private nextSeq = 1;
  private readonly queue: string[] = [];
  private readonly inFlight: Sent[] = [];
  private inFlightBytes = 0;

  constructor(readonly board: SimBoard) {
    const split = new LineSplitter(MAX_DEVICE_FRAME, {
      line: (l) => this.onLine(l),
      overlong: () => {},
    });
    board.serial.on('data', (b) => split.push(b));
  }

  /** Waits for the board's boot HELLO, then pins its session with WHO; returns the HELLO answering it. */
  handshake(timeoutMs = 3000): MessageOf<'HELLO'> {
    this.waitFor((m) => m.kind === 'HELLO', timeoutMs);
    const from = this.received.length;
    this.control({ kind: 'WHO', seq: 0, next: this.nextSeq } as Message);
    const hello = this.waitFor((m) => m.kind === 'HELLO', timeoutMs, from) as MessageOf<'HELLO'>;
    this.rx = hello.rx;
    return hello;
  }

  /** Queues reliable frames; they go out as the board's buffer has room. */
  send(frames: Outgoing[]): void {
    for (const f of frames) {
      const line = encode({ ...f, seq: this.nextSeq } as Message) + '\n';
      this.nextSeq = this.nextSeq >= 255 ? 1 : this.nextSeq + 1;
      this.queue.push(line);
    }
    this.pump();
  }

  /** Sends an unreliable frame (PING, WHO, ACK) at once. */
  control(msg: Message): void {
    const line = encode(msg) + '\n';
    this.bytes.control += line.length;
    this.board.serial.write(line);
  }

  /** True when every reliable frame sent has been acknowledged. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0;
  }

  /** Runs the board until every reliable frame is acknowledged. */
  runUntilAcked(timeoutMs = 3000): void {
    if (!this.board.runUntil(() => this.idle, timeoutMs, 0.05))
      throw new Error(
        `the simulated board did not acknowledge ${this.inFlight.length + this.queue.length} frame(s) within ${timeoutMs} ms`,
      );
  }

  /** Runs the board until a frame matching `pred` arrives (after `from` frames). */
  waitFor(pred: (m: Message) => boolean, timeoutMs = 3000, from = 0): Message {
    let found: Message | undefined;
    const ok = this.board.runUntil(
      () => {
        found = this.received.slice(from).find((r) => pred(r.msg))?.msg;
        return found !== undefined;
      },
      timeoutMs,
      0.05,
    );
    if (!ok || !found) throw new Error(`no matching frame from the simulated board within ${timeoutMs} ms`);
    return found;
  }

  resetCounts(): void {
    this.bytes.reliable = 0;
    this.bytes.control = 0;
  }

  private pump(): void {
    while (this.queue.length && this.inFlightBytes + this.queue[0].length <= this.rx) {
      const line = this.queue.shift()!;
      const seq = Number(line.split(' ', 2)[1]);
      this.inFlight.push({ seq, line });
      this.inFlightBytes += line.length;
      this.bytes.reliable += line.length;
      this.board.serial.write(line);
    }
  }

  private onLine(line: string): void {
    const r = decode(line, MAX_DEVICE_FRAME, { earlier: true });
    if (!r.ok) return;
    const msg = r.msg;
    const at = this.board.nowUs;
    this.received.push({ msg, atUs: at });
    if (msg.kind === 'BTN' || msg.kind === 'KEY') this.control({ kind: 'ACK', seq: msg.seq } as Message);
    else if (msg.kind === 'ACK') this.acked(msg.seq);
    else if (msg.kind === 'NAK') this.goBack();
    this.onFrame?.(msg, at);
  }

  private acked(seq: number): void {
    const i = this.inFlight.findIndex((f) => f.seq === seq);
    if (i < 0) return;
    for (const f of this.inFlight.splice(0, i + 1)) this.inFlightBytes -= f.line.length;
    this.pump();
  }

  /** A NAK: everything in flight again, in order (a benchmark line loses nothing, so this is rare). */
  private goBack(): void {
    for (const f of this.inFlight) {
      this.bytes.reliable += f.line.length;
      this.board.serial.write(f.line);
    }
  }
}
