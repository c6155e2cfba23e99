import { writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.js';
import { defaultStateDir as stateDefaultStateDir } from '../bridge/botdistrikt/state.js';
import { didYouMean, readConfigFile, resolveLayers } from '../bridge/config-load.js';
import { configJsonSchema, loadConfig } from '../bridge/config.js';
import { defaultStateDir } from '../bridge/paths.js';

const Schema = z.object({
  botdistrikt: z.object({ appId: z.coerce.number().int().positive(), domain: z.string().default('') }).default({ appId: 1, domain: '' }),
  webhook: z.object({ port: z.number().int().min(1).max(65535).default(8787) }).default({ port: 8787 }),
});

describe('layered configuration', () => {
  it('takes flags over environment over file over defaults', () => {
    const c = resolveLayers(Schema, [
      { name: 'the config file', values: { botdistrikt: { appId: 1, domain: 'https://file' }, webhook: { port: 9000 } } },
      { name: 'the environment', values: { botdistrikt: { appId: 2 } } },
      { name: 'the command line', values: { botdistrikt: { appId: 3 } } },
    ]);
    expect(c).toEqual({ botdistrikt: { appId: 3, domain: 'https://file' }, webhook: { port: 9000 } });
  });

  it('names the field and where the bad value came from', () => {
    expect(() =>
      resolveLayers(Schema, [
        { name: 'the config file', values: { webhook: { port: 70000 } } },
        { name: 'the environment', values: { botdistrikt: { appId: 'abc' } } },
      ]),
    ).toThrow(/botdistrikt\.appId: .* \(from the environment\)[\s\S]*webhook\.port: .* \(from the config file\)/);
  });

  it('says where a config file stops being JSON', () => {
    const dir = tempDir('bd-cfg-');
    const f = join(dir, 'c.json');
    writeFileSync(f, '{\n  "botdistrikt": {\n    "appId": 12,,\n  }\n}');
    expect(() => readConfigFile(f)).toThrow(/not valid JSON at line 3/);
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(/does not exist/);
  });
});

describe('unknown keys', () => {
  const write = (value: unknown) => {
    const dir = tempDir('bd-cfg-keys-');
    const f = join(dir, 'botduino.json');
    writeFileSync(f, JSON.stringify(value));
    return f;
  };
  const env = { HOME: tmpdir(), BOTDUINO_STATE_DIR: join(tmpdir(), 'bd-keys-state') };

  it('a typo in the config file is an error that names the key meant', () => {
    const file = write({
      webhok: { port: 9000 },
      startMesage: 'hello',
      ui: { lables: {} },
      devices: [{ port: '/dev/ttyACM0', baudrate: 9600 }],
    });
    let msg = '';
    try {
      loadConfig({ file, env });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('unknown key `webhok` — did you mean `webhook`?');
    expect(msg).toContain('unknown key `startMesage` — did you mean `startMessage`?');
    expect(msg).toContain('unknown key `devices.0.baudrate` — did you mean `baudRate`?');
    expect(msg).toContain(`(from the config file ${file})`);
  });

  it('a key nothing resembles is named, with where it is, to be removed', () => {
    expect(() => loadConfig({ file: write({ log: { level: 'info', raw: true } }), env })).toThrow(
      /unknown key `log\.raw` — not a botduino setting under `log`: remove it/,
    );
  });

  it('suggests only close names', () => {
    expect(didYouMean('webhok', ['webhook', 'devices'])).toBe('webhook');
    expect(didYouMean('Devices', ['webhook', 'devices'])).toBe('devices');
    expect(didYouMean('colour', ['webhook', 'devices'])).toBeUndefined();
  });

  it('the JSON Schema allows no other properties, at every level', () => {
    const schema = configJsonSchema() as {
      additionalProperties?: unknown;
      properties: Record<string, { additionalProperties?: unknown; items?: { additionalProperties?: unknown } }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.webhook.additionalProperties).toBe(false);
    expect(schema.properties.log.additionalProperties).toBe(false);
    expect(schema.properties.devices.items?.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.log as object)).not.toContain('raw');
  });
});

describe('the default state folder', () => {
  it('is one: $XDG_STATE_HOME/botduino when absolute, else ~/.local/state/botduino (a relative XDG_STATE_HOME is ignored)', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/botduino');
    expect(defaultStateDir({ XDG_STATE_HOME: 'relative/state' })).toBe(join(homedir(), '.local', 'state', 'botduino'));
    expect(stateDefaultStateDir).toBe(defaultStateDir);
    expect(loadConfig({ env: { XDG_STATE_HOME: 'relative/state', HOME: homedir() }, cwd: tmpdir() }).stateDir).toBe(
      join(homedir(), '.local', 'state', 'botduino'),
    );
  });
});
