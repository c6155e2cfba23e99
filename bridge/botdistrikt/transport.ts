/**
 * One HTTP POST over node:http(s) that knows whether the request may have
 * reached the server. A person's message must never be sent twice, so the
 * client retries only when nothing can have been sent: the connection (and
 * the TLS handshake) never completed. Once a socket is connected, bytes may
 * be on their way and any failure counts as "may have been sent".
 *
 * Connections are kept alive, but a socket is reused only while it is
 * fresh: idle for less than FRESH_MS, well below the keep-alive timeout of
 * servers (5 s in Node, 60–75 s behind nginx and most load balancers; Node's
 * agent also honours a shorter Keep-Alive: timeout=N hint from the server).
 * A socket that has been idle longer is closed instead of written to. Before
 * a socket is reused, its end of the connection is asked, at that moment,
 * whether the server has closed it (or said anything out of turn, which
 * leaves it as unusable): a non-blocking read of one byte on its file
 * descriptor, the check HTTP clients such as urllib3 make, with no wait.
 * Where no descriptor can be had (Windows), the event loop polls once
 * instead before the socket is picked, so that a close already received is
 * seen. Should a reused socket still fail before any byte of the answer,
 * the failure counts as "may have been sent", like every failure after
 * connecting.
 */
import { readSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/** Filled in while a request runs. */
export interface SendTracker {
  /** True once a connection was made: from then on the server may have the request. */
  mayHaveSent: boolean;
}

/** Longest idle time after which a kept-alive socket is still used, in ms. */
export const FRESH_MS = 2000;

/** What came back. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The answer's headers, lower-case names, repeated ones joined with ", " */
  headers: Record<string, string>;
}

/** When each idle socket stops being fresh (Date.now() ms). */
const freshUntil = new WeakMap<Socket, number>();

/** Stamps when a socket went idle; hands out only sockets idle for less than `freshMs`. */
function freshAgent<A extends http.Agent>(Base: new (o: http.AgentOptions) => A, freshMs: number): A {
  const agent = new Base({ keepAlive: true, scheduling: 'lifo', timeout: freshMs });
  // keepSocketAlive returns whether the socket is kept (typed void in @types/node)
  const keep = agent.keepSocketAlive.bind(agent) as unknown as (s: Socket) => boolean;
  (agent as unknown as { keepSocketAlive: (s: Socket) => boolean }).keepSocketAlive = (socket) => {
    const kept = keep(socket);
    // the agent has set the socket's timeout to the shorter of freshMs and the server's Keep-Alive hint
    if (kept) freshUntil.set(socket, Date.now() + Math.min(freshMs, socket.timeout || freshMs));
    return kept;
  };
  const add = (agent as unknown as { addRequest: (req: http.ClientRequest, o: unknown) => void }).addRequest.bind(agent);
  (agent as unknown as { addRequest: (req: http.ClientRequest, o: http.ClientRequestArgs) => void }).addRequest = (req, options) => {
    const free = agent.freeSockets[agent.getName(options)] as Socket[] | undefined;
    if (!free?.length) return add(req, options);
    // Sockets go idle in order, so the stale ones are the oldest: closed
    // here, they are the ones the agent skips (it skips destroyed sockets at
    // the front of its list).
    dropStale(free);
    // The agent takes the last one (lifo): that one is asked whether the
    // server has closed it. When it is one closed here a moment ago and not
    // yet forgotten by the agent, the wait below lets the agent forget it.
    const last = free[free.length - 1];
    const closed = !last.destroyed ? peerClosed(last) : free.every((s) => s.destroyed) ? false : null;
    if (closed === false) return add(req, options);
    if (closed) last.destroy();
    // A socket the agent still lists was closed here, or its state cannot be
    // read here: let the event loop poll once first, so that the agent
    // forgets the closed one and a close the server already sent is seen.
    setImmediate(() =>
      setImmediate(() => {
        for (const list of Object.values(agent.freeSockets)) dropStale(list as Socket[] | undefined);
        add(req, options);
      }),
    );
  };
  return agent;
}

/** Closes the sockets of a free list that have been idle too long to be reused. */
function dropStale(list: readonly Socket[] | undefined): void {
  const now = Date.now();
  for (const s of list ?? []) if (!s.destroyed && now >= (freshUntil.get(s) ?? 0)) s.destroy();
}

const probe = Buffer.alloc(1);

/**
 * Whether the server has closed an idle kept-alive socket (or sent bytes no
 * request asked for): true or false, asked of the socket's descriptor now;
 * null where there is no descriptor to ask (Windows), and the caller waits
 * for the event loop instead.
 */
export function peerClosed(socket: Socket): boolean | null {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (process.platform === 'win32' || typeof fd !== 'number' || fd < 0) return null;
  // The usual answer is an EAGAIN error: made without a stack trace, which nobody reads, it costs little.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    readSync(fd, probe, 0, 1, null); // 0: the server's close; 1: a byte out of turn: either way not usable
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return !(code === 'EAGAIN' || code === 'EWOULDBLOCK'); // nothing waiting: open and quiet
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const agents = {
  http: freshAgent(http.Agent, FRESH_MS),
  https: freshAgent(https.Agent, FRESH_MS),
};

/** POSTs `body` as JSON to `url`; records in `tracker` whether the request may have left this machine. */
export function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  tracker: SendTracker,
): Promise<Answer> {
  const tls = url.protocol === 'https:';
  return new Promise<Answer>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const req = (tls ? https : http).request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      agent: tls ? agents.https : agents.http,
    });
    const done = () => signal.removeEventListener('abort', onAbort);
    const onAbort = () => req.destroy(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected: bytes go out at once.
      if (!socket.connecting) {
        tracker.mayHaveSent = true;
        return;
      }
      socket.once(tls ? 'secureConnect' : 'connect', () => (tracker.mayHaveSent = true));
    });
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('response', (res) => {
      tracker.mayHaveSent = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('error', (err) => {
        done();
        reject(err);
      });
      res.on('close', () => {
        if (res.complete) return;
        done();
        reject(
          signal.aborted
            ? abortError(signal)
            : Object.assign(new Error('the connection closed in the middle of the answer'), { code: 'ECONNRESET' }),
        );
      });
      res.on('end', () => {
        done();
        const ct = res.headers['content-type'];
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, contentType: ct ?? '', text, headers });
      });
    });
    // a string body goes out in one write with the headers (a Buffer would be a second chunk)
    req.end(body, 'utf8');
  });
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The request was aborted', 'AbortError');
}
