/**
 * One serial link to one board, the facade over its parts: the connection
 * and handshake (connection.ts), finding the board and reconnecting
 * (reconnect.ts), receive sequencing (receiver.ts), sending and retransmit
 * (sender.ts), the heartbeat (heartbeat.ts) and the counters (stats.ts).
 * Here: the link's state, and each line from the board dispatched to its part.
 *
 *   const link = new DeviceLink({ path: '/dev/ttyACM0' });
 *   link.on('input', (ev) => …);
 *   const caps = await link.start();
 *   link.show(frame);
 *   await link.stop();
 *
 * Every link owns its port, timers and queues: nothing is shared between
 * links, so one stalled or unplugged board never holds up another.
 *
 * Over 400 lines: the public face (start, stop, show, tone, led, setId,
 * stats) and the dispatch of each line from the board, which decides by the
 * link's state which part gets it; every part keeps its own state in its file.
 */
import { EventEmitter } from 'node:events';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { decode, encode } from '../../protocol/codec.js';
import { MAX_DEVICE_FRAME, MAX_DEVICE_ID, SCHEMA_REVISION, type Message, type MessageOf } from '../../protocol/schema.js';
import { MismatchError, SerialError, type BotduinoError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../log.js';
import { systemClock, type Clock } from '../clock.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { answeredRate } from './baud.js';
import { Session } from './connection.js';
import { capsFromHello, firmwareOf, looseHello, mismatchError, reflashFrames, speaksOurProtocol, type FirmwareInfo } from './hello.js';
import { Heartbeat } from './heartbeat.js';
import { pagePlan, type PagePlan } from './page-plan.js';
import { withDefaults, type DeviceLinkOptions, type LinkSettings } from './options.js';
import { Finder } from './reconnect.js';
import { framedIntact, Receiver } from './receiver.js';
import { bindingFor, fromBindingList, listPorts, type PortInfo } from './ports.js';
import { Sender } from './sender.js';
import { LinkCounters } from './stats.js';
import type { DeviceCaps, FrameEvent, InputEvent, LinkState, LinkStats } from './types.js';

/** A duplicate event asks for the board's boot counter again when the last PING it asked went unanswered this long (the board resends every 250 ms). */
const DUPLICATE_PROBE_RETRY_MS = 200;

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

export type { DeviceLinkOptions } from './options.js';

export class DeviceLink extends EventEmitter<DeviceLinkEvents> {
  private readonly o: LinkSettings;
  private readonly clock: Clock;
  private readonly log: Logger;
  private binding: BindingInterface | null = null;
  private session: Session | null = null;
  private _state: LinkState = 'closed';
  private _caps: DeviceCaps | null = null;
  private stopping = false;

  private readonly tx: Sender;
  private readonly rx = new Receiver();

  private readonly heartbeat: Heartbeat;

  private readonly finder: Finder;

  private readonly st = new LinkCounters();
  /** Duplicate events waiting for the PONG of the PING they asked (see probeBoot), and when it was sent. */
  private dupWaiting = 0;
  private dupProbeAt: number | null = null;

  constructor(private readonly opts: DeviceLinkOptions) {
    super();
    this.o = withDefaults(opts);
    this.log = (opts.logger ?? silentLogger).child(`link ${opts.path}`);
    this.clock = opts.clock ?? systemClock;
    this.tx = new Sender(
      this.clock,
      { ...opts, mergeGap: this.o.mergeGap, resyncAfterTimeouts: this.o.resyncAfterTimeouts },
      {
        room: () => (this._state === 'online' && this.session && this._caps ? this._caps.rxBuffer : null),
        writeLine: (line, msg) => {
          if (this.session) this.writeLine(this.session, line, msg);
        },
        who: (next) => {
          if (this.session) this.sendWho(this.session, next);
        },
        idStored: (id) => {
          if (this._caps) this._caps = { ...this._caps, id };
        },
      },
      this.log,
    );
    this.heartbeat = new Heartbeat(this.clock, this.o.pingIntervalMs, this.o.silenceHeartbeats);
    this.finder = new Finder(
      this.clock,
      this.o,
      { connect: (path, expectId) => this.connect(path, expectId), stopping: () => this.stopping, lister: () => this.lister() },
      this.log,
    );
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
    return this.finder.path;
  }

  /** What the LCD shows, as far as the board has acknowledged: rows of LCD codes (null before the first HELLO). */
  get screen(): string[] | null {
    return this.tx.screen;
  }

  /** Opens the port and shakes hands; resolves once the board is online. */
  async start(): Promise<DeviceCaps> {
    if (this._state !== 'closed' && this._state !== 'mismatch')
      throw new SerialError(`The link to ${this.o.path} is already started.`, 'link-started');
    this.stopping = false;
    this.setState('connecting', `opening ${this.o.path}`);
    try {
      this.binding = await bindingFor(this.opts.binding);
      return await this.finder.first();
    } catch (err) {
      if (!this.stopping) this.setState(err instanceof MismatchError ? 'mismatch' : 'closed', (err as Error).message);
      throw err;
    }
  }

  /** Closes the port; pending setId() calls reject. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.finder.stop();
    const s = this.session;
    if (s) {
      s.failHandshake(new SerialError(`The link to ${s.path} was stopped before the board answered.`, 'link-stopped'));
      await this.dropSession(s);
    }
    const err = new SerialError(`The link to ${this.o.path} was stopped.`, 'link-stopped');
    this.tx.fail(err);
    this.setState('closed', 'stopped');
  }

  /**
   * Sets what the LCD should show. Only what differs from the LCD goes out;
   * when called faster than the board takes it, only the latest frame counts.
   */
  show(frame: ScreenFrame): void {
    this.tx.show(frame);
  }

  /** Sounds the buzzer (dropped, not repeated, if the link breaks before the board takes it). */
  tone(hz: number, ms: number): void {
    this.tx.enqueue({ kind: 'TONE', hz: Math.round(hz), ms: Math.round(ms) });
  }

  /** Sets the status LED (restored after a reconnect). */
  led(on: boolean): void {
    this.tx.led(on);
  }

  /** Stores the device id on the board; resolves when the board has it. */
  setId(id: string): Promise<void> {
    if (id.length > MAX_DEVICE_ID || !/^[\x21-\x7e]*$/.test(id))
      return Promise.reject(
        new SerialError(`Device id "${id}" must be at most ${MAX_DEVICE_ID} printable ASCII characters without spaces.`, 'bad-id'),
      );
    return new Promise((resolve, reject) => this.tx.enqueue({ kind: 'SETID', id }, (err) => (err ? reject(err) : resolve())));
  }

  stats(): LinkStats {
    return this.st.snapshot(this._state, this.tx);
  }

  // ——— opening and the handshake ———

  private lister(): Promise<PortInfo[]> {
    if (this.opts.listPorts) return this.opts.listPorts();
    if (this.opts.binding) return this.binding!.list().then(fromBindingList);
    return listPorts();
  }

  /** Opens `path` and waits for a HELLO; the link is online when this resolves. */
  private async connect(path: string, expectId?: string): Promise<DeviceCaps> {
    const s = await Session.open(this.binding!, path, this.o.baudRate, {
      bytes: (n) => (this.st.bytesIn += n),
      line: (ss, line) => this.onLine(ss, line),
      overlong: (ss, n) => this.onOverlong(ss, n),
      lost: (ss, why) => this.lost(ss, why),
    });
    if (this.stopping) {
      await this.dropSession(s);
      throw new SerialError(`The link to ${path} was stopped.`, 'link-stopped');
    }
    this.session = s;
    this.log.debug(`opened ${path} at ${this.o.baudRate} baud`);
    try {
      return await s.handshake(
        this.clock,
        {
          whoIntervalMs: this.o.whoIntervalMs,
          whoMaxIntervalMs: this.o.whoMaxIntervalMs,
          timeoutMs: this.o.handshakeTimeoutMs,
          expectId,
          preset: this.o.preset,
        },
        () => this.sendWho(s, this.tx.win.next),
      );
    } catch (err) {
      await this.dropSession(s, err instanceof MismatchError);
      throw err;
    }
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
    if (this._state === 'online') this.write(s, { kind: 'NAK', seq: 0, why: 'long', exp: this.rx.expected });
  }

  private onLine(s: Session, line: string): void {
    this.st.framesIn++;
    // Any line, even one garbled on the way, shows the board is there: only silence counts as gone.
    if (this.session === s && this._state === 'online') this.heartbeat.heard();
    const r = decode(line, MAX_DEVICE_FRAME, { earlier: true }); // a board built at an earlier schema revision is served too
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
      if (this._state === 'online') this.write(s, { kind: 'NAK', seq: r.seq ?? 0, why: r.reason, exp: this.rx.expected });
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
        this.heartbeat.heard();
        this.tx.ack(msg.seq);
        break;
      case 'NAK':
        this.heartbeat.heard();
        this.tx.nak(msg);
        break;
      case 'PONG':
        this.onPong(msg);
        // a new boot counter with no HELLO seen: the board reset (a brownout) and its HELLO was lost
        if (this._state === 'online' && this.session === s && this.rx.pong(String(msg.boot))) this.onBoardReset(s, msg.boot);
        else if (this.dupWaiting && this.session === s) {
          // the same boot: the duplicates were retransmissions whose ACK was lost
          this.st.duplicates += this.dupWaiting;
          this.write(s, this.rx.reack());
        }
        this.dupWaiting = 0;
        this.dupProbeAt = null;
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
    if (s.handshaking) {
      const expectId = s.expectId;
      if (expectId && caps.id && caps.id !== expectId) {
        s.failHandshake(
          new SerialError(`The board on ${s.path} is "${caps.id}", not "${expectId}": not reconnecting to it.`, 'other-board'),
        );
        return;
      }
      const resolve = s.endHandshake()!;
      this.rx.handshake(key, msg.txb);
      this.goOnline(s, caps);
      resolve(caps);
      return;
    }
    if (this._state !== 'online' || this.session !== s) return;
    this._caps = caps;
    if (this.rx.hello(key, msg.txb)) this.onBoardReset(s, caps.boot);
  }

  /**
   * The board reset under us (a HELLO or a PONG with a new boot counter; its HELLO may have been
   * lost on the line, as in a brownout): its LCD is blank, its session is new. Redraw and re-pin.
   */
  private onBoardReset(s: Session, boot: number): void {
    const caps = { ...this._caps!, boot };
    this._caps = caps;
    this.log.info(`board reset (boot ${boot}): redrawing`);
    this.tx.reset(caps, this.pageFor(s, caps));
    this.sendWho(s, this.tx.win.next);
    this.emit('online', caps);
    this.tx.pump();
  }

  /** How page changes are written on this board: from its LCD and the rate the line runs at (found or configured). */
  private pageFor(s: Session, caps: DeviceCaps): PagePlan {
    return pagePlan(caps, answeredRate(s.path) ?? s.baudRate);
  }

  private goOnline(s: Session, caps: DeviceCaps): void {
    this._caps = caps;
    if (caps.schemaRevision < SCHEMA_REVISION)
      this.log.info(
        `the board's firmware is of protocol schema revision ${caps.schemaRevision} (this bridge: ${SCHEMA_REVISION}): it is served as it is; ` +
          `flash it again (\`botduino firmware flash\`) for what later revisions added, such as page changes written unseen on a slow I2C LCD`,
      );
    this.tx.reset(caps, this.pageFor(s, caps));
    // Pin the board's expected seq before any reliable frame: a HELLO sent at boot does not answer our WHO.
    this.sendWho(s, this.tx.win.next);
    this.heartbeat.start(
      () => this.session === s && this._state === 'online',
      (seq) => {
        this.st.pingsSent++;
        this.write(s, { kind: 'PING', seq });
      },
      (missed) => this.lost(s, `no answer to ${missed} heartbeats`),
    );
    this.setState('online', `${caps.firmware} ${caps.version} on ${caps.board}, ${caps.cols}×${caps.rows} LCD`);
    this.emit('online', caps);
    this.tx.pump();
  }

  private onMismatch(s: Session, info: FirmwareInfo): void {
    const err = mismatchError(info, s.path, this.o.preset);
    this.log.warn(err.message);
    for (const m of reflashFrames(this.tx.win.next, info.cols ?? 16)) this.write(s, m);
    if (s.handshaking) {
      s.failHandshake(err);
      return;
    }
    if (this.session !== s) return;
    void this.dropSession(s, true);
    this.setState('mismatch', err.message);
    this.emitError(err);
  }

  private onEvent(s: Session, msg: MessageOf<'BTN'> | MessageOf<'KEY'>): void {
    const r = this.rx.take(msg.seq);
    if (r.duplicate) return this.probeBoot(s);
    this.write(s, r.reply);
    if (!r.deliver) return;
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

  /**
   * A duplicate event is a retransmission whose ACK was lost, or, as like as
   * not, one of the first events of a board that reset unnoticed (a brownout
   * that garbled its HELLO: its seq is back at 1). Acknowledging the second
   * kind would make the board drop a press the bridge never delivered, so the
   * link first asks for the boot counter (a PING) and answers with the PONG:
   * the same boot, the ACK again; a new one, the reset (the board sends its
   * events again, and they are new).
   */
  private probeBoot(s: Session): void {
    this.dupWaiting++;
    const now = this.clock.now();
    if (this.dupProbeAt !== null && now - this.dupProbeAt < DUPLICATE_PROBE_RETRY_MS) return;
    this.dupProbeAt = now;
    this.st.pingsSent++;
    this.write(s, { kind: 'PING', seq: this.heartbeat.probe() });
  }

  private onPong(msg: MessageOf<'PONG'>): void {
    this.st.pong(msg);
    const rtt = this.heartbeat.pong(msg.seq);
    if (rtt !== null) this.tx.win.sample(rtt);
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

  private lost(s: Session, why: string): void {
    if (this.session !== s && s.closed) return;
    if (s.handshaking) {
      s.failHandshake(new SerialError(`${s.path} went away before the board answered (${why}).`, 'port-lost'));
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
    this.finder.again(() => this._caps?.id || undefined, {
      reconnected: (path) => {
        this.st.reconnects++;
        this.log.info(`reconnected on ${path}`);
      },
      mismatch: (err) => {
        this.setState('mismatch', err.message);
        this.emitError(err);
      },
    });
  }

  private async dropSession(s: Session, drain = false): Promise<void> {
    if (this.session === s) {
      this.session = null;
      this.heartbeat.stop();
      this.tx.pause();
      this.dupWaiting = 0;
      this.dupProbeAt = null;
    }
    await s.close(drain);
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
