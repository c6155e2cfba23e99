import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('simulate keeps the board EEPROM as the real chip does', () => {
  it('the device id is on disk while the run is going, so a kill does not give the next run a new id', async () => {
    dir = mkdtempSync(join(tmpdir(), 'botduino-eeprom-'));
    const script = join(dir, 'long.jsonl');
    writeFileSync(script, '{"at": 60000, "press": "SELECT"}\n');
    const file = join(dir, 'state', 'sim', 'lcd-keypad-shield.eeprom');
    const child = spawn(process.execPath, ['--import', 'tsx', 'bridge/cli/main.ts', 'simulate', '--script', script], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        BOTDUINO_STATE_DIR: join(dir, 'state'),
        NO_COLOR: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    const deadline = Date.now() + 30_000;
    while (!existsSync(file) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const running = child.exitCode === null;
    await new Promise((r) => setTimeout(r, 500)); // the rest of the boot's writes
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(running, 'the run was still going when the EEPROM appeared').toBe(true);
    expect(existsSync(file)).toBe(true);
    expect([...readFileSync(file)].some((b) => b !== 0xff)).toBe(true);
  }, 40_000);
});
