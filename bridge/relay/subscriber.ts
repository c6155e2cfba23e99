/**
 * A bridge's side of the relay: one outbound MQTT connection with a
 * persistent session (clean: false, a stable client id), subscribed QoS 1 to
 * the topics of this bridge's own users only. The broker keeps their pushes
 * while the bridge is away and sends them when it is back; pushes it sends
 * again are dropped by message id, remembered in a file so that a restart
 * neither loses nor repeats one.
 *
 *   const pushes = startMqttPushes({ mqtt, users: () => [...webchatIds], findDevice, seenFile, logger });
 *   pushes.on('push', (p) => …);   // the same Push as the webhook receiver's
 *   await pushes.refresh();        // after the users changed
 */
import { EventEmitter } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseReplies } from '../botdistrikt/parse.js';
import type { Push, WebhookEvents } from '../botdistrikt/webhook.js';
import { maskValue, silentLogger, type Logger } from '../log.js';
import type { Clock } from '../clock.js';
import { connectBroker, topicKeyOf, type Broker } from './broker.js';
import type { MqttConfig } from './config.js';
import { openRelayMessage, userTopic } from './topic.js';

export interface MqttPushesOptions {
  mqtt: MqttConfig;
  /** The webchat_ids of this bridge's devices, now. */
  users: () => string[] | Promise<string[]>;
  /** Which device a webchat_id belongs to. */
  findDevice: (webchatId: string) => string | undefined | Promise<string | undefined>;
  /** Where the ids of shown pushes are remembered (a restart must not show one twice); default: in memory only. */
  seenFile?: string;
  /** How many ids are remembered; default 2000. */
  seenMax?: number;
  /** Show pushes marked bot; default false. */
  showBotMessages?: boolean;
  clientId?: string;
  logger?: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

export interface MqttPushes extends EventEmitter<WebhookEvents> {
  readonly broker: Broker;
  /** Subscribes to new users' topics and leaves the topics of users gone. */
  refresh(): Promise<void>;
  readonly stats: { shown: number; duplicates: number; refused: number };
  /** How many users' topics the broker confirmed. */
  readonly subscribed: number;
  close(): Promise<void>;
}

export function startMqttPushes(opts: MqttPushesOptions): MqttPushes {
  const log = opts.logger ?? silentLogger;
  const key = topicKeyOf(opts.mqtt, opts.env);
  const app = opts.mqtt.app;
  const seen = new SeenIds(opts.seenMax ?? 2000, opts.seenFile, log);
  const broker = connectBroker(opts.mqtt, { clientId: opts.clientId, clean: false, logger: log, clock: opts.clock, env: opts.env });
  const emitter = new EventEmitter<WebhookEvents>();
  const stats = { shown: 0, duplicates: 0, refused: 0 };
  /** topic → webchat_id, for this bridge's users. */
  let topics = new Map<string, string>();
  let refreshing: Promise<void> = Promise.resolve();
  let confirmed = new Set<string>();

  const refresh = () => {
    refreshing = refreshing.then(async () => {
      // Not connected: the next connect subscribes (a subscription queued meanwhile could wait forever).
      if (!broker.client.connected) return;
      const now = new Map<string, string>();
      for (const id of await opts.users()) now.set(userTopic(app, key, id), id);
      const added = [...now.keys()].filter((t) => !topics.has(t));
      const gone = [...topics.keys()].filter((t) => !now.has(t));
      topics = now;
      if (added.length)
        await broker.client
          .subscribeAsync(added, { qos: 1 })
          .then((granted) => granted.forEach((g) => g.qos !== 128 && confirmed.add(g.topic)))
          .catch((e: Error) => log.debug(`subscribe: ${e.message} (done again on reconnect)`));
      if (gone.length) {
        gone.forEach((t) => confirmed.delete(t));
        await broker.client.unsubscribeAsync(gone).catch(() => undefined);
      }
      if (added.length || gone.length) log.debug(`subscribed to the topics of ${now.size} user(s)`);
    });
    return refreshing;
  };
  // A persistent session keeps the subscriptions, but a new broker (or an
  // expired session) does not: subscribe on every connect.
  broker.client.on('connect', (ack) => {
    if (!ack.sessionPresent) {
      confirmed = new Set();
      topics = new Map(); // refresh subscribes to them all again
    }
    void refresh();
  });

  broker.client.on('message', (topic, payload) => {
    // Pushes kept while away arrive right after connecting, maybe before the users are looked up.
    if (topics.has(topic)) handle(topic, payload);
    else void refresh().then(() => handle(topic, payload));
  });
  const handle = (topic: string, payload: Buffer) => {
    const webchatId = topics.get(topic);
    const m = webchatId ? openRelayMessage(key, webchatId, payload) : undefined;
    if (!webchatId || !m) {
      stats.refused++;
      log.debug(`mqtt: ignored a message on a topic of no user of this bridge, or one that is not a push`);
      return;
    }
    if (seen.has(m.id)) {
      stats.duplicates++;
      log.debug('mqtt: dropped a push the broker sent again');
      return;
    }
    // Remembered (and written) before it is shown: a crash between the two loses it rather than showing it twice.
    seen.add(m.id);
    if (m.source === 'bot' && !opts.showBotMessages) return;
    void Promise.resolve(opts.findDevice(webchatId)).then((deviceId) => {
      if (!deviceId) return log.debug(`mqtt: a push for ${maskValue(webchatId)}, whose device is gone; dropped`);
      const push: Push = { webchatId, deviceId, source: m.source, messageId: m.id, replies: parseReplies(m.body), raw: m.body };
      if (m.sourceId) push.sourceId = m.sourceId;
      stats.shown++;
      emitter.emit('push', push);
    });
  };

  void refresh();
  // (a getter: Object.assign would copy its value once)
  Object.defineProperty(emitter, 'subscribed', { get: () => confirmed.size });
  return Object.assign(emitter as EventEmitter<WebhookEvents> & { readonly subscribed: number }, {
    broker,
    refresh,
    stats,
    close: async () => {
      await refreshing.catch(() => undefined);
      await broker.close(true);
      seen.flush();
    },
  });
}

/** Message ids already shown: bounded, oldest forgotten first, kept in a file. */
class SeenIds {
  private readonly ids = new Set<string>();
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly max: number,
    private readonly file: string | undefined,
    private readonly log: Logger,
  ) {
    if (!file) return;
    try {
      const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (Array.isArray(list)) for (const id of list.slice(-max)) if (typeof id === 'string') this.ids.add(id);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn(`${file} could not be read (${(e as Error).message}); starting with no remembered pushes`);
    }
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
    this.dirty = true;
    // Written at once when pushes are rare; a burst is written every 20 ms at most.
    if (!this.timer) {
      this.flush();
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.dirty) this.flush();
      }, 20);
      this.timer.unref();
    }
  }
  flush(): void {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify([...this.ids]), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (e) {
      this.log.warn(`cannot write ${this.file}: ${(e as Error).message}`);
    }
  }
}
