/**
 * Topics and messages between the relay and the bridges. A webchat_id is
 * the user's credential, so no topic carries one: a user's topic is
 * botduino/<app>/u/<HMAC-SHA256(relay key, webchat_id)>, which only a holder
 * of the relay key who already knows the webchat_id can name.
 */
import { createHmac } from 'node:crypto';
import type { PushSource } from '../botdistrikt/replies.js';

export function userTopic(app: string, key: string, webchatId: string): string {
  return `botduino/${app}/u/${createHmac('sha256', key).update(webchatId).digest('base64url')}`;
}

/** What the relay publishes for one push. */
export interface RelayMessage {
  /** The push's message id (from the body, or one the relay made): bridges drop repeats by it. */
  id: string;
  source: PushSource;
  sourceId?: string;
  /** The body as BotDistrikt sent it. */
  body: unknown;
  /** When the relay took it (ms since epoch). */
  at: number;
}

export function parseRelayMessage(payload: Buffer): RelayMessage | undefined {
  try {
    const m = JSON.parse(payload.toString('utf8')) as RelayMessage;
    if (typeof m.id !== 'string' || !['human', 'broadcast', 'bot'].includes(m.source) || typeof m.body !== 'object' || m.body === null) return undefined;
    return m;
  } catch {
    return undefined;
  }
}
