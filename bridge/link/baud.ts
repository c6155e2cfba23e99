/**
 * Finding the line rate a board was built with, when it is not configured.
 *
 * Boards built now run at the device description's default (250000 baud);
 * boards flashed before it at 115200. `findingRate(binding)` wraps a
 * serialport binding so that opening a port tries the rates in turn on the
 * port it opened (one open, one reset of an Uno): at each rate it sends PING
 * and listens; the first rate at which any botduino frame comes back (the
 * boot HELLO, a PONG, a NAK) is the board's, and the port stays at it.
 * Bytes no frame has (frames are printable ASCII; a board at another rate
 * sends little else) and lines that decode to nothing move on to the next
 * rate early. When no rate answers, the port is left at
 * the first one and the link reports the silence or the noise as it does.
 * What came at the rate found (the boot HELLO, the PONG) is read first by
 * whoever reads the port next.
 *
 * Everything that opens a board's port goes through `openBinding()`: the
 * bridge's links (app.ts) and `botduino monitor`.
 */
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { decode, encodeLine } from '../../protocol/codec.js';
import { LineSplitter } from '../../protocol/lines.js';
import { MAX_DEVICE_FRAME, type Message } from '../../protocol/schema.js';
import { bindingFor } from './ports.js';

/** The default line rate of boards built now (the device description's `baud`). */
export const DEFAULT_BAUD = 250_000;
/** After a change of rate, bytes that arrive within this long (the port's own time) were on their way before it. */
const SETTLE_MS = 30;

/** The rates tried when none is configured: the default, then the rate of boards flashed before it. */
export const AUTO_RATES = [DEFAULT_BAUD, 115_200];

export interface RateOptions {
  /** Rates to try, in order; default AUTO_RATES. */
  rates?: number[];
  /** How long to listen at the first rate: the board may be in its bootloader after the reset of opening (Uno: up to ~1.5 s). Default 2500 ms. */
  firstMs?: number;
  /** How long at each further rate (the board runs by then). Default 800 ms. */
  nextMs?: number;
  /** PING every this often while listening; default 200 ms. */
  pingMs?: number;
  /** Bytes of lines that decode to no frame, and bytes no frame has (frames are printable ASCII), after which the rate is taken as wrong; default 24. */
  noiseBytes?: number;
  /** Told the rate that answered (or null: none did) for each port opened. */
  onRate?: (path: string, rate: number | null) => void;
}

/** The rate each path answered at last (for `doctor`-style reports and logs). */
const answered = new Map<string, number | null>();

/** The rate the board on `path` answered at when it was last opened with rate finding; undefined: not opened that way. */
export function answeredRate(path: string): number | null | undefined {
  return answered.get(path);
}

/** A binding whose ports find their board's rate on open (see the module's comment); `given` as for `bindingFor`. */
export function findingRate(given: BindingInterface | undefined, opts: RateOptions = {}): BindingInterface {
  return {
    list: async () => (await bindingFor(given)).list(),
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      const rates = opts.rates ?? AUTO_RATES;
      const inner = await bindingFor(given);
      const port = await inner.open({ ...options, baudRate: rates[0] });
      const wrapped = new RatePort(port);
      let found: number | null = null;
      try {
        found = await wrapped.find(rates, opts);
      } catch (err) {
        if (port.isOpen) await port.close().catch(() => {});
        throw err;
      }
      if (found === null && port.isOpen) await port.update({ baudRate: rates[0] });
      answered.set(options.path, found);
      opts.onRate?.(options.path, found);
      return wrapped;
    },
  };
}

/**
 * How to open a board's port: with `given` (a simulated board's, a test's;
 * undefined: serialport's native one) at `baudRate` when it is set, else
 * with a binding that finds the rate on open (starting from the default).
 */
export function openBinding(
  given: BindingInterface | undefined,
  baudRate: number | undefined,
  opts: RateOptions = {},
): { binding: BindingInterface | undefined; baudRate: number; finding: boolean } {
  if (baudRate !== undefined) return { binding: given, baudRate, finding: false };
  return { binding: findingRate(given, opts), baudRate: (opts.rates ?? AUTO_RATES)[0], finding: true };
}

/** A port that passes everything through, once its rate is found; bytes read while finding it are handed on. */
class RatePort implements BindingPortInterface {
  /** A read still running when finding stopped: its bytes are the caller's. */
  private pending: Promise<{ buffer: Buffer; bytesRead: number }> | null = null;
  private pendingBuf: Buffer | null = null;
  /** The bytes that came at the rate found (the boot HELLO, the PONG): read first. */
  private replay: Buffer = Buffer.alloc(0);

