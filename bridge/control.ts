/**
 * A running bridge listens on a Unix socket in the state directory so that
 * another botduino process (`firmware flash`) can ask it to let go of a
 * serial port for a while, and take it back afterwards.
 *
 * Requests are one JSON line: {"op":"release","port":"/dev/ttyACM0"} or
 * {"op":"resume","port":…}; the answer is one JSON line {"ok":true} or
 * {"ok":false,"error":"…"}.
 */
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { BotduinoError, EXIT } from '../common/errors.js';

export interface ControlHandlers {
  release(port: string): Promise<boolean>;
  resume(port: string): Promise<boolean>;
}

export function controlSocketPath(stateDir: string): string {
  return join(stateDir, 'bridge.sock');
}

export async function startControlServer(stateDir: string, h: ControlHandlers): Promise<Server> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = controlSocketPath(stateDir);
  if (existsSync(path)) {
    // a socket left by a bridge that crashed, or one still running
    if (await ping(path))
      throw new BotduinoError(
        `Another botduino bridge is running (its control socket is ${path}): stop it first (\`systemctl stop botduino\`, or Ctrl-C where it runs), or give this one another state directory (BOTDUINO_STATE_DIR).`,
        'bridge-running',
        EXIT.failure,
      );
    unlinkSync(path);
  }
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > 4096) return void sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: { op?: string; port?: string };
      try {
        req = JSON.parse(buf.slice(0, nl));
      } catch {
        return void sock.end('{"ok":false,"error":"bad request"}\n');
      }
      const answer = (ok: boolean, error?: string) => sock.end(JSON.stringify({ ok, error }) + '\n');
      if (req.op === 'ping') return answer(true);
      if ((req.op === 'release' || req.op === 'resume') && typeof req.port === 'string') {
        h[req.op](req.port).then(
          (found) => answer(found, found ? undefined : `this bridge does not hold ${req.port}`),
          (e: Error) => answer(false, e.message),
        );
      } else answer(false, 'unknown op');
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => res());
  });
  server.unref();
  return server;
}

/** Sends one request to a running bridge; undefined when none is running. */
export function controlRequest(
  stateDir: string,
  req: { op: 'release' | 'resume' | 'ping'; port?: string },
  timeoutMs = 5000,
): Promise<{ ok: boolean; error?: string } | undefined> {
  const path = controlSocketPath(stateDir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(undefined);
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d: string) => (buf += d));
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf));
      } catch {
        resolve(undefined);
      }
    });
  });
}

async function ping(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection(path);
    sock.on('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}
