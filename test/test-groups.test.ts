/** `npm run test:fast` keeps the unit part: no file that starts a simulated board, a broker or a child process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/import-graph.js';
import { fastTestFiles, isSlow } from './support/test-groups.js';

describe('the fast part of the suite', () => {
  it.each([
    ['sim-x.test.ts', "import { createPresetBoard } from '../bridge/sim/presets.js';", true],
    ['relay-x.test.ts', "import { startMosquitto } from '../support/mosquitto.js';", true],
    ['cli-x.test.ts', "import { spawn } from 'node:child_process';", true],
    ['fault-x.test.ts', "import { Bridge } from '../bridge/app.js';", true],
    ['ui-x.test.ts', "import { DeviceUI } from '../bridge/ui/device-ui.js';", false],
  ])('%s with %s: slow %s', (name, source, slow) => {
    expect(isSlow(name, source)).toBe(slow);
  });

  it('holds the unit tests and none of the slow ones', () => {
    const fast = fastTestFiles(ROOT);
    expect(fast).toEqual(expect.arrayContaining(['test/codec.test.ts', 'test/link-tables.test.ts', 'test/ui-device.test.ts']));
    for (const f of fast) expect(readFileSync(join(ROOT, f), 'utf8'), f).not.toMatch(/bridge\/sim\/|support\/mosquitto|node:child_process/);
    expect(fast).not.toContain('test/e2e-chat.test.ts');
  });
});
