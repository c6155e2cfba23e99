/**
 * One board's session: its link, its screen (DeviceUI) and its conversation
 * (the channel), opened and tried again on its own, so that one board failing
 * never holds up another. `Bridge` (app.ts) holds one per configured board.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { Channel } from './botdistrikt/channel.js';
import type { BotReply, PushSource } from './chat/replies.js';
import type { Outgoing } from './botdistrikt/wire.js';
import { BotduinoError, ConfigError, MismatchError, SerialError } from '../common/errors.js';
import { AUTO_RATES, openBinding } from './link/baud.js';
import { DeviceLink } from './link/link.js';
import { fromBindingList, listPorts } from './link/ports.js';
import type { DeviceCaps } from './link/types.js';
import { silentLogger, type Logger } from './log.js';
import { systemClock, type Clock } from './clock.js';
import { DeviceUI, type UIAction } from './ui/device-ui.js';
import { sendFailure, setupAdvice } from './send-failure.js';
import type { UIOptions } from './ui/options.js';
import type { BridgeEvents, BridgeOptions, DeviceEntry } from './bridge-options.js';

/**
 * The simulated boards' serialport binding, loaded on the first use of a
 * `sim:` port: it brings in avr8js and the simulator, which a bridge serving
 * real boards never needs.
 */
const simBinding = () => import('./sim/binding.js');
const LazySimBinding: BindingInterface = {
  list: async () => (await simBinding()).SimBinding.list(),
  open: async (options) => (await simBinding()).SimBinding.open(options),
};

/** Errors a replug or a wait can cure: the board is tried again; any other error is final. */
function isRetryable(e: unknown): boolean {
  if (e instanceof MismatchError || e instanceof ConfigError) return false;
  if (e instanceof SerialError)
    return !['serial-permission', 'serial-open', 'sim-path', 'sim-unknown', 'bad-id', 'link-started'].includes(e.code);
  return !(e instanceof BotduinoError);
}

/** What the HELLO's capabilities say the board is, in words. */
function describeCaps(c: { board: string; cols: number; rows: number; lcd: string; buttons: string[]; keypad: string[] }): string {
  return `an ${c.board} with a ${c.cols}×${c.rows} ${c.lcd} LCD, buttons ${c.buttons.join(',') || '(none)'}${c.keypad.length ? ` and a ${c.keypad.join('/')} keypad` : ''}`;
}

/**
 * Why the board's firmware is not the one for the device the bridge was told
 * it serves (null when it is, or when no device was named or it cannot be read).
 */
async function firmwareForOtherDevice(caps: DeviceCaps, entry: DeviceEntry): Promise<string | null> {
  if (!entry.device) return null;
  let d;
  try {
    d = (await import('../firmware/devices/index.js')).loadDevice(entry.device);
  } catch {
    return null;
  }
  const want = {
    board: d.board,
    cols: d.lcd.cols,
    rows: d.lcd.rows,
    lcd: d.lcd.interface,
    buttons: d.buttons.map((b) => b.name),
    keypad: d.keypad ? d.keypad.layout : [],
  };
  const have = { board: caps.board, cols: caps.cols, rows: caps.rows, lcd: caps.lcd, buttons: caps.buttons, keypad: caps.keypad };
  if (JSON.stringify(want) === JSON.stringify(have)) return null;
  return `The board on ${entry.port} runs firmware for another device: ${describeCaps(have)}, while ${entry.device} is ${describeCaps(want)}. Flash the right firmware with \`botduino firmware flash --device ${entry.device} --port ${entry.port}\`, or name the device this board is.`;
}

/** The first try's outcome of one board. */
export type StartOutcome = { ok: true; caps: DeviceCaps } | { ok: false; error: BotduinoError; retrying: boolean };

/** One board's session: its link, its screen and its conversation. */
export class DeviceSession {
  readonly link: DeviceLink;
  ui: DeviceUI | null = null;
  channel: Channel | null = null;
  deviceId: string | null = null;
  private caps: DeviceCaps | null = null;
  private uiKey = '';
  private readonly log: Logger;
  private readonly clock: Clock;
  /** Background tries of a board that is not online yet. */
  private retryTimer: unknown = null;
  private retryDelay: number;
  private lastRetryError = '';
  private stopped = false;
  private starting = false;
  /** Kiosk idle timer, and whether the conversation was used since the welcome. */
  private idleTimer: unknown = null;
  private used = false;
  /** The start message being handed to the UI, and the action it became. */
  private sendingStart = false;
  private startAction: UIAction | null = null;

