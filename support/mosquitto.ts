/**
 * A real Mosquitto for tests and the bench: started on a free loopback
 * port with a generated config, password file and ACL, persistence in a
 * temporary directory (so a restart keeps sessions and queued messages).
 *
 *   const broker = await startMosquitto({ users: { relay: 'pw', 'bridge-a': 'pw2' }, acl });
 *   broker.url  // mqtt://127.0.0.1:<port>
 *   await broker.restart();
 *   await broker.stop();
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface MosquittoOptions {
  /** username → password. */
  users: Record<string, string>;
  /** The ACL file's text (Mosquitto's acl_file format). */
  acl: string;
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  /** What Mosquitto printed, for a failing test's message. */
  readonly output: () => string;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

const BINARY = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

export function mosquittoInstalled(): boolean {
  return BINARY !== undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function listening(port: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startMosquitto(opts: MosquittoOptions): Promise<Mosquitto> {
  if (!BINARY) throw new Error("mosquitto is not installed: run `bash scripts/setup-test.sh` (it installs Debian's mosquitto)");
  const dir = mkdtempSync(path.join(os.tmpdir(), 'botduino-mosquitto-'));
  const port = await freePort();
  const pwFile = path.join(dir, 'passwords');
  writeFileSync(pwFile, '', { mode: 0o600 });
  for (const [user, pw] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pwFile, user, pw]);
  writeFileSync(path.join(dir, 'acl'), opts.acl, { mode: 0o600 });
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      // started as root, Mosquitto would switch to the user "mosquitto", which cannot read these files
      `user ${os.userInfo().username}`,
      'allow_anonymous false',
      `password_file ${pwFile}`,
      `acl_file ${path.join(dir, 'acl')}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_queued_messages 100000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let out = '';
  const start = async () => {
    child = spawn(BINARY!, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<boolean>((r) => child!.once('exit', () => r(false)));
    const ok = await Promise.race([listening(port, Date.now() + 20_000), exited]);
    if (!ok) throw new Error(`mosquitto did not start on 127.0.0.1:${port}:\n${out}`);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    output: () => out,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
