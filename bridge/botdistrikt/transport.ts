/**
 * A fetch for ky, over node:http(s), that knows whether a request may have
 * reached the server. A person's message must never be sent twice, so the
 * client retries only when nothing can have been sent: the connection (and
 * the TLS handshake) never completed. Once the socket is connected, bytes
 * may be on their way and any failure counts as "may have been sent".
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** Filled in while a request runs. */
export interface SendTracker {
  /** True once a connection was made: from then on the server may have the request. */
  mayHaveSent: boolean;
}

/**
 * A fresh connection for every request, on purpose: a kept-alive connection
 * that the server closed while idle fails *after* the request was written,
 * and then nobody can tell whether the message got through. One extra
 * handshake per message is the price of knowing.
 */
const agents = {
  http: new http.Agent({ keepAlive: false }),
  https: new https.Agent({ keepAlive: false }),
};

const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch that records in `tracker` whether the request may have left this machine. */
export function trackingFetch(tracker: SendTracker): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    if (body) headers['content-length'] = String(body.length);
    const tls = url.protocol === 'https:';
    const signal = request.signal;

    return new Promise<Response>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const req = (tls ? https : http).request(url, {
        method: request.method,
        headers,
        agent: tls ? agents.https : agents.http,
      });
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
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      req.on('response', (res) => {
        tracker.mayHaveSent = true;
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, v);
        }
        res.on('close', () => signal.removeEventListener('abort', onAbort));
        const status = res.statusCode ?? 0;
        const stream = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (!stream) res.resume();
        resolve(new Response(stream, { status, statusText: res.statusMessage, headers: h }));
      });
      req.end(body);
    });
  };
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The request was aborted', 'AbortError');
}
