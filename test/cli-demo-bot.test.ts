import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Channel } from '../bridge/botdistrikt/channel.js';
import { demoBot } from '../bridge/cli/bot.js';
import { createLogger } from '../bridge/log.js';
import type { Config } from '../bridge/config.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the demo bot across runs', () => {
  it('a second start goes on with the user the state file remembers, without a 401, and its log lines name the demo bot', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'botduino-demo-'));
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l), color: false });
    const config = { stateDir: dir } as Config;
    for (let run = 0; run < 2; run++) {
      const bot = await demoBot(config, logger);
      const log = logger.child('channel');
      const ch = new Channel({ deviceId: 'sim-1', client: bot.client, users: bot.users, logger: log });
      const out = await ch.send({ text: 'hi' });
      expect(out.ok).toBe(true);
      await bot.close();
    }
    expect(lines.join('\n')).not.toMatch(/401|registering it again/);
    expect(lines.filter((l) => /registered this device/.test(l))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/registered this device with the demo bot/);
    expect(lines.join('\n')).not.toMatch(/BotDistrikt/);
  });
});
