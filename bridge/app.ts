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
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { startWebhook, type Push, type Webhook } from './botdistrikt/webhook.js';
import { startControlServer } from './control.js';
import { BotduinoError, ConfigError } from '../common/errors.js';
import { silentLogger, type Logger } from './log.js';
import { startMqttPushes, type MqttPushes } from './relay/subscriber.js';
import { systemClock } from './clock.js';

import type { BridgeEvents, BridgeOptions } from './bridge-options.js';
import { DeviceSession } from './session.js';
export type { BridgeEvents, BridgeOptions, DeviceEntry } from './bridge-options.js';
export type { StartOutcome } from './session.js';
export { DeviceSession } from './session.js';

/** Every board's first try at start: which came online, which are tried again in the background, which failed for good. */
export interface StartResult {
  online: DeviceSession[];
  /** Boards that did not come online; `retrying`: tried again in the background (not plugged in yet, no answer). */
  failed: { session: DeviceSession; error: BotduinoError; retrying: boolean }[];
}

export class Bridge extends EventEmitter<BridgeEvents> {
  readonly sessions: DeviceSession[] = [];
  webhook: Webhook | null = null;
  /** Pushes through the relay and the MQTT broker, when webhook.mqtt is set. */
  mqtt: MqttPushes | null = null;
  private mqttTimer: unknown = null;
  private control: import('node:net').Server | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: BridgeOptions) {
    super();
    this.log = opts.logger ?? silentLogger;
    for (const d of opts.devices) this.sessions.push(new DeviceSession(d, this, opts));
  }

  /**
   * Starts the webhook receiver and every device. Resolves after each
   * device's first try; a device that is not online is reported, and tried
   * again in the background when waiting can help. Never fatal for the
   * other devices.
   */
  async start(): Promise<StartResult> {
    if (this.opts.controlDir) await this.startControl(this.opts.controlDir);
    const onPush = (p: Push) => {
      const s = this.sessions.find((x) => x.deviceId !== null && x.deviceId === p.deviceId);
      if (s) s.push(p.replies, p.source);
      else this.log.warn('a pushed message names a user no connected device has; it is dropped');
    };
    if (this.opts.webhook && !this.opts.webhook.mqtt) {
      const w = this.opts.webhook;
      try {
        this.webhook = await startWebhook({
          ...w,
          state: this.opts.users.state,
          findDevice: (webchatId) => this.opts.users.deviceOf(webchatId),
          logger: this.log.child('webhook'),
        });
      } catch (e) {
        this.control?.close();
        // A broken state file (where the webhook secret is kept) already says what to do.
        if (e instanceof BotduinoError) throw e;
        const err = e as NodeJS.ErrnoException;
        const where = `${w.host ?? '127.0.0.1'}:${w.port ?? 8787}`;
        throw new ConfigError(
          err.code === 'EADDRINUSE'
            ? `The webhook receiver cannot listen on ${where}: another program (or another botduino) uses that port. Set webhook.port (or BOTDUINO_WEBHOOK_PORT) to a free port, or stop the other program.`
            : `The webhook receiver cannot listen on ${where}: ${err.message}. Check webhook.host and webhook.port.`,
          { cause: e },
        );
      }
      this.webhook.on('push', onPush);
    }
    const results = await Promise.all(this.sessions.map((s) => s.run()));
    // Through the relay: subscribed once the boards had their first try, so
    // that pushes the broker kept while this bridge was away find their device.
    if (this.opts.webhook?.mqtt) {
      const w = this.opts.webhook;
      const state = this.opts.users.state;
      this.mqtt = startMqttPushes({
        mqtt: w.mqtt!,
        users: () => state.view((s) => Object.values(s.devices).map((d) => d.webchatId)),
        findDevice: (webchatId) => this.opts.users.deviceOf(webchatId),
        seenFile: path.join(state.dir, 'mqtt-seen.json'),
        showBotMessages: w.showBotMessages,
        clock: this.opts.clock,
        logger: this.log.child('relay'),
      });
      this.mqtt.on('push', onPush);
      // New devices and new conversations bring new users: follow them.
      const follow = () => {
        this.mqttTimer = (this.opts.clock ?? systemClock).setTimeout(() => {
          void this.mqtt?.refresh().finally(follow);
        }, 1_000);
      };
      follow();
    }
    const online: DeviceSession[] = [];
    const failed: StartResult['failed'] = [];
    results.forEach((r, i) => {
      if (r.ok) online.push(this.sessions[i]);
      else failed.push({ session: this.sessions[i], error: r.error, retrying: r.retrying });
    });
    return { online, failed };
  }

  /** Listens for `firmware flash` asking to let go of a port and to take it back. */
  private async startControl(dir: string): Promise<void> {
    const find = (port: string) => this.sessions.find((x) => x.entry.port === port || x.link.path === port);
    this.control = await startControlServer(
      dir,
      {
        release: async (port) => {
          const s = find(port);
          if (!s) return false;
          this.log.info(`letting go of ${port} for a firmware upload`);
          s.released = true;
          await s.stop();
          return true;
        },
        resume: async (port) => {
          const s = find(port);
          if (!s) return false;
          this.log.info(`taking ${port} back after the firmware upload`);
          s.released = false;
          void s.run();
          return true;
        },
      },
      (msg) => this.log.warn(msg),
    );
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.close()));
    await this.webhook?.close();
    if (this.mqttTimer !== null) (this.opts.clock ?? systemClock).clearTimeout(this.mqttTimer);
    const mqtt = this.mqtt;
    this.mqtt = null;
    await mqtt?.close();
    this.control?.close();
    await this.opts.users.state.flush(); // activity times are written a little later: write them now
  }
}
