/**
 * The bridge: for every board, a device link, a DeviceUI and a BotDistrikt
 * channel, wired in one direction each way:
 *
 *   board input → link → ui (composer) → action → channel → replies → ui (renderer) → frame → link → LCD
 *
 * A push from the webhook joins at "replies", routed by the user it names to
 * the device that user belongs to. Each device session is independent: one
 * board failing never holds up another.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { BotDistriktClient } from './botdistrikt/client.js';
import { Channel } from './botdistrikt/channel.js';
import type { BotReply, PushSource } from './botdistrikt/replies.js';
import type { Users } from './botdistrikt/users.js';
import { startWebhook, type Webhook } from './botdistrikt/webhook.js';
import type { Outgoing } from './botdistrikt/wire.js';
import { startControlServer } from './control.js';
import { BotduinoError } from './errors.js';
import { DeviceLink } from './link/link.js';
import type { DeviceCaps, LinkState } from './link/types.js';
import { silentLogger, type Logger } from './log.js';
import type { Clock } from './ui/clock.js';
import { DeviceUI, type UIAction } from './ui/device-ui.js';
import type { UIOptions } from './ui/options.js';

export interface DeviceEntry {
  /** Serial port, by-id name, "auto" or "sim:<preset>". */
  port: string;
  baudRate?: number;
  /** Device description (preset) named in the "reflash" advice. */
  device?: string;
  /** UI options over the shared ones. */
  ui?: Partial<UIOptions>;
}

export interface BridgeOptions {
  devices: DeviceEntry[];
  /** The bot: a client for the real service or the local stand-in, and where users are kept. */
  client: BotDistriktClient;
  users: Users;
  /** Allow "new conversation" from the device (kiosk.newConversation); default true. */
  newConversation?: boolean;
  /** Shared UI options. */
  ui?: UIOptions;
  /**
   * Sent for the person when a device first comes online and after "new
   * conversation", so the bot's welcome (and its menu) shows without typing;
   * a device with buttons only could not start otherwise. Empty: nothing sent.
   */
  startMessage?: string;
  /** Start the webhook receiver with these settings; default: none. */
  webhook?: { host?: string; port?: number; secret?: string; maxBody?: number; showBotMessages?: boolean };
  /** Listen for `firmware flash` asking to release a port (the state dir holds the socket); default: no. */
  controlDir?: string;
  /** serialport binding for every link (tests); default per path. */
  binding?: BindingInterface;
  /** Link timing overrides (tests). */
  linkOptions?: Partial<ConstructorParameters<typeof DeviceLink>[0]>;
  clock?: Clock;
  logger?: Logger;
}

export interface BridgeEvents {
  /** A device's link changed state. */
  state: [{ port: string; state: LinkState; detail: string }];
  /** A device came online (again). */
  online: [{ port: string; caps: DeviceCaps; deviceId: string }];
  /** A problem worth telling the person at the terminal. */
  problem: [{ port: string; error: BotduinoError }];
}

/** One board's session: its link, its screen and its conversation. */
export class DeviceSession {
  readonly link: DeviceLink;
  ui: DeviceUI | null = null;
  channel: Channel | null = null;
  deviceId: string | null = null;
  private last: Outgoing | null = null;
  private uiKey = '';
  private readonly log: Logger;

  constructor(
    readonly entry: DeviceEntry,
    private readonly bridge: Bridge,
    private readonly opts: BridgeOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child(entry.port);
    this.link = new DeviceLink({
      path: entry.port,
      baudRate: entry.baudRate,
      binding: opts.binding,
      logger: this.log,
      preset: entry.device,
      ...opts.linkOptions,
    });
    this.link.on('online', (caps) => void this.online(caps).catch((e: Error) => this.problem(e)));
    this.link.on('input', (ev) => this.ui?.handleInput(ev));
    this.link.on('state', (state, detail) => {
      this.log.info(`${state}${detail ? `: ${detail}` : ''}`);
      this.bridge.emit('state', { port: entry.port, state, detail });
    });
    this.link.on('error', (e) => this.problem(e));
  }

  async start(): Promise<DeviceCaps> {
    return this.link.start();
  }

  async stop(): Promise<void> {
    this.ui?.dispose();
    await this.link.stop();
  }

  /** Shows a message pushed through the webhook (a live agent, a broadcast). */
  push(replies: BotReply[], source: PushSource): void {
    if (!this.ui) return void this.log.warn('a pushed message arrived before the board was online; it is dropped');
    this.ui.showReplies(replies, source === 'bot' ? 'bot' : source);
  }

