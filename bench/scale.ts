/**
 * Many boards in one bridge process: N fake boards (test/support/fake-board.ts,
 * the protocol's device side on MockBinding ports) run by the real Bridge
 * (link + UI + channel per board) against the local stand-in bot over real
 * HTTP, in a process of its own (bench/standin-child.ts), so that the RSS is
 * the bridge's (with the fake boards, which stand for hardware). Each board's SELECT is bound to a fixed text; every board presses it
 * on its own schedule (open loop, `intervalMs` apart with jitter) for
 * `durationMs`.
 *
 * Measured: messages reaching the stand-in per second; latency from the
 * press on the fake board to the HTTP request arriving at the stand-in
 * (p50, p99); the process's RSS at the end. Messages that arrive more than
 * once (should be 0) or not by the end of the drain time (a bridge behind the
 * offered load) are counted too.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { FakeBinding, FakeBoard, prng } from '../test/support/fake-board.js';
import type { Arrival } from './standin-child.js';

export interface ScaleFigures {
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
  rss_mb: number;
  /** RSS before the boards and the bridge were created: the runtime's own share (tsx, modules). */
  rss_base_mb: number;
  /** Presses made, and messages the bot received once / more than once / not yet when the drain time ended (still queued in the bridge). */
  pressed: number;
  delivered: number;
  duplicated: number;
  pending: number;
  /** Presses per second offered by all boards together. */
  offered_per_s: number;
}

/** Options of `measureScale`. */
export interface ScaleOptions {
  /** How long the boards press, in ms; default 6000. */
  durationMs?: number;
  /** Mean time between two presses of one board, in ms; default 500. */
  intervalMs?: number;
  /** Longest wait after the last press for the messages still on their way, in ms; default 10000. */
  drainMs?: number;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

export async function measureScale(n: number, opts: ScaleOptions = {}): Promise<ScaleFigures> {
  const durationMs = opts.durationMs ?? 6000;
  const intervalMs = opts.intervalMs ?? 500;
  const log = opts.log ?? (() => {});
  const stateDir = mkdtempSync(join(tmpdir(), 'botduino-bench-'));
  const rssBase = process.memoryUsage().rss;
  const bd = await startChild();
  const requests = bd.arrivals;

  const boards = Array.from({ length: n }, (_, i) => new FakeBoard({ path: `/dev/ttyBENCH${i}`, id: `bench-${i}` }));
  const bridge = new Bridge({
    devices: boards.map((b, i) => ({ port: b.path, ui: { buttons: { SELECT: { send: `m${i}` } } } })),
    client: new BotDistriktClient({ appId: bd.appId, domain: bd.domain, baseUrl: bd.baseUrl }),
    users: new Users({ stateDir }),
    binding: FakeBinding,
    startMessage: '',
  });
  const pressedAt: number[][] = boards.map(() => []);
  const timers: NodeJS.Timeout[] = [];
  try {
    const started = await bridge.start();
    if (started.failed.length) throw new Error(`${started.failed.length} of ${n} fake boards did not come online: ${started.failed[0].error.message}`);
    // every device registers its user on its first message: do that before measuring
    boards.forEach((b) => b.press('SELECT'));
    await waitFor(() => countMessages(requests) >= n, 30_000, `the first message of each of ${n} boards`);
    const warm = requests.length;
    log(`${n} boards online and registered`);

    const rnd = prng(n);
    const t0 = now();
    let pressed = 0;
    boards.forEach((b, i) => {
      const tick = () => {
        if (now() - t0 >= durationMs) return;
        pressedAt[i].push(now());
        pressed++;
        b.press('SELECT');
        timers[i] = setTimeout(tick, intervalMs * (0.5 + rnd()));
      };
      timers[i] = setTimeout(tick, intervalMs * rnd());
    });
    await new Promise((r) => setTimeout(r, durationMs));
    await waitFor(() => countMessages(requests, warm) >= pressed, opts.drainMs ?? 10_000, null);
    const rss = process.memoryUsage().rss;

    // match the k-th press of board i with the k-th message "m<i>" the bot received
    const seen = boards.map(() => 0);
    const latencies: number[] = [];
    let last = t0;
    let duplicated = 0;
    for (const r of requests.slice(warm)) {
      const i = messageDevice(r);
      if (i === null) continue;
      const k = seen[i]++;
      if (k >= pressedAt[i].length) {
        duplicated++;
        continue;
      }
      latencies.push(r.at - pressedAt[i][k]);
      last = Math.max(last, r.at);
    }
    latencies.sort((a, b) => a - b);
    const delivered = latencies.length;
    return {
      events_per_s: Math.round((delivered * 1000) / (last - t0)),
      p50_ms: round2(percentile(latencies, 0.5)),
      p99_ms: round2(percentile(latencies, 0.99)),
      rss_mb: Math.round(rss / 1e5) / 10,
      rss_base_mb: Math.round(rssBase / 1e5) / 10,
      pressed,
      delivered,
      duplicated,
      pending: pressed - delivered,
      offered_per_s: Math.round((n * 1000) / intervalMs),
    };
  } finally {
    timers.forEach((t) => clearTimeout(t));
    await bridge.stop();
    FakeBoard.destroyAll();
    bd.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Wall-clock ms, comparable with the stand-in's process. */
const now = () => performance.timeOrigin + performance.now();

/** The stand-in bot in its own process (bench/standin-child.ts). */
async function startChild(): Promise<{ baseUrl: string; appId: string; domain: string; arrivals: Arrival[]; close(): void }> {
  const child = fork(join(import.meta.dirname, 'standin-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const arrivals: Arrival[] = [];
  const ready = await new Promise<{ baseUrl: string; appId: string; domain: string }>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; arrival?: Arrival; baseUrl: string; appId: string; domain: string }) => {
      if (m.arrival) arrivals.push(m.arrival);
      else if (m.ready) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in bot's process ended (${code}) before it was ready`)));
  });
  return { ...ready, arrivals, close: () => child.disconnect() };
}

function messageDevice(r: Arrival): number | null {
  if (!r.processed) return null;
  const m = /^m(\d+)$/.exec(r.text);
  return m ? Number(m[1]) : null;
}

function countMessages(requests: Arrival[], from = 0): number {
  let c = 0;
  for (let i = from; i < requests.length; i++) if (messageDevice(requests[i]) !== null) c++;
  return c;
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string | null): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) {
      if (what === null) return; // the caller counts what is missing
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
