/**
 * The bridge's control socket (bridge/control.ts), as another user on the
 * same machine and a `firmware flash` interrupted by Ctrl-C would meet it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkStateDir, controlRequest, controlSocketPath, startControlServer } from '../bridge/control.js';
import { packageRoot } from '../bridge/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'bd-control-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, `state-${n++}`);
let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    handlers: {
      release: async (p: string) => (calls.push(`release ${p}`), true),
      resume: async (p: string) => (calls.push(`resume ${p}`), true),
    },
  };
}

describe('the control socket', () => {
  it('is 0600 even when the umask is 000', async () => {
    const dir = fresh();
    const old = process.umask(0);
    try {
      server = await startControlServer(dir, recorder().handlers);
    } finally {
      process.umask(old);
    }
    expect(statSync(controlSocketPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('release and resume go over one connection', async () => {
    const dir = fresh();
    const r = recorder();
    server = await startControlServer(dir, r.handlers);
    let connections = 0;
    server.on('connection', () => connections++);
    expect(await controlRequest(dir, { op: 'release', port: '/dev/ttyACM9' })).toEqual({ ok: true });
    expect(await controlRequest(dir, { op: 'resume', port: '/dev/ttyACM9' })).toEqual({ ok: true });
    expect(r.calls).toEqual(['release /dev/ttyACM9', 'resume /dev/ttyACM9']);
    expect(connections).toBe(1);
  });

  it('a release ends when the connection that asked for it closes', async () => {
    const dir = fresh();
    const r = recorder();
    server = await startControlServer(dir, r.handlers);
    const sock = createConnection(controlSocketPath(dir));
    sock.setEncoding('utf8');
    const answer = await new Promise<string>((res) => {
      sock.on('connect', () => sock.write('{"op":"release","port":"/dev/ttyUSB4"}\n'));
      sock.on('data', (d: string) => res(d));
    });
    expect(JSON.parse(answer)).toEqual({ ok: true });
    expect(r.calls).toEqual(['release /dev/ttyUSB4']);
    sock.destroy();
    await expect.poll(() => r.calls, { timeout: 5000 }).toEqual(['release /dev/ttyUSB4', 'resume /dev/ttyUSB4']);
  });

  it('Ctrl-C in a process that released a port (a `firmware flash`) gives the port back', async () => {
    const dir = fresh();
    const r = recorder();
    server = await startControlServer(dir, r.handlers);
    const script = `import { controlRequest } from './bridge/control.ts';
const a = await controlRequest(${JSON.stringify(dir)}, { op: 'release', port: '/dev/ttyACM3' });
console.log(JSON.stringify(a));
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((res) => child.stdout.setEncoding('utf8').on('data', (d: string) => res(d)));
    expect(JSON.parse(line)).toEqual({ ok: true });
    expect(r.calls).toEqual(['release /dev/ttyACM3']);
    child.kill('SIGINT');
    await expect.poll(() => r.calls, { timeout: 10_000 }).toEqual(['release /dev/ttyACM3', 'resume /dev/ttyACM3']);
  }, 30_000);
});

describe('the state folder', () => {
  it('is refused when group or others can write to it, with the chmod that fixes it', async () => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    await expect(startControlServer(dir, recorder().handlers)).rejects.toThrow(
      `The state folder ${dir} can be written by every user (mode 0777)`,
    );
    chmodSync(dir, 0o770);
    expect(() => checkStateDir(dir)).toThrow(/can be written by its group[^]*chmod 700/);
  });

  it('is refused when it belongs to another user', () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const other = statSync(dir).uid + 1;
    expect(() => checkStateDir(dir, undefined, other)).toThrow(/belongs to another user[^]*use a folder of your own/);
  });

  it('gives a warning when others can read it, and none when it is 0700', () => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const warnings: string[] = [];
    checkStateDir(dir, (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(/can be read by every user \(mode 0755\)[^]*webhook secret[^]*chmod 700/)]);
    chmodSync(dir, 0o700);
    checkStateDir(dir, (w) => warnings.push(w));
    expect(warnings).toHaveLength(1);
  });
});
