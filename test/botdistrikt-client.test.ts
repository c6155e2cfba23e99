import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { newWebchatId } from '../bridge/botdistrikt/users.js';
import { ApiError } from '../common/errors.js';
import { createLogger } from '../bridge/log.js';

const DOMAIN = 'https://q7x2m9k4za.botduino-test.net';
let bd: StandIn;

beforeEach(async () => {
  bd = await startStandIn({ appId: '42', domain: DOMAIN, pushDelayMs: 10 });
});
afterEach(async () => {
  await bd.close();
});

const client = (extra: Partial<ConstructorParameters<typeof BotDistriktClient>[0]> = {}) =>
  new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: bd.baseUrl, retryDelayMs: 10, ...extra });

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('the BotDistrikt client', () => {
  it('sends User-Agent: botduino/<version> on every request', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    await c.sendMessage(user, { text: 'hi' });
    expect(bd.requests.map((r) => r.headers['user-agent'])).toEqual([`botduino/${version}`, `botduino/${version}`]);
  });

  it.each([
    ['text', { type: 'text', text: 'hi' }, { type: 'text', text: 'Joke', payload: 'JOKE' }],
    ['text-only', { text: 'hi' }, { text: 'Joke', payload: 'JOKE' }],
    ['messenger', { text: 'hi' }, { text: 'Joke', quick_reply: { payload: 'JOKE' } }],
    ['string', 'hi', 'JOKE'],
  ] as const)('sends messages in the configured shape "%s"', async (shape, typed, chosen) => {
    const c = client({ messageShape: shape });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    await c.sendMessage(user, { text: 'hi' });
    await c.sendMessage(user, { title: 'Joke', payload: 'JOKE' });
    const sent = bd.requests.slice(1).map((r) => (r.body as { message: unknown }).message);
    expect(sent).toEqual([typed, chosen]);
  });

  it('registers a user with the domain and the chosen webchat_id, keeping the bot_user as returned', async () => {
    const id = newWebchatId();
    const user = await client().registerUser({ webchatId: id });
    expect(user.webchat_id).toBe(id);
    expect(user.first_name).toMatch(/^Webchat Guest/);
    expect(user.channel).toBe('web');
    const req = bd.requests[0]!;
    expect(req.path).toBe('/api/webchat_apps/42/user');
    expect(req.body).toEqual({ domain: DOMAIN, webchat_id: id });
  });

  it('sends text as the user and returns the parsed replies and the raw answer', async () => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    const res = await c.sendMessage(user, { text: 'hi' });
    expect(res.replies[0]).toMatchObject({ kind: 'text', text: expect.stringMatching(/^Hello!/) });
    expect(res.replies[0]!.quickReplies.map((q) => q.title)).toEqual(['Weather', 'Joke', 'Talk to a human']);
    expect(res.raw).toHaveProperty('responses');
    const req = bd.requests[1]!;
    expect(req.headers.authorization).toBe(user.webchat_id);
    expect(req.body).toEqual({ domain: DOMAIN, user, message: { type: 'text', text: 'hi' } });
  });

  it('sends a chosen option as its payload, with its title as the text', async () => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    const res = await c.sendMessage(user, { title: 'Weather', payload: 'WEATHER' });
    expect((bd.requests[1]!.body as { message: unknown }).message).toEqual({ type: 'text', text: 'Weather', payload: 'WEATHER' });
    expect(res.replies[0]).toMatchObject({ kind: 'text', text: expect.stringContaining('21 °C') });
  });

  it('registers again once and resends once when BotDistrikt no longer knows the user', async () => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    bd.forgetUser(user.webchat_id);
    const res = await c.sendMessage(user, { text: 'still there?' });
    expect(res.reregistered).toBe(true);
    expect(res.user.webchat_id).toBe(user.webchat_id);
    expect(res.replies[0]).toMatchObject({ text: 'You said: still there?' });
    expect(bd.processedMessages()).toEqual(['still there?']);
    expect(bd.requests.map((r) => r.path.split('/').pop())).toEqual(['user', 'message', 'user', 'message']);
  });

  it('does not loop when the resend is refused too', async () => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    bd.forgetUser(user.webchat_id);
    bd.inject({ kind: 'status', status: 401 }, { times: 5 });
    const err = await failure(c.sendMessage(user, { text: 'x' }));
    expect(err.status).toBe(401);
    expect(bd.requests.filter((r) => r.path.endsWith('/message'))).toHaveLength(2);
    expect(bd.processedMessages()).toEqual([]);
  });

  it('explains a wrong app id', async () => {
    const err = await failure(client({ appId: '999' }).registerUser({ webchatId: newWebchatId() }));
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/MODEL_NOT_FOUND/);
    expect(err.message).toMatch(/app id/);
  });

  it('explains a wrong domain', async () => {
    const err = await failure(client({ domain: 'https://zz9k3m1q7x.other-site.net' }).registerUser({ webchatId: newWebchatId() }));
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/INVALID_DOMAIN/);
    expect(err.message).toMatch(/custom domain/);
  });

  it('never resends after a server error, and says the message may have reached the bot', async () => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    bd.inject({ kind: 'status', status: 503 }, { times: 3 });
    const err = await failure(c.sendMessage(user, { text: 'once' }));
    expect(err.status).toBe(503);
    expect(err.notSent).toBe(false);
    expect(err.message).toMatch(/status page/);
    expect(bd.requests.filter((r) => r.path.endsWith('/message'))).toHaveLength(1);
  });

  it('never resends after a timeout: the message was processed exactly once', async () => {
    const c = client({ sendTimeoutMs: 150 });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    bd.inject({ kind: 'slow', ms: 1000 });
    const err = await failure(c.sendMessage(user, { text: 'slowly' }));
    expect(err.notSent).toBe(false);
    expect(err.message).toMatch(/no answer .* within 0.15 s/);
    expect(err.message).toMatch(/may or may not have been sent/);
    expect(bd.processedMessages()).toEqual(['slowly']);
    expect(bd.requests.filter((r) => r.path.endsWith('/message'))).toHaveLength(1);
  });

  it.each([true, false])('never resends when the connection drops after the request arrived (processed: %s)', async (processed) => {
    const c = client();
    const user = await c.registerUser({ webchatId: newWebchatId() });
    bd.inject({ kind: 'drop', processed });
    const err = await failure(c.sendMessage(user, { text: 'dropped' }));
    expect(err.notSent).toBe(false);
    expect(err.message).toMatch(/closed the connection/);
    expect(bd.requests.filter((r) => r.path.endsWith('/message'))).toHaveLength(1);
    expect(bd.processedMessages()).toEqual(processed ? ['dropped'] : []);
  });

  it('says "not sent" when the connection is refused, after retrying', async () => {
    const c = client({ connectAttempts: 3 });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    await bd.refuse();
    const err = await failure(c.sendMessage(user, { text: 'nobody home' }));
    expect(err.notSent).toBe(true);
    expect(err.message).toMatch(/refused the connection/);
    expect(err.message).toMatch(/Nothing was sent/);
    expect(bd.processedMessages()).toEqual([]);
  });

  it('retries while the connection is refused and sends exactly once when it comes back', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      color: false,
      write: (l) => {
        lines.push(l);
        if (l.includes('retrying')) void bd.accept();
      },
    });
    const c = client({ connectAttempts: 5, retryDelayMs: 50, logger });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    await bd.refuse();
    const res = await c.sendMessage(user, { text: 'back again' });
    expect(res.replies[0]).toMatchObject({ text: 'You said: back again' });
    expect(bd.processedMessages()).toEqual(['back again']);
    expect(lines.some((l) => l.includes('nothing sent; retrying'))).toBe(true);
  });

  it('says "not sent" when the host name does not resolve', async () => {
    const c = new BotDistriktClient({
      appId: '42',
      domain: DOMAIN,
      baseUrl: 'http://botduino-no-such-host.invalid/api',
      connectAttempts: 1,
    });
    const err = await failure(c.registerUser({ webchatId: newWebchatId() }));
    expect(err.notSent).toBe(true);
    expect(err.message).toMatch(/could not be resolved|failed/);
  });

  it('keeps the domain and every webchat_id out of its debug log of raw exchanges', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', color: false, write: (l) => lines.push(l) });
    const c = client({ logger });
    const id = newWebchatId();
    const user = await c.registerUser({ webchatId: id });
    await c.sendMessage(user, { text: 'hi' });
    const all = lines.join('\n');
    expect(all).toContain('→ POST');
    expect(all).toContain('← 200');
    expect(all).toContain('Hello!');
    expect(all).not.toContain(id);
    expect(all).not.toContain('q7x2m9k4za.botduino-test.net');
  });
});

