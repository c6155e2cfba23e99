/**
 * The event-webhook receiver: BotDistrikt POSTs here what a live agent or a
 * broadcast sends to a user, and botduino shows it on the user's device.
 *
 *   const hook = await startWebhook({ port: 8787, state });
 *   hook.on('push', ({ webchatId, source, replies }) => …);
 *   console.log(hook.url);  // put this URL on the Website Integration page
 *
 * Nothing says BotDistrikt signs its webhook calls, so the endpoint is
 * protected by an unguessable path (/botduino/<secret>), and hardened:
 * wrong path → 404 without detail; only POST (405); bodies over maxBody →
 * 413; unreadable bodies → 400 with a short reason; duplicates dropped;
 * header/request timeouts; bounded memory. A well-formed push is answered
 * 200 at once, before any handler runs. A push for a user botduino does not
 * know is answered 200 too (so the platform does not retry it forever) and
 * logged as a warning.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addSecret, silentLogger, type Logger } from '../log.js';
import { parseReplies } from './parse.js';
import type { BotReply, PushSource } from '../chat/replies.js';
import type { StateFile } from './state.js';

export interface WebhookOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** TCP port; default 8787 (0 picks a free one). */
  port?: number;
  /** The path secret; default: kept in `state` (generated on first start), or a new one each start without state. */
  secret?: string;
  /** Where a generated secret is kept; default: nowhere. */
  state?: StateFile;
  /** Largest body in bytes; default 65536. */
  maxBody?: number;
  /** Emit pushes marked X-BotDistrikt-Source: bot; default false. */
  showBotMessages?: boolean;
  /** Which device a webchat_id belongs to; pushes for unknown users are logged and dropped. Default: every user is known. */
  findDevice?: (webchatId: string) => string | undefined | Promise<string | undefined>;
  /** How long a delivered push is remembered to drop its duplicates; default 10 minutes. */
  dedupeWindowMs?: number;
  /** How many delivered pushes are remembered at most; default 1000. */
  dedupeMax?: number;
  /** Default: silent. */
  logger?: Logger;
}

export interface Push {
  webchatId: string;
  /** The device, when findDevice was given. */
  deviceId?: string;
  source: PushSource;
  /** X-BotDistrikt-Source-Id: the team member's or the broadcast's id. */
  sourceId?: string;
  replies: BotReply[];
  raw: unknown;
}

export interface WebhookEvents {
  push: [Push];
}

export interface Webhook extends EventEmitter<WebhookEvents> {
  /** The full URL to put on BotDistrikt's Website Integration page (with the local host and port). */
  readonly url: string;
  /** The path, /botduino/<secret>. */
  readonly path: string;
  readonly port: number;
  close(): Promise<void>;
}

const USER_PATHS = [
  ['webchat_id'],
  ['webchatId'],
  ['user', 'webchat_id'],
  ['bot_user', 'webchat_id'],
  ['recipient', 'webchat_id'],
  ['recipient', 'id'],
  ['user_id'],
  ['userId'],
  ['data', 'webchat_id'],
  ['data', 'user', 'webchat_id'],
  ['message', 'webchat_id'],
  ['user'],
  ['recipient'],
];
const ID_PATHS = [['message_id'], ['mid'], ['id'], ['message', 'id'], ['message', 'mid'], ['data', 'id']];

/** A new path secret: 24 random bytes, base64url. */
export function newWebhookSecret(): string {
  return randomBytes(24).toString('base64url');
}

