/**
 * The event-webhook receiver: BotDistrikt POSTs here what a live agent or a
 * broadcast sends to a user, and botduino shows it on the user's device.
 *
 * Over 400 lines: one request's path through the receiver — path secret,
 * method, source header, size and time limits, connection caps, body
 * parsing, duplicates — reads top to bottom as the request meets it; its
 * checks share the receiver's counters and caps.
 *
 *   const hook = await startWebhook({ port: 8787, state });
 *   hook.on('push', ({ webchatId, source, replies }) => …);
 *   console.log(hook.url);  // put this URL on the Website Integration page
 *
 * Nothing says BotDistrikt signs its webhook calls, so the endpoint is
 * protected by an unguessable path (/botduino/<secret>), and hardened:
 * wrong path → 404 without detail (compared in constant time); only POST
 * (405); a missing or unknown X-BotDistrikt-Source → 400 (counted); bodies
 * over maxBody → 413; slow requests → 408, both delivered before the
 * connection closes; unreadable bodies → 400 with a short reason;
 * duplicates dropped by message id; header, request and idle timeouts
 * enforced within a second; caps per address and in total that close idle
 * connections first; bounded memory. A well-formed push is answered
 * 200 at once, before any handler runs. A push for a user botduino does not
 * know is answered 200 too (so the platform does not retry it forever) and
 * logged as a warning.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { addSecret, maskValue, silentLogger, type Logger } from '../log.js';
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
  /** A request's headers must arrive within this; default 5000 ms. */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this, else 408; default 10000 ms. */
  requestTimeoutMs?: number;
  /** An idle connection is closed after this; default 5000 ms. */
  idleTimeoutMs?: number;
  /** Open connections at most (the oldest idle one is closed to make room); default 1024. */
  maxConnections?: number;
  /** Open connections per remote address at most (same rule); default 256. */
  maxPerAddress?: number;
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
  /** The message id the body names (message_id, mid, id…), when it names one. */
  messageId?: string;
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
  /** What was accepted and refused, for logs and tests. */
  readonly stats: WebhookStats;
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

export interface WebhookStats {
  /** Pushes answered 200 and handed on. */
  accepted: number;
  /** Requests refused for a missing or unknown X-BotDistrikt-Source. */
  refusedSource: number;
  /** Pushes dropped because their message id was seen before. */
  duplicates: number;
  /** Connections closed to make room (idle or slow ones, oldest first). */
  evicted: number;
}

/** The three values BotDistrikt's documentation defines for X-BotDistrikt-Source. */
const SOURCES = new Set<PushSource>(['human', 'broadcast', 'bot']);

