/**
 * Many boards in one bridge process: N fake boards (support/fake-board.ts,
 * the protocol's device side on MockBinding ports) run by the real Bridge
 * (link + UI + channel per board) against the local stand-in bot over real
 * HTTP, in a process of its own (bench/standin-child.ts), so that the RSS and
 * the CPU time are the bridge's (with the fake boards, which stand for
 * hardware) and not the bot's. Each board's five buttons are bound to five
 * fixed texts; every board presses them in turn on its own schedule (open
 * loop, `intervalMs` apart with jitter) for `durationMs`. Before that, they
 * press the same way for `warmupMs`, unmeasured, and the replies are waited
 * for: the figures are those of a bridge in steady state (its hot code
 * compiled, its heap settled), as one that has been running for a while, and
 * not those of its first seconds.
 *
 * Measured, per message, what a user would feel: from the press on the fake
 * board to the bot's reply ("You said: …", the stand-in echoes) shown on that
 * board's LCD (p50, p99); also the press to the HTTP request arriving at the
 * bot (`bot_p50_ms`, `bot_p99_ms`). The bridge process's CPU time per message
 * (fake boards included) and the bot's; the process's RSS at the end; the
 * event loop's delay and the garbage collector's pauses over the run (what
 * bounds the p99). Messages that reach the bot more than once (should be 0)
 * or are not answered by the end of the drain time are counted too. The
 * fake boards keep no logs, and the stand-in reports its arrivals only at
 * the end, so the measurement itself costs the bridge's process nothing
 * while it runs.
 *
 * `measureScaleInChild` runs one measurement in a fresh process, so the RSS
 * is the bridge's and not that of the simulator the bench's earlier sections
 * loaded. That process, and the stand-in's, run the compiled JavaScript in
 * .bench-dist/ (built first with tsconfig.bench.json, apart from the package's dist/), as an installed bridge does:
 * no TypeScript loader in them, and the garbage collector set as the botduino command sets it (bridge/heap.ts). The section alone, as JSON:
 *
 *   npx tsx bench/scale.ts 1 16 256            # add --quick for 1 s of presses
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Bridge } from '../bridge/app.js';
import { tuneHeap } from '../bridge/heap.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { FakeBinding, FakeBoard, prng } from '../support/fake-board.js';
import { cpuWaitMs, percentile, round2, waitFor } from './scale-stats.js';
import type { Arrival, ChildAnswer, ChildRequest } from './standin-child.js';

export interface ScaleFigures {
  events_per_s: number;
  /** Press on the board → the bot's reply on its LCD, ms. */
  p50_ms: number;
  p99_ms: number;
  /** Press on the board → the request at the bot, ms. */
  bot_p50_ms: number;
  bot_p99_ms: number;
  /** CPU time (user + system) of the bridge's process per message while the boards pressed, fake boards included, ms. */
  cpu_ms_per_msg: number;
  /** The same for the stand-in bot's process (not the bridge's). */
  bot_cpu_ms_per_msg: number;
  rss_mb: number;
  /** RSS before the boards and the bridge were created: the runtime's own share (Node, modules). */
  rss_base_mb: number;
  /** The event loop's delay over the run (p99, max), ms: how late a timer or an I/O callback ran. */
  loop_p99_ms: number;
  loop_max_ms: number;
  /** Garbage-collection pauses over the run: their count, the longest, and their total, ms. */
  gc_count: number;
  gc_max_ms: number;
  gc_total_ms: number;
  /** Time the bridge's main thread was ready to run but waited for a CPU (other processes had them), over the run, ms; null off Linux. */
  cpu_wait_ms: number | null;
  /** The machine's 1-minute load average at the end (2 CPUs on the build machine). */
  load1: number;
  /** Presses made; messages the bot received once / more than once; presses with no reply on the LCD when the drain time ended. */
  pressed: number;
  delivered: number;
  duplicated: number;
  pending: number;
  /** Presses per second offered by all boards together. */
  offered_per_s: number;
  /** How long the boards pressed, unmeasured, before the measured presses, ms. */
  warmup_ms: number;
}

