/**
 * What a maker can tune about the screen and the keys. Every field has a
 * default; `UIOptionsSchema.parse({})` gives them all.
 */
import { z } from 'zod';
import { ConfigError } from '../../common/errors.js';

/**
 * What a button or key does:
 *  - up / down: move through the options (or scroll when there are none);
 *  - select: choose the marked option, send the typed text, retry, next page;
 *  - back: close, backspace while typing, previous page;
 *  - next / prev: next or previous page (or message);
 *  - send: send the typed text (or choose the marked option);
 *  - backspace: delete the last letter (on an empty line: start typing);
 *  - type: start typing even when options are shown;
 *  - case: switch between small and capital letters;
 *  - new-conversation: forget this conversation and start a new one;
 *  - { send: "text" }: send this fixed text;
 *  - none: do nothing.
 */
export const BindingSchema = z.union([
  z.enum(['up', 'down', 'select', 'back', 'next', 'prev', 'send', 'backspace', 'type', 'case', 'new-conversation', 'none']),
  z.object({ send: z.string().min(1) }),
]);
export type Binding = z.infer<typeof BindingSchema>;

/** The words the UI shows; translate them here. */
export const LabelsSchema = z.object({
  /** Shown while nothing has arrived yet, on a device with a keypad. */
  idleKeypad: z.string().default('Type a message, # to send'),
  /** Shown while nothing has arrived yet, on a device with buttons only. */
  idleButtons: z.string().default('Ready'),
  offline: z.string().default('Bot offline'),
  /** "{s}" is replaced by the seconds left. */
  retryingIn: z.string().default('retrying in {s}s'),
  retrying: z.string().default('retrying...'),
  error: z.string().default('Bot error'),
  /** Shown over a short cause when BotDistrikt refuses the setup (app id, domain, message shape). */
  checkSetup: z.string().default('Check setup'),
  notSent: z.string().default('Not sent'),
  /** "{key}" is replaced by the key or button that retries. */
  pressToRetry: z.string().default('{key} to retry'),
  /** Prefix of a live agent's message. */
  agent: z.string().default('Agent:'),
  /** Prefix of a broadcast. */
  broadcast: z.string().default('News:'),
  message: z.string().default('Message'),
  phone: z.string().default('Phone'),
  email: z.string().default('Email'),
});

export const ReadingTimeSchema = z.object({
  /** Time to take in any screen, in ms; default 1500. */
  baseMs: z.number().int().min(0).default(1500),
  /** Added per character shown, in ms; default 60 (about 200 words a minute). */
  perCharMs: z.number().int().min(0).default(60),
  /** Shortest reading time, in ms; default 2500. */
  minMs: z.number().int().min(0).default(2500),
  /** Longest reading time, in ms; default 10000. */
  maxMs: z.number().int().min(0).default(10_000),
});

export const UIOptionsSchema = z.object({
  /** How long a screen stays before the next page or message follows. */
  readingTime: ReadingTimeSchema.prefault({}),
  /** Turn pages and show queued messages after the reading time; default true. With false only keys do. */
  autoAdvance: z.boolean().default(true),
  /** A multi-tap letter is taken when its key rests this long, in ms; default 1000. */
  multiTapMs: z.number().int().min(100).default(1000),
  /** Time between steps of the "thinking" spinner, in ms; default 250. */
  spinnerMs: z.number().int().min(50).default(250),
  /** Use the LCD's 8 custom glyphs for accents and symbols; default true. */
  glyphs: z.boolean().default(true),
  /** Button name → what it does; unnamed buttons follow their names (UP, DOWN, SELECT, LEFT, RIGHT, NEW, SEND, OK, BACK…). */
  buttons: z.record(z.string(), BindingSchema).default({}),
  /** Keypad key → what it does instead of typing; default * = backspace, # = send, A/B/C/D = up/down/back/select. */
  keys: z.record(z.string(), BindingSchema).default({}),
  /** URL and phone buttons: "show" their target on the LCD when chosen, or "send" them as a message; default "show". */
  links: z.enum(['show', 'send']).default('show'),
  /** Text sent when a Location quick reply is chosen (e.g. "1.29,103.85"); unset: not choosable. */
  location: z.string().optional(),
  /** Longest text a user can type; default 200. */
  maxInput: z.number().int().min(1).max(2000).default(200),
  /** An unreachable bot is tried again after this long, in ms, then twice as long each time up to offlineRetryMaxMs; default 5000. */
  offlineRetryMs: z.number().int().min(10).default(5000),
  /** Longest wait between tries while the bot is unreachable, in ms; default 60000. */
  offlineRetryMaxMs: z.number().int().min(10).default(60_000),
  /** Messages kept to page back through; default 20. */
  history: z.number().int().min(1).default(20),
  labels: LabelsSchema.prefault({}),
});

/** Options as written by a maker (all optional). */
export type UIOptions = z.input<typeof UIOptionsSchema>;
/** Options with every default filled in. */
export type ResolvedUIOptions = z.output<typeof UIOptionsSchema>;
export type Labels = z.output<typeof LabelsSchema>;

/** Options with every default filled in, or a ConfigError that names each bad field. */
export function parseOptions(options: UIOptions): ResolvedUIOptions {
  const parsed = UIOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${['ui', ...i.path].join('.')}: ${i.message}`).join('; ');
  throw new ConfigError(`Bad screen options (${problems}): fix the "ui" section of the configuration.`);
}
