/**
 * A local stand-in for BotDistrikt's "Other Channels" API: a real HTTP
 * server speaking the documented endpoints, with LoopBack-style errors, a
 * small scripted demo bot, pushes to a webhook, and injectable failures.
 * Tests talk to it over real HTTP; `botduino simulate` runs the demo on it.
 *
 *   const bd = await startStandIn({ appId: '42', domain: 'https://k3j9x0a1qz.example.org' });
 *   const client = new BotDistriktClient({ appId: '42', domain, baseUrl: bd.baseUrl });
 *   bd.inject({ kind: 'status', status: 503 }, { times: 2 });
 *   await bd.close();
 *
 * The demo bot: "hi"/"hello"/"menu" → a greeting with quick replies
 * (Weather, Joke, Talk to a human); Weather → a long reply with accented
 * characters; Joke → a joke with buttons; Talk to a human → a push from a
 * live agent after pushDelayMs; "picture" → an image; "cards" → a card
 * carousel; anything else is echoed.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PushSource } from '../chat/replies.js';
import { systemClock, type Clock } from '../clock.js';

export interface StandInOptions {
  /** Port; default 0 (a free one). */
  port?: number;
  /** Interface; default 127.0.0.1. */
  host?: string;
  /** The webchat_app_id it answers to; default "1". */
  appId?: string;
  /** The custom domain it expects; default https://k3j9x0a1qz.botduino-demo.net. */
  domain?: string;
  /** Where pushes go (the bridge's webhook URL); default: none, pushes are only recorded. */
  webhookUrl?: string;
  /** Delay before the live agent answers "Talk to a human"; default 3000 ms. */
  pushDelayMs?: number;
  /** The clock the live agent's delay runs on (a simulated board's, in `botduino simulate`); default the system's. */
  clock?: Clock;
  /**
   * Treat a webchat_id it has not seen as registered (default false). The
   * demo bot keeps no users between runs while the state file does; with
   * this a second `botduino simulate` goes on with the same user, quietly.
   */
  registerOnSight?: boolean;
}

/** A failure to inject into the next request(s). */
export type Fault =
  /** Answer this status (LoopBack body unless `body` is given) without processing the request. */
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  /** Process the request, then wait `ms` before answering. */
  | { kind: 'slow'; ms: number }
  /** Close the connection without answering; `processed`: the bot saw the message first. */
  | { kind: 'drop'; processed: boolean };

export interface InjectOptions {
  /** How many requests it applies to; default 1. */
  times?: number;
  /** Which endpoint; default 'message'. */
  endpoint?: 'user' | 'message' | 'any';
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** True when the bot processed it (a message it answered or registered). */
  processed: boolean;
  status?: number;
}

export interface RecordedPush {
  webchatId: string;
  source: PushSource;
  body: unknown;
  status?: number;
  error?: string;
}

