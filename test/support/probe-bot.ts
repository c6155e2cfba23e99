/**
 * A small local bot for `botduino probe` tests: it accepts one message shape
 * (written out here independently of wire.ts), or answers 401 at
 * registration, a fixed status to every message, or a 200 that is not JSON.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;
/** How each shape looks on the wire, written out independently of wire.ts. */
const ACCEPTS: Record<string, { typed: (m: unknown) => boolean; chosen: (m: unknown) => boolean }> = {
  text: {
    typed: (m) => isObj(m) && m.type === 'text' && typeof m.text === 'string' && m.payload === undefined,
    chosen: (m) => isObj(m) && m.type === 'text' && m.payload === 'JOKE',
  },
  'text-only': {
    typed: (m) => isObj(m) && m.type === undefined && typeof m.text === 'string' && Object.keys(m).length === 1,
    chosen: (m) => isObj(m) && m.type === undefined && m.payload === 'JOKE',
  },
  messenger: {
    typed: (m) => isObj(m) && m.type === undefined && typeof m.text === 'string' && Object.keys(m).length === 1,
    chosen: (m) => isObj(m) && isObj(m.quick_reply) && m.quick_reply.payload === 'JOKE',
  },
  string: { typed: (m) => m === 'hello', chosen: (m) => m === 'JOKE' },
};
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export type Mode = { accept: string } | { register: number } | { message: number } | { garbage: true };
let server: http.Server | undefined;
export const seen: { path: string; headers: http.IncomingHttpHeaders; body: Obj }[] = [];

export async function bot(mode: Mode): Promise<string> {
  seen.length = 0;
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Obj;
      seen.push({ path: req.url!, headers: req.headers, body });
      const send = (status: number, b: unknown, raw = false) => {
        res.writeHead(status, { 'content-type': raw ? 'text/html' : 'application/json' });
        res.end(raw ? String(b) : JSON.stringify(b));
      };
      const lb = (statusCode: number, message: string) => send(statusCode, { error: { statusCode, name: 'Error', message } });
      if (req.url!.endsWith('/user')) {
        if ('register' in mode) return lb(mode.register, 'Authorization Required');
        return send(200, { webchat_id: body.webchat_id, first_name: 'Webchat Guest' });
      }
      if ('message' in mode) return lb(mode.message, mode.message === 422 ? 'Unprocessable Entity' : 'Internal Server Error');
      if ('garbage' in mode) return send(200, '<html>oops</html>', true);
      const a = ACCEPTS[(mode as { accept: string }).accept]!;
      if (a.typed(body.message))
        return send(200, {
          responses: [{ type: 'text', text: 'Hi!', quick_replies: [{ content_type: 'text', title: 'Joke', payload: 'JOKE' }] }],
        });
      if (a.chosen(body.message)) return send(200, { responses: [{ type: 'text', text: 'A joke.' }] });
      return lb(422, 'The message is not valid');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api`;
}

export async function closeBot(): Promise<void> {
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = undefined;
}
