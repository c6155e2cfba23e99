/**
 * A protocol-level fake botduino board for tests and benchmarks: the device
 * side of the wire protocol in TypeScript, behind a MockBinding port.
 *
 *   const board = new FakeBoard({ cols: 16, rows: 2 });
 *   const link = new DeviceLink({ path: board.path, binding: FakeBinding });
 *   await link.start();
 *   board.press('UP');          // the link emits 'input' once
 *   board.lcd.text()            // what the fake LCD shows
 *
 * It answers WHO with HELLO, sends button and key events with retransmit
 * until acknowledged, acknowledges and de-duplicates the host's frames,
 * NAKs what it rejects, answers PING with PONG, and applies CLR/TXT/GLY/
 * CUR/BL/TONE/LED/SETID to an in-memory device. Hooks drop or corrupt bytes
 * in either direction, reset the board, emit boot garbage, and unplug it.
 */
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type * as MockTypes from '@serialport/binding-mock' with { 'resolution-mode': 'require' };
import { createRequire } from 'node:module';

// binding-mock's ES module has no type declarations: load its CommonJS build, which has.
export const MockBinding = (createRequire(import.meta.url)('@serialport/binding-mock') as typeof MockTypes).MockBinding;
type MockPortBinding = MockTypes.MockPortBinding;
type ReadResult = { buffer: Buffer; bytesRead: number };
import { decode, encode } from '../protocol/codec.js';
import { SCHEMA_FINGERPRINT } from '../protocol/fingerprint.js';
import { LineSplitter } from '../protocol/lines.js';
import { MAX_HOST_FRAME, PROTOCOL_VERSION, type Message, type MessageOf } from '../protocol/schema.js';

/** Changes bytes on the line: return the bytes that arrive (possibly none). */
export type Fault = (chunk: Buffer) => Buffer;

export interface FakeBoardOptions {
  /** Port path; default a fresh /dev/ttyFAKE<n>. */
  path?: string;
  /** Default 16×2. */
  cols?: number;
  rows?: number;
  /** Default the LCD Keypad Shield's five buttons. */
  buttons?: string[];
  /** Keypad layout row by row (e.g. ["123","456","789","*0#"]); default none. */
  keypad?: string[];
  /** Device id in "EEPROM"; default "". */
  id?: string;
  /** Default "botduino", "0.1.0", "uno". */
  firmware?: string;
  version?: string;
  board?: string;
  /** Protocol version and schema fingerprint announced; default this bridge's (set others to test a mismatch). */
  proto?: number;
  fingerprint?: string;
  /** A HELLO line to send instead of the normal one (another protocol's HELLO). */
  helloLine?: string;
  /** Receive buffer advertised in HELLO; default 64. */
  rx?: number;
  /** Opening the port resets the board (DTR), as on an Uno; default true. */
  resetOnOpen?: boolean;
  /** Bootloader time after a reset: bytes from the host are lost; default 20 ms. */
  bootMs?: number;
  /** Bytes the board emits at reset (bootloader chatter, a previous sketch's prints). */
  bootNoise?: string;
  /** Sends HELLO when it has booted (not only when asked with WHO); default true. */
  helloAtBoot?: boolean;
  /** Event retransmit timeout; default 30 ms. */
  retransmitMs?: number;
  /** Time to take one line from the receive buffer (a slow LCD); default 0: at once. With it, overflows are counted. */
  lineDelayMs?: number;
  /** Bytes beyond `rx` the receive buffer holds for the host's ACK and PING lines; default 32. */
  rxSlack?: number;
  /** Answers nothing at all (a board without botduino firmware); default false. */
  mute?: boolean;
  /** Boot counter before the first reset; default 1. */
  boot?: number;
  /** Keeps `applied`, `rxLog` and `txLog` (every frame, for tests to look at); default true. Off for long runs, where they only grow. */
  keepLogs?: boolean;
}

export interface FakeLcd {
  cells: string[];
  glyphs: (Uint8Array | null)[];
  cursor: { mode: 'off' | 'line' | 'block'; row: number; col: number };
  /** The display is off (CUR blank): it shows nothing, and keeps its cells. */
  blank: boolean;
  backlight: boolean;
  /** Rows as strings of LCD codes, as they are seen (blank while the display is off). */
  text(): string[];
}

const boards = new Map<string, FakeBoard>();
let counter = 0;

const nextSeq = (s: number) => (s >= 255 ? 1 : s + 1);
const prevSeq = (s: number) => (s <= 1 ? 255 : s - 1);

