/**
 * The receiver tried as an attacker would: idle connections, slow bodies,
 * oversize bodies. Real sockets and real time; the time checks allow for a
 * loaded machine.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhook, type Push, type Webhook } from '../bridge/botdistrikt/webhook.js';

let hook: Webhook | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await hook?.close();
  hook = undefined;
});

const push = (url: string, text: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-botdistrikt-source': 'human' },
    body: JSON.stringify({ webchat_id: 'bd-1', text }),
  });

/** Opens a raw connection, optionally writes, and collects what comes back until it closes. */
function raw(port: number, write?: (s: net.Socket) => void) {
  const s = net.connect(port, '127.0.0.1');
  sockets.push(s);
  let got = '';
  s.on('data', (d) => (got += d));
  s.on('error', () => undefined);
  const connected = new Promise<void>((r) => s.once('connect', () => r()));
  const closed = new Promise<{ text: string; at: number }>((r) => s.once('close', () => r({ text: got, at: Date.now() })));
  void connected.then(() => write?.(s));
  return { s, connected, closed };
}

describe('the webhook receiver under attack', () => {
  it('delivers a genuine push while 500 idle connections are held', async () => {
    hook = await startWebhook({ port: 0 });
    const pushes: Push[] = [];
    hook.on('push', (p) => pushes.push(p));
    const idle = Array.from({ length: 500 }, () => raw(hook!.port));
    await Promise.all(idle.map((c) => c.connected));
    const res = await push(hook.url, 'through the crowd');
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(pushes.map((p) => p.replies[0])).toMatchObject([{ text: 'through the crowd' }]);
    // And the idle ones were made room from, oldest first.
    expect(hook.stats.evicted).toBeGreaterThan(0);
  });

  it('answers a body that trickles in with 408 within about a second of the request timeout, and the client reads it', async () => {
    hook = await startWebhook({ port: 0, headersTimeoutMs: 1000, requestTimeoutMs: 1500 });
    const started = Date.now();
    const c = raw(hook.port, (s) => {
      s.write(
        `POST ${hook!.path} HTTP/1.1\r\nhost: x\r\nx-botdistrikt-source: human\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"webchat_id":`,
      );
      const t = setInterval(() => (s.writable ? s.write(' ') : clearInterval(t)), 200);
      s.once('close', () => clearInterval(t));
    });
    const { text, at } = await c.closed;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    const took = at - started;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(1500 + 1500); // within about a second (plus slack for a loaded machine)
  });

  it('closes a connection that never sends its headers soon after the headers timeout', async () => {
    hook = await startWebhook({ port: 0, headersTimeoutMs: 1000, requestTimeoutMs: 1000, idleTimeoutMs: 1000 });
    const started = Date.now();
    const c = raw(hook.port, (s) => s.write('POST / HTTP/1.1\r\nhost: x\r\n'));
    const { at } = await c.closed;
    expect(at - started).toBeLessThan(1000 + 1500);
  });

  it('lets the client read a 413 for an oversize body before the connection closes', async () => {
    hook = await startWebhook({ port: 0, maxBody: 1024 });
    // The whole oversize body is sent at once, as a client that does not wait would.
    const c = raw(hook.port, (s) => {
      const body = JSON.stringify({ webchat_id: 'bd-1', text: 'z'.repeat(200_000) });
      s.write(
        `POST ${hook!.path} HTTP/1.1\r\nhost: x\r\nx-botdistrikt-source: human\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    });
    const { text } = await c.closed;
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text).toContain('larger than 1024 bytes');
    // A fetch client sees it too.
    const res = await fetch(hook.url, { method: 'POST', headers: { 'x-botdistrikt-source': 'human' }, body: 'q'.repeat(100_000) });
    expect(res.status).toBe(413);
  });

  it('refuses a near-miss of the secret path like any wrong path', async () => {
    hook = await startWebhook({ port: 0 });
    const wrong = hook.url.slice(0, -1) + (hook.url.endsWith('A') ? 'B' : 'A');
    const res = await fetch(wrong, { method: 'POST', headers: { 'x-botdistrikt-source': 'human' }, body: '{"webchat_id":"bd-1"}' });
    expect(res.status).toBe(404);
  });
});
