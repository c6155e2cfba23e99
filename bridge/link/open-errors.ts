/**
 * Turns the errors a serial port gives on open into messages that say what
 * to do: permissions (which group, how to join it), a port held by another
 * program, a port that is not there.
 */
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { SerialError } from '../../common/errors.js';

/** What kind of open failure a message describes. */
export function classifyOpenError(err: unknown): 'permission' | 'busy' | 'missing' | 'other' {
  const text = `${(err as { code?: string })?.code ?? ''} ${(err as Error)?.message ?? String(err)}`;
  if (/EACCES|EPERM|Permission denied|Operation not permitted|Access denied/i.test(text)) return 'permission';
  if (/EBUSY|Cannot lock port|locked|Resource temporarily unavailable|Device or resource busy/i.test(text)) return 'busy';
  if (/ENOENT|ENODEV|No such file|No such device|does not exist|File not found/i.test(text)) return 'missing';
  return 'other';
}

function groupName(gid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === gid) return name;
    }
  } catch {
    /* no /etc/group: not a Unix we know */
  }
  return undefined;
}

function userGroups(): string[] {
  if (typeof process.getgroups !== 'function') return [];
  return process.getgroups().map((g) => groupName(g) ?? String(g));
}

function permissionAdvice(path: string): string {
  let owner: string | undefined;
  try {
    owner = groupName(statSync(path).gid);
  } catch {
    /* the path may be gone already */
  }
  let user = '$USER';
  try {
    user = userInfo().username;
  } catch {
    /* keep the placeholder */
  }
  const groups = userGroups();
  const group = owner && owner !== 'root' ? owner : 'dialout';
  const member = groups.includes(group);
  const lines = [
    `Permission denied opening ${path}.`,
    owner
      ? `The port belongs to group "${owner}"; user ${user} is ${member ? 'in it, but this session started before joining' : 'not in it'}${groups.length ? ` (groups: ${groups.join(', ')})` : ''}.`
      : `Your user needs to be in the group that owns serial ports.`,
    `Fix: run \`sudo usermod -aG ${group} $USER\`, then log out and back in (the group is "dialout" on Debian, Ubuntu and Raspberry Pi OS, "uucp" on Arch, and "plugdev" for some boards).`,
    `Or add a udev rule, e.g. /etc/udev/rules.d/99-botduino.rules: SUBSYSTEM=="tty", ATTRS{idVendor}=="2341", MODE="0660", GROUP="${group}", then \`sudo udevadm control --reload && sudo udevadm trigger\`.`,
  ];
  return lines.join(' ');
}

/** The SerialError for a failed open of `path`. */
export function openError(path: string, err: unknown): SerialError {
  const detail = (err as Error)?.message ?? String(err);
  switch (classifyOpenError(err)) {
    case 'permission':
      return new SerialError(permissionAdvice(path), 'serial-permission', { cause: err });
    case 'busy':
      return new SerialError(
        `${path} is in use by another program (${detail}). Close whatever holds it — a serial monitor, the Arduino IDE, screen or minicom, ModemManager, or another botduino — and try again; \`fuser -v ${path}\` shows who has it open.`,
        'serial-busy',
        { cause: err },
      );
    case 'missing':
      return new SerialError(
        `No serial port at ${path} (${detail}). Is the board plugged in? \`botduino ports\` lists the ports found, or use --port auto.`,
        'serial-missing',
        { cause: err },
      );
    default:
      return new SerialError(`Could not open ${path}: ${detail}. Check the cable and the port name (\`botduino ports\`).`, 'serial-open', {
        cause: err,
      });
  }
}