/** Options of `measureScale`. */
export interface ScaleOptions {
  /** How long the boards press, in ms; default 6000. */
  durationMs?: number;
  /**
   * How long the boards press before that, unmeasured, in ms; default 0. The
   * bridge's code is compiled for its hot paths and its heap has settled by
   * the end of it, as in a bridge that has been running for a while; the
   * replies still on their way are waited for before the measured presses.
   */
  warmupMs?: number;
  /** Mean time between two presses of one board, in ms; default 500. */
  intervalMs?: number;
  /** Longest wait after the last press for the replies still on their way, in ms; default 10000. */
  drainMs?: number;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

/** The buttons a board presses in turn, each bound to its own text, so that each reply differs from the four before it on the LCD. */
const BUTTONS = ['SELECT', 'LEFT', 'RIGHT', 'UP', 'DOWN'] as const;
const textOf = (board: number, press: number) => `m${board}${'abcde'[press % BUTTONS.length]}`;

export async function measureScale(n: number, opts: ScaleOptions = {}): Promise<ScaleFigures> {
  const durationMs = opts.durationMs ?? 6000;
  const intervalMs = opts.intervalMs ?? 500;
  const log = opts.log ?? (() => {});
  const stateDir = mkdtempSync(join(tmpdir(), 'botduino-bench-'));
  const rssBase = process.memoryUsage().rss;
  const bd = await startChild();

  const boards = Array.from({ length: n }, (_, i) => new FakeBoard({ path: `/dev/ttyBENCH${i}`, id: `bench-${i}`, keepLogs: false }));
  const bridge = new Bridge({
    devices: boards.map((b, i) => ({
      port: b.path,
      ui: { buttons: Object.fromEntries(BUTTONS.map((name, k) => [name, { send: textOf(i, k) }])) },
    })),
    client: new BotDistriktClient({ appId: bd.appId, domain: bd.domain, baseUrl: bd.baseUrl }),
    users: new Users({ stateDir }),
    binding: FakeBinding,
    startMessage: '',
  });
  // per board: the presses not yet answered on its LCD, oldest first
  const waiting: { at: number; reply: string }[][] = boards.map(() => []);
  const pressedAt: number[][] = boards.map(() => []);
  const latencies: number[] = [];
  let measuring = false;
  const presses = boards.map(() => 0);
  const press = (i: number) => {
    const k = presses[i]++;
    const at = now();
    if (measuring) pressedAt[i].push(at);
    waiting[i].push({ at, reply: `You said: ${textOf(i, k)}` });
    boards[i].press(BUTTONS[k % BUTTONS.length]);
  };
  boards.forEach((b, i) => {
    // A reply shown answers its press and those before it: when replies come
    // faster than the LCD is written, the board may show only the last one.
    b.onApply = () => {
      const w = waiting[i];
      const j = w.findIndex((x) => b.lcd.cells.some((row) => row.includes(x.reply)));
      if (j < 0) return;
      const t = now();
      for (const x of w.splice(0, j + 1)) if (measuring) latencies.push(t - x.at);
    };
  });
  const unanswered = () => waiting.reduce((a, w) => a + w.length, 0);
  const timers: NodeJS.Timeout[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const gcs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcs.push(e.duration)));
  try {
    const started = await bridge.start();
    if (started.failed.length)
      throw new Error(`${started.failed.length} of ${n} fake boards did not come online: ${started.failed[0].error.message}`);
    // every device registers its user on its first message: do that before measuring
    boards.forEach((_, i) => press(i));
    await waitFor(() => unanswered() === 0, 30_000, `the reply to the first message of each of ${n} boards`);
    log(`${n} boards online and registered`);

    const rnd = prng(n);
    /** Every board presses on its own schedule for `ms`; resolves when they have stopped. Returns the presses made. */
    const pressFor = async (ms: number): Promise<number> => {
      const start = now();
      let count = 0;
      boards.forEach((_, i) => {
        const tick = () => {
          if (now() - start >= ms) return;
          count++;
          press(i);
          timers[i] = setTimeout(tick, intervalMs * (0.5 + rnd()));
        };
        timers[i] = setTimeout(tick, intervalMs * rnd());
      });
      await new Promise((r) => setTimeout(r, ms));
      return count;
    };
    if (opts.warmupMs) {
      await pressFor(opts.warmupMs);
      await waitFor(() => unanswered() === 0, opts.drainMs ?? 10_000, `the replies to the warm-up's presses of ${n} boards`);
      log(`warmed up for ${opts.warmupMs} ms`);
    }
    const warm = (await bd.ask({ dump: true })) as { arrivals: Arrival[] };

    const botCpu0 = (await bd.ask({ cpu: true })).cpuMs;
    const cpu0 = process.cpuUsage();
    const wait0 = cpuWaitMs();
    gcObserver.observe({ entryTypes: ['gc'] });
    loop.enable();
    measuring = true;
    const t0 = now();
    const pressed = await pressFor(durationMs);
    await waitFor(() => unanswered() === 0, opts.drainMs ?? 10_000, null);
    loop.disable();
    gcObserver.disconnect();
    const cpu = process.cpuUsage(cpu0);
    const wait1 = cpuWaitMs();
    const rss = process.memoryUsage().rss;
    const { arrivals, cpuMs: botCpu1 } = (await bd.ask({ dump: true })) as { arrivals: Arrival[]; cpuMs: number };

    // match the k-th press of board i with the k-th message of board i the bot received
    const seen = boards.map(() => 0);
    const toBot: number[] = [];
    let last = t0;
    let duplicated = 0;
    for (const r of arrivals.slice(warm.arrivals.length)) {
      const i = messageDevice(r);
      if (i === null) continue;
      const k = seen[i]++;
      if (k >= pressedAt[i].length) {
        duplicated++;
        continue;
      }
      toBot.push(r.at - pressedAt[i][k]);
      last = Math.max(last, r.at);
    }
    toBot.sort((a, b) => a - b);
    latencies.sort((a, b) => a - b);
    const delivered = toBot.length;
    return {
      events_per_s: Math.round((delivered * 1000) / (last - t0)),
      p50_ms: round2(percentile(latencies, 0.5)),
      p99_ms: round2(percentile(latencies, 0.99)),
      bot_p50_ms: round2(percentile(toBot, 0.5)),
      bot_p99_ms: round2(percentile(toBot, 0.99)),
      cpu_ms_per_msg: round2((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)),
      bot_cpu_ms_per_msg: round2((botCpu1 - botCpu0) / Math.max(1, delivered)),
      rss_mb: Math.round(rss / 1e5) / 10,
      rss_base_mb: Math.round(rssBase / 1e5) / 10,
      loop_p99_ms: round2(loop.percentile(99) / 1e6),
      loop_max_ms: round2(loop.max / 1e6),
      gc_count: gcs.length,
      gc_max_ms: round2(Math.max(0, ...gcs)),
      gc_total_ms: round2(gcs.reduce((a, b) => a + b, 0)),
      cpu_wait_ms: wait0 === null || wait1 === null ? null : Math.round(wait1 - wait0),
      load1: round2(loadavg()[0]),
      pressed,
      delivered,
      duplicated,
      pending: unanswered(),
      offered_per_s: Math.round((n * 1000) / intervalMs),
      warmup_ms: opts.warmupMs ?? 0,
    };
  } finally {
    measuring = false;
    loop.disable();
    gcObserver.disconnect();
    timers.forEach((t) => clearTimeout(t));
    await bridge.stop();
    FakeBoard.destroyAll();
    bd.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Options for the shorter runs of `--quick`. */
export const QUICK_SCALE: ScaleOptions = { warmupMs: 500, durationMs: 1000, intervalMs: 500, drainMs: 5000 };
/** Options for the full runs. */
export const FULL_SCALE: ScaleOptions = { warmupMs: 3000, durationMs: 5000, drainMs: 8000 };

type ChildMessage = { log: string } | { figures: ScaleFigures } | { error: string };

const ROOT = resolve(import.meta.dirname, import.meta.url.endsWith('.ts') ? '..' : '../..');
let compiled = false;

/** Compiles the scale section and the bridge to dist/ (once per process); returns the compiled scale.js. */
export function buildCompiled(): string {
  const out = join(ROOT, '.bench-dist', 'bench', 'scale.js');
  if (!import.meta.url.endsWith('.ts')) return fileURLToPath(import.meta.url);
  if (!compiled) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.bench.json')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    compiled = true;
  }
  if (!existsSync(out)) throw new Error(`${out} is missing after compiling tsconfig.bench.json`);
  return out;
}

/** `measureScale(n, opts)` in a process of its own (the compiled scale.js in dist/, plain node); `opts.log` gets its progress lines. */
export function measureScaleInChild(n: number, opts: ScaleOptions = {}): Promise<ScaleFigures> {
  const { log, ...rest } = opts;
  const child = fork(buildCompiled(), ['--child'], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise<ScaleFigures>((resolvePromise, reject) => {
    let settled = false;
    child.on('message', (m: ChildMessage) => {
      if ('log' in m) log?.(m.log);
      else if ('figures' in m) {
        settled = true;
        resolvePromise(m.figures);
      } else {
        settled = true;
        reject(new Error(`The scale benchmark with ${n} board(s) failed: ${m.error}`));
      }
    });
    child.once('exit', (code, signal) => {
      if (!settled)
        reject(
          new Error(`The scale benchmark's process with ${n} board(s) ended (${signal ?? code}) before it reported; see its output above.`),
        );
    });
    child.send({ n, opts: rest });
  });
}

/** The forked side of measureScaleInChild: the bridge runs as the botduino command runs it. */
function serveAsChild(): void {
  tuneHeap();
  process.once('message', (m: { n: number; opts: ScaleOptions }) => {
    measureScale(m.n, { ...m.opts, log: (line) => process.send?.({ log: line } satisfies ChildMessage) }).then(
      (figures) => process.send?.({ figures } satisfies ChildMessage, () => process.disconnect()),
      (e: unknown) =>
        process.send?.({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies ChildMessage, () =>
          process.disconnect(),
        ),
    );
  });
}

/** `npx tsx bench/scale.ts [--quick] N…`: the scale section alone, one process per N, as JSON on stdout. */
async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const counts = argv.filter((a) => a !== '--quick').map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 1)) {
    process.stderr.write(`Give board counts as whole numbers, e.g. \`npx tsx bench/scale.ts 1 16 256\` (and --quick for short runs).\n`);
    return 2;
  }
  const out: Record<string, ScaleFigures> = {};
  for (const n of counts.length ? counts : [1, 16, 256]) {
    process.stderr.write(`scale: ${n} board(s)\n`);
    out[String(n)] = await measureScaleInChild(n, { ...(quick ? QUICK_SCALE : FULL_SCALE), log: (l) => process.stderr.write(`  ${l}\n`) });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--child') && process.send) serveAsChild();
  else
    main(process.argv.slice(2)).then(
      (code) => (process.exitCode = code),
      (e: unknown) => {
        process.stderr.write(`The scale benchmark failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      },
    );
}

/** Wall-clock ms, comparable with the stand-in's process. */
const now = () => performance.timeOrigin + performance.now();

/** The stand-in bot in its own process (bench/standin-child.ts). */
async function startChild(): Promise<{
  baseUrl: string;
  appId: string;
  domain: string;
  ask(q: ChildRequest): Promise<ChildAnswer>;
  close(): void;
}> {
  // the compiled stand-in next to the compiled scale.js; the TypeScript one under tsx otherwise
  const ts = import.meta.url.endsWith('.ts');
  const child: ChildProcess = fork(join(import.meta.dirname, ts ? 'standin-child.ts' : 'standin-child.js'), [], {
    execArgv: ts ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const answers: ((a: ChildAnswer) => void)[] = [];
  const ready = await new Promise<{ baseUrl: string; appId: string; domain: string }>((resolve, reject) => {
    child.on('message', (m: { ready: true; baseUrl: string; appId: string; domain: string } | ChildAnswer) => {
      if ('ready' in m) resolve(m);
      else answers.shift()?.(m);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in bot's process ended (${code}) before it was ready`)));
  });
  const ask = (q: ChildRequest) =>
    new Promise<ChildAnswer>((resolve) => {
      answers.push(resolve);
      child.send(q);
    });
  return { ...ready, ask, close: () => child.disconnect() };
}

function messageDevice(r: Arrival): number | null {
  if (!r.processed) return null;
  const m = /^m(\d+)[a-e]$/.exec(r.text);
  return m ? Number(m[1]) : null;
}
