/** The shape of `npm run bench -- --json`. */
import type { FleetFigures } from './fleet.js';
import type { ScaleFigures } from './scale.js';

export interface BenchResult {
  firmware: Record<string, { flash: number; ram: number; minFreeStack: number; source: 'build' | 'image' }>;
  /**
   * Simulated µs on the simulated board at the default line rate (meta.baud), in steady state (see latency.ts):
   * key_to_host and one_char are medians over more events than sequence numbers, *_worst the slowest;
   * screen_20x4_* on the I2C preset at that I2C clock.
   */
  latency_us: {
    key_to_host: number;
    key_to_host_worst: number;
    screen_16x2: number;
    screen_20x4_100k: number;
    screen_20x4_400k: number;
    one_char: number;
    one_char_worst: number;
  };
  /** The same figures for a board built for 115200 baud (the rate before 250000 was the default). */
  latency_us_115200: { key_to_host: number; screen_16x2: number; one_char: number };
  /** The longest a 20×4 on I2C shows cells of the old page and the new one at once during a full page change, ms. */
  tear_ms: { i2c_100k: number; i2c_400k: number };
  /** Pure line time of the bytes each update sends, at the default rate. */
  wire_us: { screen_16x2: number; screen_20x4: number; one_char: number };
  /** Host → device bytes per update (the board's ACKs back are not counted). */
  overhead: { bytes_per_full_16x2: number; bytes_per_one_char: number; bytes_per_full_20x4: number; counted: string };
  codec: { encode_fps: number; decode_fps: number };
  scale: Record<string, ScaleFigures>;
  /** fleet.{bridges}x{devices}: pushes through the relay and a real Mosquitto to the bridges (absent when Mosquitto is not installed). */
  fleet?: Record<string, FleetFigures>;
  /** How the run was made. */
  meta: { quick: boolean; baud: number; node: string; cpus: number; platform: string; seconds: number };
}
