/**
 * A serialport binding onto simulated boards, so the bridge talks to one as
 * to a real board:
 *
 *   import { SerialPortStream } from '@serialport/stream';
 *   import { SimBinding } from './bridge/sim/binding.js';
 *   const port = new SerialPortStream({ binding: SimBinding, path: 'sim:lcd-keypad-shield', baudRate: 115200 });
 *
 * `sim:<preset>` paths create a board from the preset and its committed
 * image on first open; `registerSimBoard(path, board)` puts an existing board
 * under a path, so a view or a test can press keys on the very board the
 * bridge talks to. Opening resets the board (DTR, as on an Uno) unless
 * `hupcl: false`; so does raising DTR again with `set({ dtr: true })`.
 * While a port is open the board runs paced to the wall clock (or as
 * registered). Unplugging the board fails the pending read with an error
 * whose `disconnected` is true, as serialport does.
 */
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialError } from '../../common/errors.js';
import type { SimBoard } from './board.js';
import { createPresetBoard, listPresets } from './presets.js';
import { runnerFor, type RunMode } from './runner.js';

export interface RegisterOptions {
  /** How the board runs while a port is open: paced to the wall clock, as fast as possible, or "manual" (the caller calls `board.run`). Default "realtime". */
  run?: RunMode | 'manual';
}

interface Entry {
  board: SimBoard;
  run: RunMode | 'manual';
  port: SimPort | null;
}

const registry = new Map<string, Entry>();

function checkPath(path: string): string {
  if (!path.startsWith('sim:') || path.length < 5)
    throw new SerialError(`"${path}" is not a simulated port: write sim:<preset>, e.g. sim:lcd-keypad-shield.`, 'sim-path');
  return path;
}

/** Puts a board under a `sim:` path (replacing any board there). */
export function registerSimBoard(path: string, board: SimBoard, opts: RegisterOptions = {}): void {
  checkPath(path);
  const old = registry.get(path);
  if (old?.port) throw new SerialError(`${path} is open: close it before registering another board there.`, 'sim-busy');
  registry.set(path, { board, run: opts.run ?? 'realtime', port: null });
}

/** Removes a board's path (closing an open port on it first is the caller's job). */
export function unregisterSimBoard(path: string): void {
  registry.delete(path);
}

/** The board under a path; `sim:<preset>` creates it when needed. */
export function getSimBoard(path: string): SimBoard {
  return entry(path).board;
}

function entry(path: string): Entry {
  checkPath(path);
  let e = registry.get(path);
  if (!e) {
    const preset = path.slice(4);
    if (!listPresets().includes(preset))
      throw new SerialError(
        `No such file or directory: ${path} is neither a registered simulated board nor a preset (${listPresets().join(', ')}).`,
        'sim-missing',
      );
    e = { board: createPresetBoard(preset), run: 'realtime', port: null };
    registry.set(path, e);
  }
  return e;
}

/** A read or write ended because the port closed. */
class CanceledError extends Error {
  readonly canceled = true;
  constructor(message: string) {
    super(message);
    this.name = 'CanceledError';
  }
}

/** The simulated board was unplugged: the port is gone. */
export class SimDisconnectedError extends SerialError {
  readonly disconnected = true;
  constructor(path: string) {
    super(`${path} was unplugged: plug the simulated board back in and open the port again.`, 'sim-unplugged');
  }
}

const nextTick = () => new Promise<void>((r) => process.nextTick(r));

