import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.js';
import { installService, quoteArg, resolveServiceUser, serialGroup, systemdUnit, udevRule } from '../bridge/cli/service.js';
import { BOARD_IDS } from '../bridge/link/ports.js';

const tmp = tempDir('bd-svc-');
const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('the systemd unit', () => {
  it('runs `botduino run` with the config, restarts on failure but not on config errors', () => {
    const unit = systemdUnit({
      exec: '/usr/lib/node_modules/botduino/dist/bridge/cli/main.js',
      node: '/usr/bin/node',
      config: '/etc/botduino.json',
      user: 'pi',
      group: 'dialout',
    });
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /usr/lib/node_modules/botduino/dist/bridge/cli/main.js run --config /etc/botduino.json',
    );
    expect(unit).toContain('User=pi');
    expect(unit).toContain('SupplementaryGroups=dialout');
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toMatch(/RestartPreventExitStatus=3 5/);
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('is hardened: state directory, umask 077, no new privileges, read-only system, USB serial devices only', () => {
    const unit = systemdUnit({ exec: '/opt/botduino/main.js', node: '/usr/bin/node', user: 'pi', group: 'dialout' });
    for (const line of [
      'StateDirectory=botduino',
      'StateDirectoryMode=0700',
      'Environment=BOTDUINO_STATE_DIR=%S/botduino',
      'UMask=0077',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=read-only',
      'PrivateTmp=yes',
      'DevicePolicy=closed',
      'DeviceAllow=char-ttyACM rw',
      'DeviceAllow=char-ttyUSB rw',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    ])
      expect(unit.split('\n')).toContain(line);
    // Node's JIT needs writable executable memory
    expect(unit).not.toContain('MemoryDenyWriteExecute');
  });

  it.skipIf(!systemdAnalyze)('`systemd-analyze security --offline` rates its exposure 3.0 or less ("OK")', () => {
    const path = join(tmp, 'botduino.service');
    writeFileSync(
      path,
      systemdUnit({
        exec: '/usr/lib/node_modules/botduino/dist/bridge/cli/main.js',
        node: '/usr/bin/node',
        config: '/etc/botduino.json',
        user: 'pi',
        group: 'dialout',
      }),
    );
    let text: string;
    try {
      text = execFileSync(systemdAnalyze!, ['security', '--offline=true', '--no-pager', path], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      // it exits non-zero when the exposure is above its threshold (default 100 = never); show what it said
      text = String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
    }
    const m = /Overall exposure level for botduino\.service: (\d+\.\d)/.exec(text);
    expect(m, text).not.toBeNull();
    expect(Number(m![1]), text).toBeLessThanOrEqual(3.0);
  });

  it('doubles `%` and `$` (systemd expands them even inside quotes) and quotes paths with spaces', () => {
    expect(systemdUnit({ exec: '/home/pi/my bots/main.js', node: '/usr/bin/node', user: 'pi', group: 'dialout' })).toContain(
      'ExecStart=/usr/bin/node "/home/pi/my bots/main.js" run',
    );
    expect(quoteArg('/opt/$HOME/100%')).toBe('/opt/$$HOME/100%%');
    expect(quoteArg('/opt/a "b"\\c')).toBe('"/opt/a \\"b\\"\\\\c"');
    const unit = systemdUnit({
      exec: '/srv/bot$1/main.js',
      node: '/usr/bin/node',
      config: '/etc/50% off.json',
      user: 'pi',
      group: 'dialout',
    });
    expect(unit).toContain('ExecStart=/usr/bin/node /srv/bot$$1/main.js run --config "/etc/50%% off.json"');
  });

  it('a user unit has no User= line and is wanted by default.target', () => {
    const unit = systemdUnit({ exec: '/opt/botduino/main.js', node: '/usr/bin/node', userUnit: true });
    expect(unit).not.toMatch(/^User=/m);
    expect(unit).toContain('UMask=0077');
    expect(unit).toContain('WantedBy=default.target');
  });
});

describe('who the service runs as', () => {
  const passwd = join(tmp, 'passwd');
  writeFileSync(passwd, 'root:x:0:0::/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n');

  it('under sudo, the user who ran sudo; as that user, the user', () => {
    expect(resolveServiceUser({ env: { SUDO_USER: 'pi' }, uid: 0, passwdFile: passwd })).toBe('pi');
  });

  it('as root without sudo: refused unless --as-root', () => {
    expect(() => resolveServiceUser({ env: {}, uid: 0, passwdFile: passwd })).toThrow(/would run as root[^]*--user NAME[^]*--as-root/);
    expect(() => resolveServiceUser({ env: { SUDO_USER: 'root' }, uid: 0, passwdFile: passwd })).toThrow(/would run as root/);
    expect(() => resolveServiceUser({ user: 'root', env: {}, uid: 0, passwdFile: passwd })).toThrow(/would run as root/);
    expect(resolveServiceUser({ asRoot: true, env: {}, uid: 0, passwdFile: passwd })).toBe('root');
  });

  it('--user NAME, which must exist', () => {
    expect(resolveServiceUser({ user: 'pi', env: { SUDO_USER: 'alice' }, uid: 0, passwdFile: passwd })).toBe('pi');
    expect(() => resolveServiceUser({ user: 'bob', env: {}, uid: 0, passwdFile: passwd })).toThrow(/There is no user `bob`[^]*adduser bob/);
    expect(() => resolveServiceUser({ user: 'a b', env: {}, uid: 0, passwdFile: passwd })).toThrow(/is not a user name/);
  });
});

describe('the serial group, found from the system', () => {
  it('is the group that owns the serial devices', () => {
    const dev = join(tmp, 'dev-owned');
    mkdirSync(dev, { recursive: true });
    writeFileSync(join(dev, 'ttyUSB0'), '');
    let gid = statSync(join(dev, 'ttyUSB0')).gid;
    if (gid === 0) {
      chownSync(join(dev, 'ttyUSB0'), 0, 65534); // as root: give it a group that is not root's
      gid = 65534;
    }
    const groups = join(tmp, 'group-owned');
    writeFileSync(groups, `root:x:0:\ndialout:x:20:\nuucp:x:${gid}:\n`);
    expect(serialGroup({ groupFile: groups, devRoot: dev })).toBe('uucp');
  });

  it('without a serial device: dialout where it exists, else uucp (Arch, openSUSE)', () => {
    const none = join(tmp, 'dev-none');
    mkdirSync(none, { recursive: true });
    const debian = join(tmp, 'group-debian');
    writeFileSync(debian, 'root:x:0:\ndialout:x:20:\n');
    expect(serialGroup({ groupFile: debian, devRoot: none })).toBe('dialout');
    const arch = join(tmp, 'group-arch');
    writeFileSync(arch, 'root:x:0:\nuucp:x:14:\n');
    expect(serialGroup({ groupFile: arch, devRoot: none })).toBe('uucp');
  });

  it('goes into the unit and the udev rule', () => {
    const root = tempDir('bd-svc-root-');
    installService({ exec: '/opt/botduino/main.js', node: '/usr/bin/node', user: 'pi', group: 'uucp' }, { root });
    expect(readFileSync(join(root, 'etc/systemd/system/botduino.service'), 'utf8')).toContain('SupplementaryGroups=uucp');
    expect(readFileSync(join(root, 'etc/udev/rules.d/99-botduino.rules'), 'utf8')).toContain('GROUP="uucp"');
  });
});

/** udev rule lines: comments, or comma-separated KEY op "value" pairs with the keys and operators udev knows. */
function checkUdevSyntax(text: string): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  const gotos: string[] = [];
  const pair =
    /^\s*(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|ATTRS\{\w+\}|ATTR\{\w+\}|ENV\{\w+\}|MODE|GROUP|SYMLINK|IMPORT\{builtin\}|GOTO|LABEL)\s*(==|!=|\+=|=)\s*"([^"]*)"\s*$/;
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim() || line.startsWith('#')) continue;
    for (const p of line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
      const m = pair.exec(p);
      if (!m) problems.push(`line ${i + 1}: ${p}`);
      else if (m[1] === 'LABEL') labels.add(m[3]);
      else if (m[1] === 'GOTO') gotos.push(m[3]);
    }
  }
  for (const g of gotos) if (!labels.has(g)) problems.push(`GOTO ${g} has no LABEL`);
  return problems;
}

