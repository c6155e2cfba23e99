import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installService, systemdUnit, udevRule } from '../bridge/cli/service.js';

describe('service files for a Raspberry Pi', () => {
  it('runs `botduino run` with the config, restarts on failure but not on config errors', () => {
    const unit = systemdUnit({ exec: '/usr/lib/node_modules/botduino/dist/bridge/cli/main.js', node: '/usr/bin/node', config: '/etc/botduino.json', user: 'pi' });
    expect(unit).toContain('ExecStart=/usr/bin/node /usr/lib/node_modules/botduino/dist/bridge/cli/main.js run --config /etc/botduino.json');
    expect(unit).toContain('User=pi');
    expect(unit).toContain('SupplementaryGroups=dialout');
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toMatch(/RestartPreventExitStatus=3 5/);
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('quotes paths with spaces', () => {
    expect(systemdUnit({ exec: '/home/pi/my bots/main.js', node: '/usr/bin/node', user: 'pi' })).toContain('"/home/pi/my bots/main.js"');
  });

  it('gives Arduino, CH340, FTDI and CP210x boards the dialout group and a stable name', () => {
    const rule = udevRule();
    for (const v of ['2341', '1a86', '0403', '10c4']) expect(rule).toContain(`ATTRS{idVendor}=="${v}"`);
    expect(rule).toContain('GROUP="dialout"');
    expect(rule).toContain('SYMLINK+="botduino-%s{serial}"');
  });

  it('installs the unit and the udev rule under a root and says what to run next', () => {
    const root = mkdtempSync(join(tmpdir(), 'bd-svc-'));
    const r = installService({ exec: '/opt/botduino/main.js', node: '/usr/bin/node', user: 'pi' }, { root });
    expect(readFileSync(join(root, 'etc/systemd/system/botduino.service'), 'utf8')).toContain('User=pi');
    expect(readFileSync(join(root, 'etc/udev/rules.d/99-botduino.rules'), 'utf8')).toContain('dialout');
    expect(r.commands.join('\n')).toContain('systemctl enable --now botduino');
  });
});
