/**
 * `npm run bench -- --quick --json` runs every section and prints one JSON
 * object with every figure, numeric and plausible (the targets are the
 * bench's report, not this test's business).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench/index.js';

const root = join(import.meta.dirname, '..');

function runBench(): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/index.ts'), '--quick', '--json'],
      { cwd: root, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr })),
    ),
  );
}

describe('npm run bench -- --quick --json', () => {
  it('prints one JSON object with every figure, in plausible ranges', async () => {
    const { stdout, stderr } = await runBench();
    const r = JSON.parse(stdout) as BenchResult; // nothing else on stdout
    expect(stderr).toContain('scale');

    expect(Object.keys(r.firmware).sort()).toEqual(['i2c-lcd-keypad', 'lcd-keypad-shield']);
    for (const f of Object.values(r.firmware)) {
      expect(f.flash).toBeGreaterThan(1000);
      expect(f.flash).toBeLessThan(32_256);
      expect(f.ram).toBeGreaterThan(50);
      expect(f.ram).toBeLessThan(2048);
      expect(f.minFreeStack).toBeGreaterThan(0);
      expect(f.ram + f.minFreeStack).toBeLessThanOrEqual(2048);
    }
    const byteUs = 1e6 / 25000; // a byte at the default 250000 Bd
    expect(r.meta.baud).toBe(250000);
    const lat = [
      'key_to_host',
      'key_to_host_worst',
      'screen_16x2',
      'screen_20x4_100k',
      'screen_20x4_400k',
      'one_char',
      'one_char_worst',
    ] as const;
    for (const k of lat) expect(r.latency_us[k]).toBeGreaterThan(byteUs);
    expect(r.latency_us.key_to_host_worst).toBeGreaterThanOrEqual(r.latency_us.key_to_host);
    expect(r.latency_us.one_char_worst).toBeGreaterThanOrEqual(r.latency_us.one_char);
    expect(r.latency_us.screen_20x4_100k).toBeGreaterThan(r.latency_us.screen_20x4_400k); // the I2C clock counts
    // a board at 115200 is slower on every figure than one at 250000
    for (const k of ['key_to_host', 'screen_16x2', 'one_char'] as const) expect(r.latency_us_115200[k]).toBeGreaterThan(r.latency_us[k]);
    for (const t of Object.values(r.tear_ms)) expect(t).toBeGreaterThanOrEqual(0);
    expect(r.wire_us.screen_16x2).toBeGreaterThan(0);
    expect(r.latency_us.screen_16x2).toBeGreaterThanOrEqual(r.wire_us.screen_16x2); // nothing shows before its bytes arrived
    expect(r.latency_us.screen_20x4_100k).toBeGreaterThanOrEqual(r.wire_us.screen_20x4);
    expect(r.latency_us.one_char).toBeGreaterThanOrEqual(r.wire_us.one_char);
    expect(r.latency_us.screen_20x4_100k).toBeGreaterThan(r.latency_us.one_char);
    expect(r.overhead.bytes_per_full_16x2).toBeGreaterThanOrEqual(32); // 32 characters at least
    expect(r.overhead.bytes_per_one_char).toBeGreaterThan(1);
    expect(r.overhead.bytes_per_one_char).toBeLessThan(r.overhead.bytes_per_full_16x2);
    expect(r.wire_us.screen_16x2).toBeCloseTo((r.overhead.bytes_per_full_16x2 * 10 * 1e6) / 250000, 0);
    expect(r.codec.encode_fps).toBeGreaterThan(1000);
    expect(r.codec.decode_fps).toBeGreaterThan(1000);

    expect(Object.keys(r.scale).sort()).toEqual(['1', '16', '256']);
    for (const s of Object.values(r.scale)) {
      expect(s.events_per_s).toBeGreaterThan(0);
      expect(s.p50_ms).toBeGreaterThan(0);
      expect(s.p99_ms).toBeGreaterThanOrEqual(s.p50_ms);
      expect(s.rss_mb).toBeGreaterThan(10);
      expect(s.rss_mb).toBeLessThan(4096);
      expect(s.duplicated).toBe(0);
      expect(s.warmup_ms).toBeGreaterThan(0); // measured in steady state, after unmeasured presses
    }
  }, 480_000); // ~16 s alone, ~1 min beside eight CPU-bound processes: the timeout is only a backstop
});
