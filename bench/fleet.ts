/**
 * fleet.{bridges}x{devices}: pushes through the relay, a real Mosquitto and
 * the bridges' MQTT subscriptions (each bridge with its own broker user and
 * persistent session), timed from the POST to the relay until the bridge
 * hands the push to the device's session. One push per device, paced.
 *
 *   npx tsx bench/fleet.ts [bridges] [devices]   # alone, JSON on stdout
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MqttConfigSchema } from '../bridge/relay/config.js';
import { startRelay } from '../bridge/relay/relay.js';
import { startMqttPushes, type MqttPushes } from '../bridge/relay/subscriber.js';
import { startMosquitto } from '../support/mosquitto.js';
import { percentile } from './scale-stats.js';

export interface FleetFigures {
  bridges: number;
  devices_per_bridge: number;
  /** Timed pushes, one per device, at 500 a second (after 5 per bridge of warm-up). */
  pushes: number;
  push_p50_ms: number;
  push_p99_ms: number;
  lost: number;
  dup: number;
}

export async function measureFleet(
  bridges = 10,
  devices = 100,
  o: { perSecond?: number; log?: (l: string) => void } = {},
): Promise<FleetFigures> {
  const log = o.log ?? (() => {});
  const key = randomBytes(24).toString('base64url');
  const users: Record<string, string> = { relay: randomBytes(12).toString('hex') };
  for (let b = 0; b < bridges; b++) users[`bridge-${b}`] = randomBytes(12).toString('hex');
  const acl = [
    'user relay',
    'topic write botduino/fleet/u/#',
    ...Array.from({ length: bridges }, (_, b) => [`user bridge-${b}`, 'topic read botduino/fleet/u/+']).flat(),
    '',
  ].join('\n');
  const broker = await startMosquitto({ users, acl });
  const conf = (user: string) =>
    MqttConfigSchema.parse({ url: broker.url, username: user, password: users[user], app: 'fleet', topicKey: key, clientId: user });
  const relay = await startRelay({ port: 0, secret: randomBytes(18).toString('base64url'), mqtt: conf('relay') });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Map<string, number>();
  const subs: MqttPushes[] = [];
  try {
    for (let b = 0; b < bridges; b++) {
      const ids = Array.from({ length: devices }, (_, d) => `bd-fleet-${b}-${d}`);
      const sub = startMqttPushes({ mqtt: conf(`bridge-${b}`), users: () => ids, findDevice: (w) => `dev-${w}` });
      sub.on('push', (p) => {
        const id = p.messageId!;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        const t = sentAt.get(id);
        if (t !== undefined && seen.get(id) === 1 && !id.startsWith('warm-')) latencies.push(performance.now() - t);
      });
      subs.push(sub);
    }
    const deadline = Date.now() + 60_000;
    while (subs.some((s) => s.subscribed < devices)) {
      if (Date.now() > deadline) throw new Error('the bridges did not subscribe within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    log(`${bridges} bridges × ${devices} devices subscribed; pushing`);
    const post = (b: number, d: number, id: string, text: string) =>
      fetch(relay.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-botdistrikt-source': 'broadcast' },
        body: JSON.stringify({ webchat_id: `bd-fleet-${b}-${d}`, id, responses: [{ type: 'text', text }] }),
      }).then((r) => r.arrayBuffer());
    // Warm-up (not timed, but counted in lost and dup): the first pushes pay
    // for compiling the code paths and opening the HTTP connections.
    const warm = 5 * bridges;
    for (let i = 0; i < warm; i++) await post(i % bridges, 0, `warm-${i}`, 'warm-up');
    const warmDeadline = Date.now() + 10_000;
    while (seen.size < warm && Date.now() < warmDeadline) await new Promise((r) => setTimeout(r, 10));
    const perSecond = o.perSecond ?? 500;
    const total = bridges * devices;
    const gap = 1000 / perSecond;
    const t0 = performance.now();
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const b = i % bridges;
      const d = Math.floor(i / bridges);
      const id = `fleet-${i}`;
      const wait = t0 + i * gap - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sentAt.set(id, performance.now());
      posts.push(post(b, d, id, `news ${i}`));
    }
    await Promise.all(posts);
    const settle = Date.now() + 10_000;
    while (seen.size < total + warm && Date.now() < settle) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // late repeats, if any
    latencies.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      bridges,
      devices_per_bridge: devices,
      pushes: total,
      push_p50_ms: round(percentile(latencies, 0.5)),
      push_p99_ms: round(percentile(latencies, 0.99)),
      lost: total + warm - seen.size,
      dup: [...seen.values()].reduce((a, n) => a + n - 1, 0),
    };
  } finally {
    await Promise.all(subs.map((s) => s.close()));
    await relay.close();
    await broker.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [b, d] = process.argv.slice(2).map(Number);
  const r = await measureFleet(b || 10, d || 100, { log: (l) => process.stderr.write(l + '\n') });
  process.stdout.write(JSON.stringify({ [`${r.bridges}x${r.devices_per_bridge}`]: r }, null, 2) + '\n');
}