  constructor(private readonly port: BindingPortInterface) {}

  get openOptions(): Required<OpenOptions> {
    return this.port.openOptions;
  }
  get isOpen(): boolean {
    return this.port.isOpen;
  }

  async find(rates: number[], opts: RateOptions): Promise<number | null> {
    const noiseLimit = opts.noiseBytes ?? 24;
    // A port on its own time (a simulated board) has its windows measured on that time: on a loaded
    // machine the board falls behind the wall clock, and must get as long to answer as a real one.
    const own = (this.port as { boardTimeMs?: () => number }).boardTimeMs?.bind(this.port);
    const now = own ?? (() => Date.now());
    for (let i = 0; i < rates.length; i++) {
      const rate = rates[i];
      if (i > 0) await this.port.update({ baudRate: rate });
      let frames = 0;
      let noise = 0;
      const seen: Buffer[] = [];
      const split = new LineSplitter(MAX_DEVICE_FRAME, {
        line: (l) => {
          const r = decode(l, MAX_DEVICE_FRAME, { earlier: true });
          if (r.ok && r.msg.kind !== 'PING')
            frames++; // (a PING back is our own, echoed by something that is no botduino)
          else noise += l.length + 1;
        },
        overlong: (n) => (noise += n),
      });
      const deadline = now() + (i === 0 ? (opts.firstMs ?? 2500) : (opts.nextMs ?? 800));
      // After a change of rate, what was already on its way (sent or read at the old rate) is not
      // this rate's: bytes of the first SETTLE_MS are dropped, and so is the rest of a line begun before.
      const settleUntil = i === 0 ? 0 : now() + SETTLE_MS;
      let aligned = i === 0;
      const pingEvery = opts.pingMs ?? 200;
      let nextPing = 0;
      while (frames === 0 && noise < noiseLimit && now() < deadline) {
        if (!this.port.isOpen) return null;
        if (now() >= nextPing) {
          await this.port.write(Buffer.from(encodeLine({ kind: 'PING', seq: 0 } as Message), 'latin1'));
          nextPing = now() + pingEvery;
        }
        let chunk = await this.readFor(Math.min(nextPing, deadline) - now());
        if (chunk && now() < settleUntil) chunk = null;
        if (chunk && !aligned) {
          const nl = chunk.indexOf(0x0a);
          chunk = nl < 0 ? null : chunk.subarray(nl + 1);
          if (chunk) aligned = true;
        }
        if (chunk && chunk.length) {
          split.push(chunk);
          seen.push(chunk);
          // frames are printable ASCII and line ends: any other byte is the line at the wrong rate (or no botduino)
          for (const c of chunk) if ((c < 0x20 && c !== 0x0a && c !== 0x0d) || c > 0x7e) noise++;
        }
      }
      if (frames > 0) {
        this.replay = Buffer.concat(seen);
        return rate;
      }
    }
    return null;
  }

  /** Reads what arrives within `ms` (null: nothing); a read still running afterwards is kept for `read()`. */
  private async readFor(ms: number): Promise<Buffer | null> {
    if (!this.pending) {
      const buf = Buffer.alloc(256);
      this.pendingBuf = buf;
      this.pending = this.port.read(buf, 0, buf.length);
    }
    const p = this.pending;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([p, new Promise<null>((res) => (timer = setTimeout(() => res(null), Math.max(1, ms))))]);
    clearTimeout(timer);
    if (r === null) return null;
    this.pending = null;
    return Buffer.from(r.buffer.subarray(0, r.bytesRead));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.replay.length) {
      const n = this.replay.copy(buffer, offset, 0, Math.min(length, this.replay.length));
      this.replay = this.replay.subarray(n);
      return { buffer, bytesRead: n };
    }
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      const r = await p;
      const n = Math.min(r.bytesRead, length);
      this.pendingBuf!.copy(buffer, offset, 0, n);
      return { buffer, bytesRead: n };
    }
    return this.port.read(buffer, offset, length);
  }

  write(buffer: Buffer): Promise<void> {
    return this.port.write(buffer);
  }
  update(options: UpdateOptions): Promise<void> {
    return this.port.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.port.set(options);
  }
  get(): Promise<PortStatus> {
    return this.port.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.port.getBaudRate();
  }
  flush(): Promise<void> {
    return this.port.flush();
  }
  drain(): Promise<void> {
    return this.port.drain();
  }
  close(): Promise<void> {
    return this.port.close();
  }
}
