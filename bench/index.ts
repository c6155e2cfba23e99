/**
 * `npm run bench`: botduino's performance figures on this machine.
 *
 *   npm run bench                 # a readable table, with the targets ✓/✗
 *   npm run bench -- --json       # one JSON object on stdout (progress on stderr)
 *   npm run bench -- --quick      # shorter runs, for a smoke test
 *
 * Sections: firmware sizes and least free stack (firmware.ts), latency and
 * wire time on the simulated board (latency.ts), the codec's speed
 * (codec.ts), and many boards in one bridge (scale.ts, each board count in a
 * process of its own).
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCodec } from './codec.js';
import { measureFirmware } from './firmware.js';
import { measureLatency } from './latency.js';
import type { BenchResult } from './result.js';
import { FULL_SCALE, measureScaleInChild, QUICK_SCALE, type ScaleFigures } from './scale.js';
import { checkTargets } from './targets.js';

export type { BenchResult } from './result.js';

export interface BenchOptions {
  /** Shorter runs (fewer repeats, 0.2 s codec loops, 1 s of presses per scale step); default false. */
  quick?: boolean;
  /** Board counts for the scale section; default [1, 16, 256]. */
  scale?: number[];
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

const SHIELD = 'lcd-keypad-shield';
const I2C = 'i2c-lcd-keypad';

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const log = opts.log ?? (() => {});
  const t0 = performance.now();

  const firmware: BenchResult['firmware'] = {};
  const hex: Record<string, string | undefined> = {};
  for (const preset of [SHIELD, I2C]) {
    log(`firmware: ${preset}`);
    const m = await measureFirmware(preset, { log: (l) => log(`  ${l}`) });
    firmware[preset] = m.figures;
    hex[preset] = m.hex;
  }

  log('latency on the simulated board');
  const repeats = quick ? 2 : 8;
  const shield = measureLatency(SHIELD, { repeats, hex: hex[SHIELD] });
  const i2c = measureLatency(I2C, { repeats, hex: hex[I2C] });

  log('codec');
  const codec = measureCodec(quick ? 200 : 1000);

  const scale: Record<string, ScaleFigures> = {};
  for (const n of opts.scale ?? [1, 16, 256]) {
    log(`scale: ${n} board(s)`);
    // each count in a process of its own: the RSS is the bridge's, not the simulator's loaded above
    scale[String(n)] = await measureScaleInChild(n, { ...(quick ? QUICK_SCALE : FULL_SCALE), log: (l) => log(`  ${l}`) });
  }

  return {
    firmware,
    latency_us: {
      key_to_host: Math.max(shield.keyToHostUs, i2c.keyToHostUs),
      screen_16x2: shield.full.latencyUs,
      screen_20x4: i2c.full.latencyUs,
      one_char: shield.oneChar.latencyUs,
    },
    wire_us: {
      screen_16x2: Math.round(shield.full.wireUs),
      screen_20x4: Math.round(i2c.full.wireUs),
      one_char: Math.round(shield.oneChar.wireUs),
    },
    overhead: {
      bytes_per_full_16x2: shield.full.bytes,
      bytes_per_one_char: shield.oneChar.bytes,
      bytes_per_full_20x4: i2c.full.bytes,
      counted: 'host-to-device frame bytes, line ends included; the board’s ACKs back are not counted',
    },
    codec,
    scale,
    meta: { quick, node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, seconds: Math.round((performance.now() - t0) / 100) / 10 },
  };
}

