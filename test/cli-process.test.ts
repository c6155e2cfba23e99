/**
 * The CLI as a real program: `node --import tsx bridge/cli/main.ts …` in a
 * child process, as `npx botduino` runs it. Exit codes reach the shell, data
 * goes to stdout, logs to stderr, and nothing is coloured without a terminal
 * or with NO_COLOR.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../bridge/cli/main.js';
import { EXIT } from '../common/errors.js';
import { packageRoot } from '../bridge/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'bd-proc-'));
chmodSync(tmp, 0o755);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ENTRY = join(packageRoot, 'bridge', 'cli', 'main.ts');
// eslint-disable-next-line no-control-regex -- an ANSI escape is what it finds
const ANSI = /\x1b\[/;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(tmp, 'home'),
    XDG_CONFIG_HOME: join(tmp, 'config'),
    BOTDUINO_STATE_DIR: join(tmp, 'state'),
    ...extra,
  };
}

function botduino(
  args: string[],
  o: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: packageRoot,
      env: o.env ?? env(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('botduino as a program', () => {
  it('`--help` prints usage and the exit codes, and exits 0', async () => {
    const r = await botduino(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/botduino <command> \[options\]/);
    expect(r.stdout).toMatch(/Exit codes: 0 ok/);
    expect(r.stderr).toBe('');
  });

  it('exits 2 on an unknown command, with the advice on stderr', async () => {
    const r = await botduino(['frobnicate']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Unknown argument: frobnicate[^]*botduino --help/);
  });

  it('plays a scenario: JSON lines on stdout, logs on stderr, no colour without a terminal', async () => {
    const r = await botduino(['simulate', '--json', '--duration', '2500'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ t: expect.any(Number), rows: expect.any(Array) });
    expect(r.stdout).toContain('Hello! I am the');
    expect(r.stderr).toMatch(/^info \[sim:lcd-keypad-shield\] online: botduino/m);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('exits 3 from the shell on a configuration error', async () => {
    const r = await botduino(['run', '--port', 'sim:lcd-keypad-shield']);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/No BotDistrikt channel is configured/);
  });

  it('`service install` without root says to use sudo or --user-unit', async () => {
    const asRoot = process.getuid?.() === 0;
    // run as an ordinary user (nobody) when the tests run as root
    const r = await botduino(['service', 'install'], { env: env({ HOME: tmp }), ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    expect(r.code).toBe(EXIT.failure);
    expect(r.stderr).toMatch(
      /Installing a system service needs root: run `sudo botduino service install`, or `botduino service install --user-unit`/,
    );
  });
});

describe('colour', () => {
  const capture = () => {
    const c = { text: '', isTTY: true, write: (s: string) => void (c.text += s) };
    return c;
  };
  it('colours progress and log levels on a terminal, and not with NO_COLOR', async () => {
    for (const [extra, coloured] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      const stderr = capture();
      const stdout = capture();
      const code = await main(['run', '--port', 'sim:no-such-board'], {
        env: env({
          ...extra,
          BOTDISTRIKT_APP_ID: '1',
          BOTDISTRIKT_DOMAIN: 'https://k3j9x0a1qz.botduino-test.net',
          BOTDUINO_WEBHOOK_PORT: '0',
        }),
        stderr,
        stdout,
      });
      expect(code).toBe(EXIT.serial);
      expect(ANSI.test(stderr.text), JSON.stringify(stderr.text)).toBe(coloured);
      expect(stdout.text).toBe('');
    }
  });
});
