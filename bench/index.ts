/**
 * `npm run bench`: botduino's performance figures on this machine.
 *
 *   npm run bench                 # a readable table, with the targets ✓/✗
 *   npm run bench -- --json       # one JSON object on stdout (progress on stderr)
 *   npm run bench -- --quick      # shorter runs, for a smoke test
 *   npm run bench -- --only=latency   # the firmware and the named sections only (latency, codec, scale)
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
import { measureFleet } from './fleet.js';
import { loadDevice } from '../firmware/devices/index.js';
import { measureLatency, type PresetLatency } from './latency.js';
import { variantDevice, variantImage, type Variant } from './variants.js';
import type { BenchResult } from './result.js';
import { mosquittoInstalled } from '../support/mosquitto.js';
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
  /** Sections to run ('latency', 'codec', 'scale'; the firmware section always runs, the others need its images); default all. */
  only?: string[];
}

export const SECTIONS = ['latency', 'codec', 'scale'];

const SHIELD = 'lcd-keypad-shield';
const I2C = 'i2c-lcd-keypad';

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const log = opts.log ?? (() => {});
  const run = (section: string) => !opts.only || opts.only.includes(section);
  const t0 = performance.now();

  const firmware: BenchResult['firmware'] = {};
  const hex: Record<string, string | undefined> = {};
  for (const preset of [SHIELD, I2C]) {
    log(`firmware: ${preset}`);
    const m = await measureFirmware(preset, { log: (l) => log(`  ${l}`) });
    firmware[preset] = m.figures;
    hex[preset] = m.hex;
  }

  const repeats = quick ? 2 : 8;
  const steady = quick ? 40 : 300;
  const latency = async (preset: string, v: Variant, built?: string): Promise<PresetLatency | null> => {
    if (!run('latency')) return null;
    const image =
      built !== undefined
        ? { device: variantDevice(preset, v), hex: built, source: `${preset}.hex` }
        : await variantImage(preset, v, { log });
    if (!image) return null;
    log(`  ${image.source}`);
    return measureLatency({ ...image, repeats, steady });
  };
  if (run('latency')) log('latency on the simulated board, in steady state');
  const shield = await latency(SHIELD, {}, hex[SHIELD]);
  const i2cLcd = loadDevice(I2C).lcd;
  const i2cPresetHz = i2cLcd.interface === 'i2c' ? i2cLcd.clock : 0;
  const i2c100 = await latency(I2C, { i2cHz: 100_000 }, i2cPresetHz === 100_000 ? hex[I2C] : undefined);
  const i2c400 = await latency(I2C, { i2cHz: 400_000 });
  const shield115 = await latency(SHIELD, { baud: 115_200 });
  const baud = loadDevice(SHIELD).baud;
  const none = Number.NaN;

  let codec = { encode_fps: none, decode_fps: none };
  if (run('codec')) {
    log('codec');
    codec = measureCodec(quick ? 200 : 1000);
  }

  const scale: Record<string, ScaleFigures> = {};
  for (const n of run('scale') ? (opts.scale ?? [1, 16, 256]) : []) {
    log(`scale: ${n} board(s)`);
    // each count in a process of its own: the RSS is the bridge's, not the simulator's loaded above
    scale[String(n)] = await measureScaleInChild(n, { ...(quick ? QUICK_SCALE : FULL_SCALE), log: (l) => log(`  ${l}`) });
  }

  let fleet: BenchResult['fleet'];
  if (mosquittoInstalled()) {
    log('fleet: 10 bridges × 100 devices through the relay and Mosquitto');
    const f = await measureFleet(10, 100, { log: (l) => log(`  ${l}`) });
    fleet = { [`${f.bridges}x${f.devices_per_bridge}`]: f };
  } else log('fleet: skipped (mosquitto is not installed; `bash scripts/setup-test.sh` installs it)');

  return {
    firmware,
    latency_us: {
      key_to_host: Math.max(shield?.keyToHostUs ?? none, i2c100?.keyToHostUs ?? none),
      key_to_host_worst: Math.max(shield?.keyToHostWorstUs ?? none, i2c100?.keyToHostWorstUs ?? none),
      screen_16x2: shield?.full.latencyUs ?? none,
      screen_20x4_100k: i2c100?.full.latencyUs ?? none,
      screen_20x4_400k: i2c400?.full.latencyUs ?? none,
      one_char: shield?.oneChar.latencyUs ?? none,
      one_char_worst: shield?.oneChar.worstUs ?? none,
    },
    latency_us_115200: {
      key_to_host: shield115?.keyToHostUs ?? none,
      screen_16x2: shield115?.full.latencyUs ?? none,
      one_char: shield115?.oneChar.latencyUs ?? none,
    },
    tear_ms: { i2c_100k: i2c100?.tearMs ?? none, i2c_400k: i2c400?.tearMs ?? none },
    wire_us: {
      screen_16x2: Math.round(shield?.full.wireUs ?? none),
      screen_20x4: Math.round(i2c100?.full.wireUs ?? none),
      one_char: Math.round(shield?.oneChar.wireUs ?? none),
    },
    overhead: {
      bytes_per_full_16x2: shield?.full.bytes ?? none,
      bytes_per_one_char: shield?.oneChar.bytes ?? none,
      bytes_per_full_20x4: i2c100?.full.bytes ?? none,
      counted: 'host-to-device frame bytes, line ends included; the board’s ACKs back are not counted',
    },
    codec,
    scale,
    ...(fleet ? { fleet } : {}),
    meta: {
      quick,
      baud,
      node: process.version,
      cpus: os.cpus().length,
      platform: `${os.platform()} ${os.arch()}`,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    },
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
  lines.push(`Latency (simulated time, ${n(r.meta.baud)} Bd, steady state: medians, worst)      wire time`);
  const lat = (label: string, key: keyof BenchResult['latency_us'], wire?: number) =>
    row(label, `${n(r.latency_us[key])} µs`, `${wire === undefined ? '' : `${n(wire)} µs`.padStart(9)}   ${mark(`latency_us.${key}`)}`);
  lat('key press → host (median)', 'key_to_host');
  lat('key press → host (worst)', 'key_to_host_worst');
  lat('full screen 16×2 (shield)', 'screen_16x2', r.wire_us.screen_16x2);
  lat('full screen 20×4 (I2C 100 kHz)', 'screen_20x4_100k', r.wire_us.screen_20x4);
  lat('full screen 20×4 (I2C 400 kHz)', 'screen_20x4_400k', r.wire_us.screen_20x4);
  lat('one character (shield, median)', 'one_char', r.wire_us.one_char);
  lat('one character (shield, worst)', 'one_char_worst');
  lines.push('Page change on 20×4 (I2C): longest mix of old and new page');
  row('tear at 100 kHz', `${r.tear_ms.i2c_100k} ms`, mark('tear_ms.i2c_100k'));
  row('tear at 400 kHz', `${r.tear_ms.i2c_400k} ms`, mark('tear_ms.i2c_400k'));
  lines.push('The shield built for 115200 Bd (boards flashed before 250000 was the default)');
  row('key press → host (median)', `${n(r.latency_us_115200.key_to_host)} µs`);
  row('full screen 16×2', `${n(r.latency_us_115200.screen_16x2)} µs`);
  row('one character (median)', `${n(r.latency_us_115200.one_char)} µs`);
  lines.push('Bytes on the wire, host → device (ACKs back not counted)');
  row('full 16×2 update', `${n(r.overhead.bytes_per_full_16x2)} B`);
  row('full 20×4 update', `${n(r.overhead.bytes_per_full_20x4)} B`);
  row('one-character update', `${n(r.overhead.bytes_per_one_char)} B`);
  lines.push('Codec (TypeScript, mixed frames)');
  row('encode', `${n(r.codec.encode_fps)} /s`, mark('codec.encode_fps'));
  row('decode', `${n(r.codec.decode_fps)} /s`, mark('codec.decode_fps'));
  const warm = Object.values(r.scale)[0]?.warmup_ms;
  lines.push(
    `Scale (fake boards + the real Bridge in a process per row; the stand-in bot over HTTP in another${warm ? `; measured after ${warm / 1000} s of the same presses unmeasured` : ''})`,
  );
  lines.push(
    '  (p50/p99: press → the reply on the LCD; bot p99: press → the request at the bot; CPU ms per message of the bridge process, fake boards included; CPU wait: ms its main thread waited for a CPU)',
  );
  lines.push(
    `  ${'boards'.padEnd(8)} ${'offered/s'.padStart(10)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'bot p99'.padStart(8)} ${'CPU/msg'.padStart(8)} ${'CPU wait'.padStart(9)} ${'RSS MB'.padStart(8)} ${'(base)'.padStart(7)} ${'pending'.padStart(8)} ${'dup'.padStart(5)}`,
  );
  for (const [k, s] of Object.entries(r.scale))
    lines.push(
      `  ${k.padEnd(8)} ${n(s.offered_per_s).padStart(10)} ${n(s.events_per_s).padStart(10)} ${s.p50_ms.toFixed(1).padStart(9)} ${s.p99_ms.toFixed(1).padStart(9)} ${s.bot_p99_ms.toFixed(1).padStart(8)} ${s.cpu_ms_per_msg.toFixed(2).padStart(8)} ${String(s.cpu_wait_ms ?? '—').padStart(9)} ${s.rss_mb.toFixed(1).padStart(8)} ${s.rss_base_mb.toFixed(1).padStart(7)} ${String(s.pending).padStart(8)} ${String(s.duplicated).padStart(5)}`,
    );
  if (r.scale['256']) lines.push(`  256 boards: p99 ${mark('scale.256.p99_ms')}; RSS ${mark('scale.256.rss_mb')}`);
  if (r.fleet) {
    lines.push('Fleet (HTTP push → relay → Mosquitto → the bridge hands it to the device; one push per device)');
    for (const [k, f] of Object.entries(r.fleet)) {
      row(`${k} push p50`, `${f.push_p50_ms.toFixed(1)} ms`);
      row(`${k} push p99`, `${f.push_p99_ms.toFixed(1)} ms`, mark(`fleet.${k}.push_p99_ms`));
      row(`${k} lost / duplicated`, `${f.lost} / ${f.dup}`, mark(`fleet.${k}.lost`));
    }
  }
  lines.push(`(${r.meta.quick ? 'quick run, ' : ''}${r.meta.platform}, ${r.meta.cpus} CPUs, Node ${r.meta.node}, ${r.meta.seconds} s)`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg?.slice('--only='.length).split(',');
  const unknown = argv.filter((a) => !['--json', '--quick'].includes(a) && a !== onlyArg);
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}: use --json, --quick, --only=${SECTIONS.join(',')} or none.\n`);
    return 2;
  }
  const wrong = only?.filter((o) => !SECTIONS.includes(o)) ?? [];
  if (wrong.length) {
    process.stderr.write(`No bench section ${wrong.join(', ')}: --only takes ${SECTIONS.join(', ')} (comma-separated).\n`);
    return 2;
  }
  const result = await runBench({ quick, only, log: (l) => process.stderr.write(`${l}\n`) });
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
