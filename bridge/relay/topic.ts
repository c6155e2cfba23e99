/**
 * Topics and messages between the relay and the bridges. A webchat_id is
 * the user's credential, so no topic carries one: a user's topic is
 * botduino/<app>/u/<HMAC-SHA256(relay key, webchat_id)>, which only a holder
 * of the relay key who already knows the webchat_id can name.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { PushSource } from '../chat/replies.js';

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

function sealKey(key: string, webchatId: string): Buffer {
  return createHmac('sha256', key).update(`seal:${webchatId}`).digest();
}

/** The message for one user's topic: 12-byte nonce, 16-byte tag, then the sealed JSON. */
export function sealRelayMessage(key: string, webchatId: string, m: RelayMessage): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(key, webchatId), iv);
  const body = Buffer.concat([c.update(JSON.stringify(m), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

/** Opens a sealed message; undefined when it was not sealed for this user (or was altered). */
export function openRelayMessage(key: string, webchatId: string, payload: Buffer): RelayMessage | undefined {
  if (payload.length < 29) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', sealKey(key, webchatId), payload.subarray(0, 12));
    d.setAuthTag(payload.subarray(12, 28));
    return parseRelayMessage(Buffer.concat([d.update(payload.subarray(28)), d.final()]));
  } catch {
    return undefined;
  }
}

function parseRelayMessage(payload: Buffer): RelayMessage | undefined {
  try {
    const m = JSON.parse(payload.toString('utf8')) as RelayMessage;
    if (typeof m.id !== 'string' || !['human', 'broadcast', 'bot'].includes(m.source) || typeof m.body !== 'object' || m.body === null)
      return undefined;
    return m;
  } catch {
    return undefined;
  }
}
