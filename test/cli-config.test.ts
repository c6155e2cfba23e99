import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { readConfigFile, resolveLayers } from '../bridge/config-load.js';

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
    const dir = mkdtempSync(join(tmpdir(), 'bd-cfg-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, '{\n  "botdistrikt": {\n    "appId": 12,,\n  }\n}');
    expect(() => readConfigFile(f)).toThrow(/not valid JSON at line 3/);
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(/does not exist/);
  });
});