describe('the udev rule', () => {
  const rule = udevRule('dialout');

  it('is well-formed: KEY op "value" pairs, every GOTO has its LABEL', () => {
    expect(checkUdevSyntax(rule)).toEqual([]);
    expect(checkUdevSyntax('SUBSYSTEM="tty" GROUP="x"')).not.toEqual([]); // the checker itself catches a missing comma
  });

  it('marks Arduino and CH340 boards, keeps ModemManager away, and sets the group', () => {
    for (const v of ['2341', '2a03', '1a86']) expect(rule).toContain(`ATTRS{idVendor}=="${v}"`);
    expect(rule).toContain('ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ENV{BOTDUINO_BOARD}="1"');
    expect(rule).toContain('ENV{ID_MM_DEVICE_IGNORE}="1", MODE="0660", GROUP="dialout"');
    expect(rule.split('\n').length).toBeGreaterThan(BOARD_IDS.length);
  });

  it('leaves FTDI and CP210x adapters (GPS receivers, Zigbee sticks) alone', () => {
    expect(rule).not.toContain('"0403"');
    expect(rule).not.toContain('"10c4"');
  });

  it('links a board by its USB serial number, and a board without one (CH340) by its USB port', () => {
    expect(rule).toContain('ENV{ID_SERIAL_SHORT}=="?*", SYMLINK+="botduino-$env{ID_SERIAL_SHORT}", GOTO="botduino_end"');
    expect(rule).toContain('ENV{ID_PATH_TAG}=="?*", SYMLINK+="botduino-path-$env{ID_PATH_TAG}"');
    // the serial number must be the board's own, not a hub's found by walking up (ATTRS{serial})
    expect(rule).not.toContain('%s{serial}');
  });

  it('installs the unit and the udev rule under a root and says what to run next', () => {
    const root = tempDir('bd-svc-');
    const r = installService({ exec: '/opt/botduino/main.js', node: '/usr/bin/node', user: 'pi', group: 'dialout' }, { root });
    expect(readFileSync(join(root, 'etc/systemd/system/botduino.service'), 'utf8')).toContain('User=pi');
    expect(readFileSync(join(root, 'etc/udev/rules.d/99-botduino.rules'), 'utf8')).toContain('dialout');
    expect(r.commands.join('\n')).toContain('systemctl enable --now botduino');
    // the USB serial drivers load at boot, so the device groups DeviceAllow= names exist when the service starts
    expect(readFileSync(join(root, 'etc/modules-load.d/botduino.conf'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['cdc_acm', 'usbserial']),
    );
    expect(r.notes.join('\n')).toContain('BOTDUINO_STATE_DIR=/var/lib/botduino');
  });
});