  constructor(
    readonly entry: DeviceEntry,
    private readonly bridge: EventEmitter<BridgeEvents>,
    private readonly opts: BridgeOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child(entry.port);
    this.clock = opts.clock ?? systemClock;
    this.retryDelay = opts.retryMinMs ?? 1000;
    const given = opts.binding ?? (entry.port.startsWith('sim:') ? LazySimBinding : undefined);
    // the configured rate, else the one the board answers at (the default, then 115200)
    const line = openBinding(given, entry.baudRate, {
      onRate: (path, rate) =>
        rate === null
          ? this.log.debug(`${path}: no botduino frame at ${AUTO_RATES.join(' or ')} baud`)
          : this.log.info(`${path}: the board answers at ${rate} baud`),
    });
    this.link = new DeviceLink({
      path: entry.port,
      clock: this.clock,
      baudRate: line.baudRate,
      binding: line.binding,
      // the link lists ports as it would without the rate-finding binding around the port's own
      ...(line.finding ? { listPorts: () => (given ? given.list().then(fromBindingList) : listPorts()) } : {}),
      logger: this.log,
      preset: entry.device,
      ...opts.linkOptions,
    });
    this.link.on('online', (caps) => void this.online(caps).catch((e: unknown) => this.problem(e)));
    this.link.on('input', (ev) => {
      this.activity();
      this.guard(() => this.ui?.handleInput(ev));
    });
    this.link.on('state', (state, detail) => {
      // while a board that is not there is tried again, its every try is not news
      const line = `${state}${detail ? `: ${detail}` : ''}`;
      // (nor is a first try's failure: run() tells it, with what happens next)
      if ((this.starting || this.lastRetryError) && state !== 'online') this.log.debug(line);
      else this.log.info(line);
      this.bridge.emit('state', { port: entry.port, state, detail });
    });
    this.link.on('error', (e) => this.problem(e));
  }

  /** True while `firmware flash` has the port (between release and resume). */
  released = false;

  /** Opens the link once; rejects when the board does not come online. */
  async start(): Promise<DeviceCaps> {
    this.stopped = false;
    if (this.entry.port.startsWith('sim:') && !this.opts.binding) {
      const { getSimBoard } = await simBinding();
      try {
        getSimBoard(this.entry.port);
      } catch (e) {
        throw new SerialError(`${(e as Error).message} Name a preset (sim:lcd-keypad-shield) or a real port.`, 'sim-unknown', { cause: e });
      }
    }
    this.starting = true;
    try {
      return await this.link.start();
    } finally {
      this.starting = false;
    }
  }

  /**
   * Opens the link; when the board does not come online and waiting can
   * help (not plugged in yet, no answer), keeps trying in the background
   * with backoff until it does or the session stops.
   */
  async run(): Promise<StartOutcome> {
    try {
      return { ok: true, caps: await this.start() };
    } catch (e) {
      const error = asBotduinoError(e);
      // let go of for a firmware upload: `resume` runs it again, so it counts as waiting
      if (this.stopped) return { ok: false, error, retrying: this.released };
      const retrying = isRetryable(e);
      if (retrying) this.retryLater(error);
      else this.problem(error);
      return { ok: false, error, retrying };
    }
  }

  /** Closes the link and stops every timer; `run()` starts it again. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry();
    this.stopIdle();
    await this.link.stop();
  }

  /** Stops for good: the screen's timers too. */
  async close(): Promise<void> {
    await this.stop();
    this.ui?.dispose();
  }

  /** Shows a message pushed through the webhook (a live agent, a broadcast). */
  push(replies: BotReply[], source: PushSource): void {
    if (!this.ui) return void this.log.warn('a pushed message arrived before the board was online; it is dropped');
    this.used = true;
    this.activity();
    this.guard(() => this.ui?.showReplies(replies, source === 'bot' ? 'bot' : source));
  }

