/**
 * The relay: takes BotDistrikt's event webhook on a host with a public
 * https address (or behind a reverse proxy) and publishes each push, QoS 1,
 * on the user's topic (see topic.ts). Bridges subscribe over an outbound
 * connection, so none needs an inbound port.
 *
 *   const relay = await startRelay({ port: 8787, secret, mqtt, logger });
 *   console.log(relay.url);  // put this URL on the Website Integration page
 *
 * The receiver is the bridge's own (botdistrikt/webhook.ts), with all its
 * hardening. The relay does not know the users: it forwards every push, and
 * only the bridge that has the user subscribes to its topic.
 */
import { randomUUID } from 'node:crypto';
import { startWebhook, type Webhook } from '../botdistrikt/webhook.js';
import { addSecret, maskValue, silentLogger, type Logger } from '../log.js';
import { connectBroker, topicKeyOf, type Broker } from './broker.js';
import type { MqttConfig } from './config.js';
import { sealRelayMessage, userTopic, type RelayMessage } from './topic.js';

export interface RelayOptions {
  host?: string;
  port?: number;
  /** The path secret (/botduino/<secret>); required: the relay keeps no state. */
  secret: string;
  maxBody?: number;
  mqtt: MqttConfig;
  /** The relay's MQTT client id; default botduino-relay-<app>. */
  clientId?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface Relay {
  readonly url: string;
  readonly port: number;
  readonly webhook: Webhook;
  readonly broker: Broker;
  /** Pushes published (acknowledged by the broker) and waiting for it. */
  readonly stats: { published: number; pending: number };
  close(): Promise<void>;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const log = opts.logger ?? silentLogger;
  const key = topicKeyOf(opts.mqtt, opts.env);
  addSecret(key);
  const broker = connectBroker(opts.mqtt, {
    clientId: opts.clientId ?? `botduino-relay-${opts.mqtt.app}`,
    clean: false,
    logger: log.child('mqtt'),
    env: opts.env,
  });
  let webhook: Webhook;
  try {
    webhook = await startWebhook({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8787,
      secret: opts.secret,
      maxBody: opts.maxBody,
      showBotMessages: true, // the bridges decide
      logger: log.child('webhook'),
    });
  } catch (e) {
    await broker.close();
    throw e;
  }
  const stats = { published: 0, pending: 0 };
  webhook.on('push', (p) => {
    const message: RelayMessage = { id: p.messageId ?? randomUUID(), source: p.source, body: p.raw, at: Date.now() };
    if (p.sourceId) message.sourceId = p.sourceId;
    const topic = userTopic(opts.mqtt.app, key, p.webchatId);
    const what = `a ${p.source} push for ${maskValue(p.webchatId)}`;
    waiting.set(message.id, { topic, payload: sealRelayMessage(key, p.webchatId, message), what });
    stats.pending = waiting.size;
    if (broker.client.connected) send(message.id);
  });
  /**
   * Pushes not yet acknowledged by the broker, sent (again) on every
   * connect: at least once; the bridges drop repeats by message id.
   */
  const waiting = new Map<string, { topic: string; payload: Buffer; what: string }>();
  const send = (id: string) => {
    const w = waiting.get(id);
    if (!w) return;
    broker.client.publish(w.topic, w.payload, { qos: 1 }, (err) => {
      if (err) return log.debug(`${w.what} waits for the broker (${err.message})`);
      if (!waiting.delete(id)) return;
      stats.pending = waiting.size;
      stats.published++;
      log.debug(`published ${w.what}`);
    });
  };
  broker.client.on('connect', () => {
    for (const id of waiting.keys()) send(id);
  });
  return {
    url: webhook.url,
    port: webhook.port,
    webhook,
    broker,
    stats,
    close: async () => {
      await webhook.close();
      await broker.close(false);
    },
  };
}