/** The result as a table, with the targets. */
export function formatTable(r: BenchResult): string {
  const lines: string[] = [];
  const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
  const checks = new Map(checkTargets(r).map((c) => [c.name, c]));
  const mark = (name: string) => {
    const c = checks.get(name);
    return c ? `${c.met ? '✓' : '✗'} ${c.kind === 'max' ? '≤' : '≥'} ${n(c.limit)} ${c.unit}` : '';
  };
  const row = (label: string, value: string, target = '') => lines.push(`  ${label.padEnd(34)} ${value.padStart(14)}   ${target}`);

  lines.push('Firmware (avr-size; least free stack in an end-to-end simulated session)');
  for (const [p, f] of Object.entries(r.firmware)) {
    const src = f.source === 'image' ? ' (committed image, no toolchain)' : '';
    row(`${p} flash${src}`, `${n(f.flash)} B`, mark(`firmware.${p}.flash`));
    row(`${p} static RAM`, `${n(f.ram)} B`, mark(`firmware.${p}.ram`));
    row(`${p} least free stack`, `${n(f.minFreeStack)} B`, mark(`firmware.${p}.minFreeStack`));
  }
  lines.push('Latency (simulated time, 115200 Bd)                      wire time');
  const lat = (label: string, key: keyof BenchResult['latency_us'], wire?: number) =>
    row(label, `${n(r.latency_us[key])} µs`, `${wire === undefined ? '' : `${n(wire)} µs`.padStart(9)}   ${mark(`latency_us.${key}`)}`);
  lat('key press → host', 'key_to_host');
  lat('full screen 16×2 (shield)', 'screen_16x2', r.wire_us.screen_16x2);
  lat('full screen 20×4 (I2C)', 'screen_20x4', r.wire_us.screen_20x4);
  lat('one character (shield)', 'one_char', r.wire_us.one_char);
  lines.push('Bytes on the wire, host → device (ACKs back not counted)');
  row('full 16×2 update', `${n(r.overhead.bytes_per_full_16x2)} B`);
  row('full 20×4 update', `${n(r.overhead.bytes_per_full_20x4)} B`);
  row('one-character update', `${n(r.overhead.bytes_per_one_char)} B`);
  lines.push('Codec (TypeScript, mixed frames)');
  row('encode', `${n(r.codec.encode_fps)} /s`, mark('codec.encode_fps'));
  row('decode', `${n(r.codec.decode_fps)} /s`, mark('codec.decode_fps'));
  lines.push('Scale (fake boards + the real Bridge in a process per row; the stand-in bot over HTTP in another)');
  lines.push('  (p50/p99: press → the reply on the LCD; bot p99: press → the request at the bot; CPU ms per message of the bridge process, fake boards included; CPU wait: ms its main thread waited for a CPU)');
  lines.push(`  ${'boards'.padEnd(8)} ${'offered/s'.padStart(10)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'bot p99'.padStart(8)} ${'CPU/msg'.padStart(8)} ${'CPU wait'.padStart(9)} ${'RSS MB'.padStart(8)} ${'(base)'.padStart(7)} ${'pending'.padStart(8)} ${'dup'.padStart(5)}`);
  for (const [k, s] of Object.entries(r.scale))
    lines.push(
      `  ${k.padEnd(8)} ${n(s.offered_per_s).padStart(10)} ${n(s.events_per_s).padStart(10)} ${s.p50_ms.toFixed(1).padStart(9)} ${s.p99_ms.toFixed(1).padStart(9)} ${s.bot_p99_ms.toFixed(1).padStart(8)} ${s.cpu_ms_per_msg.toFixed(2).padStart(8)} ${String(s.cpu_wait_ms ?? '—').padStart(9)} ${s.rss_mb.toFixed(1).padStart(8)} ${s.rss_base_mb.toFixed(1).padStart(7)} ${String(s.pending).padStart(8)} ${String(s.duplicated).padStart(5)}`,
    );
  if (r.scale['256']) lines.push(`  256 boards: p99 ${mark('scale.256.p99_ms')}; RSS ${mark('scale.256.rss_mb')}`);
  lines.push(`(${r.meta.quick ? 'quick run, ' : ''}${r.meta.platform}, ${r.meta.cpus} CPUs, Node ${r.meta.node}, ${r.meta.seconds} s)`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const unknown = argv.filter((a) => !['--json', '--quick'].includes(a));
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}: use --json, --quick or neither.\n`);
    return 2;
  }
  const result = await runBench({ quick, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(json ? JSON.stringify(result) + '\n' : formatTable(result) + '\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`The benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
