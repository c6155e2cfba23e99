import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Channel } from '../bridge/botdistrikt/channel.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';

const DOMAIN = 'https://h4k8s2m0qd.botduino-test.net';
let bd: StandIn;
let dir: string;

beforeEach(async () => {
  bd = await startStandIn({ appId: '5', domain: DOMAIN, pushDelayMs: 10 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'botduino-channel-'));
});
afterEach(async () => {
  await bd.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function channel(opts: { newConversation?: boolean } = {}) {
  const client = new BotDistriktClient({ appId: '5', domain: DOMAIN, baseUrl: bd.baseUrl, retryDelayMs: 5 });
  const users = new Users({ stateDir: dir });
  const ch = new Channel({ deviceId: 'uno-1', client, users, ...opts });
  const events: string[] = [];
  ch.on('thinking', () => events.push('thinking'));
  ch.on('replies', ({ replies }) => events.push(`replies:${replies.length}`));
  ch.on('failed', ({ notSent }) => events.push(`failed:${notSent}`));
  ch.on('rotated', () => events.push('rotated'));
  return { ch, users, events };
}

const registrations = () => bd.requests.filter((r) => r.path.endsWith('/user')).length;

describe("a device's channel to the bot", () => {
  it('registers lazily before the first send, once, and not again after a restart', async () => {
    const { ch, events } = channel();
    expect(registrations()).toBe(0);
    const out = await ch.send({ text: 'hi' });
    expect(out.ok).toBe(true);
    await ch.send({ text: 'again' });
    expect(registrations()).toBe(1);
    expect(events).toEqual(['thinking', 'replies:1', 'thinking', 'replies:1']);

    const restarted = channel();
    await restarted.ch.send({ text: 'after restart' });
    expect(registrations()).toBe(1);
    expect(bd.processedMessages()).toEqual(['hi', 'again', 'after restart']);
  });

  it('registers again after BotDistrikt forgot the user, and remembers the new registration', async () => {
    const { ch } = channel();
    await ch.send({ text: 'one' });
    bd.forgetUser(await ch.webchatId());
    const out = await ch.send({ text: 'two' });
    expect(out.ok).toBe(true);
    await channel().ch.send({ text: 'three' });
    expect(registrations()).toBe(2);
    expect(bd.processedMessages()).toEqual(['one', 'two', 'three']);
  });

  it('reports a failure with notSent so the UI can offer a retry, and never throws', async () => {
    const { ch, events } = channel();
    await ch.send({ text: 'hi' });
    bd.inject({ kind: 'drop', processed: true });
    const out = await ch.send({ text: 'lost?' });
    expect(out.ok).toBe(false);
    expect(events.slice(-2)).toEqual(['thinking', 'failed:false']);
    await bd.refuse();
    const out2 = await ch.send({ text: 'offline' });
    expect(out2).toMatchObject({ ok: false, notSent: true });
  });

  it('keeps messages in order when several are sent at once', async () => {
    const { ch } = channel();
    await Promise.all(['a', 'b', 'c', 'd'].map((t) => ch.send({ text: t })));
    expect(bd.processedMessages()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a new conversation as a new user on request', async () => {
    const { ch, events } = channel();
    await ch.send({ text: 'hi' });
    const before = await ch.webchatId();
    expect(await ch.rotate()).toBe(true);
    await ch.send({ text: 'hi' });
    expect(await ch.webchatId()).not.toBe(before);
    expect(registrations()).toBe(2);
    expect(events).toContain('rotated');
  });

  it('refuses "new conversation" when the kiosk setting is off', async () => {
    const { ch } = channel({ newConversation: false });
    await ch.send({ text: 'hi' });
    const before = await ch.webchatId();
    expect(await ch.rotate()).toBe(false);
    expect(await ch.webchatId()).toBe(before);
  });
});