/** A deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fault that drops and corrupts (flips one bit of) bytes at random, reproducibly. */
export function lossy(opts: { seed?: number; drop?: number; corrupt?: number }): Fault {
  const rnd = prng(opts.seed ?? 1);
  const drop = opts.drop ?? 0;
  const corrupt = opts.corrupt ?? 0;
  return (chunk) => {
    const out: number[] = [];
    for (const b of chunk) {
      const r = rnd();
      if (r < drop) continue;
      if (r < drop + corrupt) out.push(b ^ (1 << Math.floor(rnd() * 7)));
      else out.push(b);
    }
    return Buffer.from(out);
  };
}

export class FakeBoard {
  readonly path: string;
  readonly opts: Required<Omit<FakeBoardOptions, 'path' | 'helloLine'>> & { helloLine?: string };
  boot: number;
  id: string;
  readonly lcd: FakeLcd;
  led = false;
  readonly tones: { hz: number; ms: number }[] = [];
  /** Every reliable host frame applied, in order. */
  readonly applied: Message[] = [];
  /** Health counters, as PONG reports them. */
  readonly counters = { crc: 0, long: 0, kind: 0, field: 0, trunc: 0, esc: 0, ovf: 0, drop: 0, retx: 0 };
  /** Lines the board received and decoded (all kinds), and lines it sent. */
  readonly rxLog: string[] = [];
  readonly txLog: string[] = [];
  /** Byte faults on the way to the host and to the board. */
  faults: { toHost?: Fault; toBoard?: Fault } = {};
  /** Called after each reliable host frame was applied to the device (the LCD shows it). */
  onApply: ((msg: Message) => void) | null = null;
  unplugged = false;
  /** Times the board was reset. */
  resets = 0;

  private port: FakePort | null = null;
  private expect = 1;
  private txSeq = 1;
  private unacked: { seq: number; line: string }[] = [];
  private booting = false;
  private bootTimer: NodeJS.Timeout | null = null;
  private retxTimer: NodeJS.Timeout | null = null;
  private lineTimer: NodeJS.Timeout | null = null;
  private ring = '';
  private powerCycled = false;
  private readonly splitter: LineSplitter;

  constructor(opts: FakeBoardOptions = {}) {
    this.path = opts.path ?? `/dev/ttyFAKE${counter++}`;
    this.opts = {
      cols: opts.cols ?? 16,
      rows: opts.rows ?? 2,
      buttons: opts.buttons ?? ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'],
      keypad: opts.keypad ?? [],
      id: opts.id ?? '',
      firmware: opts.firmware ?? 'botduino',
      version: opts.version ?? '0.1.0',
      board: opts.board ?? 'uno',
      proto: opts.proto ?? PROTOCOL_VERSION,
      fingerprint: opts.fingerprint ?? SCHEMA_FINGERPRINT,
      helloLine: opts.helloLine,
      rx: opts.rx ?? 64,
      resetOnOpen: opts.resetOnOpen ?? true,
      bootMs: opts.bootMs ?? 20,
      bootNoise: opts.bootNoise ?? '',
      helloAtBoot: opts.helloAtBoot ?? true,
      retransmitMs: opts.retransmitMs ?? 30,
      lineDelayMs: opts.lineDelayMs ?? 0,
      rxSlack: opts.rxSlack ?? 32,
      mute: opts.mute ?? false,
      boot: opts.boot ?? 1,
      keepLogs: opts.keepLogs ?? true,
    };
    this.boot = this.opts.boot;
    this.id = this.opts.id;
    const cols = this.opts.cols;
    this.lcd = {
      cells: Array.from({ length: this.opts.rows }, () => ' '.repeat(cols)),
      glyphs: new Array(8).fill(null),
      cursor: { mode: 'off', row: 0, col: 0 },
      blank: false,
      backlight: true,
      text() {
        return this.blank ? this.cells.map((r) => ' '.repeat(r.length)) : [...this.cells];
      },
    };
    this.splitter = new LineSplitter(MAX_HOST_FRAME, {
      line: (l) => this.onLine(l),
      overlong: () => {
        this.counters.long++;
        this.send({ kind: 'NAK', seq: 0, why: 'long', exp: this.expect });
      },
    });
    MockBinding.createPort(this.path, { vendorId: '2341', productId: '0043' });
    boards.set(this.path, this);
  }

  /** Stops every fake board and forgets the mock ports (call in afterEach). */
  static destroyAll(): void {
    for (const b of boards.values()) b.stopTimers();
    boards.clear();
    MockBinding.reset();
  }

  // ——— what a test does to the board ———

