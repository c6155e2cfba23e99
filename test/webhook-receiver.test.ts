import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateFile } from '../bridge/botdistrikt/state.js';
import { startWebhook, type Push, type Webhook, type WebhookOptions } from '../bridge/botdistrikt/webhook.js';
import { createLogger } from '../bridge/log.js';

let hook: Webhook | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

async function start(opts: WebhookOptions = {}) {
  const pushes: Push[] = [];
  const lines: string[] = [];
  hook = await startWebhook({
    port: 0,
    logger: createLogger({ level: 'debug', color: false, write: (l) => lines.push(l) }),
    ...opts,
  });
  hook.on('push', (p) => pushes.push(p));
  return { hook, pushes, lines };
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** Waits until the handlers (which run after the answer) have had their turn. */
const handlersRan = () => new Promise((r) => setTimeout(r, 20));

describe('the webhook receiver', () => {
  it("emits a live agent's push for the user, with source and source id", async () => {
    const { hook, pushes } = await start();
    const res = await post(hook.url, JSON.stringify({ webchat_id: 'bd-1', message: { text: 'Hi, Ana here' } }), {
      'x-botdistrikt-source': 'human',
      'x-botdistrikt-source-id': 'agent-7',
    });
    expect(res.status).toBe(200);
    await handlersRan();
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ webchatId: 'bd-1', source: 'human', sourceId: 'agent-7' });
    expect(pushes[0]!.replies).toEqual([{ kind: 'text', text: 'Hi, Ana here', buttons: [], quickReplies: [] }]);
  });

  it.each([
    ['user.webchat_id', { user: { webchat_id: 'bd-2' }, text: 'a' }],
    ['recipient.id', { recipient: { id: 'bd-2' }, message: { text: 'a' } }],
    ['user_id', { user_id: 'bd-2', responses: [{ text: 'a' }] }],
  ])('finds the user under %s', async (_n, body) => {
    const { hook, pushes } = await start();
    expect((await post(hook.url, JSON.stringify(body), { 'x-botdistrikt-source': 'broadcast' })).status).toBe(200);
    await handlersRan();
    expect(pushes[0]).toMatchObject({ webchatId: 'bd-2', source: 'broadcast' });
    expect(pushes[0]!.replies[0]).toMatchObject({ text: 'a' });
  });

  it('accepts form-encoded bodies', async () => {
    const { hook, pushes } = await start();
    const body = new URLSearchParams({ 'user[webchat_id]': 'bd-3', message: JSON.stringify({ text: 'formed' }) }).toString();
    const res = await post(hook.url, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-botdistrikt-source': 'human' });
    expect(res.status).toBe(200);
    await handlersRan();
    expect(pushes[0]).toMatchObject({ webchatId: 'bd-3' });
    expect(pushes[0]!.replies[0]).toMatchObject({ text: 'formed' });
  });

  it('ignores bot pushes by default, and shows them when asked', async () => {
    const quiet = await start();
    await post(quiet.hook.url, JSON.stringify({ webchat_id: 'bd-4', text: 'x' }), { 'x-botdistrikt-source': 'bot' });
    await handlersRan();
    expect(quiet.pushes).toEqual([]);
    await quiet.hook.close();
    const loud = await start({ showBotMessages: true });
    await post(loud.hook.url, JSON.stringify({ webchat_id: 'bd-4', text: 'x' }), { 'x-botdistrikt-source': 'bot' });
    await handlersRan();
    expect(loud.pushes[0]).toMatchObject({ source: 'bot' });
  });

  it.each([
    ['no X-BotDistrikt-Source', {}],
    ['an unknown X-BotDistrikt-Source', { 'x-botdistrikt-source': 'admin' }],
    ['an empty X-BotDistrikt-Source', { 'x-botdistrikt-source': '' }],
  ])('refuses a push with %s with a 4xx, counts it, and shows nothing', async (_n, headers) => {
    const { hook, pushes } = await start();
    const res = await post(hook.url, JSON.stringify({ webchat_id: 'bd-5', text: 'x' }), headers as Record<string, string>);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/human, broadcast or bot/);
    await handlersRan();
    expect(pushes).toEqual([]);
    expect(hook.stats.refusedSource).toBe(1);
  });

  it('shows the same text sent twice (different message ids, or none) twice', async () => {
    const { hook, pushes } = await start();
    for (const extra of [{}, {}, { id: 'a-1' }, { id: 'a-2' }])
      expect(
        (await post(hook.url, JSON.stringify({ webchat_id: 'bd-5', text: 'same', ...extra }), { 'x-botdistrikt-source': 'human' })).status,
      ).toBe(200);
    await handlersRan();
    expect(pushes.map((p) => p.replies[0])).toMatchObject([{ text: 'same' }, { text: 'same' }, { text: 'same' }, { text: 'same' }]);
    expect(hook.stats.duplicates).toBe(0);
  });

  it('drops duplicates', async () => {
    const { hook, pushes } = await start();
    const body = JSON.stringify({ webchat_id: 'bd-6', id: 'm-1', text: 'once' });
    for (let i = 0; i < 3; i++) expect((await post(hook.url, body, { 'x-botdistrikt-source': 'human' })).status).toBe(200);
    await post(hook.url, JSON.stringify({ webchat_id: 'bd-6', id: 'm-2', text: 'twice' }), { 'x-botdistrikt-source': 'human' });
    await handlersRan();
    expect(pushes.map((p) => p.replies[0])).toMatchObject([{ text: 'once' }, { text: 'twice' }]);
  });

  it('answers 200 for a user no device has, logs it, and emits nothing', async () => {
    const { hook, pushes, lines } = await start({ findDevice: (id) => (id === 'bd-known' ? 'uno-1' : undefined) });
    expect(
      (await post(hook.url, JSON.stringify({ webchat_id: 'bd-stranger', text: 'x' }), { 'x-botdistrikt-source': 'human' })).status,
    ).toBe(200);
    await post(hook.url, JSON.stringify({ webchat_id: 'bd-known', text: 'y' }), { 'x-botdistrikt-source': 'human' });
    await handlersRan();
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ deviceId: 'uno-1' });
    expect(lines.some((l) => l.includes('no device of this bridge has'))).toBe(true);
  });

  it('answers a wrong path with a bare 404, and only accepts POST', async () => {
    const { hook, pushes } = await start();
    const base = hook.url.slice(0, hook.url.indexOf('/botduino/'));
    for (const p of ['/', '/botduino/', '/botduino/wrong-secret-aaaaaaaa', hook.path + 'x']) {
      const res = await post(base + p, JSON.stringify({ webchat_id: 'bd-7', text: 'x' }));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('botduino');
    }
    const get = await fetch(hook.url);
    expect(get.status).toBe(405);
    await handlersRan();
    expect(pushes).toEqual([]);
  });

  it.each([
    ['not JSON', '{"webchat_id": ', /not valid JSON/],
    ['empty', '', /empty body/],
    ['a JSON string', '"hello"', /not a JSON object/],
    ['without a user', '{"text":"x"}', /no webchat_id/],
  ])('refuses a body that is %s with a short reason', async (_n, body, reason) => {
    const { hook, pushes } = await start();
    const res = await post(hook.url, body, { 'x-botdistrikt-source': 'human' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(reason);
    await handlersRan();
    expect(pushes).toEqual([]);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const { hook, pushes } = await start({ maxBody: 1024 });
    const res = await post(hook.url, JSON.stringify({ webchat_id: 'bd-8', text: 'x'.repeat(5000) }), { 'x-botdistrikt-source': 'human' });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/larger than 1024 bytes/);
    // A chunked body without a length is cut off too.
    const chunked = await new Promise<string>((resolve) => {
      const s = net.connect(Number(new URL(hook.url).port), '127.0.0.1', () => {
        s.write(
          `POST ${hook.path} HTTP/1.1\r\nhost: x\r\nx-botdistrikt-source: human\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
        );
        s.write(`1000\r\n${'y'.repeat(4096)}\r\n`);
      });
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(chunked).toMatch(/^HTTP\/1.1 413/);
    await handlersRan();
    expect(pushes).toEqual([]);
  });

  it('survives garbage on the wire', async () => {
    const { hook } = await start();
    const port = Number(new URL(hook.url).port);
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('\x00\x01 garbage \r\n\r\n'));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    const res = await post(hook.url, JSON.stringify({ webchat_id: 'bd-9', text: 'still alive' }), { 'x-botdistrikt-source': 'human' });
    expect(res.status).toBe(200);
  });

  it('keeps a generated path secret across restarts, and masks it in logs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'botduino-webhook-'));
    try {
      const state = new StateFile(dir);
      const first = await start({ state });
      const secret = first.hook.path.split('/').pop()!;
      expect(secret.length).toBeGreaterThanOrEqual(32);
      await first.hook.close();
      const second = await start({ state });
      expect(second.hook.path).toBe(`/botduino/${secret}`);
      const log = createLogger({ level: 'info', color: false, write: (l) => second.lines.push(l) });
      log.info(`listening on ${second.hook.url}`);
      expect(second.lines.at(-1)).not.toContain(secret);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps working when a push handler throws', async () => {
    const { hook, lines } = await start();
    hook.on('push', () => {
      throw new Error('renderer exploded');
    });
    const res = await post(hook.url, JSON.stringify({ webchat_id: 'bd-10', text: 'x' }), { 'x-botdistrikt-source': 'human' });
    expect(res.status).toBe(200);
    await handlersRan();
    expect(lines.some((l) => l.includes('renderer exploded'))).toBe(true);
    expect((await post(hook.url, JSON.stringify({ webchat_id: 'bd-10', text: 'y' }), { 'x-botdistrikt-source': 'human' })).status).toBe(
      200,
    );
  });
});