  private retryLater(error: BotduinoError): void {
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, this.opts.retryMaxMs ?? 30_000);
    const secs = delay >= 1000 ? `${Math.round(delay / 100) / 10} s` : `${delay} ms`;
    if (error.message !== this.lastRetryError) {
      this.log.warn(`not online: ${error.message} Trying again in ${secs}, and on until it answers.`);
      this.bridge.emit('problem', { port: this.entry.port, error });
    } else this.log.debug(`still not online; trying again in ${secs}`);
    this.lastRetryError = error.message;
    this.cancelRetry();
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped) return;
      void this.run().then((r) => {
        if (r.ok) {
          this.retryDelay = this.opts.retryMinMs ?? 1000;
          this.lastRetryError = '';
        }
      });
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Runs a step of the UI; a bug there is reported, not thrown into the link. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.problem(e);
    }
  }

  private problem(e: unknown): void {
    const error = asBotduinoError(e);
    this.log.error(error.message);
    this.bridge.emit('problem', { port: this.entry.port, error });
  }

  // ——— kiosk: idle conversations start over ———

  private activity(): void {
    const minutes = this.opts.idleMinutes ?? 0;
    if (!(minutes > 0) || this.stopped) return;
    this.stopIdle();
    // a little after the users' store sees the conversation as idle, so that the welcome goes to a fresh user
    this.idleTimer = this.clock.setTimeout(
      () => {
        this.idleTimer = null;
        void this.idle().catch((e: unknown) => this.problem(e));
      },
      minutes * 60_000 + 250,
    );
  }

  private stopIdle(): void {
    if (this.idleTimer !== null) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private async idle(): Promise<void> {
    if (!this.used || !this.channel || !this.caps || this.stopped) return;
    this.log.info('idle: starting over with a fresh conversation');
    this.used = false;
    this.newUI(this.caps);
    this.link.show(this.ui!.frame());
    this.sendStart();
  }

  // ——— online ———

  private newUI(caps: DeviceCaps): void {
    this.ui?.dispose();
    const ui = new DeviceUI(caps, { ...this.opts.ui, ...this.entry.ui } as UIOptions, { clock: this.opts.clock });
    ui.on('change', () => this.guard(() => this.link.show(ui.frame())));
    ui.on('action', (a) => void this.act(a).catch((e: unknown) => this.problem(e)));
    this.ui = ui;
    this.uiKey = `${caps.cols}x${caps.rows}/${caps.rom}/${caps.buttons.join(',')}/${caps.keypad.join('')}`;
  }

  private async online(caps: DeviceCaps): Promise<void> {
    // firmware built for another device (e.g. the other preset's image flashed by mistake) drives pins this board does not have
    // (it is not served; the link stays open, so `firmware flash` can still ask for the port)
    const wrong = await firmwareForOtherDevice(caps, this.entry);
    if (wrong) {
      this.problem(new MismatchError(wrong));
      return;
    }
    if (this.entry.rom && this.entry.rom !== caps.rom) {
      this.log.info(`the firmware reports an LCD with the ${caps.rom} ROM; rendering for ${this.entry.rom}, as configured for this port`);
      caps = { ...caps, rom: this.entry.rom };
    }
    // the device id names the board's BotDistrikt user in the state file: give a new board one, kept in its EEPROM
    let id = caps.id;
    if (!id) {
      id = 'bd-' + randomBytes(4).toString('hex');
      await this.link.setId(id);
      this.log.info(`assigned device id ${id}`);
    }
    this.caps = caps;
    const key = `${caps.cols}x${caps.rows}/${caps.rom}/${caps.buttons.join(',')}/${caps.keypad.join('')}`;
    if (!this.ui || key !== this.uiKey) this.newUI(caps);
    let fresh = false;
    if (this.deviceId !== id || !this.channel) {
      fresh = true;
      this.deviceId = id;
      const ch = new Channel({
        deviceId: id,
        client: this.opts.client,
        users: this.opts.users,
        newConversation: this.opts.newConversation,
        logger: this.log,
      });
      this.channel = ch;
    }
    this.link.show(this.ui!.frame());
    this.bridge.emit('online', { port: this.entry.port, caps, deviceId: id });
    if (fresh) this.sendStart();
  }

  /** Sends the start message, if any, through the UI's outbox: a retry resends it like anything typed. */
  private sendStart(): void {
    if (!this.opts.startMessage) return;
    this.sendingStart = true;
    this.ui?.send(this.opts.startMessage);
    this.sendingStart = false;
  }

  private async act(a: UIAction): Promise<void> {
    const ch = this.channel;
    if (!ch) return;
    this.activity();
    if (a.type === 'new-conversation') {
      this.used = false;
      if (!(await ch.rotate()))
        this.log.info('"new conversation" is turned off (botdistrikt.kiosk.newConversation): the conversation goes on');
      this.sendStart();
      return;
    }
    const message: Outgoing = a.type === 'send' ? { text: a.text } : { title: a.option.title, payload: a.text };
    // the start message (and its retries: the outbox resends the very same object) is not the person using it
    if (this.sendingStart) this.startAction = a;
    else if (a !== this.startAction) this.used = true;
    const outcome = await ch.send(message);
    this.activity();
    this.guard(() => {
      if (outcome.ok) return this.ui?.delivered(outcome.replies, a);
      const failure = sendFailure(outcome.error, outcome.notSent);
      if (failure.kind === 'setup') this.log.error(setupAdvice(outcome.error));
      this.ui?.failed(failure, a);
    });
  }
}

export function asBotduinoError(e: unknown): BotduinoError {
  return e instanceof BotduinoError ? e : new BotduinoError(e instanceof Error ? e.message : String(e), 'internal', 1, { cause: e });
}
