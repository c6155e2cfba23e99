/**
 * `botduino doctor`: the checks that explain most "it does not work" reports,
 * each with what to do about it.
 */
import { accessSync, constants, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { request } from 'node:http';
import { userInfo } from 'node:os';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do, when not ok. */
  fix?: string;
}

export function checkNode(version = process.versions.node): Check {
  const [maj, min] = version.split('.').map(Number);
  const ok = maj > 20 || (maj === 20 && min >= 19);
  return ok
    ? { name: 'node', status: 'ok', detail: `Node.js ${version}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js ${version} is too old`,
        fix: 'Install Node.js 20.19 or newer (e.g. from NodeSource or nvm).',
      };
}

/** Group names of the current user, from /etc/group (no subprocess). */
export function userGroups(groupFile = '/etc/group', user = userInfo().username, gid = process.getgid?.()): string[] {
  const groups: string[] = [];
  let text = '';
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return groups;
  }
  for (const line of text.split('\n')) {
    const [name, , id, members] = line.split(':');
    if (!name) continue;
    if (Number(id) === gid || (members ?? '').split(',').includes(user)) groups.push(name);
  }
  return groups;
}

export function checkSerialGroup(groups: string[], isRoot = process.getuid?.() === 0): Check {
  if (isRoot) return { name: 'serial-permissions', status: 'ok', detail: 'running as root' };
  const wanted = ['dialout', 'uucp', 'plugdev'];
  const have = groups.filter((g) => wanted.includes(g));
  if (have.length) return { name: 'serial-permissions', status: 'ok', detail: `member of ${have.join(', ')}` };
  return {
    name: 'serial-permissions',
    status: 'warn',
    detail: `you are in none of the serial groups (${wanted.join(', ')})`,
    fix: 'Run `sudo usermod -aG dialout $USER` (uucp on Arch), then log out and back in; or install the udev rule: `sudo botduino service install`.',
  };
}

/**
 * Programs that have `path` open (Linux: /proc/<pid>/fd; only processes this
 * user may look into). Empty elsewhere or when nothing holds it.
 */
export function portHolders(path: string, proc = '/proc'): { pid: number; name: string }[] {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return [];
  }
  const out: { pid: number; name: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue;
    }
    if (fds.some((fd) => safeReadlink(`${proc}/${pid}/fd/${fd}`) === target)) {
      let name = '?';
      try {
        name = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
      } catch {
        // gone meanwhile
      }
      out.push({ pid: Number(pid), name });
    }
  }
  return out;
}

function safeReadlink(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

export function checkPortAccess(path: string, holders: { pid: number; name: string }[] = portHolders(path)): Check {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    if (holders.length)
      return {
        name: `port ${path}`,
        status: 'warn',
        detail: `in use by ${holders.map((h) => `${h.name} (PID ${h.pid})`).join(', ')}`,
        fix: 'Close that program (a serial monitor, the Arduino IDE, another bridge) before starting the bridge or flashing; a running `botduino run` lets go of the port for `botduino firmware flash` by itself.',
      };
    return { name: `port ${path}`, status: 'ok', detail: 'readable and writable, not held by another program' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      name: `port ${path}`,
      status: 'fail',
      detail: code === 'EACCES' ? 'permission denied' : `not usable (${code})`,
      fix:
        code === 'EACCES'
          ? 'Add yourself to the dialout group (`sudo usermod -aG dialout $USER`, then log in again).'
          : 'Is the board plugged in? `botduino ports` lists what is there.',
    };
  }
}

export function checkPio(found: string | undefined): Check {
  return found
    ? { name: 'platformio', status: 'ok', detail: found }
    : {
        name: 'platformio',
        status: 'warn',
        detail: 'not installed (needed to flash a board; not needed to run the bridge or the simulator)',
        fix: 'pipx install platformio',
      };
}

/** Is the webhook receiver answering on localhost? A GET on its path answers 405. */
export function checkWebhook(host: string, port: number, path: string, timeoutMs = 2000): Promise<Check> {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return new Promise((resolve) => {
    const req = request({ host: h, port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      const ok = res.statusCode === 405 || res.statusCode === 200;
      resolve({
        name: 'webhook',
        status: ok ? 'ok' : 'warn',
        detail: `http://${h}:${port}/… answers ${res.statusCode}`,
        fix: ok ? undefined : 'Another program answers on this port: choose another webhook port.',
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({
        name: 'webhook',
        status: 'warn',
        detail: `nothing answers on http://${h}:${port} (${e.code ?? e.message})`,
        fix: 'Start the bridge (`botduino run`); the webhook receiver runs inside it.',
      }),
    );
    req.end();
  });
}

export function summarize(checks: Check[]): { ok: boolean; text: string } {
  const mark = { ok: '✓', warn: '!', fail: '✗' };
  const text = checks.map((c) => `${mark[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n    → ${c.fix}` : ''}`).join('\n');
  return { ok: !checks.some((c) => c.status === 'fail'), text };
}

/** Does the name of the API host resolve? */
export async function checkDns(baseUrl: string): Promise<Check> {
  const { lookup } = await import('node:dns/promises');
  const host = new URL(baseUrl).hostname;
  try {
    const addrs = await lookup(host, { all: true });
    return { name: 'dns', status: 'ok', detail: `${host} → ${addrs.map((a) => a.address).join(', ')}` };
  } catch (e) {
    return {
      name: 'dns',
      status: 'fail',
      detail: `${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      fix: 'Check the network connection and DNS of this machine (and the baseUrl setting).',
    };
  }
}

/** Does the API host complete a TLS handshake with a certificate this machine trusts? */
export async function checkTls(baseUrl: string, timeoutMs = 5000): Promise<Check> {
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:')
    return {
      name: 'tls',
      status: 'warn',
      detail: `baseUrl is ${url.protocol.replace(':', '')}, not https: nothing is encrypted`,
      fix: 'Use the https baseUrl (the default) unless this is a local test server.',
    };
  const tls = await import('node:tls');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: url.hostname, port, servername: url.hostname, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ name: 'tls', status: 'ok', detail: `${url.hostname}: certificate valid until ${cert.valid_to}` });
    });
    const fail = (why: string) => {
      socket.destroy();
      resolve({
        name: 'tls',
        status: 'fail',
        detail: `${url.hostname}:${port}: ${why}`,
        fix: 'Check the clock of this machine and its CA certificates (ca-certificates), or a proxy that intercepts https.',
      });
    };
    socket.on('timeout', () => fail(`no TLS handshake within ${timeoutMs / 1000} s`));
    socket.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}
