/**
 * `botduino probe`: registers a throw-away user with the user's settings,
 * sends one message, and shows the raw JSON that came back, with the custom
 * domain and the webchat_id masked, so the wire shapes (wire.ts, parse.ts)
 * can be confirmed against the live service in one step.
 *
 *   const report = await probe({ appId: '123', domain: 'https://k3j9x0a1qz.mysite.com' });
 *   process.stdout.write(report.text);
 */
import { mask } from '../log.js';
import { BotDistriktClient } from './client.js';
import type { BotReply } from '../chat/replies.js';
import { newWebchatId } from './users.js';

export interface ProbeSettings {
  appId: string;
  domain: string;
  /** API base URL; default https://flow.botdistrikt.com/api. */
  baseUrl?: string;
  /** The message to send; default "hello". */
  message?: string;
  /** Milliseconds per request; default 10000. */
  timeoutMs?: number;
}

export interface ProbeReport {
  /** The bot_user returned by "Register user" (unmasked: for programs, not for printing). */
  registered: unknown;
  /** The raw body of the "Send message" response (unmasked). */
  response: unknown;
  /** What botduino understood of it. */
  replies: BotReply[];
  /** A printable report, secrets masked. */
  text: string;
}

export async function probe(settings: ProbeSettings): Promise<ProbeReport> {
  const client = new BotDistriktClient({
    appId: settings.appId,
    domain: settings.domain,
    baseUrl: settings.baseUrl,
    sendTimeoutMs: settings.timeoutMs,
    registerTimeoutMs: settings.timeoutMs,
    connectAttempts: 1,
  });
  const message = settings.message ?? 'hello';
  const webchatId = `${newWebchatId()}-probe`;
  const user = await client.registerUser({ webchatId });
  const sent = await client.sendMessage(user, { text: message }, { reregister: false });
  const lines = [
    `POST ${client.baseUrl}/webchat_apps/${client.appId}/user`,
    JSON.stringify(user, null, 2),
    '',
    `POST ${client.baseUrl}/webchat_apps/${client.appId}/message  (message: ${JSON.stringify(message)})`,
    JSON.stringify(sent.raw, null, 2),
    '',
    'botduino reads this as:',
    ...(sent.replies.length ? sent.replies.map((r) => '  ' + describe(r)) : ['  (no replies)']),
    '',
    'If a reply shows as a placeholder or is missing, the shapes in bridge/botdistrikt/wire.ts and parse.ts need adjusting.',
    '',
  ];
  return { registered: user, response: sent.raw, replies: sent.replies, text: mask(lines.join('\n')) };
}

function describe(r: BotReply): string {
  const head = r.kind === 'text' ? JSON.stringify(r.text) : `${r.label}${r.text ? ' ' + JSON.stringify(r.text) : ''}`;
  const opts = [
    ...r.quickReplies.map((q) => `quick reply "${q.title}"`),
    ...r.buttons.map((b) => `${b.type} button "${b.title}"`),
  ];
  return opts.length ? `${head} — ${opts.join(', ')}` : head;
}
