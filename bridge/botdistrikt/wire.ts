/**
 * The wire shapes of BotDistrikt's "Other Channels" API, in one place.
 *
 * Confirmed by the public documentation: the two endpoints, their path
 * (`webchat_app_id`), the `Authorization: <webchat_id>` header, the body
 * fields `domain`, `webchat_id`, `user`, `message`, and that registration
 * returns the `bot_user` object (with `webchat_id`).
 *
 * NOT confirmed: the JSON of a `bot_user_message`. The choice below is
 * `{ type: 'text', text }`, because the platform's own vocabulary lists
 * message kinds by type ("text, image, video, audio, an event…"), its
 * bot_user object uses snake_case fields, and a `type` + `text` pair is what
 * chat platforms of its family (Messenger-like webchat backends) accept. A
 * chosen quick reply or button adds `payload` (what the bot matches on),
 * keeping the title as `text` so the conversation log reads naturally.
 * Other shapes can be chosen by name in the config (MESSAGE_SHAPES below);
 * `botduino probe` tries them when the service refuses this one. The response side is parsed tolerantly in parse.ts.
 */
import { z } from 'zod';

/** Path of "Register user", relative to the base URL. */
export const registerPath = (appId: string) => `webchat_apps/${encodeURIComponent(appId)}/user`;
/** Path of "Send message", relative to the base URL. */
export const messagePath = (appId: string) => `webchat_apps/${encodeURIComponent(appId)}/message`;

/** The bot_user object: kept as returned, with typed access to webchat_id. */
export const BotUserSchema = z.looseObject({
  webchat_id: z.string().min(1),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});
export type BotUser = z.infer<typeof BotUserSchema>;

export interface RegisterBody {
  domain: string;
  webchat_id: string;
  user?: Record<string, unknown>;
}

/** What the person sent: typed text, or a chosen quick reply / button. */
export type Outgoing = { text: string } | { title: string; payload: string };

/** A bot_user_message: see the note at the top of this file. */
export const BotUserMessageSchema = z.object({
  type: z.literal('text'),
  text: z.string(),
  payload: z.string().optional(),
});
export type BotUserMessage = z.infer<typeof BotUserMessageSchema>;

/**
 * The message shapes botduino can send, by name (config
 * `botdistrikt.messageShape`). `text` is the guess described above and the
 * default; `botduino probe` tries the others when a message is refused with
 * a 4xx and says which one the service accepted.
 */
export const MESSAGE_SHAPES = {
  text: {
    doc: '{"type":"text","text":"hi"}; a chosen option adds "payload"',
    build: (out: Outgoing): unknown =>
      'payload' in out ? { type: 'text', text: out.title, payload: out.payload } : { type: 'text', text: out.text },
  },
  'text-only': {
    doc: '{"text":"hi"}; a chosen option adds "payload"',
    build: (out: Outgoing): unknown => ('payload' in out ? { text: out.title, payload: out.payload } : { text: out.text }),
  },
  messenger: {
    doc: '{"text":"hi"}; a chosen option sends {"text":"<title>","quick_reply":{"payload":"<payload>"}}',
    build: (out: Outgoing): unknown => ('payload' in out ? { text: out.title, quick_reply: { payload: out.payload } } : { text: out.text }),
  },
  string: {
    doc: '"hi": the message is the bare text; a chosen option sends its payload',
    build: (out: Outgoing): unknown => ('payload' in out ? out.payload : out.text),
  },
} as const;
export type MessageShape = keyof typeof MESSAGE_SHAPES;
export const MESSAGE_SHAPE_NAMES = Object.keys(MESSAGE_SHAPES) as [MessageShape, ...MessageShape[]];
export const DEFAULT_MESSAGE_SHAPE: MessageShape = 'text';

export function toBotUserMessage(out: Outgoing, shape: MessageShape = DEFAULT_MESSAGE_SHAPE): unknown {
  return MESSAGE_SHAPES[shape].build(out);
}

export interface SendBody {
  domain: string;
  user: BotUser;
  /** A bot_user_message in the configured shape (MESSAGE_SHAPES). */
  message: unknown;
}

/** A LoopBack 3 error body: {"error":{"statusCode":401,"name":"Error","message":"…","code":"…"}}. */
export const LoopBackErrorSchema = z.object({
  error: z.looseObject({
    statusCode: z.number().optional(),
    name: z.string().optional(),
    message: z.string().optional(),
    code: z.string().optional(),
  }),
});
export type LoopBackError = z.infer<typeof LoopBackErrorSchema>['error'];