export interface StandIn {
  /** The API base URL, e.g. http://127.0.0.1:41234/api. */
  readonly baseUrl: string;
  readonly appId: string;
  readonly domain: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Every push attempted, in order. */
  readonly pushes: RecordedPush[];
  /** The texts of the messages the bot processed, in order (for exactly-once checks). */
  processedMessages(): string[];
  /** Registered users by webchat_id. */
  readonly users: Map<string, Record<string, unknown>>;
  /** Forgets a user, as if its session and record were gone (the next send gets 401). */
  forgetUser(webchatId: string): void;
  inject(fault: Fault, opts?: InjectOptions): void;
  /** Stops accepting connections (clients get "connection refused") until accept(). */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  /** Sets where pushes go. */
  setWebhookUrl(url: string | undefined): void;
  /** Pushes replies (wire objects or plain texts) to a user via the webhook, as BotDistrikt does. */
  push(webchatId: string, replies: unknown[] | string, source?: PushSource, sourceId?: string): Promise<RecordedPush>;
  /** Resolves when every scheduled push (e.g. the live agent's) has been attempted. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
const loopBack = (statusCode: number, message: string, code: string) =>
  JSON.stringify({ error: { statusCode, name: 'Error', message, code } });

export async function startStandIn(opts: StandInOptions = {}): Promise<StandIn> {
  const appId = String(opts.appId ?? '1');
  const domain = opts.domain ?? 'https://k3j9x0a1qz.botduino-demo.net';
  const pushDelayMs = opts.pushDelayMs ?? 3000;
  let webhookUrl = opts.webhookUrl;
  const requests: RecordedRequest[] = [];
  const pushes: RecordedPush[] = [];
  const users = new Map<string, Obj>();
  const faults: { fault: Fault; endpoint: 'user' | 'message' | 'any' }[] = [];
  const pending = new Set<Promise<unknown>>();
  const clock = opts.clock ?? systemClock;
  const timers = new Set<unknown>();
  const sockets = new Set<Socket>();
  let guestNo = 51000;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, text: string) {
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: undefined, processed: false };
    requests.push(rec);
    const send = (status: number, body: string, type = 'application/json; charset=utf-8') => {
      rec.status = status;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    let body: Obj = {};
    try {
      body = text
        ? /x-www-form-urlencoded/.test(String(req.headers['content-type']))
          ? Object.fromEntries(new URLSearchParams(text))
          : JSON.parse(text)
        : {};
      rec.body = body;
    } catch {
      rec.body = text;
      return send(400, loopBack(400, 'Malformed JSON in the request body', 'MALFORMED_JSON'));
    }
    const m = /^\/api\/webchat_apps\/([^/]+)\/(user|message)\/?(?:\?.*)?$/.exec(req.url ?? '');
    if (!m) return send(404, loopBack(404, `There is no method to handle ${req.method} ${req.url}`, 'NOT_FOUND'));
    const endpoint = m[2] as 'user' | 'message';
    if (req.method !== 'POST') return send(404, loopBack(404, `There is no method to handle ${req.method} ${req.url}`, 'NOT_FOUND'));

    const fi = faults.findIndex((f) => f.endpoint === 'any' || f.endpoint === endpoint);
    const fault = fi >= 0 ? faults.splice(fi, 1)[0]!.fault : undefined;
    if (fault?.kind === 'status') {
      return send(fault.status, fault.body ?? loopBack(fault.status, 'Injected failure', 'INJECTED'), fault.contentType);
    }
    if (fault?.kind === 'drop' && !fault.processed) return void req.socket.destroy();

    if (decodeURIComponent(m[1]!) !== appId) return send(404, loopBack(404, `Unknown "WebchatApp" id "${m[1]}".`, 'MODEL_NOT_FOUND'));
    if (body.domain !== domain) return send(401, loopBack(401, 'The domain is not allowed for this app', 'INVALID_DOMAIN'));

    const status = 200;
    let answer: unknown;
    if (endpoint === 'user') {
      const id = typeof body.webchat_id === 'string' && body.webchat_id ? body.webchat_id : `webchat.${randomBytes(3).toString('hex')}`;
      const extra = typeof body.user === 'object' && body.user ? (body.user as Obj) : {};
      const user = {
        webchat_id: id,
        first_name: `Webchat Guest ${guestNo++}`,
        last_name: '',
        active: true,
        is_group: false,
        channel: 'web',
        last_message_at: new Date().toISOString(),
        ...extra,
      };
      users.set(id, user);
      rec.processed = true;
      answer = user;
    } else {
      const auth = req.headers.authorization;
      if (!auth) return send(401, loopBack(401, 'Authorization Required', 'AUTHORIZATION_REQUIRED'));
      if (!users.has(auth) && opts.registerOnSight) users.set(auth, { webchat_id: auth, first_name: 'Webchat Guest', channel: 'web' });
      if (!users.has(auth)) return send(401, loopBack(401, 'Authorization Required', 'INVALID_TOKEN'));
      const message = (typeof body.message === 'object' && body.message ? body.message : { text: body.message }) as Obj;
      rec.processed = true;
      answer = { responses: bot(auth, String(message.text ?? ''), typeof message.payload === 'string' ? message.payload : undefined) };
    }
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'slow') await wait(fault.ms);
    if (!res.destroyed) send(status, JSON.stringify(answer));
  }

  /** The demo bot: one message in, the responses out. */
  function bot(webchatId: string, text: string, payload?: string): unknown[] {
    const key = (payload ?? text).trim().toLowerCase();
    const menu = [
      { content_type: 'text', title: 'Weather', payload: 'WEATHER' },
      { content_type: 'text', title: 'Joke', payload: 'JOKE' },
      { content_type: 'text', title: 'Talk to a human', payload: 'HUMAN' },
    ];
    if (['hi', 'hello', 'hey', 'menu', 'start'].includes(key)) {
      return [{ type: 'text', text: 'Hello! I am the botduino demo bot. What would you like?', quick_replies: menu }];
    }
    if (key === 'weather') {
      return [
        {
          type: 'text',
          text:
            'Weather for Zürich: 21 °C and sunny, light wind from the south-west. Tomorrow (mañana, as they say in ' +
            'Señor Núñez’s café): 18 °C with showers. Straße am See is closed for the fête; the ferry costs €4.50. ' +
            'Crème brûlée is still served on the terrace.',
          quick_replies: [{ content_type: 'text', title: '❮', payload: 'MENU' }],
        },
      ];
    }
    if (key === 'joke') {
      return [
        {
          type: 'text',
          text: 'Why did the LCD break up with the keypad? It felt pressed all the time.',
          buttons: [
            { type: 'postback', title: 'Another one', payload: 'JOKE' },
            { type: 'web_url', title: 'More jokes', url: 'https://example.org/jokes' },
          ],
        },
      ];
    }
    if (key === 'human' || key === 'talk to a human') {
      schedule(webchatId);
      return [{ type: 'text', text: 'Connecting you to a person. Someone will answer here in a moment…' }];
    }
    if (key === 'picture')
      return [
        { type: 'image', url: 'https://example.org/cat.jpg' },
        { type: 'text', text: 'A cat.' },
      ];
    if (key === 'cards') {
      return [
        {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              elements: [
                { title: 'Uno kit', subtitle: '16×2 LCD, 5 buttons', buttons: [{ type: 'postback', title: 'Pick', payload: 'KIT_UNO' }] },
                { title: 'Mega kit', subtitle: '20×4 LCD, keypad', buttons: [{ type: 'postback', title: 'Pick', payload: 'KIT_MEGA' }] },
              ],
            },
          },
        },
      ];
    }
    return [{ type: 'text', text: `You said: ${text}` }];
  }

  function schedule(webchatId: string) {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      track(api.push(webchatId, [{ type: 'text', text: 'Hi, this is Ana from the team. How can I help you today?' }], 'human', 'agent-7'));
    }, pushDelayMs);
    timers.add(t);
  }

  function track(p: Promise<unknown>) {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const addr = server.address() as AddressInfo;
  const port = addr.port;
  const host = opts.host ?? '127.0.0.1';

  const api: StandIn = {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}/api`,
    appId,
    domain,
    requests,
    pushes,
    users,
    processedMessages: () =>
      requests
        .filter((r) => r.processed && /\/message\/?$/.test(r.path))
        .map((r) => String(((r.body as Obj).message as Obj | undefined)?.text ?? (r.body as Obj).message)),
    forgetUser: (id) => void users.delete(id),
    inject: (fault, o = {}) => {
      for (let i = 0; i < (o.times ?? 1); i++) faults.push({ fault, endpoint: o.endpoint ?? 'message' });
    },
    refuse: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    accept: () => listen(server, port, host),
    setWebhookUrl: (url) => void (webhookUrl = url),
    push: async (webchatId, replies, source = 'human', sourceId) => {
      const list = typeof replies === 'string' ? [{ type: 'text', text: replies }] : replies;
      const body = { webchat_id: webchatId, user: { webchat_id: webchatId }, responses: list, id: `msg-${randomBytes(6).toString('hex')}` };
      const rec: RecordedPush = { webchatId, source, body };
      pushes.push(rec);
      if (!webhookUrl) return rec;
      try {
        const res = await fetch(webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-botdistrikt-source': source,
            ...(sourceId ? { 'x-botdistrikt-source-id': sourceId } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        rec.status = res.status;
        await res.arrayBuffer();
      } catch (err) {
        rec.error = err instanceof Error ? err.message : String(err);
      }
      return rec;
    },
    settled: async () => {
      while (timers.size || pending.size) {
        await Promise.all([...pending]);
        if (timers.size) await wait(10);
      }
    },
    close: async () => {
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
