import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.js';

const root = resolve(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The shell commands in the README's "Two commands for a fresh machine" section. */
function twoCommands(): string[] {
  const section = readme.split('## Two commands for a fresh machine')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([^`]+?)\n```/g)].map((m) => m[1].trim());
}

describe('the README’s two commands', () => {
  it('are there: one runs the main job, one installs the test needs and runs the tests', () => {
    expect(twoCommands()).toEqual(['npm ci && npm start', 'bash scripts/setup-test.sh && npm test']);
  });

  it('.ci/run runs exactly the test command', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const lines = ci.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
    expect(lines).toEqual([twoCommands()[1]]);
  });

  it('the main job (`npm start`) shows the demo bot’s welcome on the simulated LCD', () => {
    // `npm ci` has run for this test suite; with nothing on stdin, `npm start` plays an empty scenario and exits
    const state = tempDir('bd-readme-');
    const r = spawnSync('npm', ['start', '--silent'], {
      cwd: root,
      input: '',
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, XDG_STATE_HOME: state, NO_COLOR: '1', BOTDISTRIKT_APP_ID: '', BOTDISTRIKT_DOMAIN: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    const snapshots = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { t: number; rows: string[] });
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.some((s) => s.rows.join(' ').includes('Hello!'))).toBe(true);
    expect(r.stderr).toContain('online');
  }, 200_000);

  it('the bin runs from dist/ as `botduino`', () => {
    const out = execFileSync(process.execPath, [join(root, 'dist/bridge/cli/main.js'), '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
