/**
 * botduino's configuration: a JSON file (`botduino.json` in the working
 * directory, or ~/.config/botduino/config.json, or --config), environment
 * variables and flags, in that order of strength: flags, then environment,
 * then file, then defaults. `config.schema.json` (generated) lets editors
 * check the file as it is typed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { BotDistriktConfigSchema, WebhookConfigSchema } from './botdistrikt/config.js';
import { readConfigFile, resolveLayers, setPath, type Layer } from './config-load.js';
import { MqttConfigSchema } from './relay/config.js';
import { UIOptionsSchema } from './ui/options.js';
import { defaultConfigFile, defaultStateDir } from './paths.js';

export const DeviceEntrySchema = z.object({
  /** Serial port: a path, a /dev/serial/by-id/… name, "auto", or "sim:<preset>" for a simulated board. */
  port: z.string().min(1),
  /** The device description (preset name or file) its firmware was built from; used by `firmware flash`. */
  device: z.string().optional(),
  /** The line rate the board's firmware was built with (the device description's `baud`); unset: found when the port opens (250000, then 115200). */
  baudRate: z.number().int().min(300).max(2_000_000).optional(),
  /** Screen and key settings for this device only, over the shared `ui`. */
  ui: UIOptionsSchema.partial().optional(),
});

export const ConfigSchema = z.object({
  $schema: z.string().optional(),
  /** The boards to serve; default: every board found ("auto"). */
  devices: z
    .array(DeviceEntrySchema)
    .min(1)
    .default([{ port: 'auto' }]),
  /** The BotDistrikt channel; without it, `simulate` talks to the local demo bot and `run` refuses to start. */
  botdistrikt: BotDistriktConfigSchema.optional(),
  /** The event-webhook receiver for live-agent replies and broadcasts. */
  webhook: WebhookConfigSchema.extend({
    /** Start the receiver; default true when a BotDistrikt channel is configured. */
    enabled: z.boolean().optional(),
    /** Take pushes from a `botduino relay` through this MQTT broker instead of listening here (bridges behind a router, fleets). */
    mqtt: MqttConfigSchema.optional(),
  }).prefault({}),
  /** Sent when a device comes online and after "new conversation", so the bot's welcome shows at once; "" sends nothing. Default "hi". */
  startMessage: z.string().max(200).default('hi'),
  /** How replies are shown and what keys do (all devices). */
  ui: UIOptionsSchema.prefault({}),
  /** Where state (users, webhook secret) is kept; default $XDG_STATE_HOME/botduino or ~/.local/state/botduino. */
  stateDir: z.string().optional(),
  log: z
    .object({
      /** debug | info | warn | error | silent; default info. */
      level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    })
    .prefault({}),
});
export type Config = z.output<typeof ConfigSchema> & { stateDir: string; configFile?: string };
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Environment variables and the config field each sets. */
export const ENV_VARS: Record<string, { path: string; type: 'string' | 'number' | 'boolean' | 'ports'; doc: string }> = {
  BOTDISTRIKT_APP_ID: { path: 'botdistrikt.appId', type: 'string', doc: 'webchat_app_id from the Website Integration page' },
  BOTDISTRIKT_DOMAIN: { path: 'botdistrikt.domain', type: 'string', doc: 'the channel’s custom domain (https://…, unguessable)' },
  BOTDISTRIKT_BASE_URL: { path: 'botdistrikt.baseUrl', type: 'string', doc: 'API base URL (default https://flow.botdistrikt.com/api)' },
  BOTDISTRIKT_MESSAGE_SHAPE: {
    path: 'botdistrikt.messageShape',
    type: 'string',
    doc: 'JSON shape of a sent message: text (default), text-only, messenger or string',
  },
  BOTDISTRIKT_ALLOW_GUESSABLE_DOMAIN: { path: 'botdistrikt.allowGuessableDomain', type: 'boolean', doc: 'accept a guessable domain' },
  BOTDUINO_PORTS: { path: 'devices', type: 'ports', doc: 'comma-separated serial ports (or auto, sim:<preset>)' },
  BOTDUINO_KIOSK_IDLE_MINUTES: { path: 'botdistrikt.kiosk.idleMinutes', type: 'number', doc: 'fresh user after this many idle minutes' },
  BOTDUINO_WEBHOOK_HOST: { path: 'webhook.host', type: 'string', doc: 'webhook listen address' },
  BOTDUINO_WEBHOOK_PORT: { path: 'webhook.port', type: 'number', doc: 'webhook port' },
  BOTDUINO_WEBHOOK_SECRET: { path: 'webhook.secret', type: 'string', doc: 'webhook path secret' },
  BOTDUINO_STATE_DIR: { path: 'stateDir', type: 'string', doc: 'state directory' },
  BOTDUINO_LOG_LEVEL: { path: 'log.level', type: 'string', doc: 'debug, info, warn, error or silent' },
};

function convert(raw: string, type: 'string' | 'number' | 'boolean' | 'ports'): unknown {
  const v = raw.trim();
  if (type === 'number') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v; // leave it for the schema to name
  if (type === 'boolean')
    return ['1', 'true', 'yes', 'on'].includes(v.toLowerCase())
      ? true
      : ['0', 'false', 'no', 'off', ''].includes(v.toLowerCase())
        ? false
        : v;
  if (type === 'ports')
    return v
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((port) => ({ port }));
  return v;
}

export function envLayer(env: NodeJS.ProcessEnv): Layer {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(values, spec.path, convert(raw, spec.type));
  }
  return { name: 'the environment', values };
}

export interface LoadConfigOptions {
  /** --config: a file that must exist. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from flags, as a partial config. */
  flags?: Record<string, unknown>;
  cwd?: string;
}

/** Finds, reads, merges and validates the configuration. */
export function loadConfig(o: LoadConfigOptions = {}): Config {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  let file = o.file ?? env.BOTDUINO_CONFIG;
  if (!file) {
    for (const c of [resolve(cwd, 'botduino.json'), defaultConfigFile(env)])
      if (existsSync(c)) {
        file = c;
        break;
      }
  } else file = resolve(cwd, file);
  const layers: Layer[] = [];
  if (file) layers.push({ name: `the config file ${file}`, values: readConfigFile(file) });
  layers.push(envLayer(env));
  if (o.flags) layers.push({ name: 'the command line', values: o.flags });
  const c = resolveLayers(ConfigSchema, layers);
  return { ...c, stateDir: c.stateDir ? resolve(cwd, c.stateDir) : (c.botdistrikt?.stateDir ?? defaultStateDir(env)), configFile: file };
}

/** The JSON Schema of the config file, for editors: no keys but botduino's (additionalProperties false). */
export function configJsonSchema(): unknown {
  const closed = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(closed);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (o.type === 'object' && o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
    Object.values(o).forEach(closed);
  };
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
  closed(schema);
  return schema;
}
