/** `botduino relay` as a user runs it: refuses plain HTTP off loopback, runs with a real Mosquitto. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../bridge/cli/main.js';
import { EXIT } from '../common/errors.js';
import { mosquittoInstalled, startMosquitto, type Mosquitto } from '../support/mosquitto.js';

let dir: string;
let broker: Mosquitto | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bd-cli-relay-'));
  if (mosquittoInstalled()) broker = await startMosquitto({ users: { relay: 'relay-pw-1' }, acl: 'user relay\ntopic write botduino/#\n' });
}, 30_000);
afterAll(async () => {
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function relay(args: string[], config: object, until?: Promise<unknown>, onStderr?: (all: string) => void) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  let stdout = '';
  let stderr = '';
  const code = await main(['relay', '--config', file, ...args], {
    env: { HOME: dir, BOTDUINO_STATE_DIR: join(dir, 'state'), RELAY_PW: 'relay-pw-1', RELAY_KEY: 'k'.repeat(24) },
    until,
    stdout: { write: (s: string) => void (stdout += s) },
    stderr: { write: (s: string) => ((stderr += s), onStderr?.(stderr)) },
  });
  return { code, stdout, stderr };
}

const mqttConf = () => ({
  url: broker?.url ?? 'mqtt://127.0.0.1:1',
  username: 'relay',
  passwordEnv: 'RELAY_PW',
  app: 'shop',
  topicKeyEnv: 'RELAY_KEY',
});

describe('botduino relay', () => {
  it('refuses plain HTTP on an address other than loopback, and says what to do', async () => {
    const r = await relay([], { webhook: { host: '0.0.0.0', port: 0, mqtt: mqttConf() } });
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/0\.0\.0\.0 is not a loopback address/);
    expect(r.stderr).toMatch(/--insecure/);
  });

  it('says webhook.mqtt is missing', async () => {
    const r = await relay([], { webhook: { port: 0 } });
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/needs webhook\.mqtt/);
  });

  it.skipIf(!mosquittoInstalled())('runs with --insecure on every interface, and stops on a signal', async () => {
    let stop!: (v: string) => void;
    const until = new Promise<string>((r) => (stop = r));
    const r = await relay(['--insecure'], { webhook: { host: '0.0.0.0', port: 0, mqtt: mqttConf() } }, until, (all) => {
      if (/connected to the MQTT broker/.test(all)) stop('test');
    });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/relay: receiving on http:\/\/0\.0\.0\.0:\d+\/botduino\/\S+…\S+, publishing/);
    expect(r.stderr).not.toContain('relay-pw-1');
  });
});
