/**
 * Memory a bridge does not need, it does not take: the transliteration
 * tables (several MB) are loaded the first time a character needs them, and
 * MQTT.js the first time a bridge connects to a broker. Checked in a fresh
 * Node process, where nothing else has loaded them.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Runs `body` (ESM, top-level await) in a fresh Node process with the TypeScript loader; returns what it prints. */
function fresh(body: string): string {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = (name) => Object.keys(cache).some((k) => k.includes('/node_modules/' + name + '/'));
    ${body}
  `;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}

describe('modules loaded only when needed', () => {
  it('starts a bridge without the transliteration tables or MQTT.js, and loads the tables for the first character that needs them', () => {
    const out = fresh(`
      await import('./bridge/app.ts');
      const { CharMap } = await import('./bridge/ui/charmap.ts');
      const map = new CharMap('A00');
      map.cells('Hello, world!');
      console.log(JSON.stringify({ atStart: loaded('transliteration') || loaded('mqtt') }));
      const cells = map.cells('Привет');
      console.log(JSON.stringify({ after: loaded('transliteration'), text: String.fromCharCode(...cells) }));
    `);
    const [start, after] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(start).toEqual({ atStart: false });
    expect(after).toEqual({ after: true, text: 'Privet' });
  });

  it('loads MQTT.js when a bridge connects to a broker', () => {
    const out = fresh(`
      const { connectBroker } = await import('./bridge/relay/broker.ts');
      const { silentLogger } = await import('./bridge/log.ts');
      const before = loaded('mqtt');
      const broker = connectBroker({ url: 'mqtt://127.0.0.1:1' }, { clean: true, logger: silentLogger });
      console.log(JSON.stringify({ before, after: loaded('mqtt') }));
      await broker.close(true);
      process.exit(0);
    `);
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ before: false, after: true });
  });
});
