/**
 * Relay + a real Mosquitto + three bridges, each with its own boards (fake
 * boards), and one bot (the local stand-in) whose event webhook points at
 * the relay. Pushes are shaped like the documented webhook.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { createLogger } from '../bridge/log.js';
import { MqttConfigSchema, type MqttConfigInput } from '../bridge/relay/config.js';
import { startRelay, type Relay } from '../bridge/relay/relay.js';
import { sealRelayMessage, userTopic } from '../bridge/relay/topic.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';
import { mosquittoInstalled, startMosquitto, type Mosquitto } from '../support/mosquitto.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const KEY = 'relay-key-0123456789abcdef';
const SECRET = 'relay-secret-0123456789abcdef';
const APP = 'test';
const PASSWORDS: Record<string, string> = { relay: 'relay-pw-1', 'bridge-a': 'pw-a-1', 'bridge-b': 'pw-b-1', 'bridge-c': 'pw-c-1' };
const ACL = [
  'user relay',
  `topic write botduino/${APP}/u/#`,
  ...['bridge-a', 'bridge-b', 'bridge-c'].flatMap((u) => [`user ${u}`, `topic read botduino/${APP}/u/+`]),
  '',
].join('\n');

let broker: Mosquitto;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  broker = await startMosquitto({ users: PASSWORDS, acl: ACL });
}, 30_000);
afterAll(async () => {
  await broker?.dispose();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  FakeBoard.destroyAll();
});

const mqttConfig = (user: string, over: Partial<MqttConfigInput> = {}) =>
  MqttConfigSchema.parse({ url: broker.url, username: user, password: PASSWORDS[user], app: APP, topicKey: KEY, clientId: user, ...over });

async function relayOn(port = 0): Promise<Relay> {
  const relay = await startRelay({ port, secret: SECRET, mqtt: mqttConfig('relay') });
  cleanups.push(() => relay.close());
  return relay;
}

interface Site {
  name: string;
  boards: FakeBoard[];
  stateDir: string;
  bridge: Bridge;
  lines: string[];
}

async function site(
  name: string,
  standIn: StandIn,
  o: { boards?: FakeBoard[]; stateDir?: string; mqtt?: Partial<MqttConfigInput> } = {},
): Promise<Site> {
  const boards = o.boards ?? [new FakeBoard(), new FakeBoard()];
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), `bd-relay-${name}-`));
  if (!o.stateDir) cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const bridge = new Bridge({
    devices: boards.map((b) => ({ port: b.path, device: 'lcd-keypad-shield' })),
    client: new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl }),
    users: new Users({ stateDir }),
    binding: FakeBinding,
    startMessage: 'hi',
    retryMinMs: 50,
    retryMaxMs: 100,
    linkOptions: { handshakeTimeoutMs: 2000 },
    webhook: { mqtt: mqttConfig(name, o.mqtt) },
    ui: { readingTime: { baseMs: 0, perCharMs: 0, minMs: 100, maxMs: 100 } },
    logger: createLogger({ level: 'debug', color: false, write: (l) => lines.push(l) }),
  });
  cleanups.push(() => bridge.stop());
  await bridge.start();
  return { name, boards, stateDir, bridge, lines };
}

/** The webchat_id of each board of a site. */
async function usersOf(s: Site): Promise<{ board: FakeBoard; webchatId: string }[]> {
  const users = new Users({ stateDir: s.stateDir });
  return Promise.all(
    s.bridge.sessions.map(async (session, i) => ({ board: s.boards[i]!, webchatId: (await users.get(session.deviceId!)).webchatId })),
  );
}

const screen = (b: FakeBoard) => b.lcd.text().join('|');
const ready = (s: Site, n: number) => expect.poll(() => s.bridge.mqtt?.subscribed ?? 0, { timeout: 15_000 }).toBe(n);

