/** The fleet bench section on a small fleet: every push arrives once, and the figures are real times. */
import { describe, expect, it } from 'vitest';
import { measureFleet } from '../bench/fleet.js';
import { mosquittoInstalled } from '../support/mosquitto.js';

describe.skipIf(!mosquittoInstalled())('bench fleet section', () => {
  it('measures 3 bridges × 10 devices through Mosquitto: nothing lost, nothing twice', async () => {
    const f = await measureFleet(3, 10);
    expect(f).toMatchObject({ bridges: 3, devices_per_bridge: 10, pushes: 30, lost: 0, dup: 0 });
    expect(f.push_p50_ms).toBeGreaterThan(0);
    expect(f.push_p99_ms).toBeGreaterThanOrEqual(f.push_p50_ms);
  }, 90_000);
});
