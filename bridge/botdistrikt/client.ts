/**
 * The BotDistrikt "Other Channels" API client: register a user, send a
 * message as that user, get the bot's replies back.
 *
 *   const client = new BotDistriktClient({ appId: '123', domain: 'https://k3j9x0a1qz.example.org' });
 *   const user = await client.registerUser({ webchatId: newWebchatId() });
 *   const { replies } = await client.sendMessage(user, { text: 'hi' });
 *
 * A person's message is never sent twice: it is retried automatically only
 * when the connection was never made. Every other failure is an ApiError
 * with `notSent` telling whether it surely did not get through.
 */
import { ApiError } from '../../common/errors.js';
import { systemClock, type Clock } from '../clock.js';
import { addSecret, silentLogger, type Logger } from '../log.js';
import { packageVersion } from '../paths.js';
import { DEFAULT_BASE_URL } from './config.js';
import { type Context, httpError, isConnectFailure, networkError, unreadableAnswer } from './errors.js';
import { parseReplies } from './parse.js';
import type { BotReply } from '../chat/replies.js';
import { postJson, type SendTracker } from './transport.js';
import {
  BotUserSchema,
  messagePath,
  registerPath,
  toBotUserMessage,
  DEFAULT_MESSAGE_SHAPE,
  type BotUser,
  type MessageShape,
  type Outgoing,
  type RegisterBody,
  type SendBody,
} from './wire.js';

export type { BotUser, Outgoing } from './wire.js';

export interface ClientOptions {
  /** The webchat_app_id of the Website Integration. */
  appId: string;
  /** The channel's custom domain (see domain.ts for the checks). */
  domain: string;
  /** API base URL; default https://flow.botdistrikt.com/api. */
  baseUrl?: string;
  /** Milliseconds to wait for the answer to a message, retries included; default 10000. */
  sendTimeoutMs?: number;
  /** Milliseconds to wait for a registration, retries included; default 10000. */
  registerTimeoutMs?: number;
  /** Tries when the connection cannot be made at all (nothing sent); default 3. */
  connectAttempts?: number;
  /** Pause before the first such retry, doubled after each; default 300 ms. */
  retryDelayMs?: number;
  /** Where the raw exchanges go, at debug level (secrets masked); default: nowhere. */
  logger?: Logger;
  /** How logs name the service: default "BotDistrikt"; the demo bot says so. */
  serviceName?: string;
  /** The JSON shape of a sent message (wire.ts MESSAGE_SHAPES); default 'text'. */
  messageShape?: MessageShape;
  /** Called with every request and its answer, unmasked (for `botduino probe`). */
  onExchange?: (ex: RawExchange) => void;
  /** The clock the timeouts and retry pauses run on; default the system's. */
  clock?: Clock;
}

/** One HTTP exchange as sent and received; `error` when no answer came. */
export interface RawExchange {
  request: { method: string; url: string; headers: Record<string, string>; body: unknown };
  response?: { status: number; headers: Record<string, string>; body: string };
  error?: string;
}

/** The User-Agent of every request. */
export const USER_AGENT = `botduino/${packageVersion}`;

export interface SendResult {
  replies: BotReply[];
  /** The response body as received (parsed JSON, or null when empty). */
  raw: unknown;
  /** The user the message was sent as: a new object when it had to be registered again. */
  user: BotUser;
  /** True when BotDistrikt had forgotten the user and it was registered again. */
  reregistered: boolean;
}

export interface SendOptions {
  /** After a 401/404, register the user again once and resend once; default true. */
  reregister?: boolean;
  /** Send in this message shape instead of the configured one (probe). */
  shape?: MessageShape;
}

interface Exchange {
  status: number;
  contentType: string;
  text: string;
}

export class BotDistriktClient {
  readonly appId: string;
  readonly domain: string;
  readonly baseUrl: string;
  private readonly sendTimeoutMs: number;
  private readonly registerTimeoutMs: number;
  private readonly connectAttempts: number;
  private readonly retryDelayMs: number;
  private readonly log: Logger;
  readonly messageShape: MessageShape;
  readonly serviceName: string;
  private readonly onExchange?: (ex: RawExchange) => void;
  private readonly clock: Clock;
  /** The host of baseUrl, for messages. */
  private host: string | undefined;
  /** The parsed request URLs (two: registrations and messages), parsed once. */
  private readonly urls = new Map<string, URL>();

  constructor(opts: ClientOptions) {
    this.appId = String(opts.appId);
    this.domain = opts.domain;
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 10_000;
    this.registerTimeoutMs = opts.registerTimeoutMs ?? 10_000;
    this.connectAttempts = Math.max(1, opts.connectAttempts ?? 3);
    this.retryDelayMs = opts.retryDelayMs ?? 300;
    this.log = opts.logger ?? silentLogger;
    this.messageShape = opts.messageShape ?? DEFAULT_MESSAGE_SHAPE;
    this.onExchange = opts.onExchange;
    this.serviceName = opts.serviceName ?? 'BotDistrikt';
    this.clock = opts.clock ?? systemClock;
    addSecret(this.domain);
  }

  /** Registers (or re-registers) a user; returns the bot_user as BotDistrikt returned it. */
  async registerUser(args: { webchatId: string; user?: Record<string, unknown> }): Promise<BotUser> {
    addSecret(args.webchatId);
    const body: RegisterBody = { domain: this.domain, webchat_id: args.webchatId };
    if (args.user) body.user = args.user;
    const ctx = this.context("Registering the device's BotDistrikt user", this.registerTimeoutMs);
    const ex = await this.post(registerPath(this.appId), body, {}, ctx);
    // An empty 2xx answer: assume the id we asked for was kept.
    const raw = ex.text.trim() === '' ? {} : parseJson(ex.text);
    if (raw === undefined) throw unreadableAnswer(ctx, ex.status, ex.contentType, ex.text);
    const user = findBotUser(raw, args.webchatId);
    if (!user) throw unreadableAnswer(ctx, ex.status, ex.contentType, ex.text);
    addSecret(user.webchat_id);
    return user;
  }

