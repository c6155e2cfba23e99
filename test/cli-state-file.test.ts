import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../bridge/cli/main.js';
import { EXIT } from '../common/errors.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a truncated state.json', () => {
  it('is reported as a broken state file with what to do, not as a webhook listen error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'botduino-statefile-'));
    mkdirSync(join(dir, 'state', 'demo'), { recursive: true });
    writeFileSync(join(dir, 'state', 'demo', 'state.json'), '{"version":1,"devices":{"sim-1":{"webchatId":"bd-');
    const script = join(dir, 's.jsonl');
    writeFileSync(script, '{"at": 100, "press": "SELECT"}\n');
    let stderr = '';
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const serversBefore = servers();
    const code = await main(['simulate', '--script', script], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        BOTDUINO_STATE_DIR: join(dir, 'state'),
        NO_COLOR: '1',
      },
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((stderr += s), true) },
    });
    expect(code).toBe(EXIT.config);
    // the demo bot and the webhook receiver are closed, the board stopped: nothing runs on after the error
    // (a closed server's handle goes within a turn or two of the event loop)
    await expect.poll(servers, { timeout: 5000 }).toBe(serversBefore);
    expect(stderr).not.toMatch(/webhook receiver cannot listen|Check webhook\.host/);
    expect(stderr).toMatch(/The state file .*state\.json is not valid JSON \(cut short or edited by hand\)\. Fix it, or delete it/);
  }, 60_000);
});