describe.skipIf(!mosquittoInstalled())('the relay, through Mosquitto, to three bridges', () => {
  it("shows a push for each device's user on that device only; the topics carry no webchat_id", async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    const relay = await relayOn();
    standIn.setWebhookUrl(relay.url);
    const sites = [await site('bridge-a', standIn), await site('bridge-b', standIn), await site('bridge-c', standIn)];
    for (const s of sites) await ready(s, 2);
    // Watch the broker as the relay's user sees it: no webchat_id appears in a topic.
    const topics: string[] = [];
    const payloads: string[] = [];
    const all = await mqtt.connectAsync(broker.url, { username: 'bridge-a', password: PASSWORDS['bridge-a'], clientId: 'watcher' });
    cleanups.push(() => all.endAsync(true));
    all.on('message', (t, p) => (topics.push(t), payloads.push(p.toString('latin1'))));
    await all.subscribeAsync(`botduino/${APP}/u/+`, { qos: 1 });
    const everyone = (await Promise.all(sites.map(usersOf))).flat();
    expect(new Set(everyone.map((u) => u.webchatId)).size).toBe(6);
    for (const [i, u] of everyone.entries()) {
      const rec = await standIn.push(u.webchatId, `Hello device ${i}`);
      expect(rec.status).toBe(200);
      await expect.poll(() => screen(u.board), { timeout: 10_000 }).toContain(`device ${i}`);
    }
    for (const [i, u] of everyone.entries())
      for (const other of everyone) if (other.board !== u.board) expect(screen(other.board)).not.toContain(`device ${i}`);
    await expect.poll(() => topics.length, { timeout: 10_000 }).toBe(6);
    for (const t of topics) for (const u of everyone) expect(t).not.toContain(u.webchatId);
    // and a client that may read every topic cannot read what they carry
    for (const p of payloads) {
      expect(p).not.toContain('Hello device');
      for (const u of everyone) expect(p).not.toContain(u.webchatId);
    }
    expect(topics).toContain(userTopic(APP, KEY, everyone[0]!.webchatId));
    // No secret in the logs: neither the relay key nor a webchat_id.
    for (const s of sites) for (const l of s.lines) for (const u of everyone) expect(l).not.toContain(u.webchatId);
  }, 60_000);

  it('delivers every push to a bridge that restarts while they arrive, each once', async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    const relay = await relayOn();
    standIn.setWebhookUrl(relay.url);
    const first = await site('bridge-b', standIn);
    await ready(first, 2);
    const [u] = await usersOf(first);
    const shown: string[] = [];
    first.bridge.mqtt!.on('push', (p) => shown.push(p.messageId!));
    const before = String(((await standIn.push(u!.webchatId, 'before the restart')).body as { id: string }).id);
    await expect.poll(() => shown.length, { timeout: 10_000 }).toBe(1);
    await first.bridge.stop();
    // Away: five pushes arrive at the relay and wait on the broker.
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(String(((await standIn.push(u!.webchatId, `while away ${i}`)).body as { id: string }).id));
    await expect.poll(() => relay.stats.published, { timeout: 10_000 }).toBe(6);
    const again = await site('bridge-b', standIn, { boards: first.boards, stateDir: first.stateDir });
    await expect.poll(() => again.bridge.mqtt!.stats.shown, { timeout: 15_000 }).toBe(5);
    await expect.poll(() => screen(u!.board), { timeout: 10_000 }).toContain('away 4');
    expect(again.bridge.mqtt!.stats.duplicates).toBe(0);
    // The broker sending one again (at-least-once) is dropped by message id,
    // also one the bridge showed before it restarted (remembered in its state directory).
    const pub = await mqtt.connectAsync(broker.url, { username: 'relay', password: PASSWORDS.relay, clientId: 'replayer' });
    cleanups.push(() => pub.endAsync(true));
    for (const id of [before, sent[4]!]) {
      const repeat = sealRelayMessage(KEY, u!.webchatId, {
        id,
        source: 'human',
        body: { webchat_id: u!.webchatId, responses: [{ type: 'text', text: 'again' }] },
        at: Date.now(),
      });
      await pub.publishAsync(userTopic(APP, KEY, u!.webchatId), repeat, { qos: 1 });
    }
    await expect.poll(() => again.bridge.mqtt!.stats.duplicates, { timeout: 10_000 }).toBe(2);
    expect(again.bridge.mqtt!.stats.shown).toBe(5);
    expect(sent).toHaveLength(5);
  }, 60_000);

  it('keeps delivering across a broker restart and a relay restart', async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    let relay = await relayOn();
    standIn.setWebhookUrl(relay.url);
    const s = await site('bridge-c', standIn);
    await ready(s, 2);
    const [u] = await usersOf(s);
    await broker.restart();
    await standIn.push(u!.webchatId, 'after the broker restart');
    await expect
      .poll(() => screen(u!.board), { timeout: 20_000 })
      .toContain('broker restart')
      .catch((e) => {
        throw new Error(
          `${e}\n${s.lines.filter((l) => l.includes('[relay]')).join('\n')}\nrelay: ${JSON.stringify(relay.stats)} ${relay.broker.problem}`,
        );
      });
    const port = relay.port;
    await relay.close();
    relay = await relayOn(port);
    await standIn.push(u!.webchatId, 'after the relay restart');
    await expect.poll(() => screen(u!.board), { timeout: 20_000 }).toContain('relay restart');
    expect(s.bridge.mqtt!.stats.shown).toBe(2);
  }, 60_000);

  it("lets only the relay write: a bridge publishing on another bridge's user topic reaches nobody", async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    const relay = await relayOn();
    standIn.setWebhookUrl(relay.url);
    const b = await site('bridge-b', standIn);
    await ready(b, 2);
    const [u] = await usersOf(b);
    const intruder = await mqtt.connectAsync(broker.url, { username: 'bridge-a', password: PASSWORDS['bridge-a'], clientId: 'intruder' });
    cleanups.push(() => intruder.endAsync(true));
    const forged = sealRelayMessage(KEY, u!.webchatId, {
      id: 'forged-1',
      source: 'human',
      body: { webchat_id: u!.webchatId, responses: [{ type: 'text', text: 'forged' }] },
      at: Date.now(),
    });
    await intruder.publishAsync(userTopic(APP, KEY, u!.webchatId), forged, { qos: 1 });
    // a genuine push after it arrives; the forged one never does
    await standIn.push(u!.webchatId, 'genuine');
    await expect.poll(() => screen(u!.board), { timeout: 10_000 }).toContain('genuine');
    expect(b.bridge.mqtt!.stats.shown).toBe(1);
  }, 60_000);

  it('says clearly when the broker refuses the password, and the devices keep working', async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    const s = await site('bridge-a', standIn, { mqtt: { password: 'wrong-password' } });
    await expect
      .poll(() => s.lines.join('\n'), { timeout: 15_000 })
      .toMatch(/refused the username or password of webhook\.mqtt \(user bridge-a\)/);
    expect(s.lines.join('\n')).not.toContain('wrong-password');
    await expect.poll(() => standIn.processedMessages(), { timeout: 10_000 }).toEqual(['hi', 'hi']);
    expect(s.bridge.sessions.map((x) => x.link.state)).toEqual(['online', 'online']);
  }, 30_000);

  it('says clearly when the broker cannot be reached, keeps the devices working, and connects once it is there', async () => {
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    await broker.stop();
    let restarted = false;
    cleanups.push(async () => {
      if (!restarted) await broker.start();
    });
    const s = await site('bridge-a', standIn);
    await expect
      .poll(() => s.lines.join('\n'), { timeout: 15_000 })
      .toMatch(/cannot reach the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    await expect.poll(() => standIn.processedMessages(), { timeout: 10_000 }).toEqual(['hi', 'hi']);
    expect(s.bridge.sessions.map((x) => x.link.state)).toEqual(['online', 'online']);
    await broker.start();
    restarted = true;
    await ready(s, 2);
  }, 60_000);
});