  /** A button event by name or index (default: pressed). */
  press(button: string | number, act: 'down' | 'up' | 'hold' = 'down'): void {
    const btn = typeof button === 'number' ? button : this.opts.buttons.indexOf(button);
    if (btn < 0) throw new Error(`no button ${button}`);
    this.queueEvent({ kind: 'BTN', seq: 0, act, btn });
  }

  /** A keypad event (default: pressed). */
  key(key: string, act: 'down' | 'up' | 'hold' = 'down'): void {
    this.queueEvent({ kind: 'KEY', seq: 0, act, key });
  }

  /** A reset (watchdog, reset button): boot noise, bootloader time, then HELLO. */
  reset(): void {
    this.resets++;
    this.boot++;
    this.expect = 1;
    this.txSeq = 1;
    this.unacked = [];
    this.ring = '';
    this.splitter.reset();
    this.lcd.cells = this.lcd.cells.map(() => ' '.repeat(this.opts.cols));
    this.lcd.glyphs.fill(null);
    this.lcd.cursor = { mode: 'off', row: 0, col: 0 };
    this.lcd.blank = false;
    this.lcd.backlight = true;
    this.led = false;
    this.stopTimers();
    this.booting = true;
    if (this.opts.bootNoise) this.sendRaw(this.opts.bootNoise);
    this.bootTimer = setTimeout(() => {
      this.bootTimer = null;
      this.booting = false;
      if (this.opts.helloAtBoot) this.sendHello();
    }, this.opts.bootMs);
  }

  /** Pulls the USB cable: the open port fails as serialport's does on unplug. */
  unplug(): void {
    this.unplugged = true;
    this.stopTimers();
    this.port?.disconnect();
  }

  /** The port fails (a USB hiccup, a hub reset) while the board keeps running: no reset, its state stays. */
  glitch(): void {
    this.port?.disconnect();
    this.port = null;
  }

  /** Plugs it back: it powers up (a reset at the next open). */
  plug(): void {
    this.unplugged = false;
    this.powerCycled = true;
  }

  /** Sends raw bytes to the host (garbage, half lines…). */
  sendRaw(text: string): void {
    this.toHost(text);
  }

  /** Events queued on the board and not yet acknowledged by the host (at most 8; more are dropped and counted). */
  get pendingEvents(): number {
    return this.unacked.length;
  }

  /** Whether a host has the port open. */
  get connected(): boolean {
    return !!this.port && this.port.isOpen;
  }

  // ——— the binding's side ———

  /** @internal */
  attach(port: FakePort): void {
    this.port = port;
    const dtrReset = this.opts.resetOnOpen && port.openOptions.hupcl !== false;
    if (this.powerCycled || dtrReset) {
      this.powerCycled = false;
      this.reset();
    } else if (this.unacked.length) this.armRetransmit();
  }

  /** @internal */
  detach(port: FakePort): void {
    if (this.port === port) this.port = null;
  }

  /** @internal: bytes the host wrote. */
  fromHost(buf: Buffer): void {
    if (this.unplugged) return;
    if (this.faults.toBoard) buf = this.faults.toBoard(buf);
    if (this.booting || this.opts.mute) return; // the bootloader eats them
    const text = buf.toString('latin1');
    if (!this.opts.lineDelayMs) {
      this.splitter.push(text);
      return;
    }
    const room = this.opts.rx + this.opts.rxSlack - this.ring.length;
    if (text.length > room) this.counters.ovf++;
    this.ring += text.slice(0, Math.max(0, room));
    if (!this.lineTimer) this.lineTimer = setTimeout(() => this.takeLine(), this.opts.lineDelayMs);
  }

  private takeLine(): void {
    this.lineTimer = null;
    const nl = this.ring.indexOf('\n');
    const upto = nl < 0 ? this.ring.length : nl + 1;
    const chunk = this.ring.slice(0, upto);
    this.ring = this.ring.slice(upto);
    this.splitter.push(chunk);
    if (this.ring.length) this.lineTimer = setTimeout(() => this.takeLine(), this.opts.lineDelayMs);
  }

  // ——— the device side of the protocol ———

