/**
 * One connection to a board: an opened port, its line splitter, what came in
 * before the first HELLO (noise), and the handshake: WHO resent at growing
 * intervals until the board's HELLO or the deadline, and the error that says
 * why a board stayed silent. Closing it closes the port.
 */
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortStream } from '@serialport/stream';
import { LineSplitter } from '../../protocol/lines.js';
import { MAX_DEVICE_FRAME } from '../../protocol/schema.js';
import { SerialError } from '../../common/errors.js';
import { Timer, type Clock } from '../clock.js';
import { openError } from './open-errors.js';
import type { DeviceCaps } from './types.js';

interface Handshake {
  resolve(caps: DeviceCaps): void;
  reject(err: Error): void;
  whoTimer: Timer;
  deadline: Timer;
  /** When reconnecting: the board must announce this id (if both have one). */
  expectId?: string;
}

/** What a session tells its link. */
export interface SessionEvents {
  bytes(n: number): void;
  line(s: Session, line: string): void;
  overlong(s: Session, n: number): void;
  lost(s: Session, why: string): void;
}

export interface HandshakeOptions {
  whoIntervalMs: number;
  whoMaxIntervalMs: number;
  timeoutMs: number;
  expectId?: string;
  /** For the "flash the firmware" advice. */
  preset: string;
}

export class Session {
  readonly splitter: LineSplitter;
  private hs: Handshake | null = null;
  closed = false;
  /** Bytes and lines before the first HELLO that were not frames. */
  noiseBytes = 0;
  noiseLines = 0;
  noiseSample = '';
  framesSeen = 0;
  hello = false;

  private constructor(
    readonly port: SerialPortStream,
    readonly path: string,
    readonly baudRate: number,
    on: SessionEvents,
  ) {
    this.splitter = new LineSplitter(MAX_DEVICE_FRAME, {
      line: (l) => on.line(this, l),
      overlong: (n) => on.overlong(this, n),
    });
  }

  /** Opens `path` at `baudRate`. */
  static async open(binding: BindingInterface, path: string, baudRate: number, on: SessionEvents): Promise<Session> {
    // a board sends at most ~11.5 KB/s: a 4 KB read pool instead of serialport's 64 KB keeps 256 links small
    const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false, highWaterMark: 4096 });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw openError(path, err);
    }
    const s = new Session(port, path, baudRate, on);
    port.on('data', (chunk: Buffer) => {
      if (s.closed) return;
      on.bytes(chunk.length);
      s.splitter.push(chunk.toString('latin1'));
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (!s.closed) on.lost(s, err?.disconnected ? 'unplugged' : `port closed${err ? `: ${err.message}` : ''}`);
    });
    port.on('error', (err: Error) => {
      if (!s.closed) on.lost(s, `port error: ${err.message}`);
    });
    return s;
  }

  /** Whether the handshake is going on. */
  get handshaking(): boolean {
    return this.hs !== null;
  }

  /** The id the board must announce, in a handshake of a reconnect. */
  get expectId(): string | undefined {
    return this.hs?.expectId;
  }

  /** Sends WHO (with `who()`) at growing intervals until the HELLO ends the handshake or the deadline fails it. */
  handshake(clock: Clock, o: HandshakeOptions, who: () => void): Promise<DeviceCaps> {
    return new Promise<DeviceCaps>((resolve, reject) => {
      const hs: Handshake = { resolve, reject, whoTimer: new Timer(clock), deadline: new Timer(clock), expectId: o.expectId };
      this.hs = hs;
      let delay = o.whoIntervalMs;
      const again = () => {
        who();
        hs.whoTimer.start(delay, again);
        delay = Math.min(delay * 2, o.whoMaxIntervalMs);
      };
      again();
      hs.deadline.start(o.timeoutMs, () => this.failHandshake(this.silentBoardError(o.timeoutMs, o.preset)));
    });
  }

  /** Ends the handshake; returns what resolves it (null: there was none). */
  endHandshake(): ((caps: DeviceCaps) => void) | null {
    const hs = this.hs;
    if (!hs) return null;
    this.hs = null;
    hs.whoTimer.stop();
    hs.deadline.stop();
    return hs.resolve;
  }

  failHandshake(err: Error): void {
    const hs = this.hs;
    if (!hs) return;
    this.endHandshake();
    hs.reject(err);
  }

  private silentBoardError(ms: number, preset: string): SerialError {
    const secs = `${Math.round(ms / 100) / 10} s`;
    const flash = `\`botduino firmware flash --device ${preset} --port ${this.path}\``;
    if (!this.noiseBytes && !this.framesSeen)
      return new SerialError(
        `No answer from the board on ${this.path} at ${this.baudRate} baud within ${secs}: nothing at all came back. Check the USB cable and the port, that the baud rate (${this.baudRate}) matches the firmware's (the device description's "baud"), and that botduino firmware is on the board: flash it with ${flash}.`,
        'no-answer',
      );
    return new SerialError(
      `No HELLO from the board on ${this.path} at ${this.baudRate} baud within ${secs}: it sent ${this.noiseBytes} bytes that are not botduino frames (e.g. ${JSON.stringify(this.noiseSample)}). Is the baud rate wrong? The bridge uses ${this.baudRate}; the firmware's is in the device description ("baud"). Or the board runs other firmware: flash botduino with ${flash}.`,
      'garbage-only',
    );
  }

  /** Closes the port (after writing what is buffered, with `drain`). */
  async close(drain = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.splitter.reset();
    const port = this.port;
    if (!port.isOpen) return;
    if (drain) await new Promise<void>((resolve) => port.drain(() => resolve()));
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