describe('the BotDistrikt client facing odd answers', () => {
  let server: http.Server;
  let base: string;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const user = { webchat_id: 'bd-odd-answers-user' };
  const c = () => new BotDistriktClient({ appId: '7', domain: DOMAIN, baseUrl: base });

  it('names an HTML error page by its title', async () => {
    answer = (_q, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
    };
    const err = await failure(c().sendMessage(user, { text: 'x' }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('HTML page ("502 Bad Gateway")');
  });

  it('says when an error answer is empty', async () => {
    answer = (_q, res) => {
      res.writeHead(500);
      res.end();
    };
    const err = await failure(c().sendMessage(user, { text: 'x' }));
    expect(err.message).toContain('500 with an empty body');
  });

  it('reports a 200 that is not JSON without guessing replies', async () => {
    answer = (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>Wi-Fi login</title></html>');
    };
    const err = await failure(c().sendMessage(user, { text: 'x' }));
    expect(err.notSent).toBe(false);
    expect(err.message).toMatch(/not the expected JSON/);
    expect(err.message).toMatch(/botduino probe/);
  });

  it('treats an empty 200 as no replies', async () => {
    answer = (_q, res) => {
      res.writeHead(200);
      res.end();
    };
    const res = await c().sendMessage(user, { text: 'x' });
    expect(res.replies).toEqual([]);
    expect(res.raw).toBeNull();
  });

  it('accepts a registration answer wrapped in data', async () => {
    answer = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { webchat_id: 'webchat.abc123', first_name: 'Guest' } }));
    };
    const u = await c().registerUser({ webchatId: 'bd-0123456789abcdef' });
    expect(u.webchat_id).toBe('webchat.abc123');
  });

  it('reads a LoopBack error body', async () => {
    answer = (_q, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { statusCode: 422, name: 'ValidationError', message: 'message is invalid', code: 'INVALID' } }));
    };
    const err = await failure(c().sendMessage(user, { text: 'x' }, { reregister: false }));
    expect(err.message).toContain('422 (INVALID: "message is invalid")');
    expect(err.notSent).toBe(true);
  });
});
