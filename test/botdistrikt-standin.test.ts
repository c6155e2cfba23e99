import { afterEach, describe, expect, it } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { probe } from '../bridge/botdistrikt/probe.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { newWebchatId } from '../bridge/botdistrikt/users.js';
import { startWebhook, type Push, type Webhook } from '../bridge/botdistrikt/webhook.js';

const DOMAIN = 'https://p2v8n5t1xw.botduino-test.net';
let bd: StandIn | undefined;
let hook: Webhook | undefined;
afterEach(async () => {
  await bd?.close();
  await hook?.close();
  bd = hook = undefined;
});

describe('the local stand-in bot', () => {
  it('offers a menu, a long accented reply, a joke with buttons, cards and an echo', async () => {
    bd = await startStandIn({ appId: '3', domain: DOMAIN });
    const c = new BotDistriktClient({ appId: '3', domain: DOMAIN, baseUrl: bd.baseUrl });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    const menu = (await c.sendMessage(user, { text: 'Menu' })).replies[0]!;
    expect(menu.quickReplies.map((q) => q.payload)).toEqual(['WEATHER', 'JOKE', 'HUMAN']);
    const weather = (await c.sendMessage(user, { title: 'Weather', payload: 'WEATHER' })).replies[0]!;
    expect(weather.kind === 'text' && weather.text).toMatch(/°C.*ñ.*ß.*€.*è/s);
    expect(weather.kind === 'text' && weather.text.length).toBeGreaterThan(80);
    expect(weather.quickReplies[0]).toMatchObject({ type: 'return', title: '❮' });
    const joke = (await c.sendMessage(user, { title: 'Joke', payload: 'JOKE' })).replies[0]!;
    expect(joke.buttons.map((b) => b.type)).toEqual(['story', 'url']);
    const cards = (await c.sendMessage(user, { text: 'cards' })).replies;
    expect(cards.map((r) => r.kind === 'placeholder' && r.label)).toEqual(['[card] Uno kit', '[card] Mega kit']);
    const pic = (await c.sendMessage(user, { text: 'picture' })).replies;
    expect(pic[0]).toMatchObject({ kind: 'placeholder', label: '[image]' });
    expect((await c.sendMessage(user, { text: 'Grüß dich' })).replies[0]).toMatchObject({ text: 'You said: Grüß dich' });
  });

  it('answers "Talk to a human" with a live agent push to the webhook', async () => {
    hook = await startWebhook({ port: 0 });
    const pushes: Push[] = [];
    const arrived = new Promise<void>((resolve) =>
      hook!.on('push', (p) => {
        pushes.push(p);
        resolve();
      }),
    );
    bd = await startStandIn({ appId: '3', domain: DOMAIN, webhookUrl: hook.url, pushDelayMs: 20 });
    const c = new BotDistriktClient({ appId: '3', domain: DOMAIN, baseUrl: bd.baseUrl });
    const user = await c.registerUser({ webchatId: newWebchatId() });
    const res = await c.sendMessage(user, { title: 'Talk to a human', payload: 'HUMAN' });
    expect(res.replies[0]).toMatchObject({ text: expect.stringMatching(/^Connecting you/) });
    await arrived;
    await bd.settled();
    expect(pushes[0]).toMatchObject({ webchatId: user.webchat_id, source: 'human', sourceId: 'agent-7' });
    expect(pushes[0]!.replies[0]).toMatchObject({ text: expect.stringContaining('Ana') });
    expect(bd.pushes[0]!.status).toBe(200);
  });

  it('pushes broadcasts on demand', async () => {
    hook = await startWebhook({ port: 0 });
    const got = new Promise<Push>((resolve) => hook!.on('push', resolve));
    bd = await startStandIn({ appId: '3', domain: DOMAIN, webhookUrl: hook.url });
    await bd.push('bd-someone', 'Sale today!', 'broadcast', 'b-1');
    expect(await got).toMatchObject({ webchatId: 'bd-someone', source: 'broadcast', sourceId: 'b-1', replies: [{ text: 'Sale today!' }] });
  });

  it('refuses a missing Authorization header LoopBack-style', async () => {
    bd = await startStandIn({ appId: '3', domain: DOMAIN });
    const res = await fetch(`${bd.baseUrl}/webchat_apps/3/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: DOMAIN, user: { webchat_id: 'x' }, message: { type: 'text', text: 'hi' } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { statusCode: 401, name: 'Error', message: 'Authorization Required', code: 'AUTHORIZATION_REQUIRED' },
    });
  });
});

describe('probe', () => {
  it('registers a throw-away user, sends "hello" and shows the raw answers with secrets masked', async () => {
    bd = await startStandIn({ appId: '3', domain: DOMAIN });
    const report = await probe({ appId: '3', domain: DOMAIN, baseUrl: bd.baseUrl });
    expect(bd.processedMessages()).toEqual(['hello', 'Weather']);
    const id = (report.registered as { webchat_id: string }).webchat_id;
    expect(report.text).toContain('"responses"');
    expect(report.text).toContain('quick reply "Weather"');
    expect(report.text).not.toContain(id);
    expect(report.text).not.toContain('p2v8n5t1xw');
    expect(report.replies.length).toBe(1);
  });

  it('fails with a clear error when the settings are wrong', async () => {
    bd = await startStandIn({ appId: '3', domain: DOMAIN });
    const report = await probe({ appId: '4', domain: DOMAIN, baseUrl: bd.baseUrl });
    expect(report.ok).toBe(false);
    expect(report.error!.message).toMatch(/app id/);
    expect(report.text).toMatch(/1\. Register a user: failed/);
  });
});
