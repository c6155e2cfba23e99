/** Advice printed by botduino names flags and commands that exist. */
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhook, type Webhook } from '../bridge/botdistrikt/webhook.js';
import { main } from '../bridge/cli/main.js';
import { createLogger } from '../bridge/log.js';
import { EXIT } from '../common/errors.js';

let hook: Webhook | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

const quiet = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  env: { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1' },
};

describe('advice in messages', () => {
  it('the webhook warning about a push without a webchat_id suggests a flag the CLI accepts', async () => {
    const lines: string[] = [];
    hook = await startWebhook({ port: 0, logger: createLogger({ level: 'info', color: false, write: (l) => lines.push(l) }) });
    await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-botdistrikt-source': 'human' },
      body: '{"message":{"text":"hi"}}',
    });
    await new Promise((r) => setTimeout(r, 20));
    const warning = lines.find((l) => /without a webchat_id/.test(l))!;
    const flag = /run with (--[a-z-]+)/.exec(warning)![1]!;
    expect(await main(['config', 'show', flag], quiet)).toBe(EXIT.ok);
  });
});