  /** Sends typed text or a chosen option as `user`; returns the bot's replies. */
  async sendMessage(user: BotUser, message: Outgoing, opts: SendOptions = {}): Promise<SendResult> {
    addSecret(user.webchat_id);
    const shape = opts.shape ?? this.messageShape;
    try {
      return { ...(await this.sendOnce(user, message, shape)), user, reregistered: false };
    } catch (err) {
      const forgotten = err instanceof ApiError && (err.status === 401 || err.status === 404);
      if (!forgotten || opts.reregister === false) throw err;
      this.log.info(`${this.serviceName} answered ${(err as ApiError).status} for a known user; registering it again once`);
      const { webchat_id, ...rest } = user;
      let fresh: BotUser;
      try {
        fresh = await this.registerUser({ webchatId: webchat_id, user: keepProfile(rest) });
      } catch (regErr) {
        // The message itself was refused, so it surely was not sent.
        const why = regErr instanceof Error ? regErr.message : String(regErr);
        throw new ApiError(`BotDistrikt no longer knew this device's user, and ${lowerFirst(why)}`, (regErr as ApiError).status, true, {
          cause: regErr,
        });
      }
      return { ...(await this.sendOnce(fresh, message, shape)), user: fresh, reregistered: true };
    }
  }

  private async sendOnce(user: BotUser, message: Outgoing, shape: MessageShape): Promise<{ replies: BotReply[]; raw: unknown }> {
    const body: SendBody = { domain: this.domain, user, message: toBotUserMessage(message, shape) };
    const ctx = this.context('Sending your message', this.sendTimeoutMs);
    const ex = await this.post(messagePath(this.appId), body, { authorization: user.webchat_id }, ctx);
    const raw = ex.text.trim() === '' ? null : parseJson(ex.text);
    if (raw === undefined) throw unreadableAnswer(ctx, ex.status, ex.contentType, ex.text);
    return { replies: parseReplies(raw), raw };
  }

  private urlOf(url: string): URL {
    let u = this.urls.get(url);
    if (!u) this.urls.set(url, (u = new URL(url)));
    return u;
  }

  private context(what: string, timeoutMs: number): Context {
    return { what, host: (this.host ??= safeHost(this.baseUrl)), timeoutMs };
  }

  /** One POST, retried only while the connection could not be made at all. */
  private async post(path: string, json: unknown, headers: Record<string, string>, ctx: Context): Promise<Exchange> {
    const timeout = new AbortController();
    const timer = this.clock.setTimeout(
      () => timeout.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      ctx.timeoutMs,
    );
    try {
      return await this.postUntil(path, json, headers, ctx, timeout.signal);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  private async postUntil(
    path: string,
    json: unknown,
    headers: Record<string, string>,
    ctx: Context,
    signal: AbortSignal,
  ): Promise<Exchange> {
    const url = `${this.baseUrl}/${path}`;
    const body = JSON.stringify(json);
    this.log.debug(`→ POST ${url} ${body}`);
    const allHeaders = { accept: 'application/json', 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers };
    const request = { method: 'POST', url, headers: allHeaders, body: json };
    for (let attempt = 1; ; attempt++) {
      const tracker: SendTracker = { mayHaveSent: false };
      try {
        const res = await postJson(this.urlOf(url), body, allHeaders, signal, tracker);
        const { text, contentType } = res;
        this.log.debug(`← ${res.status} ${url} ${text}`);
        this.onExchange?.({ request, response: { status: res.status, headers: res.headers, body: text } });
        if (res.status < 200 || res.status > 299) throw httpError(ctx, res.status, contentType, text);
        return { status: res.status, contentType, text };
      } catch (err) {
        if (err instanceof ApiError) throw err;
        this.onExchange?.({ request, error: err instanceof Error ? err.message : String(err) });
        const retryable = !tracker.mayHaveSent && isConnectFailure(err) && attempt < this.connectAttempts;
        this.log.debug(`✗ POST ${url}: ${err instanceof Error ? err.message : String(err)}${retryable ? ' (nothing sent; retrying)' : ''}`);
        if (!retryable || signal.aborted) throw networkError(ctx, signal.aborted ? signal.reason : err, tracker.mayHaveSent);
        try {
          await sleep(this.clock, this.retryDelayMs * 2 ** (attempt - 1), signal);
        } catch {
          throw networkError(ctx, signal.reason, false);
        }
      }
    }
  }
}

/** Keeps the profile fields worth sending back at re-registration (names), nothing volatile. */
function keepProfile(rest: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of ['first_name', 'last_name']) if (typeof rest[k] === 'string' && rest[k]) out[k] = rest[k];
  return Object.keys(out).length ? out : undefined;
}

function findBotUser(raw: unknown, requested: string): BotUser | undefined {
  const candidates = [raw];
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    candidates.push(o.data, o.user, o.bot_user, o.result);
  }
  for (const c of candidates) {
    const parsed = BotUserSchema.safeParse(c);
    if (parsed.success) return parsed.data;
  }
  // An object without webchat_id: assume the id we asked for was kept.
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as object), webchat_id: requested };
  return undefined;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
