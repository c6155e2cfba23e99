/**
 * One MQTT connection to the broker, for the relay or a bridge: TLS files
 * read from the config, the password from the environment when asked, and
 * a clear log line for a wrong password or an unreachable broker, with
 * reconnection after 1, 2, 4 … 30 s. Never throws for the broker's state:
 * the bridge keeps serving its devices meanwhile.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { ConfigError } from '../../common/errors.js';
import { maskValue, type Logger } from '../log.js';
import { systemClock, type Clock } from '../clock.js';
import type { MqttConfig } from './config.js';

export interface BrokerOptions {
  clientId?: string;
  /** false: a persistent session (the broker keeps QoS 1 messages while we are away). */
  clean: boolean;
  logger: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

export interface Broker {
  readonly client: MqttClient;
  /** The last connection problem, in words; null while connected. */
  readonly problem: string | null;
  /** force: drop what is not yet acknowledged (a bridge: the broker sends it again); else wait up to 2 s for it. */
  close(force?: boolean): Promise<void>;
}

/** The relay key from the config or its environment variable. */
export function topicKeyOf(cfg: MqttConfig, env: NodeJS.ProcessEnv = process.env): string {
  const key = cfg.topicKey ?? (cfg.topicKeyEnv ? env[cfg.topicKeyEnv] : undefined);
  if (!key || key.length < 16) {
    throw new ConfigError(
      cfg.topicKeyEnv && !cfg.topicKey
        ? `webhook.mqtt.topicKeyEnv names ${cfg.topicKeyEnv}, which is ${key ? 'shorter than 16 characters' : 'not set'}: set it to the relay key (the same on the relay and every bridge).`
        : 'webhook.mqtt needs the relay key: set topicKey or topicKeyEnv (the same on the relay and every bridge).',
    );
  }
  return key;
}

export function connectBroker(cfg: MqttConfig, opts: BrokerOptions): Broker {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const clock = opts.clock ?? systemClock;
  let password = cfg.password;
  if (!password && cfg.passwordEnv) {
    password = env[cfg.passwordEnv];
    if (!password)
      throw new ConfigError(
        `webhook.mqtt.passwordEnv names ${cfg.passwordEnv}, which is not set: set it to this bridge's broker password.`,
      );
  }
  const read = (file: string | undefined, what: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError(`webhook.mqtt.${what}: cannot read ${file} (${(e as Error).message}); give the path of a PEM file.`);
    }
  };
  const where = cfg.url.replace(/\/\/[^@/]*@/, '//');
  const options: IClientOptions = {
    clientId: opts.clientId ?? cfg.clientId ?? `botduino-${os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 64),
    clean: opts.clean,
    protocolVersion: 4,
    reconnectPeriod: 0, // reconnection is ours, with a backoff
    connectTimeout: 10_000,
    keepalive: 30,
    resubscribe: true,
    ca: read(cfg.ca, 'ca'),
    cert: read(cfg.cert, 'cert'),
    key: read(cfg.key, 'key'),
    rejectUnauthorized: cfg.rejectUnauthorized,
  };
  if (cfg.username) options.username = cfg.username;
  if (password) options.password = password;

  // MQTT.js is loaded when a bridge first connects to a broker: bridges without one never carry it in memory
  const client = (createRequire(import.meta.url)('mqtt') as typeof Mqtt).connect(cfg.url, options);
  let problem: string | null = 'connecting';
  let delay = 1_000;
  let timer: unknown = null;
  let closing = false;
  client.on('connect', () => {
    if (problem && problem !== 'connecting') log.info(`connected to the MQTT broker at ${where} again`);
    else log.info(`connected to the MQTT broker at ${where} as ${maskValue(options.clientId!)}`);
    problem = null;
    delay = 1_000;
  });
  client.on('error', (err: Error & { code?: string | number }) => {
    const code = err.code;
    const text =
      code === 4 || code === 5 || code === 134 || code === 135
        ? `the MQTT broker at ${where} refused the username or password of webhook.mqtt (user ${cfg.username ?? 'none'}): check username and password (or passwordEnv), and that the broker's password file has this user`
        : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT'
          ? `cannot reach the MQTT broker at ${where} (${code}): check webhook.mqtt.url and that the broker runs`
          : `MQTT broker at ${where}: ${err.message}`;
    if (text !== problem) log.error(`${text}; pushes wait on the broker, and the devices keep working. Retrying with a growing pause.`);
    problem = text;
  });
  client.on('close', () => {
    if (closing || timer !== null) return;
    if (!problem) {
      problem = `lost the connection to the MQTT broker at ${where}`;
      log.warn(`${problem}; reconnecting`);
    }
    timer = clock.setTimeout(() => {
      timer = null;
      if (!closing) client.reconnect();
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  });
  return {
    client,
    get problem() {
      return problem;
    },
    close: async (force = true) => {
      closing = true;
      if (timer !== null) clock.clearTimeout(timer);
      if (!force && client.connected) {
        const done = client.endAsync(false).catch(() => undefined);
        const later = new Promise((r) => setTimeout(r, 2_000).unref());
        if ((await Promise.race([done.then(() => true), later.then(() => false)])) === true) return;
      }
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