export async function startWebhook(opts: WebhookOptions = {}): Promise<Webhook> {
  const log = opts.logger ?? silentLogger;
  const maxBody = opts.maxBody ?? 64 * 1024;
  const secret = await resolveSecret(opts);
  addSecret(secret);
  const hookPath = `/botduino/${secret}`;
  const seen = new Seen(opts.dedupeMax ?? 1000, opts.dedupeWindowMs ?? 10 * 60_000);
  const emitter = new EventEmitter<WebhookEvents>();

  const server = http.createServer({
    headersTimeout: 10_000,
    requestTimeout: 15_000,
    maxHeaderSize: 16 * 1024,
    keepAliveTimeout: 5_000,
  });
  server.maxConnections = 128;
  server.maxRequestsPerSocket = 100;

  server.on('request', (req, res) => {
    const answer = (status: number, body?: string) => {
      if (res.headersSent) return;
      const text = body === undefined ? '' : JSON.stringify(status < 300 ? { ok: true } : { error: body });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status >= 400 ? { connection: 'close' } : {}) });
      res.end(text);
    };
    const pathOnly = (req.url ?? '').split('?')[0];
    if (pathOnly !== hookPath) {
      answer(404, 'not found');
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(405, 'only POST');
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) {
      answer(413, `body larger than ${maxBody} bytes`);
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBody) {
        over = true;
        answer(413, `body larger than ${maxBody} bytes`);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (over) return;
      const raw = Buffer.concat(chunks);
      const parsed = parseBody(raw.toString('utf8'), String(req.headers['content-type'] ?? ''));
      if (!parsed.ok) {
        log.debug(`webhook: refused a push (${parsed.reason})`);
        return answer(400, parsed.reason);
      }
      const webchatId = findString(parsed.body, USER_PATHS);
      if (!webchatId) {
        log.warn('webhook: a push without a webchat_id was refused; run with --verbose to see its body');
        log.debug(`webhook: ${raw.toString('utf8').slice(0, 2000)}`);
        return answer(400, 'no webchat_id in the body');
      }
      addSecret(webchatId);
      const header = String(req.headers['x-botdistrikt-source'] ?? '').toLowerCase().trim();
      const sourceId = headerValue(req.headers['x-botdistrikt-source-id']);
      const key = `${webchatId}|${findString(parsed.body, ID_PATHS) ?? createHash('sha256').update(raw).digest('hex')}|${header}`;
      if (seen.has(key)) {
        log.debug('webhook: dropped a duplicate push');
        return answer(200, '');
      }
      seen.add(key);
      answer(200, '');
      // Answered: now the work, off the request's path.
      setImmediate(() => void deliver(parsed.body, webchatId, header, sourceId));
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  async function deliver(body: unknown, webchatId: string, header: string, sourceId: string | undefined) {
    try {
      let source: PushSource;
      if (header === 'human' || header === 'broadcast' || header === 'bot') source = header;
      else {
        log.warn(`webhook: a push with ${header ? `an unknown X-BotDistrikt-Source "${header.slice(0, 20)}"` : 'no X-BotDistrikt-Source'}; shown like a live agent's message`);
        source = 'human';
      }
      if (source === 'bot' && !opts.showBotMessages) {
        log.debug('webhook: ignored a bot push (the send response already showed it)');
        return;
      }
      let deviceId: string | undefined;
      if (opts.findDevice) {
        deviceId = await opts.findDevice(webchatId);
        if (!deviceId) {
          log.warn(`webhook: a push for user ${webchatId}, which no device of this bridge has; dropped`);
          return;
        }
      }
      const push: Push = { webchatId, source, replies: parseReplies(body), raw: body };
      if (sourceId) push.sourceId = sourceId;
      if (deviceId) push.deviceId = deviceId;
      log.debug(`webhook: ${source} push for ${webchatId}: ${JSON.stringify(body)}`);
      emitter.emit('push', push);
    } catch (err) {
      log.error(`webhook: a push handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error(`webhook: ${err.message}`));
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return Object.assign(emitter, {
    url: `http://${host}:${addr.port}${hookPath}`,
    path: hookPath,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

async function resolveSecret(opts: WebhookOptions): Promise<string> {
  if (opts.secret) return opts.secret;
  if (!opts.state) return newWebhookSecret();
  return opts.state.update((s) => {
    if (!s.webhook?.secret) s.webhook = { ...s.webhook, secret: newWebhookSecret() };
    return s.webhook.secret!;
  });
}

type Parsed = { ok: true; body: unknown } | { ok: false; reason: string };

/** JSON or form-encoded (the platform accepts both); form fields holding JSON are decoded too. */
function parseBody(text: string, contentType: string): Parsed {
  if (!text.trim()) return { ok: false, reason: 'empty body' };
  const isForm = /application\/x-www-form-urlencoded/i.test(contentType);
  if (!isForm) {
    try {
      const body = JSON.parse(text);
      if (typeof body !== 'object' || body === null) return { ok: false, reason: 'the body is not a JSON object' };
      return { ok: true, body };
    } catch {
      if (/json/i.test(contentType)) return { ok: false, reason: 'the body is not valid JSON' };
    }
  }
  if (!/^[^=&\s]+=/.test(text)) return { ok: false, reason: 'the body is neither JSON nor form data' };
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    let value: unknown = v;
    if (/^\s*[[{]/.test(v)) {
      try {
        value = JSON.parse(v);
      } catch {
        value = v;
      }
    }
    setPath(out, k, value);
  }
  return { ok: true, body: out };
}

/** Form keys like user[webchat_id] become nested objects. */
function setPath(obj: Record<string, unknown>, key: string, value: unknown) {
  const parts = key.split(/[[\]]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > 6 || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) return;
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function findString(body: unknown, paths: string[][]): string | undefined {
  for (const p of paths) {
    let cur: unknown = body;
    for (const k of p) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>)[k] : undefined;
    if (typeof cur === 'string' && cur.length > 0 && cur.length <= 200) return cur;
    if (typeof cur === 'number') return String(cur);
  }
  return undefined;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.slice(0, 100) : undefined;
}

/** A bounded memory of delivered pushes, forgetting the oldest first and anything older than the window. */
class Seen {
  private readonly map = new Map<string, number>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  has(key: string): boolean {
    const t = this.map.get(key);
    if (t === undefined) return false;
    if (Date.now() - t > this.windowMs) {
      this.map.delete(key);
      return false;
    }
    return true;
  }
  add(key: string): void {
    this.map.delete(key);
    this.map.set(key, Date.now());
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
