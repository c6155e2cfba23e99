/** webhook.mqtt in the configuration, and the receiver's bounded mask list. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.js';
import { startWebhook } from '../bridge/botdistrikt/webhook.js';
import { loadConfig } from '../bridge/config.js';
import { createLogger, secretCount } from '../bridge/log.js';

function load(webhook: object) {
  const dir = tempDir('bd-relay-conf-');
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ webhook }));
  return loadConfig({ file, env: { HOME: dir, BOTDUINO_STATE_DIR: join(dir, 'state') } });
}

describe('webhook.mqtt', () => {
  it('takes a broker with its credentials and TLS options', () => {
    const c = load({
      mqtt: {
        url: 'mqtts://broker.example.org:8883',
        username: 'bridge-shop1',
        passwordEnv: 'BOTDUINO_MQTT_PASSWORD',
        topicKeyEnv: 'BOTDUINO_RELAY_KEY',
        app: 'mybot',
        ca: '/etc/ssl/ca.pem',
      },
    });
    expect(c.webhook.mqtt).toMatchObject({
      url: 'mqtts://broker.example.org:8883',
      username: 'bridge-shop1',
      app: 'mybot',
      rejectUnauthorized: true,
      ca: '/etc/ssl/ca.pem',
    });
  });

  it.each([
    [{ url: 'http://broker.example.org', topicKey: 'k'.repeat(16) }, /webhook\.mqtt\.url: .*mqtts:\/\/broker\.example\.org:8883/],
    [{ url: 'mqtt://b:1883' }, /topicKey or topicKeyEnv/],
    [{ url: 'mqtt://b:1883', topicKey: 'short' }, /webhook\.mqtt\.topicKey: .*at least 16/],
    [{ url: 'mqtt://b:1883', topicKey: 'k'.repeat(16), cert: '/c.pem' }, /cert and key go together/],
  ])('refuses %j with a message naming the field', (mqtt, message) => {
    expect(() => load({ mqtt })).toThrow(message);
  });
});

describe("the receiver's mask list", () => {
  it('does not grow with every push: only the ids this bridge owns are registered', async () => {
    const lines: string[] = [];
    const hook = await startWebhook({
      port: 0,
      findDevice: () => undefined,
      logger: createLogger({ level: 'debug', color: false, write: (l) => lines.push(l) }),
    });
    try {
      const before = secretCount();
      for (let i = 0; i < 200; i++) {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: { 'x-botdistrikt-source': 'human' },
          body: JSON.stringify({ webchat_id: `stranger-${i}-abcdef`, text: 'x' }),
        });
        expect(res.status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(secretCount()).toBe(before);
      // and still no id in the logs
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).not.toMatch(/stranger-\d+-abcdef/);
    } finally {
      await hook.close();
    }
  });
});
