/**
 * `botduino simulate --rom A02`: the preset's image, unchanged, on a
 * simulated LCD with the European ROM, the bridge rendering for it. The
 * same accented reply reads right on both ROMs, drawn from each ROM's own
 * codes (ü is 0xF5 on A00 and 0xFC on A02; é a custom glyph on A00 and
 * 0xE9 on A02; Ø is in neither, a custom glyph on both).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../bridge/cli/main.js';
import { CharMap } from '../bridge/ui/charmap.js';
import { EXIT } from '../common/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'botduino-rom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'config', 'botduino'), { recursive: true });
writeFileSync(join(dir, 'config', 'botduino', 'config.json'), JSON.stringify({ ui: { buttons: { RIGHT: { send: 'Øl é ü' } } } }));
let n = 0;

async function simulate(args: string[]) {
  const script = join(dir, `s${n++}.jsonl`);
  writeFileSync(script, '{"at": 3500, "tap": "RIGHT"}\n{"after": 3000}\n');
  let stdout = '';
  let stderr = '';
  const code = await main(['simulate', '--preset', 'lcd-keypad-shield', '--script', script, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      BOTDUINO_STATE_DIR: join(dir, `state${n}`),
      NO_COLOR: '1',
    },
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  });
  const rows = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { rows: string[] }).rows);
  return { code, stderr, rows };
}

describe('simulate --rom', () => {
  it('the two ROMs draw é and ü from different codes (and Ø from neither)', () => {
    const a00 = new CharMap('A00');
    const a02 = new CharMap('A02');
    expect(a00.char('ü')).toEqual([0xf5]);
    expect(a02.char('ü')).toEqual([0xfc]);
    expect(typeof a00.char('é')[0]).toBe('object'); // a custom glyph
    expect(a02.char('é')).toEqual([0xe9]);
    expect(typeof a00.char('Ø')[0]).toBe('object');
    expect(typeof a02.char('Ø')[0]).toBe('object');
  });

  it.each([[[]], [['--rom', 'A02']], [['--rom', 'A00']]])(
    'shows "Øl é ü" as sent, on the simulated LCD (%j)',
    async (args) => {
      const r = await simulate(args);
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect(r.rows.some((rows) => rows.join('|').includes('You said: Øl é'))).toBe(true);
      expect(r.rows.some((rows) => rows.join('|').includes('ü'))).toBe(true);
      if (args[1] === 'A02') expect(r.stderr).toMatch(/the firmware reports an LCD with the A00 ROM; rendering for A02/);
    },
    90_000,
  );

  it('refuses an unknown ROM', async () => {
    const r = await simulate(['--rom', 'A01']);
    expect(r.code).not.toBe(EXIT.ok);
    expect(r.stderr).toMatch(/A00.*A02|Choices/);
  }, 30_000);
});
