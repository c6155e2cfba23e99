/**
 * The package as a user gets it: `npm pack`, the tarball installed into a
 * fresh prefix, and the installed `botduino` run as an ordinary user (as
 * `nobody` when the tests run as root, as in CI) with a home of its own.
 *
 * The install runs offline: the prefix gets a lockfile made from this
 * project's (the runtime dependencies, with their integrity), so npm takes
 * them from its cache, which `npm ci` filled. A user installs the same
 * tarball with `npm install -g`, which fetches them from the registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../bridge/paths.js';

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const tmp = mkdtempSync(join(tmpdir(), 'bd-pkg-'));
chmodSync(tmp, 0o755);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const prefix = join(tmp, 'prefix');
const home = join(tmp, 'home');
let tarball = '';
let installed = '';
let bin = '';

/** Every file under `dir` with its size and mtime, to see that nothing was written there. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Runs the installed botduino as an ordinary user with its own HOME. */
function botduino(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', LANG: 'C.UTF-8' };
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: home,
    env,
    encoding: 'utf8',
    timeout: 240_000,
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const packDir = join(tmp, 'pack');
  mkdirSync(packDir);
  // dist/ as `npm ci` built it (its prepare script): packing without scripts leaves dist/ alone for the tests that run it meanwhile
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: packageRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string }[];
  tarball = join(packDir, packed[0].filename);

  // a fresh prefix whose lockfile holds the runtime dependencies of this project's lockfile
  mkdirSync(prefix);
  const lock = JSON.parse(readFileSync(join(packageRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; link?: boolean }>;
  };
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'botduino-install-test', dependencies: { botduino: spec } },
    'node_modules/botduino': {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k && !v.dev && !v.link) packages[k] = v;
  writeFileSync(
    join(prefix, 'package.json'),
    JSON.stringify({ name: 'botduino-install-test', private: true, dependencies: { botduino: spec } }),
  );
  writeFileSync(
    join(prefix, 'package-lock.json'),
    JSON.stringify({ name: 'botduino-install-test', lockfileVersion: 3, requires: true, packages }),
  );
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: prefix, stdio: ['ignore', 'pipe', 'pipe'] });
  installed = join(prefix, 'node_modules', 'botduino');
  bin = join(prefix, 'node_modules', '.bin', 'botduino');

  mkdirSync(home, { mode: 0o755 });
  if (asRoot) chownSync(home, NOBODY, NOBODY);
}, 600_000);

describe('the npm package', () => {
  it('ships the config schema the README points to, a LICENSE, and repository and bugs fields', () => {
    for (const f of [
      'config.schema.json',
      'LICENSE',
      'README.md',
      'platformio.ini',
      'dist/bridge/cli/main.js',
      'firmware/images/lcd-keypad-shield.hex',
    ])
      expect(existsSync(join(installed, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(installed, 'config.schema.json'), 'utf8')).title).toBe('botduino configuration');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('has no source map that points to a file the package does not hold', () => {
    const dangling: string[] = [];
    for (const f of snapshot(installed)
      .map((l) => l.split(' ')[0])
      .filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(installed, f), 'utf8')) as { sources: string[] };
      for (const s of map.sources) if (!existsSync(join(installed, f, '..', s))) dangling.push(`${f} → ${s}`);
    }
    expect(dangling).toEqual([]);
  });

  it('installed, runs for an ordinary user: --help, firmware generate, a firmware build (into ~/.cache), doctor; nothing is written into the package', () => {
    const before = snapshot(installed);

    const help = botduino(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('botduino doctor');

    const gen = botduino(['firmware', 'generate', '--device', 'lcd-keypad-shield', '--out', join(home, 'my-firmware')]);
    expect(gen.code, gen.stderr).toBe(0);
    expect(existsSync(join(home, 'my-firmware', 'platformio.ini'))).toBe(true);

    const build = botduino(['firmware', 'build', 'lcd-keypad-shield', '--json']);
    expect(build.code, build.stderr).toBe(0);
    const [r] = JSON.parse(build.stdout) as { preset: string; flash: number; hex: string }[];
    expect(r.preset).toBe('lcd-keypad-shield');
    expect(r.hex.startsWith(join(home, '.cache', 'botduino') + '/')).toBe(true);
    expect(existsSync(r.hex)).toBe(true);

    const doctor = botduino(['doctor', '--json']);
    expect([0, 1], doctor.stderr).toContain(doctor.code); // 1 when no board is plugged in
    const report = JSON.parse(doctor.stdout) as { checks: { name: string }[] };
    expect(report.checks.map((c) => c.name)).toContain('node');
    expect(doctor.stderr).not.toMatch(/looks like a bug/);

    expect(snapshot(installed)).toEqual(before);
  }, 600_000);
});