export async function startWebhook(opts: WebhookOptions = {}): Promise<Webhook> {
  const log = opts.logger ?? silentLogger;
  const maxBody = opts.maxBody ?? 64 * 1024;
  const secret = await resolveSecret(opts);
  addSecret(secret);
  const hookPath = `/botduino/${secret}`;
  const hookDigest = createHash('sha256').update(hookPath).digest();
  const seen = new Seen(opts.dedupeMax ?? 1000, opts.dedupeWindowMs ?? 10 * 60_000);
  const emitter = new EventEmitter<WebhookEvents>();
  const stats: WebhookStats = { accepted: 0, refusedSource: 0, duplicates: 0, evicted: 0 };
  const headersTimeout = opts.headersTimeoutMs ?? 5_000;
  const requestTimeout = Math.max(opts.requestTimeoutMs ?? 10_000, headersTimeout);
  const maxConnections = opts.maxConnections ?? 1024;
  const maxPerAddress = opts.maxPerAddress ?? 256;

  const server = http.createServer({
    headersTimeout,
    requestTimeout,
    // Node checks the two timeouts above only this often (30 s by default).
    connectionsCheckingInterval: 250,
    maxHeaderSize: 16 * 1024,
    keepAliveTimeout: opts.idleTimeoutMs ?? 5_000,
  });
  server.maxRequestsPerSocket = 100;

  // Caps in total and per remote address. A new connection over a cap makes
  // room by closing the oldest connection that has sent no request yet (or,
  // failing that, the oldest one): idle or slow connections never lock a
  // genuine push out.
  const open = new Map<Socket, { addr: string; busy: boolean }>();
  const perAddr = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '?';
    const evict = (pick: (info: { addr: string; busy: boolean }) => boolean) => {
      let victim: Socket | undefined;
      for (const [s, info] of open)
        if (pick(info) && !info.busy) {
          victim = s;
          break;
        }
      if (!victim)
        for (const [s, info] of open)
          if (pick(info)) {
            victim = s;
            break;
          }
      if (!victim) return;
      stats.evicted++;
      forget(victim);
      victim.destroy();
    };
    if (open.size >= maxConnections) evict(() => true);
    if ((perAddr.get(addr) ?? 0) >= maxPerAddress) evict((i) => i.addr === addr);
    open.set(socket, { addr, busy: false });
    perAddr.set(addr, (perAddr.get(addr) ?? 0) + 1);
    socket.setTimeout(opts.idleTimeoutMs ?? 5_000, () => socket.destroy());
    socket.once('close', () => forget(socket));
  });
  function forget(socket: Socket) {
    const info = open.get(socket);
    if (!info) return;
    open.delete(socket);
    const n = (perAddr.get(info.addr) ?? 1) - 1;
    if (n <= 0) perAddr.delete(info.addr);
    else perAddr.set(info.addr, n);
  }

  server.on('request', (req, res) => {
    const conn = open.get(req.socket);
    if (conn) conn.busy = true;
    res.on('finish', () => {
      if (conn) conn.busy = false;
    });
    const answer = (status: number, body?: string) => {
      if (res.headersSent) return;
      const text = body === undefined ? '' : JSON.stringify(status < 300 ? { ok: true } : { error: body });
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...(status >= 400 ? { connection: 'close' } : {}),
      });
      res.end(text);
    };
    /**
     * Refuses without reading the body: the answer is written at once, the
     * rest of the body is read and dropped for up to a second, then the
     * connection closes. (Closing with unread data would reset the
     * connection, and the client would usually never see the answer.)
     */
    const refuse = (status: number, reason: string, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      const text = JSON.stringify({ error: reason });
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        connection: 'close',
        ...extra,
      });
      res.write(text);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        res.end();
      };
      const timer = setTimeout(finish, 1_000);
      timer.unref();
      req.on('end', finish);
      req.on('close', finish);
      req.on('error', finish);
      req.resume();
    };
    const pathOnly = (req.url ?? '').split('?')[0] ?? '';
    if (!timingSafeEqual(createHash('sha256').update(pathOnly).digest(), hookDigest)) return refuse(404, 'not found');
    if (req.method !== 'POST') return refuse(405, 'only POST', { allow: 'POST' });
    const header = String(req.headers['x-botdistrikt-source'] ?? '')
      .toLowerCase()
      .trim();
    if (!SOURCES.has(header as PushSource)) {
      stats.refusedSource++;
      log.debug(
        `webhook: refused a request with ${header ? `an unknown X-BotDistrikt-Source "${header.slice(0, 20)}"` : 'no X-BotDistrikt-Source'}`,
      );
      return refuse(400, 'X-BotDistrikt-Source must be human, broadcast or bot');
    }
    const source = header as PushSource;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) return refuse(413, `body larger than ${maxBody} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBody) {
        over = true;
        chunks.length = 0;
        refuse(413, `body larger than ${maxBody} bytes`);
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
      const sourceId = headerValue(req.headers['x-botdistrikt-source-id']);
      // Duplicates are told only by an explicit message id: the same text
      // sent twice is two messages.
      const messageId = findString(parsed.body, ID_PATHS);
      if (messageId !== undefined) {
        const key = `${webchatId}|${messageId}|${source}`;
        if (seen.has(key)) {
          stats.duplicates++;
          log.debug('webhook: dropped a duplicate push');
          return answer(200, '');
        }
        seen.add(key);
      }
      stats.accepted++;
      answer(200, '');
      // Answered: now the work, off the request's path.
      setImmediate(() => void deliver(parsed.body, webchatId, source, sourceId, messageId));
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
    // The client has a second to read the answer; then the connection goes.
    setTimeout(() => socket.destroy(), 1_000).unref();
  });

  async function deliver(
    body: unknown,
    webchatId: string,
    source: PushSource,
    sourceId: string | undefined,
    messageId: string | undefined,
  ) {
    try {
      if (source === 'bot' && !opts.showBotMessages) {
        log.debug('webhook: ignored a bot push (the send response already showed it)');
        return;
      }
      let deviceId: string | undefined;
      if (opts.findDevice) {
        deviceId = await opts.findDevice(webchatId);
        if (!deviceId) {
          log.warn(`webhook: a push for user ${maskValue(webchatId)}, which no device of this bridge has; dropped`);
          return;
        }
      }
      const push: Push = { webchatId, source, replies: parseReplies(body), raw: body };
      if (sourceId) push.sourceId = sourceId;
      if (messageId) push.messageId = messageId;
      if (deviceId) push.deviceId = deviceId;
      log.debug(`webhook: ${source} push for ${maskValue(webchatId)}: ${JSON.stringify(body).split(webchatId).join(maskValue(webchatId))}`);
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
    stats,
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