  private problem(e: unknown): void {
    const error = e instanceof BotduinoError ? e : new BotduinoError(e instanceof Error ? e.message : String(e), 'internal');
    this.log.error(error.message);
    this.bridge.emit('problem', { port: this.entry.port, error });
  }

  private async online(caps: DeviceCaps): Promise<void> {
    // the device id names the board's BotDistrikt user in the state file: give a new board one, kept in its EEPROM
    let id = caps.id;
    if (!id) {
      id = 'bd-' + randomBytes(4).toString('hex');
      await this.link.setId(id);
      this.log.info(`assigned device id ${id}`);
    }
    const key = `${caps.cols}x${caps.rows}/${caps.rom}/${caps.buttons.join(',')}/${caps.keypad.join('')}`;
    if (!this.ui || key !== this.uiKey) {
      this.ui?.dispose();
      const ui = new DeviceUI(caps, { ...this.opts.ui, ...this.entry.ui } as UIOptions, { clock: this.opts.clock });
      ui.on('change', () => this.link.show(ui.frame()));
      ui.on('action', (a) => void this.act(a));
      this.ui = ui;
      this.uiKey = key;
    }
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
      ch.on('thinking', () => this.ui?.setStatus('thinking'));
      ch.on('replies', ({ replies }) => {
        this.ui?.setStatus('idle');
        this.ui?.showReplies(replies, 'bot');
      });
      ch.on('failed', ({ error }) => this.ui?.setStatus('not-sent', error.message));
      this.channel = ch;
    }
    this.link.show(this.ui.frame());
    this.bridge.emit('online', { port: this.entry.port, caps, deviceId: id });
    if (fresh && this.opts.startMessage) await this.channel.send({ text: this.opts.startMessage });
  }

  private async act(a: UIAction): Promise<void> {
    const ch = this.channel;
    if (!ch) return;
    switch (a.type) {
      case 'send':
        this.last = { text: a.text };
        break;
      case 'choose':
        this.last = { title: a.option.title, payload: a.text };
        break;
      case 'retry':
        if (!this.last) return;
        break;
      case 'new-conversation':
        if (await ch.rotate()) {
          this.last = null;
          this.ui?.setStatus('idle');
          if (this.opts.startMessage) await ch.send({ text: this.opts.startMessage });
        }
        return;
    }
    await ch.send(this.last);
  }
}

export class Bridge extends EventEmitter<BridgeEvents> {
  readonly sessions: DeviceSession[] = [];
  webhook: Webhook | null = null;
  private control: import('node:net').Server | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: BridgeOptions) {
    super();
    this.log = opts.logger ?? silentLogger;
    for (const d of opts.devices) this.sessions.push(new DeviceSession(d, this, opts));
  }

  /**
   * Starts the webhook receiver and every device. Resolves when each device
   * has come online or failed; a failed device is reported, not fatal.
   */
  async start(): Promise<{ online: DeviceSession[]; failed: { session: DeviceSession; error: Error }[] }> {
    if (this.opts.webhook) {
      this.webhook = await startWebhook({
        ...this.opts.webhook,
        state: this.opts.users.state,
        findDevice: (webchatId) => this.opts.users.deviceOf(webchatId),
        logger: this.log.child('webhook'),
      });
      this.webhook.on('push', (p) => {
        const s = this.sessions.find((x) => x.deviceId !== null && x.deviceId === p.deviceId);
        if (s) s.push(p.replies, p.source);
        else this.log.warn('a pushed message names a user no connected device has; it is dropped');
      });
    }
    if (this.opts.controlDir) {
      this.control = await startControlServer(this.opts.controlDir, {
        release: async (port) => {
          const s = this.sessions.find((x) => x.entry.port === port || x.link.path === port);
          if (!s) return false;
          await s.link.stop();
          return true;
        },
        resume: async (port) => {
          const i = this.sessions.findIndex((x) => x.entry.port === port || x.link.path === port);
          if (i < 0) return false;
          const fresh = new DeviceSession(this.sessions[i].entry, this, this.opts);
          this.sessions[i] = fresh;
          fresh.start().catch((e: Error) => this.log.error(e.message));
          return true;
        },
      });
    }
    const results = await Promise.allSettled(this.sessions.map((s) => s.start()));
    const online: DeviceSession[] = [];
    const failed: { session: DeviceSession; error: Error }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') online.push(this.sessions[i]);
      else failed.push({ session: this.sessions[i], error: r.reason as Error });
    });
    return { online, failed };
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.stop()));
    await this.webhook?.close();
    this.control?.close();
  }
}
