/**
 * A running bridge listens on a Unix socket in the state directory so that
 * another botduino process (`firmware flash`) can ask it to let go of a
 * serial port for a while, and take it back afterwards.
 *
 * Requests are JSON lines: {"op":"release","port":"/dev/ttyACM0"} or
 * {"op":"resume","port":…}; each answer is one JSON line {"ok":true} or
 * {"ok":false,"error":"…"}. A release lasts only as long as the connection
 * that asked for it: the asker keeps it open and sends its resume on it, and
 * if it goes away first (Ctrl-C during a flash, a crash) the bridge takes
 * the port back by itself. The socket is 0600 and its folder must be the
 * user's own and not writable by others (checkStateDir).
 */
import { chmodSync, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { BotduinoError, EXIT } from '../common/errors.js';

export interface ControlHandlers {
  release(port: string): Promise<boolean>;
  resume(port: string): Promise<boolean>;
}

export function controlSocketPath(stateDir: string): string {
  return join(stateDir, 'bridge.sock');
}

/**
 * Checks the state folder before secrets or the control socket go into it:
 * it must belong to this user and not be writable by group or others (else
 * anyone with write access could replace the socket or state.json); when
 * group or others can read it, `warn` is told (state.json holds the webhook
 * secret). A folder that does not exist yet is made 0700.
 */
export function checkStateDir(dir: string, warn: (msg: string) => void = () => {}, uid = process.getuid?.()): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (uid !== undefined && st.uid !== uid)
    throw new BotduinoError(
      `The state folder ${dir} belongs to another user (uid ${st.uid}), not to you (uid ${uid}): use a folder of your own (BOTDUINO_STATE_DIR or "stateDir"), or run botduino as its owner.`,
      'state-dir',
      EXIT.failure,
    );
  const mode = st.mode & 0o777;
  if (mode & 0o022)
    throw new BotduinoError(
      `The state folder ${dir} can be written by ${mode & 0o002 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}), who could then take over the bridge's control socket: run \`chmod 700 ${dir}\`.`,
      'state-dir',
      EXIT.failure,
    );
  if (mode & 0o044)
    warn(
      `The state folder ${dir} can be read by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); it holds the webhook secret: \`chmod 700 ${dir}\` keeps it private.`,
    );
}

export async function startControlServer(stateDir: string, h: ControlHandlers, warn?: (msg: string) => void): Promise<Server> {
  checkStateDir(stateDir, warn);
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
    /** Ports this connection has released: taken back when it closes. */
    const held = new Set<string>();
    let chain: Promise<void> = Promise.resolve();
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      for (const port of held) void h.resume(port).catch(() => {});
      held.clear();
    });
    const answer = (ok: boolean, error?: string) => {
      const line = JSON.stringify({ ok, error }) + '\n';
      // the connection stays open while it holds a released port
      if (held.size) sock.write(line);
      else sock.end(line);
    };
    const handle = async (line: string) => {
      if (sock.destroyed) return;
      let req: { op?: string; port?: string };
      try {
        req = JSON.parse(line);
      } catch {
        return void sock.end('{"ok":false,"error":"bad request"}\n');
      }
      if (req.op === 'ping') return answer(true);
      if ((req.op === 'release' || req.op === 'resume') && typeof req.port === 'string') {
        const port = req.port;
        try {
          if (req.op === 'resume') held.delete(port);
          const found = await h[req.op](port);
          if (found && req.op === 'release') held.add(port);
          answer(found, found ? undefined : `this bridge does not hold ${port}`);
        } catch (e) {
          answer(false, (e as Error).message);
        }
      } else answer(false, 'unknown op');
    };
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > 4096) return void sock.destroy();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        chain = chain.then(() => handle(line));
      }
    });
  });
  // the socket is made with the umask's mode: none for group and others from the start, whatever the umask
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(path, () => res());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  server.unref();
  return server;
}

/** Connections holding a released port, by socket path and port: the resume goes on the same one. */
const holding = new Map<string, Socket>();

/**
 * Sends one request to a running bridge; undefined when none is running.
 * After a successful `release` the connection stays open (without keeping
 * this process alive) until the `resume` for the same port, which is sent on
 * it; if this process ends first, the bridge takes the port back.
 */
export function controlRequest(
  stateDir: string,
  req: { op: 'release' | 'resume' | 'ping'; port?: string },
  timeoutMs = 5000,
): Promise<{ ok: boolean; error?: string } | undefined> {
  const path = controlSocketPath(stateDir);
  const key = `${path}\0${req.port ?? ''}`;
  const kept = req.op === 'resume' ? holding.get(key) : undefined;
  if (kept) holding.delete(key);
  if (!kept && !existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const sock = kept ?? createConnection(path);
    let buf = '';
    let settled = false;
    const finish = (v: { ok: boolean; error?: string } | undefined, keep = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (keep) {
        sock.removeAllListeners('data');
        holding.set(key, sock);
      } else sock.end();
      resolve(v);
    };
    const timer = setTimeout(() => {
      sock.destroy();
      finish(undefined);
    }, timeoutMs);
    const send = () => sock.write(JSON.stringify(req) + '\n');
    sock.setEncoding('utf8');
    if (kept) {
      sock.ref();
      send();
    } else sock.on('connect', send);
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let answer: { ok: boolean; error?: string } | undefined;
      try {
        answer = JSON.parse(buf.slice(0, nl));
      } catch {
        answer = undefined;
      }
      const keep = req.op === 'release' && !!answer?.ok;
      if (keep) sock.unref();
      finish(answer, keep);
    });
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
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
