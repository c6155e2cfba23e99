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
 * Users who find a different shape with `botduino probe` change it here
 * and nowhere else. The response side is parsed tolerantly in parse.ts.
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

export function toBotUserMessage(out: Outgoing): BotUserMessage {
  if ('payload' in out) return { type: 'text', text: out.title, payload: out.payload };
  return { type: 'text', text: out.text };
}

export interface SendBody {
  domain: string;
  user: BotUser;
  message: BotUserMessage;
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
