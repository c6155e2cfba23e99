/**
 * Kept-alive connections to the bot, against a real local HTTP server that
 * counts its connections: reused while fresh, never written to once the
 * server closed them, and a message that may have reached the server is
 * never sent again by itself.
 */
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { FRESH_MS, peerClosed } from '../bridge/botdistrikt/transport.js';
import { ApiError } from '../common/errors.js';
import { createLogger } from '../bridge/log.js';

const DOMAIN = 'https://q7x2m9k4za.botduino-test.net';

interface Bot {
  url: string;
  /** Connections the server accepted. */
  connections: Socket[];
  /** Message texts the server received in full. */
  received: string[];
  /** What to do with the next message once its body is in: answer, or close the connection without answering. */
  next: 'answer' | 'hang up';
  server: http.Server;
}

let bot: Bot | undefined;

async function startBot(keepAliveTimeoutMs = 5000): Promise<Bot> {
  const b: Bot = { url: '', connections: [], received: [], next: 'answer', server: undefined as unknown as http.Server };
  b.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const text = (JSON.parse(body) as { message?: { text?: string } }).message?.text ?? '';
      b.received.push(text);
      if (b.next === 'hang up') {
        b.next = 'answer';
        req.socket.destroy();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ type: 'text', text: `You said: ${text}` }]));
    });
  });
  b.server.keepAliveTimeout = keepAliveTimeoutMs;
  b.server.on('connection', (s) => b.connections.push(s));
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.url = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}/api`;
  bot = b;
  return b;
}

afterEach(async () => {
  vi.useRealTimers();
  if (!bot) return;
  bot.server.closeAllConnections();
  await new Promise((r) => bot!.server.close(r));
  bot = undefined;
});

const client = (b: Bot) => new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: b.url, retryDelayMs: 10 });
const user = { webchat_id: 'keepalive-user' };

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('kept-alive connections to the bot', () => {
  it('sends one message after another over one connection', async () => {
    const b = await startBot();
    const c = client(b);
    for (const text of ['one', 'two', 'three', 'four']) {
      const res = await c.sendMessage(user, { text });
      expect(res.replies[0]).toMatchObject({ text: `You said: ${text}` });
    }
    expect(b.received).toEqual(['one', 'two', 'three', 'four']);
    expect(b.connections).toHaveLength(1);
  });

  it('does not send on a connection the server closed while it was idle, and delivers the message once', async () => {
    const b = await startBot();
    const c = client(b);
    await c.sendMessage(user, { text: 'before' });
    // the server drops the idle connection; the next message follows at once
    const closed = new Promise((r) => b.connections[0]!.once('close', r));
    b.connections[0]!.destroy();
    await closed;
    const res = await c.sendMessage(user, { text: 'after' });
    expect(res.replies[0]).toMatchObject({ text: 'You said: after' });
    expect(b.received).toEqual(['before', 'after']);
    expect(b.connections).toHaveLength(2);
  });

  it("opens a new connection once the server's Keep-Alive hint has run out", async () => {
    const b = await startBot(2000); // answers carry Keep-Alive: timeout=2, so a socket is kept for 1 s
    const c = client(b);
    await c.sendMessage(user, { text: 'early' });
    await c.sendMessage(user, { text: 'soon after' });
    expect(b.connections).toHaveLength(1);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + 1000);
    await c.sendMessage(user, { text: 'late' });
    expect(b.received).toEqual(['early', 'soon after', 'late']);
    expect(b.connections).toHaveLength(2);
  });

  it(`opens a new connection rather than reuse one idle for ${FRESH_MS} ms or more`, async () => {
    const b = await startBot();
    const c = client(b);
    await c.sendMessage(user, { text: 'early' });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + FRESH_MS);
    await c.sendMessage(user, { text: 'late' });
    expect(b.received).toEqual(['early', 'late']);
    expect(b.connections).toHaveLength(2);
  });

  it('says "may have been sent" and does not resend when a reused connection closes after the message arrived', async () => {
    const b = await startBot();
    const c = client(b);
    await c.sendMessage(user, { text: 'hello' });
    b.next = 'hang up';
    const err = await failure(c.sendMessage(user, { text: 'only once' }));
    expect(err.notSent).toBe(false);
    expect(err.message).toMatch(/may or may not have been sent/);
    expect(b.connections).toHaveLength(1); // it went over the kept-alive connection
    expect(b.received).toEqual(['hello', 'only once']);
  });

  it('says "may have been sent" and does not resend when a new connection closes after the message arrived', async () => {
    const b = await startBot();
    b.next = 'hang up';
    const err = await failure(client(b).sendMessage(user, { text: 'first of all' }));
    expect(err.notSent).toBe(false);
    expect(b.received).toEqual(['first of all']);
    expect(b.connections).toHaveLength(1);
  });

  it('retries a refused connection, even with a kept-alive one just closed, and sends once the server listens again', async () => {
    const b = await startBot();
    const port = (b.server.address() as AddressInfo).port;
    let retries = 0;
    const logger = createLogger({
      level: 'debug',
      color: false,
      write: (l) => {
        if (!l.includes('nothing sent; retrying')) return;
        if (retries++ === 0) b.server.listen(port, '127.0.0.1');
      },
    });
    const c = new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: b.url, retryDelayMs: 20, connectAttempts: 5, logger });
    await c.sendMessage(user, { text: 'up' });
    b.server.closeAllConnections();
    await new Promise((r) => b.server.close(r));
    const res = await c.sendMessage(user, { text: 'while down' });
    expect(res.replies[0]).toMatchObject({ text: 'You said: while down' });
    expect(retries).toBeGreaterThan(0);
    expect(b.received).toEqual(['up', 'while down']);
  });
});

/** Polls `check` until it holds (at most 2 s): a close or a byte takes a moment to reach this end of a socket. */
async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

describe('asking an idle connection whether the server closed it', () => {
  async function pair(): Promise<{ client: Socket; server: Socket; close: () => Promise<void> }> {
    let server!: Socket;
    const srv = net.createServer((s) => (server = s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const client = net.connect((srv.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    await until(() => !!server);
    const close = async () => {
      client.destroy();
      server.destroy();
      await new Promise((r) => srv.close(r));
    };
    return { client, server, close };
  }

  it('says open while the server keeps it and says nothing', async () => {
    const { client, close } = await pair();
    expect(peerClosed(client)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(peerClosed(client)).toBe(false);
    await close();
  });

  it('says closed once the server has closed it, before the event loop has seen it', async () => {
    const { client, server, close } = await pair();
    let ended = false;
    client.on('end', () => (ended = true));
    server.destroy(); // closes its descriptor at once
    // no await from here on: the event loop has not run, so only the check can know
    let closed: boolean | null = false;
    for (let i = 0; i < 10_000 && closed === false; i++) closed = peerClosed(client);
    expect(closed).toBe(true);
    expect(ended).toBe(false);
    expect(client.destroyed).toBe(false);
    await close();
  });

  it('says closed when the server sent bytes no request asked for', async () => {
    const { client, server, close } = await pair();
    let seen = false;
    client.on('data', () => (seen = true));
    server.write('HTTP/1.1 408 Request Timeout\r\n\r\n'); // written to the socket at once
    let closed: boolean | null = false;
    for (let i = 0; i < 10_000 && closed === false; i++) closed = peerClosed(client);
    expect(closed).toBe(true);
    expect(seen).toBe(false); // the check saw the bytes before the event loop read them
    await close();
  });
});
