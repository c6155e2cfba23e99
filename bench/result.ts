/** The shape of `npm run bench -- --json`. */
import type { FleetFigures } from './fleet.js';
import type { ScaleFigures } from './scale.js';

export interface BenchResult {
  firmware: Record<string, { flash: number; ram: number; minFreeStack: number; source: 'build' | 'image' }>;
  /** Simulated µs on the simulated board at 115200 baud. */
  latency_us: { key_to_host: number; screen_16x2: number; screen_20x4: number; one_char: number };
  /** Pure line time of the bytes each update sends. */
  wire_us: { screen_16x2: number; screen_20x4: number; one_char: number };
  /** Host → device bytes per update (the board's ACKs back are not counted). */
  overhead: { bytes_per_full_16x2: number; bytes_per_one_char: number; bytes_per_full_20x4: number; counted: string };
  codec: { encode_fps: number; decode_fps: number };
  scale: Record<string, ScaleFigures>;
  /** fleet.{bridges}x{devices}: pushes through the relay and a real Mosquitto to the bridges (absent when Mosquitto is not installed). */
  fleet?: Record<string, FleetFigures>;
  /** How the run was made. */
  meta: { quick: boolean; node: string; cpus: number; platform: string; seconds: number };
}
