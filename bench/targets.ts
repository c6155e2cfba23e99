/**
 * The performance targets, checked against a bench result: reported next
 * to the figures with ✓/✗, never asserted in tests.
 */
import type { BenchResult } from './result.js';

export interface TargetCheck {
  name: string;
  value: number;
  limit: number;
  /** "max": value ≤ limit; "min": value ≥ limit. */
  kind: 'max' | 'min';
  unit: string;
  met: boolean;
}

const FIRMWARE_LIMITS: Record<string, { flash: number; ram: number }> = {
  'lcd-keypad-shield': { flash: 6000, ram: 450 },
  'i2c-lcd-keypad': { flash: 8000, ram: 550 },
};

export function checkTargets(r: BenchResult): TargetCheck[] {
  const out: TargetCheck[] = [];
  const add = (name: string, value: number | undefined, limit: number, kind: 'max' | 'min', unit: string) => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push({ name, value, limit, kind, unit, met: kind === 'max' ? value <= limit : value >= limit });
  };
  // issue 16's targets: the shield preset at the default rate unless said
  add('latency_us.screen_16x2', r.latency_us.screen_16x2, 4200, 'max', 'µs');
  add('latency_us.screen_20x4_400k', r.latency_us.screen_20x4_400k, 12000, 'max', 'µs');
  add('latency_us.screen_20x4_100k', r.latency_us.screen_20x4_100k, 31000, 'max', 'µs');
  add('latency_us.one_char', r.latency_us.one_char, 1000, 'max', 'µs');
  add('latency_us.key_to_host', r.latency_us.key_to_host, 1100, 'max', 'µs');
  add('tear_ms.i2c_400k', r.tear_ms.i2c_400k, 8, 'max', 'ms');
  add('codec.encode_fps', r.codec.encode_fps, 500_000, 'min', 'frames/s');
  add('codec.decode_fps', r.codec.decode_fps, 500_000, 'min', 'frames/s');
  add('scale.256.p99_ms', r.scale['256']?.p99_ms, 5, 'max', 'ms');
  add('scale.256.rss_mb', r.scale['256']?.rss_mb, 150, 'max', 'MB');
  add('fleet.10x100.push_p99_ms', r.fleet?.['10x100']?.push_p99_ms, 50, 'max', 'ms');
  add('fleet.10x100.lost', r.fleet?.['10x100']?.lost, 0, 'max', 'pushes');
  add('fleet.10x100.dup', r.fleet?.['10x100']?.dup, 0, 'max', 'pushes');
  for (const [preset, f] of Object.entries(r.firmware)) {
    const lim = FIRMWARE_LIMITS[preset];
    if (lim) {
      add(`firmware.${preset}.flash`, f.flash, lim.flash, 'max', 'B');
      add(`firmware.${preset}.ram`, f.ram, lim.ram, 'max', 'B');
    }
    add(`firmware.${preset}.minFreeStack`, f.minFreeStack, 1000, 'min', 'B');
  }
  return out;
}