  private onLine(line: string): void {
    const r = decode(line, MAX_HOST_FRAME);
    if (!r.ok) {
      this.counters[r.reason]++;
      this.send({ kind: 'NAK', seq: r.seq ?? 0, why: r.reason, exp: this.expect });
      return;
    }
    const msg = r.msg;
    if (this.opts.keepLogs) this.rxLog.push(line);
    switch (msg.kind) {
      case 'WHO':
        this.expect = msg.next;
        this.sendHello();
        return;
      case 'PING':
        this.send({
          kind: 'PONG',
          seq: msg.seq,
          ...{ crc: this.counters.crc, long: this.counters.long, badkind: this.counters.kind, field: this.counters.field },
          ...{ trunc: this.counters.trunc, esc: this.counters.esc, ovf: this.counters.ovf, drop: this.counters.drop },
          ...{ retx: this.counters.retx, ram: 900, up: 1000, rst: 'external', boot: this.boot },
        } as Message);
        return;
      case 'ACK': {
        const i = this.unacked.findIndex((e) => e.seq === msg.seq);
        if (i >= 0) this.unacked.splice(0, i + 1);
        if (!this.unacked.length) this.stopRetransmit();
        return;
      }
      case 'NAK':
        this.resendEvents();
        return;
      case 'HELLO':
      case 'BTN':
      case 'KEY':
      case 'PONG':
        return;
    }
    // a reliable host frame
    if (msg.seq !== this.expect) {
      const behind = (((this.expect - msg.seq) % 255) + 255) % 255;
      if (behind >= 1 && behind <= 127) this.send({ kind: 'ACK', seq: prevSeq(this.expect) });
      else this.send({ kind: 'NAK', seq: msg.seq, why: 'order', exp: this.expect });
      return;
    }
    this.expect = nextSeq(this.expect);
    this.apply(msg);
    this.send({ kind: 'ACK', seq: msg.seq });
  }

  private apply(msg: Message): void {
    if (this.opts.keepLogs) this.applied.push(msg);
    const lcd = this.lcd;
    switch (msg.kind) {
      case 'CLR':
        lcd.cells = lcd.cells.map(() => ' '.repeat(this.opts.cols));
        lcd.cursor = { ...lcd.cursor, row: 0, col: 0 };
        break;
      case 'TXT': {
        const row = lcd.cells[msg.row];
        if (row === undefined) break;
        const text = msg.text.slice(0, Math.max(0, this.opts.cols - msg.col));
        lcd.cells[msg.row] = row.slice(0, msg.col) + text + row.slice(msg.col + text.length);
        break;
      }
      case 'GLY':
        lcd.glyphs[msg.slot] = Uint8Array.from(msg.rows);
        break;
      case 'CUR':
        lcd.blank = msg.mode === 'blank';
        lcd.cursor = msg.mode === 'blank' ? { mode: 'off', row: 0, col: 0 } : { mode: msg.mode, row: msg.row, col: msg.col };
        break;
      case 'BL':
        lcd.backlight = msg.on;
        break;
      case 'TONE':
        this.tones.push({ hz: msg.hz, ms: msg.ms });
        break;
      case 'LED':
        this.led = msg.on;
        break;
      case 'SETID':
        this.id = msg.id;
        break;
    }
    this.onApply?.(msg);
  }

  private helloMsg(): Message {
    const o = this.opts;
    const kcols = o.keypad[0]?.length ?? 0;
    return {
      kind: 'HELLO',
      seq: 0,
      proto: o.proto,
      fp: Uint8Array.from(Buffer.from(o.fingerprint, 'hex')),
      fw: o.firmware,
      ver: o.version,
      board: o.board,
      id: this.id,
      boot: this.boot,
      txb: this.unacked[0]?.seq ?? this.txSeq,
      cols: o.cols,
      rows: o.rows,
      lcd: 'parallel',
      khz: 0,
      rom: 'A00',
      buttons: o.buttons.join(','),
      keys: o.keypad.join(''),
      kcols,
      rx: o.rx,
      mfl: MAX_HOST_FRAME,
      backlight: true,
      buzzer: true,
      led: true,
    } as MessageOf<'HELLO'>;
  }

  private sendHello(): void {
    if (this.opts.helloLine) this.sendRaw(this.opts.helloLine + '\r\n');
    else this.send(this.helloMsg());
  }

  private queueEvent(msg: Message): void {
    if (this.unacked.length >= 8) {
      this.counters.drop++;
      return;
    }
    const line = encode({ ...msg, seq: this.txSeq } as Message) + '\r\n';
    this.unacked.push({ seq: this.txSeq, line });
    this.txSeq = nextSeq(this.txSeq);
    if (!this.booting && !this.unplugged) this.sendRaw(line);
    this.armRetransmit();
  }

  private resendEvents(): void {
    for (const e of this.unacked) {
      this.counters.retx++;
      this.sendRaw(e.line);
    }
  }

