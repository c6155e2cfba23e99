/**
 * Turns what went wrong in an exchange with BotDistrikt into an ApiError
 * whose message says what happened and what to check next.
 */
import { ApiError } from '../../common/errors.js';
import { LoopBackErrorSchema } from './wire.js';

/** Codes of connection failures that happen before any byte is sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN']);

export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a failure that surely happened before the request left this machine. */
export function isConnectFailure(err: unknown): boolean {
  const code = errorCode(err);
  return !!code && NOT_CONNECTED.has(code);
}

export function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** What the operation was, for messages: "Sending your message", "Registering the device's user". */
export interface Context {
  what: string;
  host: string;
  timeoutMs: number;
}

/** A failure below HTTP: nothing answered. */
export function networkError(ctx: Context, err: unknown, mayHaveSent: boolean): ApiError {
  const code = errorCode(err);
  let why: string;
  if (isTimeout(err)) why = `no answer from ${ctx.host} within ${ctx.timeoutMs / 1000} s`;
  else if (code === 'ECONNREFUSED') why = `${ctx.host} refused the connection`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') why = `the name ${ctx.host} could not be resolved (DNS)`;
  else if (code && /CERT|TLS|SSL/.test(code)) why = `the TLS certificate of ${ctx.host} was not accepted (${code})`;
  else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') why = `${ctx.host} closed the connection`;
  else why = `the connection to ${ctx.host} failed (${code ?? (err instanceof Error ? err.message : String(err))})`;
  const next = mayHaveSent
    ? 'It may or may not have been sent: check the conversation before sending it again.'
    : 'Nothing was sent. Check the network connection and the baseUrl setting, then try again.';
  return new ApiError(`${ctx.what} failed: ${why}. ${next}`, undefined, !mayHaveSent, { cause: err });
}

/** An HTTP answer with a non-2xx status. */
export function httpError(ctx: Context, status: number, contentType: string, body: string): ApiError {
  const detail = describeBody(contentType, body);
  const hint = hintFor(status);
  // A 4xx is a refusal: the request was not processed. A 5xx may have been half-done.
  const notSent = status >= 400 && status < 500;
  const sentNote = notSent ? '' : ' The message may or may not have reached the bot.';
  return new ApiError(`${ctx.what} failed: BotDistrikt answered ${status}${detail}. ${hint}${sentNote}`, status, notSent);
}

/** A 2xx answer botduino could not read. */
export function unreadableAnswer(ctx: Context, status: number, contentType: string, body: string): ApiError {
  return new ApiError(
    `${ctx.what}: BotDistrikt answered ${status}${describeBody(contentType, body)}, which is not the expected JSON. ` +
      'Check the baseUrl setting (it should end in /api). Run `botduino probe` to see the raw answer.',
    status,
    false,
  );
}

function describeBody(contentType: string, body: string): string {
  const trimmed = body.trim();
  if (!trimmed) return ' with an empty body';
  try {
    const parsed = LoopBackErrorSchema.safeParse(JSON.parse(trimmed));
    if (parsed.success) {
      const e = parsed.data.error;
      const code = e.code ?? e.name;
      const msg = e.message ? `"${oneLine(e.message, 160)}"` : '';
      return ` (${[code, msg].filter(Boolean).join(': ') || 'no detail'})`;
    }
    return ` (${oneLine(trimmed, 120)})`;
  } catch {
    if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1];
      return ` with an HTML page${title ? ` ("${oneLine(title, 80)}")` : ''}`;
    }
    return ` (${oneLine(trimmed, 120)})`;
  }
}

function hintFor(status: number): string {
  if (status === 401 || status === 403)
    return 'Check that `domain` is exactly the custom domain of this channel on the Website Integration page, and that the app id belongs to it.';
  if (status === 404) return 'Check the app id (the webchat_app_id on the Website Integration page) and the baseUrl setting.';
  if (status === 400 || status === 422)
    return 'BotDistrikt did not accept the request. Run `botduino probe`: it shows the request and the answer, tries the other message shapes and names the botdistrikt.messageShape to set.';
  if (status === 413) return 'The message is too long for BotDistrikt; send a shorter one.';
  if (status === 429) return 'Too many requests: wait a minute, then try again.';
  if (status >= 500) return "BotDistrikt had a problem: check BotDistrikt's status page and try again in a moment.";
  return 'Check the baseUrl setting. Run `botduino probe` to see the raw answer.';
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}
