/**
 * Settings of the BotDistrikt side, as zod schemas with their defaults, so
 * the CLI's config file composes them. Every field is optional except the
 * app id and the custom domain.
 */
import { z } from 'zod';
import { DEFAULT_MESSAGE_SHAPE, MESSAGE_SHAPE_NAMES } from './wire.js';

/** Default base URL of the BotDistrikt API. */
export const DEFAULT_BASE_URL = 'https://flow.botdistrikt.com/api';

export const KioskSchema = z.object({
  /** Start a fresh BotDistrikt user after this many idle minutes; 0 = never (default 0). */
  idleMinutes: z.number().min(0).default(0),
  /** Allow a "new conversation" request from the device to start a fresh user (default true). */
  newConversation: z.boolean().default(true),
});

export const BotDistriktConfigSchema = z.object({
  /** The webchat_app_id from BotDistrikt's Website Integration page. */
  appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'the app id is a number')]).transform(String),
  /** The channel's custom domain: an https URL that nobody can guess; it works like a password. */
  domain: z.string().min(1),
  /** API base URL (default https://flow.botdistrikt.com/api). */
  baseUrl: z.string().url().default(DEFAULT_BASE_URL),
  timeouts: z
    .object({
      /** Milliseconds to wait for the bot's answer to a message (default 10000). */
      sendMs: z.number().int().positive().default(10_000),
      /** Milliseconds to wait for a user registration (default 10000). */
      registerMs: z.number().int().positive().default(10_000),
    })
    .default({ sendMs: 10_000, registerMs: 10_000 }),
  /**
   * The JSON shape of a sent message (default "text"): "text" sends {"type":"text","text":"hi"},
   * "text-only" {"text":"hi"}, "messenger" {"text":"hi"} and a chosen option as {"text":…,"quick_reply":{"payload":…}},
   * "string" the bare text "hi" (an option: its payload). `botduino probe` says which one your bot accepts.
   */
  messageShape: z
    .enum(MESSAGE_SHAPE_NAMES, {
      error: () =>
        `messageShape must be one of ${MESSAGE_SHAPE_NAMES.map((n) => `"${n}"`).join(', ')}; run \`botduino probe\` to see which one your bot accepts`,
    })
    .default(DEFAULT_MESSAGE_SHAPE),
  /** Accept a custom domain that looks easy to guess (default false). */
  allowGuessableDomain: z.boolean().default(false),
  /** Kiosk behaviour: fresh users after idle time or on request (default: never rotate on idle). */
  kiosk: KioskSchema.default({ idleMinutes: 0, newConversation: true }),
  /** Where state.json lives (default $XDG_STATE_HOME/botduino, else ~/.local/state/botduino). */
  stateDir: z.string().optional(),
});
export type BotDistriktConfig = z.output<typeof BotDistriktConfigSchema>;
export type BotDistriktConfigInput = z.input<typeof BotDistriktConfigSchema>;

export const WebhookConfigSchema = z.object({
  /** Interface to listen on (default 127.0.0.1; use 0.0.0.0 behind a tunnel or reverse proxy). */
  host: z.string().default('127.0.0.1'),
  /** TCP port (default 8787; 0 picks a free one). */
  port: z.number().int().min(0).max(65535).default(8787),
  /** The secret part of the path /botduino/<secret> (default: generated once and kept in state.json). */
  secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,}$/, 'at least 16 letters, digits, - or _')
    .optional(),
  /** Largest accepted body in bytes (default 65536; larger → 413). */
  maxBody: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Show pushes marked X-BotDistrikt-Source: bot (default false: the send response already showed them). */
  showBotMessages: z.boolean().default(false),
});
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;
export type WebhookConfigInput = z.input<typeof WebhookConfigSchema>;
