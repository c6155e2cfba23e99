/**
 * One serial link to one board: open, handshake, reliable delivery both
 * ways, the LCD model, heartbeat and reconnect.
 *
 *   const link = new DeviceLink({ path: '/dev/ttyACM0' });
 *   link.on('input', (ev) => …);
 *   const caps = await link.start();
 *   link.show(frame);
 *   await link.stop();
 *
 * Every link owns its port, timers and queues: nothing is shared between
 * links, so one stalled or unplugged board never holds up another.
 */
import { EventEmitter } from 'node:events';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortStream } from '@serialport/stream';
import { decode, encode } from '../../protocol/codec.js';
import { SCHEMA_FINGERPRINT } from '../../protocol/fingerprint.js';
import { LineSplitter } from '../../protocol/lines.js';
import { MAX_DEVICE_FRAME, MAX_DEVICE_ID, PROTOCOL_VERSION, type Message, type MessageOf } from '../../protocol/schema.js';
import { type BotduinoError, MismatchError, SerialError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../log.js';
import { systemClock, type Clock } from '../clock.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { capsFromHello, firmwareOf, looseHello, reflashText, speaksOurProtocol, type FirmwareInfo } from './hello.js';
import { DEFAULT_BAUD } from './baud.js';
import { openError } from './open-errors.js';
import { bindingFor, candidatesFor, fromBindingList, listPorts, resolveTarget, type PortInfo, type PortTarget } from './ports.js';
import { diffScreen, LcdModel } from './screen-model.js';
import { classifySeq, nextSeq, prevSeq } from './seq.js';
import type { DeviceCaps, DeviceHealth, FrameEvent, InputEvent, LinkState, LinkStats, ScreenCommand } from './types.js';
import { SendWindow, type InFlight, type RtoOptions } from './window.js';

export interface DeviceLinkOptions extends RtoOptions {
  /**
   * A port path (/dev/ttyACM0, COM3), a /dev/serial/by-id/… name, `sim:<preset>` for the simulated board,
   * or `auto`: the first port with an Arduino's USB ids whose board answers.
   */
  path: string;
  /** Default 250000, the device description's default: must match the firmware's (see its `baud`). */
  baudRate?: number;
  /** The clock every timer of the link runs on (handshake, retransmit, heartbeat, reconnect); default the system's. */
  clock?: Clock;
  /** serialport binding (a simulated board's, a test's); default: serialport's native one. */
  binding?: BindingInterface;
  /** Default: silent. Every frame in and out is logged at debug level. */
  logger?: Logger;
  /** Longest wait for the board's HELLO after opening; default 8000 ms (a resetting board's bootloader takes 1–2 s). */
  handshakeTimeoutMs?: number;
  /** First WHO resend interval; it doubles up to `whoMaxIntervalMs`. Default 250 ms. */
  whoIntervalMs?: number;
  /** Default 1000 ms. */
  whoMaxIntervalMs?: number;
  /** PING heartbeat period; default 1000 ms. */
  pingIntervalMs?: number;
  /** Heartbeats without an answer before the board counts as gone; default 3. */
  silenceHeartbeats?: number;
  /** Reconnect after an unplug, an error or silence; default true. */
  reconnect?: boolean;
  /** First reconnect delay; it doubles up to `reconnectMaxMs`. Default 250 ms. */
  reconnectMinMs?: number;
  /** Default 5000 ms. */
  reconnectMaxMs?: number;
  /** Timeouts without progress after which the board's session is pinned again with WHO; default 4. */
  resyncAfterTimeouts?: number;
  /** Runs of changed cells separated by at most this many unchanged cells go in one TXT; default 4. */
  mergeGap?: number;
  /** Device preset named in the "flash the firmware" advice; default "<preset>". */
  preset?: string;
  /** Lists ports to find a board again after a replug; default: the binding's list when one is given, else listPorts(). */
  listPorts?: () => Promise<PortInfo[]>;
}

/** Events a link emits. */
export interface DeviceLinkEvents {
  /** An input from the board, exactly once per board event. */
  input: [InputEvent];
  /** The board answered and the link is ready (again, after a reconnect). */
  online: [DeviceCaps];
  /** The state changed; `detail` says why. */
  state: [LinkState, string];
  /** A line went in or out (for `monitor` and debugging; only emitted while someone listens). */
  frame: [FrameEvent];
  /** Something the user should know about; the link keeps trying where it can. */
  error: [BotduinoError];
}

type Outgoing = { [K in Message['kind']]: Omit<MessageOf<K>, 'seq'> & { kind: K } }[Message['kind']];
type Done = (err?: Error) => void;
interface Queued {
  msg: Outgoing;
  done?: Done;
}
type Frame = InFlight & { done?: Done };

interface Handshake {
  resolve(caps: DeviceCaps): void;
  reject(err: Error): void;
  whoTimer: unknown;
  deadline: unknown;
  whoDelay: number;
  /** When reconnecting: the board must announce this id (if both have one). */
  expectId?: string;
}

class Session {
  readonly splitter: LineSplitter;
  handshake: Handshake | null = null;
  closed = false;
  /** Bytes and lines before the first HELLO that were not frames. */
  noiseBytes = 0;
  noiseLines = 0;
  noiseSample = '';
  framesSeen = 0;
  hello = false;
  constructor(
    readonly port: SerialPortStream,
    readonly path: string,
    onLine: (s: Session, line: string) => void,
    onOverlong: (s: Session, n: number) => void,
  ) {
    this.splitter = new LineSplitter(MAX_DEVICE_FRAME, {
      line: (l) => onLine(this, l),
      overlong: (n) => onOverlong(this, n),
    });
  }
}

const SCREEN_KINDS = new Set(['CLR', 'TXT', 'GLY', 'CUR', 'BL']);

/**
 * Whether a rejected line arrived as it was sent (its "*CRC" tail is there and
 * right), so that its fields, not the line, are at fault: another firmware's
 * HELLO. A line garbled on the way is not, even when it fails on another check first.
 */
function framedIntact(line: string, reason: string): boolean {
  if (reason === 'crc' || reason === 'trunc') return false;
  if (reason !== 'long') return true;
  const again = decode(line);
  return again.ok || (again.reason !== 'crc' && again.reason !== 'trunc');
}
const zeroRejects = () => ({ crc: 0, long: 0, kind: 0, field: 0, trunc: 0, esc: 0 });

export class DeviceLink extends EventEmitter<DeviceLinkEvents> {
  private readonly o: Required<Omit<DeviceLinkOptions, 'binding' | 'logger' | 'listPorts' | 'clock' | keyof RtoOptions>>;
  private readonly log: Logger;
  private binding: BindingInterface | null = null;
  private target: PortTarget | null = null;
  private session: Session | null = null;
  private _state: LinkState = 'closed';
  private _caps: DeviceCaps | null = null;
  private stopping = false;

  private readonly clock: Clock;

  // reliable delivery
  private readonly win: SendWindow;
  private readonly queue: Queued[] = [];
  private retxTimer: unknown = null;
  private timeoutsInARow = 0;
  private lastGoBack = { exp: -1, at: 0 };
  /** The board's boot counter we hold receive state for, and the seq expected next from it. */
  private sessionKey: string | null = null;
  private rxExpect = 1;

  // heartbeat
  private heartbeat: unknown = null;
  private pingSeq = 0;
  private pingSentAt = 0;
  private missed = 0;

  // reconnect
  private reconnectTimer: unknown = null;

  // screen
  private desired: ScreenFrame | null = null;
  private screenDirty = false;
  private shown: LcdModel | null = null;
  private planned: LcdModel | null = null;
  private ledOn: boolean | null = null;

  private readonly st = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    retransmits: 0,
    rejects: zeroRejects(),
    naks: { ...zeroRejects(), order: 0 },
    bootNoise: 0,
    duplicates: 0,
    reconnects: 0,
    pingsSent: 0,
    pongs: 0,
    device: null as DeviceHealth | null,
  };

  constructor(private readonly opts: DeviceLinkOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.o = {
      path: opts.path,
      baudRate: opts.baudRate ?? DEFAULT_BAUD,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 8000,
      whoIntervalMs: opts.whoIntervalMs ?? 250,
      whoMaxIntervalMs: opts.whoMaxIntervalMs ?? 1000,
      pingIntervalMs: opts.pingIntervalMs ?? 1000,
      silenceHeartbeats: opts.silenceHeartbeats ?? 3,
      reconnect: opts.reconnect ?? true,
      reconnectMinMs: opts.reconnectMinMs ?? 250,
      reconnectMaxMs: opts.reconnectMaxMs ?? 5000,
      resyncAfterTimeouts: opts.resyncAfterTimeouts ?? 4,
      mergeGap: opts.mergeGap ?? 4,
      preset: opts.preset ?? '<preset>',
    };
    this.log = (opts.logger ?? silentLogger).child(`link ${opts.path}`);
    this.win = new SendWindow(opts);
  }

  get state(): LinkState {
    return this._state;
  }

  /** The board's capabilities from its last HELLO (null before the first). */
  get caps(): DeviceCaps | null {
    return this._caps;
  }

  /** The port in use now (it may change after a replug). */
  get path(): string {
    return this.target?.path ?? this.o.path;
  }

  /** What the LCD shows, as far as the board has acknowledged: rows of LCD codes (null before the first HELLO). */
  get screen(): string[] | null {
    return this.shown ? this.shown.text() : null;
  }

  /** Opens the port and shakes hands; resolves once the board is online. */
  async start(): Promise<DeviceCaps> {
    if (this._state !== 'closed' && this._state !== 'mismatch') throw new SerialError(`The link to ${this.o.path} is already started.`, 'link-started');
    this.stopping = false;
    this.setState('connecting', `opening ${this.o.path}`);
    try {
      this.binding = await bindingFor(this.opts.binding);
      if (this.o.path === 'auto') return await this.startAuto();
      this.target = await resolveTarget(this.o.path, () => this.lister());
      return await this.connect(this.target.path, this.o.handshakeTimeoutMs);
    } catch (err) {
      if (!this.stopping) this.setState(err instanceof MismatchError ? 'mismatch' : 'closed', (err as Error).message);
      throw err;
    }
  }

  /** Closes the port; pending setId() calls reject. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.session;
    if (s) {
      this.failHandshake(s, new SerialError(`The link to ${s.path} was stopped before the board answered.`, 'link-stopped'));
      await this.dropSession(s);
    }
    const err = new SerialError(`The link to ${this.o.path} was stopped.`, 'link-stopped');
    for (const f of this.win.clear() as Frame[]) f.done?.(err);
    for (const q of this.queue.splice(0)) q.done?.(err);
    this.setState('closed', 'stopped');
  }

  /**
   * Sets what the LCD should show. Only what differs from the LCD goes out;
   * when called faster than the board takes it, only the latest frame counts.
   */
  show(frame: ScreenFrame): void {
    this.desired = frame;
    this.screenDirty = true;
    this.pump();
  }

  /** Sounds the buzzer (dropped, not repeated, if the link breaks before the board takes it). */
  tone(hz: number, ms: number): void {
    this.enqueue({ kind: 'TONE', hz: Math.round(hz), ms: Math.round(ms) });
  }

  /** Sets the status LED (restored after a reconnect). */
  led(on: boolean): void {
    this.ledOn = on;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].msg.kind === 'LED') this.queue.splice(i, 1);
    this.enqueue({ kind: 'LED', on });
  }

  /** Stores the device id on the board; resolves when the board has it. */
  setId(id: string): Promise<void> {
    if (id.length > MAX_DEVICE_ID || !/^[\x21-\x7e]*$/.test(id))
      return Promise.reject(new SerialError(`Device id "${id}" must be at most ${MAX_DEVICE_ID} printable ASCII characters without spaces.`, 'bad-id'));
    return new Promise((resolve, reject) => this.enqueue({ kind: 'SETID', id }, (err) => (err ? reject(err) : resolve())));
  }

  stats(): LinkStats {
    return {
      state: this._state,
      framesIn: this.st.framesIn,
      framesOut: this.st.framesOut,
      bytesIn: this.st.bytesIn,
      bytesOut: this.st.bytesOut,
      retransmits: this.st.retransmits,
      rejects: { ...this.st.rejects },
      naks: { ...this.st.naks },
      bootNoise: this.st.bootNoise,
      duplicates: this.st.duplicates,
      reconnects: this.st.reconnects,
      rtt: { lastMs: this.win.lastRtt, avgMs: this.win.avgRtt },
      queueDepth: this.queue.length + this.win.frames.length,
      inFlightBytes: this.win.bytes,
      pingsSent: this.st.pingsSent,
      pongs: this.st.pongs,
      device: this.st.device,
    };
  }

  // ——— opening and the handshake ———

  /** `auto`: every port with an Arduino's USB ids, in turn; the first that answers HELLO wins. */
  private async startAuto(): Promise<DeviceCaps> {
    const ports = (await this.lister()).filter((p) => p.likelyArduino);
    if (!ports.length)
      throw new SerialError(
        'No Arduino-like USB serial port found. Plug the board in (a data cable, not a charge-only one), run `botduino ports` to see the ports, or name the port instead of "auto".',
        'no-board',
      );
    const tried: string[] = [];
    let mismatch: MismatchError | null = null;
    for (const p of ports) {
      if (this.stopping) break;
      try {
        this.target = { path: p.path, ...(p.byId ? { byId: p.byId } : {}), ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}) };
        return await this.connect(p.path, this.o.handshakeTimeoutMs);
      } catch (err) {
        if (err instanceof MismatchError) mismatch ??= err;
        tried.push(`${p.path}: ${(err as Error).message}`);
      }
    }
    if (mismatch) throw mismatch;
    throw new SerialError(`No botduino board answered on ${ports.length} port(s) that look like Arduinos.\n${tried.join('\n')}`, 'no-board');
  }

  private lister(): Promise<PortInfo[]> {
    if (this.opts.listPorts) return this.opts.listPorts();
    if (this.opts.binding) return this.binding!.list().then(fromBindingList);
    return listPorts();
  }

  private async openPort(path: string): Promise<Session> {
    // a board sends at most ~11.5 KB/s: a 4 KB read pool instead of serialport's 64 KB keeps 256 links small
    const port = new SerialPortStream({ binding: this.binding!, path, baudRate: this.o.baudRate, autoOpen: false, highWaterMark: 4096 });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw openError(path, err);
    }
    const s = new Session(
      port,
      path,
      (ss, line) => this.onLine(ss, line),
      (ss, n) => this.onOverlong(ss, n),
    );
    port.on('data', (chunk: Buffer) => {
      if (s.closed) return;
      this.st.bytesIn += chunk.length;
      s.splitter.push(chunk.toString('latin1'));
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (!s.closed) this.lost(s, err?.disconnected ? 'unplugged' : `port closed${err ? `: ${err.message}` : ''}`);
    });
    port.on('error', (err: Error) => {
      if (!s.closed) this.lost(s, `port error: ${err.message}`);
    });
    return s;
  }

  /** Opens `path` and waits for a HELLO; the link is online when this resolves. */
  private async connect(path: string, timeoutMs: number, expectId?: string): Promise<DeviceCaps> {
    const s = await this.openPort(path);
    if (this.stopping) {
      await this.dropSession(s);
      throw new SerialError(`The link to ${path} was stopped.`, 'link-stopped');
    }
    this.session = s;
    this.log.debug(`opened ${path} at ${this.o.baudRate} baud`);
    try {
      return await new Promise<DeviceCaps>((resolve, reject) => {
        const hs: Handshake = { resolve, reject, whoTimer: null, deadline: null, whoDelay: this.o.whoIntervalMs, expectId };
        s.handshake = hs;
        const who = () => {
          this.sendWho(s, this.win.next);
          hs.whoTimer = this.clock.setTimeout(who, hs.whoDelay);
          hs.whoDelay = Math.min(hs.whoDelay * 2, this.o.whoMaxIntervalMs);
        };
        who();
        hs.deadline = this.clock.setTimeout(() => this.failHandshake(s, this.silentBoardError(s, timeoutMs)), timeoutMs);
      });
    } catch (err) {
      await this.dropSession(s, err instanceof MismatchError);
      throw err;
    }
  }

  private failHandshake(s: Session, err: Error): void {
    const hs = s.handshake;
    if (!hs) return;
    s.handshake = null;
    if (hs.whoTimer) this.clock.clearTimeout(hs.whoTimer);
    if (hs.deadline) this.clock.clearTimeout(hs.deadline);
    hs.reject(err);
  }

  private silentBoardError(s: Session, ms: number): SerialError {
    const secs = `${Math.round(ms / 100) / 10} s`;
    const flash = `\`botduino firmware flash --device ${this.o.preset} --port ${s.path}\``;
    if (!s.noiseBytes && !s.framesSeen)
      return new SerialError(
        `No answer from the board on ${s.path} within ${secs}: nothing at all came back. Check the USB cable and the port, that the baud rate (${this.o.baudRate}) matches the firmware's (the device description's "baud"), and that botduino firmware is on the board: flash it with ${flash}.`,
        'no-answer',
      );
    return new SerialError(
      `No HELLO from the board on ${s.path} within ${secs}: it sent ${s.noiseBytes} bytes that are not botduino frames (e.g. ${JSON.stringify(s.noiseSample)}). Is the baud rate wrong? The bridge uses ${this.o.baudRate}; the firmware's is in the device description ("baud"). Or the board runs other firmware: flash botduino with ${flash}.`,
      'garbage-only',
    );
  }

  private sendWho(s: Session, next: number): void {
    this.write(s, { kind: 'WHO', seq: 0, next });
  }

  // ——— receiving ———

  private onOverlong(s: Session, n: number): void {
    if (!s.hello) {
      s.noiseBytes += n;
      this.st.bootNoise++;
      return;
    }
    this.st.rejects.long++;
    this.emitFrame('rx', `(${n} bytes without a line end)`, undefined, 'long');
    if (this._state === 'online') this.write(s, { kind: 'NAK', seq: 0, why: 'long', exp: this.rxExpect });
  }

  private onLine(s: Session, line: string): void {
    this.st.framesIn++;
    // Any line, even one garbled on the way, shows the board is there: only silence counts as gone.
    if (this.session === s && this._state === 'online') this.missed = 0;
    const r = decode(line, MAX_DEVICE_FRAME);
    if (!r.ok) {
      if (line.startsWith('HELLO ') && framedIntact(line, r.reason)) {
        const info = looseHello(line);
        if (info) {
          this.log.debug(`rx ${line}`);
          this.emitFrame('rx', line, undefined, r.reason);
          this.onHello(s, info, null);
          return;
        }
      }
      if (!s.hello) {
        s.noiseBytes += line.length + 1;
        s.noiseLines++;
        if (!s.noiseSample) s.noiseSample = line.slice(0, 40);
        this.st.bootNoise++;
        this.log.debug(`rx noise ${JSON.stringify(line.slice(0, 80))}`);
        return;
      }
      this.st.rejects[r.reason]++;
      this.log.debug(`rx rejected (${r.reason}: ${r.detail}) ${JSON.stringify(line)}`);
      this.emitFrame('rx', line, undefined, `${r.reason}: ${r.detail}`);
      if (this._state === 'online') this.write(s, { kind: 'NAK', seq: r.seq ?? 0, why: r.reason, exp: this.rxExpect });
      return;
    }
    const msg = r.msg;
    s.framesSeen++;
    this.log.debug(`rx ${line}`);
    this.emitFrame('rx', line, msg);
    if (msg.kind === 'HELLO') {
      this.onHello(s, firmwareOf(msg), msg);
      return;
    }
    if (this._state !== 'online' || this.session !== s) return; // before the HELLO: the board sends events again later
    switch (msg.kind) {
      case 'BTN':
      case 'KEY':
        this.onEvent(s, msg);
        break;
      case 'ACK':
        this.missed = 0;
        this.onAck(msg.seq);
        break;
      case 'NAK':
        this.missed = 0;
        this.onNak(s, msg);
        break;
      case 'PONG':
        this.onPong(msg);
        // A new boot counter with no HELLO seen: the board reset and its HELLO was lost. A board's
        // first event after boot has seq 1; the HELLO answering our WHO corrects it if it queued more.
        if (String(msg.boot) !== this.sessionKey) this.onBoardReset(s, msg.boot, 1);
        break;
      default:
        break; // host kinds from the board: nothing to do
    }
  }

  private onHello(s: Session, info: FirmwareInfo, msg: MessageOf<'HELLO'> | null): void {
    s.hello = true;
    if (!msg || !speaksOurProtocol(info)) {
      this.onMismatch(s, info);
      return;
    }
    const caps = capsFromHello(msg);
    const key = String(caps.boot);
    const hs = s.handshake;
    if (hs) {
      if (hs.expectId && caps.id && caps.id !== hs.expectId) {
        this.failHandshake(
          s,
          new SerialError(`The board on ${s.path} is "${caps.id}", not "${hs.expectId}": not reconnecting to it.`, 'other-board'),
        );
        return;
      }
      s.handshake = null;
      if (hs.whoTimer) this.clock.clearTimeout(hs.whoTimer);
      if (hs.deadline) this.clock.clearTimeout(hs.deadline);
      if (key !== this.sessionKey || classifySeq(msg.txb, this.rxExpect) === 'ahead') {
        // A new boot; or the board's oldest unacknowledged event is past what we expect (someone else
        // acknowledged the ones between): either way, expect what it sends next.
        this.sessionKey = key;
        this.rxExpect = msg.txb;
      }
      this.goOnline(s, caps);
      hs.resolve(caps);
      return;
    }
    if (this._state !== 'online' || this.session !== s) return;
    this._caps = caps;
    if (key !== this.sessionKey) {
      this.onBoardReset(s, caps.boot, msg.txb);
    } else if (classifySeq(msg.txb, this.rxExpect) === 'ahead') {
      // The answer to the WHO sent when a PONG showed the reset: the board's oldest unacknowledged event.
      this.rxExpect = msg.txb;
    }
  }

  /**
   * The board reset under us (a HELLO or a PONG with a new boot counter; its HELLO may have been
   * lost on the line, as in a brownout): its LCD is blank, its event seq starts again at `txb`.
   */
  private onBoardReset(s: Session, boot: number, txb: number): void {
    const caps = this._caps!;
    this.log.info(`board reset (boot ${boot}): redrawing`);
    this.sessionKey = String(boot);
    this.rxExpect = txb;
    this._caps = { ...caps, boot };
    this.resetSessionState(this._caps);
    this.sendWho(s, this.win.next);
    this.emit('online', this._caps);
    this.pump();
  }

  private goOnline(s: Session, caps: DeviceCaps): void {
    this._caps = caps;
    this.resetSessionState(caps);
    // Pin the board's expected seq before any reliable frame: a HELLO sent at boot does not answer our WHO.
    this.sendWho(s, this.win.next);
    this.missed = 0;
    const beat = () => {
      this.heartbeat = this.clock.setTimeout(beat, this.o.pingIntervalMs);
      this.beat(s);
    };
    this.heartbeat = this.clock.setTimeout(beat, this.o.pingIntervalMs);
    this.setState('online', `${caps.firmware} ${caps.version} on ${caps.board}, ${caps.cols}×${caps.rows} LCD`);
    this.emit('online', caps);
    this.pump();
  }

  private onMismatch(s: Session, info: FirmwareInfo): void {
    const err = new MismatchError(
      `The board on ${s.path} runs ${info.firmware || 'unknown firmware'} ${info.version} for ${info.board || 'an unknown board'} (protocol ${info.proto}, schema ${info.fingerprint}); this bridge speaks protocol ${PROTOCOL_VERSION}, schema ${SCHEMA_FINGERPRINT}. Flash matching firmware with \`botduino firmware flash --device ${this.o.preset} --port ${s.path}\`.`,
    );
    this.log.warn(err.message);
    // CLR and TXT are the stable subset: any botduino firmware shows this.
    let seq = this.win.next;
    this.write(s, { kind: 'WHO', seq: 0, next: seq });
    this.write(s, { kind: 'CLR', seq });
    reflashText(info.cols ?? 16).forEach((text, row) => {
      seq = nextSeq(seq);
      this.write(s, { kind: 'TXT', seq, row, col: 0, text });
    });
    if (s.handshake) {
      this.failHandshake(s, err);
      return;
    }
    if (this.session !== s) return;
    void this.dropSession(s, true);
    this.setState('mismatch', err.message);
    this.emitError(err);
  }

  private onEvent(s: Session, msg: MessageOf<'BTN'> | MessageOf<'KEY'>): void {
    const where = classifySeq(msg.seq, this.rxExpect);
    if (where === 'ahead') {
      this.write(s, { kind: 'NAK', seq: msg.seq, why: 'order', exp: this.rxExpect });
      return;
    }
    if (where === 'duplicate') {
      this.st.duplicates++;
      this.write(s, { kind: 'ACK', seq: prevSeq(this.rxExpect) });
      return;
    }
    this.rxExpect = nextSeq(this.rxExpect);
    this.write(s, { kind: 'ACK', seq: msg.seq });
    const ev: InputEvent =
      msg.kind === 'BTN'
        ? { type: 'button', action: msg.act, button: this._caps?.buttons[msg.btn] ?? `button ${msg.btn}`, index: msg.btn }
        : { type: 'key', action: msg.act, key: msg.key };
    try {
      this.emit('input', ev);
    } catch (err) {
      this.log.error(`an input handler failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private onPong(msg: MessageOf<'PONG'>): void {
    this.st.pongs++;
    this.missed = 0;
    if (msg.seq === this.pingSeq && this.pingSentAt) {
      this.win.sample(this.clock.now() - this.pingSentAt);
      this.pingSentAt = 0;
    }
    this.st.device = {
      rejects: { crc: msg.crc, long: msg.long, kind: msg.badkind, field: msg.field, trunc: msg.trunc, esc: msg.esc },
      overflows: msg.ovf,
      dropped: msg.drop,
      retransmits: msg.retx,
      freeRam: msg.ram,
      uptimeMs: msg.up,
      resetCause: msg.rst,
      boot: msg.boot,
    };
  }

  // ——— sending ———

  private enqueue(msg: Outgoing, done?: Done): void {
    this.queue.push({ msg, done });
    this.pump();
  }

  /** Sends what the board's buffer has room for: queued commands first, then the screen's changes. */
  private pump(): void {
    const s = this.session;
    if (this._state !== 'online' || !s || !this._caps) return;
    const limit = this._caps.rxBuffer;
    while (this.queue.length) {
      const q = this.queue[0];
      const msg = { ...q.msg, seq: this.win.next } as Message;
      const line = encode(msg) + '\n';
      if (!this.win.fits(line.length, limit)) return;
      this.queue.shift();
      this.transmit(s, line, msg, q.done);
    }
    if (!this.screenDirty || !this.desired || !this.planned) return;
    for (const cmd of diffScreen(this.desired, this.planned, this.o.mergeGap)) {
      const msg = { ...cmd, seq: this.win.next } as Message;
      const line = encode(msg) + '\n';
      if (!this.win.fits(line.length, limit)) return; // the rest is worked out again when room frees up
      this.planned.apply(cmd);
      this.transmit(s, line, msg);
    }
    this.screenDirty = false;
  }

  private transmit(s: Session, line: string, msg: Message, done?: Done): void {
    this.win.add(line, msg, this.clock.now());
    if (done) (this.win.frames[this.win.frames.length - 1] as Frame).done = done;
    this.writeLine(s, line, msg);
    if (!this.retxTimer) this.armRetransmit();
  }

  private onAck(seq: number): void {
    const done = this.win.ack(seq, this.clock.now()) as Frame[];
    if (!done.length) return;
    this.timeoutsInARow = 0;
    for (const f of done) {
      if (SCREEN_KINDS.has(f.msg.kind)) this.shown?.apply(f.msg as ScreenCommand);
      else if (f.msg.kind === 'SETID' && this._caps) this._caps = { ...this._caps, id: f.msg.id };
      f.done?.();
    }
    this.armRetransmit();
    this.pump();
  }

  private onNak(s: Session, msg: MessageOf<'NAK'>): void {
    this.st.naks[msg.why]++;
    const place = this.win.place(msg.exp);
    if (place === 'stale') return;
    if (place === 'lost') {
      // The board expects a seq never sent: it lost its session. Pin it again and resend.
      this.log.debug(`board expects seq ${msg.exp}, resyncing from ${this.win.base}`);
      this.sendWho(s, this.win.base);
      this.goBack(s);
      return;
    }
    if (msg.exp !== this.win.base) this.onAck(prevSeq(msg.exp));
    if (!this.win.frames.length) return;
    const now = this.clock.now();
    // Several NAKs for one loss arrive together: go back once per round trip.
    if (this.lastGoBack.exp === msg.exp && now - this.lastGoBack.at < this.win.rto / 2) return;
    this.lastGoBack = { exp: msg.exp, at: now };
    this.goBack(s);
  }

  private goBack(s: Session): void {
    const frames = this.win.resendAll(this.clock.now());
    for (const f of frames) {
      this.st.retransmits++;
      this.writeLine(s, f.line, f.msg);
    }
    this.armRetransmit();
  }

  private armRetransmit(): void {
    if (this.retxTimer) this.clock.clearTimeout(this.retxTimer);
    this.retxTimer = null;
    if (!this.win.frames.length || this._state !== 'online') return;
    this.retxTimer = this.clock.setTimeout(() => this.onRetransmitTimeout(), this.win.rto);
  }

  private onRetransmitTimeout(): void {
    this.retxTimer = null;
    const s = this.session;
    if (!s || this._state !== 'online' || !this.win.frames.length) return;
    this.win.timedOut();
    if (++this.timeoutsInARow >= this.o.resyncAfterTimeouts) {
      this.timeoutsInARow = 0;
      this.sendWho(s, this.win.base);
    }
    this.goBack(s);
  }

  private beat(s: Session): void {
    if (this.session !== s || this._state !== 'online') return;
    if (this.missed >= this.o.silenceHeartbeats) {
      this.lost(s, `no answer to ${this.missed} heartbeats`);
      return;
    }
    this.missed++;
    this.pingSeq = (this.pingSeq + 1) & 0xff;
    this.pingSentAt = this.clock.now();
    this.st.pingsSent++;
    this.write(s, { kind: 'PING', seq: this.pingSeq });
  }

  private write(s: Session, msg: Message): void {
    this.writeLine(s, encode(msg) + '\n', msg);
  }

  private writeLine(s: Session, line: string, msg: Message): void {
    if (s.closed) return;
    this.st.framesOut++;
    this.st.bytesOut += line.length;
    s.port.write(line, 'latin1');
    this.log.debug(`tx ${line.slice(0, -1)}`);
    this.emitFrame('tx', line.slice(0, -1), msg);
  }

  private emitFrame(dir: 'rx' | 'tx', line: string, msg?: Message, reason?: string): void {
    if (this.listenerCount('frame') === 0) return;
    this.emit('frame', reason === undefined ? { dir, line, msg } : { dir, line, reason });
  }

  // ——— sessions, loss and reconnect ———

  /** After a (re)connect or a board reset: nothing in flight counts, the LCD is unknown. */
  private resetSessionState(caps: DeviceCaps): void {
    if (this.retxTimer) this.clock.clearTimeout(this.retxTimer);
    this.retxTimer = null;
    this.timeoutsInARow = 0;
    const requeue: Queued[] = [];
    for (const f of this.win.clear() as Frame[]) {
      // SETID is safe to repeat; TONE is dropped; the LED is restored below; the screen is redrawn.
      if (f.msg.kind === 'SETID') requeue.push({ msg: { kind: 'SETID', id: f.msg.id }, done: f.done });
    }
    this.queue.unshift(...requeue);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].msg.kind === 'LED') this.queue.splice(i, 1);
    if (this.ledOn !== null) this.queue.push({ msg: { kind: 'LED', on: this.ledOn } });
    if (!this.shown || this.shown.cols !== caps.cols || this.shown.rows !== caps.rows) {
      this.shown = new LcdModel(caps.cols, caps.rows);
      this.planned = new LcdModel(caps.cols, caps.rows);
    } else {
      this.shown.forget();
      this.planned!.forget();
    }
    this.screenDirty = this.desired !== null;
  }

  private lost(s: Session, why: string): void {
    if (this.session !== s && s.closed) return;
    if (s.handshake) {
      this.failHandshake(s, new SerialError(`${s.path} went away before the board answered (${why}).`, 'port-lost'));
      return;
    }
    const wasOnline = this._state === 'online' && this.session === s;
    void this.dropSession(s);
    if (!wasOnline || this.stopping) return;
    this.log.warn(`lost the board on ${s.path}: ${why}`);
    if (!this.o.reconnect) {
      this.setState('closed', why);
      this.emitError(new SerialError(`Lost the board on ${s.path} (${why}). Plug it back in and restart botduino.`, 'port-lost'));
      return;
    }
    this.setState('reconnecting', why);
    this.scheduleReconnect(this.o.reconnectMinMs);
  }

  private scheduleReconnect(delay: number): void {
    if (this.stopping) return;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnectOnce(delay);
    }, delay);
  }

  private async reconnectOnce(delay: number): Promise<void> {
    if (this.stopping || !this.target) return;
    const paths = await candidatesFor(this.target, () => this.lister());
    for (const path of paths) {
      if (this.stopping) return;
      try {
        await this.connect(path, this.o.handshakeTimeoutMs, this._caps?.id || undefined);
        this.target.path = path;
        this.st.reconnects++;
        this.log.info(`reconnected on ${path}`);
        return;
      } catch (err) {
        if (err instanceof MismatchError) {
          this.setState('mismatch', err.message);
          this.emitError(err);
          return;
        }
        this.log.debug(`reconnect via ${path} failed: ${(err as Error).message}`);
      }
    }
    this.scheduleReconnect(Math.min(delay * 2, this.o.reconnectMaxMs));
  }

  private async dropSession(s: Session, drain = false): Promise<void> {
    if (this.session === s) {
      this.session = null;
      if (this.heartbeat) this.clock.clearTimeout(this.heartbeat);
      this.heartbeat = null;
      if (this.retxTimer) this.clock.clearTimeout(this.retxTimer);
      this.retxTimer = null;
    }
    if (s.closed) return;
    s.closed = true;
    s.splitter.reset();
    const port = s.port;
    if (!port.isOpen) return;
    if (drain) await new Promise<void>((resolve) => port.drain(() => resolve()));
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private setState(state: LinkState, detail: string): void {
    if (this._state === state) return;
    this._state = state;
    this.log.debug(`state ${state}: ${detail}`);
    this.emit('state', state, detail);
  }

  private emitError(err: BotduinoError): void {
    if (this.listenerCount('error')) this.emit('error', err);
    else this.log.error(err.message);
  }
}