  private armRetransmit(): void {
    if (this.retxTimer || this.unplugged) return;
    this.retxTimer = setInterval(() => {
      if (!this.unacked.length) return this.stopRetransmit();
      if (!this.booting) this.resendEvents();
    }, this.opts.retransmitMs);
  }

  private stopRetransmit(): void {
    if (this.retxTimer) clearInterval(this.retxTimer);
    this.retxTimer = null;
  }

  private stopTimers(): void {
    this.stopRetransmit();
    if (this.bootTimer) clearTimeout(this.bootTimer);
    if (this.lineTimer) clearTimeout(this.lineTimer);
    this.bootTimer = this.lineTimer = null;
  }

  private send(msg: Message): void {
    if (this.opts.mute) return;
    this.sendRaw(encode(msg) + '\r\n');
  }

  private toHost(text: string): void {
    if (this.unplugged || !this.port || !this.port.isOpen) return;
    if (this.opts.keepLogs) this.txLog.push(text);
    let buf: Buffer = Buffer.from(text, 'latin1');
    if (this.faults.toHost) buf = this.faults.toHost(buf);
    if (buf.length) this.port.deliver(buf);
  }
}

/**
 * A MockBinding port with a fake board on the far end. MockBinding keeps the
 * register of ports (open, close, list, settings); the bytes between the
 * bridge and the board go straight through here, like a driver's buffer:
 * what the board sends waits in `incoming` until the bridge reads it.
 */
class FakePort implements BindingPortInterface {
  private gone: Error | null = null;
  /** Bytes from the board not read yet, oldest first. */
  private incoming: Buffer[] = [];
  /** The read waiting for bytes, if any (serialport reads one at a time). */
  private waiting: { buffer: Buffer; offset: number; length: number; resolve: (r: ReadResult) => void; reject: (e: Error) => void } | null =
    null;

  constructor(
    readonly inner: MockPortBinding,
    private readonly board: FakeBoard,
  ) {}

  get openOptions(): Required<OpenOptions> {
    return this.inner.openOptions;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  /** @internal */
  disconnect(): void {
    this.gone = Object.assign(new Error('device reports readiness to read but returned no data (device disconnected?)'), {
      disconnected: true,
    });
    this.fail(this.gone);
  }

  /** @internal: bytes the board sends. */
  deliver(buf: Buffer): void {
    if (!this.isOpen) return;
    this.incoming.push(buf);
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    w.resolve(this.take(w.buffer, w.offset, w.length));
  }

  async close(): Promise<void> {
    this.board.detach(this);
    this.incoming = [];
    // as a binding does: the read in progress ends as canceled, not as an error
    this.fail(Object.assign(new Error('port is closed'), { canceled: true }));
    await this.inner.close();
  }
  read(buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
    if (this.gone) return Promise.reject(this.gone);
    if (!this.isOpen) return Promise.reject(new Error('Port is not open'));
    if (this.incoming.length) return Promise.resolve(this.take(buffer, offset, length));
    return new Promise((resolve, reject) => (this.waiting = { buffer, offset, length, resolve, reject }));
  }
  async write(buffer: Buffer): Promise<void> {
    if (this.gone) throw new Error('Input/output error: device disconnected');
    if (!this.isOpen) throw new Error('Port is not open');
    await Promise.resolve(); // the bytes reach the board after the write call, as over a cable
    this.board.fromHost(Buffer.from(buffer));
  }
  flush(): Promise<void> {
    this.incoming = [];
    return this.inner.flush();
  }

  private take(buffer: Buffer, offset: number, length: number): ReadResult {
    let n = 0;
    while (n < length && this.incoming.length) {
      const head = this.incoming[0];
      const k = head.copy(buffer, offset + n, 0, Math.min(head.length, length - n));
      n += k;
      if (k === head.length) this.incoming.shift();
      else this.incoming[0] = head.subarray(k);
    }
    return { buffer, bytesRead: n };
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }

  update(options: UpdateOptions): Promise<void> {
    return this.inner.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.inner.set(options);
  }
  get(): Promise<PortStatus> {
    return this.inner.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.inner.getBaudRate();
  }
  drain(): Promise<void> {
    return this.inner.drain();
  }
}

/** The binding to give a DeviceLink (or SerialPortStream) to reach fake boards. */
export const FakeBinding: BindingInterface = {
  list: () => MockBinding.list(),
  async open(options: OpenOptions) {
    const board = boards.get(options.path);
    if (board?.unplugged) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
    const inner = (await MockBinding.open(options)) as MockPortBinding;
    if (!board) return inner;
    const port = new FakePort(inner, board);
    board.attach(port);
    return port;
  },
};