export class SimPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  private pendingRead: ((err?: Error) => void) | null = null;
  private gone = false;
  private dtr = true;
  private readonly offData: () => void;
  private readonly offUnplug: () => void;
  private readonly board: SimBoard;

  /**
   * The board's own time in ms: a program that waits for the board (the line
   * rate finder) measures its waits on it, so a board that falls behind the
   * wall clock on a loaded machine is waited for as long as a real one.
   */
  boardTimeMs(): number {
    return this.board.nowMs;
  }

  constructor(
    private readonly entry: Entry,
    options: Required<OpenOptions>,
  ) {
    this.openOptions = options;
    const board = (this.board = entry.board);
    board.serial.hostBaud = options.baudRate;
    const onData = (b: Buffer) => {
      this.rx.push(b);
      this.rxBytes += b.length;
      this.wake();
    };
    const onUnplug = () => {
      this.gone = true;
      this.wake(new SimDisconnectedError(options.path));
    };
    board.serial.on('data', onData);
    board.on('unplug', onUnplug);
    this.offData = () => board.serial.off('data', onData);
    this.offUnplug = () => board.off('unplug', onUnplug);
    if (options.hupcl !== false) board.reset();
    if (entry.run !== 'manual') runnerFor(board, { mode: entry.run }).start();
  }

  private wake(err?: Error): void {
    const p = this.pendingRead;
    this.pendingRead = null;
    p?.(err);
  }

  private checkOpen(): void {
    if (!this.isOpen) throw new SerialError(`${this.openOptions.path} is not open.`, 'sim-closed');
  }

  async close(): Promise<void> {
    this.checkOpen();
    this.isOpen = false;
    this.offData();
    this.offUnplug();
    this.entry.port = null;
    if (this.entry.run !== 'manual') runnerFor(this.board).stop();
    this.wake(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    this.checkOpen();
    await nextTick();
    for (;;) {
      if (!this.isOpen) throw new CanceledError('Read canceled');
      if (this.gone) throw new SimDisconnectedError(this.openOptions.path);
      if (this.rxBytes > 0) break;
      await new Promise<void>((resolve, reject) => {
        this.pendingRead = (err) => (err ? reject(err) : resolve());
      });
    }
    let n = 0;
    while (n < length && this.rx.length) {
      const head = this.rx[0];
      const take = Math.min(head.length, length - n);
      head.copy(buffer, offset + n, 0, take);
      n += take;
      if (take === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(take);
    }
    this.rxBytes -= n;
    return { buffer, bytesRead: n };
  }

  async write(buffer: Buffer): Promise<void> {
    this.checkOpen();
    await nextTick();
    if (!this.isOpen) throw new CanceledError('Write canceled');
    if (this.gone) throw new SimDisconnectedError(this.openOptions.path);
    this.board.serial.write(Buffer.from(buffer));
  }

  async update(options: UpdateOptions): Promise<void> {
    this.checkOpen();
    if (!Number.isInteger(options?.baudRate) || options.baudRate <= 0)
      throw new SerialError(`${options?.baudRate} is not a baud rate: use the device's rate, e.g. 115200.`, 'sim-baud');
    this.board.serial.hostBaud = options.baudRate;
    this.openOptions.baudRate = options.baudRate;
  }

  async set(options: SetOptions): Promise<void> {
    this.checkOpen();
    await nextTick();
    if (options.dtr !== undefined) {
      if (options.dtr && !this.dtr && !this.gone) this.board.reset();
      this.dtr = options.dtr;
    }
  }

  async get(): Promise<PortStatus> {
    this.checkOpen();
    await nextTick();
    return { cts: true, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.checkOpen();
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.checkOpen();
    await nextTick();
    this.rx = [];
    this.rxBytes = 0;
    this.board.serial.clear();
  }

  async drain(): Promise<void> {
    this.checkOpen();
    await nextTick();
    const serial = this.board.serial;
    if (!serial.pending || this.gone) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        serial.off('idle', done);
        this.board.off('unplug', done);
        resolve();
      };
      serial.on('idle', done);
      this.board.on('unplug', done);
    });
  }
}

export const SimBinding: BindingInterface<SimPort> = {
  async list(): Promise<PortInfo[]> {
    const paths = new Set<string>(registry.keys());
    for (const p of listPresets()) paths.add(`sim:${p}`);
    return [...paths].sort().map((path) => ({
      path,
      manufacturer: 'botduino simulator',
      serialNumber: path.slice(4),
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
    }));
  },

  async open(options: OpenOptions): Promise<SimPort> {
    if (!options || typeof options !== 'object') throw new TypeError('"options" is not an object');
    if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
    const opts: Required<OpenOptions> = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    };
    const e = entry(opts.path);
    await nextTick();
    if (!e.board.powered)
      throw new SerialError(`No such file or directory: ${opts.path} is unplugged; plug the simulated board back in.`, 'sim-missing');
    if (e.port && (e.port.openOptions.lock || opts.lock))
      throw new SerialError(`Cannot lock port: ${opts.path} is already open in this program; close it first.`, 'sim-busy');
    const port = new SimPort(e, opts);
    e.port = port;
    return port;
  },
};
