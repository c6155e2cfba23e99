/**
 * `botduino firmware generate | build | flash` through the CLI: a PlatformIO
 * project for a device, a build with Debian's AVR toolchain, and uploads
 * through a stand-in `pio` (PlatformIO cannot be installed here) with a
 * running bridge letting go of the port meanwhile.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { explainUploadFailure } from '../bridge/cli/flash.js';
import { main } from '../bridge/cli/main.js';
import { startControlServer } from '../bridge/control.js';
import { EXIT } from '../common/errors.js';
import { packageRoot } from '../bridge/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'bd-fw-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = join(tmp, `env-${n++}`);
  return {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    BOTDUINO_STATE_DIR: join(dir, 'state'),
    NO_COLOR: '1',
    ...extra,
  };
}

async function cli(args: string[], e: NodeJS.ProcessEnv = env()): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: e,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

const imagesDigest = () => {
  const dir = join(packageRoot, 'firmware', 'images');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
};

describe('firmware generate', () => {
  it('writes a complete PlatformIO project for a preset', async () => {
    const out = join(tmp, 'project');
    const r = await cli(['firmware', 'generate', '--device', 'lcd-keypad-shield', '--out', out]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    for (const f of ['platformio.ini', 'src/main.cpp', 'src/bd_config.h', 'src/bd_protocol.cpp', 'src/bd_runtime.inc'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'platformio.ini'), 'utf8')).toMatch(/board\s*=\s*uno/);
    expect(r.stdout).toContain(join(out, 'platformio.ini'));
    expect(r.stderr).toContain(`pio run -d ${out} -t upload`);
  });

  it('exits 3 on a bad device description, naming the field', async () => {
    const preset = JSON.parse(readFileSync(join(packageRoot, 'firmware', 'devices', 'presets', 'lcd-keypad-shield.json'), 'utf8'));
    const file = join(tmp, 'my-device.json');
    writeFileSync(file, JSON.stringify({ ...preset, $schema: undefined, name: 'my-device', lcd: { ...preset.lcd, cols: 99 } }));
    const r = await cli(['firmware', 'generate', '--device', file, '--out', join(tmp, 'never')]);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/lcd\.cols/);
    expect(existsSync(join(tmp, 'never', 'platformio.ini'))).toBe(false);
  });
});

describe('firmware build', () => {
  it('builds a preset with the AVR toolchain and prints flash and RAM, leaving firmware/images alone', async () => {
    const before = imagesDigest();
    const out = join(tmp, 'build');
    const r = await cli(['firmware', 'build', 'lcd-keypad-shield', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const [res] = JSON.parse(r.stdout) as { preset: string; flash: number; ram: number; flashMax: number; ramMax: number; hex: string }[];
    expect(res.preset).toBe('lcd-keypad-shield');
    expect(res.flash).toBeGreaterThan(1000);
    expect(res.flash).toBeLessThan(res.flashMax);
    expect(res.ram).toBeGreaterThan(100);
    expect(res.ram).toBeLessThan(res.ramMax);
    expect(res.hex.startsWith(out)).toBe(true);
    expect(readFileSync(res.hex, 'utf8')).toMatch(/^:[0-9A-F]+/);
    expect(r.stderr).toMatch(/building lcd-keypad-shield: done/);
    expect(imagesDigest()).toBe(before);
  });

  it('exits 3 on a name that is not a preset', async () => {
    const r = await cli(['firmware', 'build', 'no-such-board', '--out', join(tmp, 'b2')]);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/Not a preset: no-such-board\. Presets: .*lcd-keypad-shield/);
  });
});

describe('firmware flash', () => {
  let control: Server | null = null;
  afterEach(() => {
    control?.close();
    control = null;
  });

  /** A folder with only a stand-in `pio` that records its arguments and exits with `code`. */
  function fakePio(code = 0): { bin: string; argsFile: string } {
    const bin = join(tmp, `bin-${n++}`);
    mkdirSync(bin);
    const argsFile = join(bin, 'args.txt');
    writeFileSync(
      join(bin, 'pio'),
      // records its arguments, its workspace and the files of the project it was given (-d)
      `#!/bin/sh\necho "$@" > "${argsFile}"\necho "$PLATFORMIO_WORKSPACE_DIR" > "${argsFile}.workspace"\nls "$3" > "${argsFile}.project" 2>&1\nexit ${code}\n`,
    );
    chmodSync(join(bin, 'pio'), 0o755);
    return { bin, argsFile };
  }

  it('exits 7 without PlatformIO (or avrdude), saying how to install it', async () => {
    const empty = join(tmp, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const r = await cli(['firmware', 'flash', '--device', 'lcd-keypad-shield', '--port', '/dev/ttyACM9'], env({ PATH: empty }));
    expect(r.code).toBe(EXIT.toolMissing);
    expect(r.stderr).toMatch(/PlatformIO is not installed\. Install it with `pipx install platformio`/);
    expect(r.stderr).toMatch(/avrdude/);
  });

  it('runs `pio run … -t upload --upload-port …`, while a running bridge releases and then resumes the port', async () => {
    const { bin, argsFile } = fakePio(0);
    const e = env({ PATH: `${bin}:${process.env.PATH}` });
    const calls: string[] = [];
    control = await startControlServer(e.BOTDUINO_STATE_DIR!, {
      release: async (port) => (calls.push(`release ${port}`), true),
      resume: async (port) => (calls.push(`resume ${port}`), true),
    });
    const r = await cli(['firmware', 'flash', '--device', 'lcd-keypad-shield', '--port', '/dev/ttyACM9'], e);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(readFileSync(argsFile, 'utf8').trim()).toBe(`run -d ${packageRoot} -e lcd-keypad-shield -t upload --upload-port /dev/ttyACM9`);
    expect(calls).toEqual(['release /dev/ttyACM9', 'resume /dev/ttyACM9']);
    expect(r.stderr).toMatch(/flashing lcd-keypad-shield to \/dev\/ttyACM9 with pio: done/);
    // PlatformIO builds in the user's cache, not in the (possibly read-only, installed) package
    expect(readFileSync(`${argsFile}.workspace`, 'utf8').trim()).toBe(
      join(e.HOME!, '.cache', 'botduino', 'platformio', 'lcd-keypad-shield'),
    );
  });

  it('generates a project for a device that is not a preset and uploads that', async () => {
    const { bin, argsFile } = fakePio(0);
    const preset = JSON.parse(readFileSync(join(packageRoot, 'firmware', 'devices', 'presets', 'lcd-keypad-shield.json'), 'utf8'));
    const file = join(tmp, 'own-device.json');
    writeFileSync(file, JSON.stringify({ ...preset, $schema: undefined, name: 'own-device' }));
    const r = await cli(['firmware', 'flash', '--device', file, '--port', '/dev/ttyUSB3'], env({ PATH: `${bin}:${process.env.PATH}` }));
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const args = readFileSync(argsFile, 'utf8').trim();
    expect(args).toMatch(/^run -d \S+botduino-own-device-\S+ -t upload --upload-port \/dev\/ttyUSB3$/);
    expect(readFileSync(`${argsFile}.project`, 'utf8').split('\n')).toContain('platformio.ini');
    // the generated project (PlatformIO builds in it) is gone once the upload is over
    expect(existsSync(args.split(' ')[2])).toBe(false);
  });

  it('exits 8 when the upload fails, and still gives the port back to the bridge', async () => {
    const { bin } = fakePio(1);
    const e = env({ PATH: `${bin}:${process.env.PATH}` });
    const calls: string[] = [];
    control = await startControlServer(e.BOTDUINO_STATE_DIR!, {
      release: async (port) => (calls.push(`release ${port}`), true),
      resume: async (port) => (calls.push(`resume ${port}`), true),
    });
    const r = await cli(['firmware', 'flash', '--device', 'lcd-keypad-shield', '--port', '/dev/ttyACM9'], e);
    expect(r.code).toBe(EXIT.build);
    expect(r.stderr).toMatch(/pio failed \(exit 1\) flashing \/dev\/ttyACM9\. Check the port/);
    expect(calls).toEqual(['release /dev/ttyACM9', 'resume /dev/ttyACM9']);
  });

  it("tells avrdude's complaints plainly: a damaged image, a board whose bootloader does not answer", () => {
    // avrdude 7.1's own words
    const damaged = explainUploadFailure(
      {
        code: 1,
        unplugged: false,
        output:
          'avrdude error: checksum mismatch at line 6 of /x/lcd-keypad-shield.hex\n        checksum=0xfe, computed checksum=0x02\navrdude error: read from file /x/lcd-keypad-shield.hex failed\n',
      },
      'avrdude',
      '/dev/ttyACM0',
      'uno',
      '/x/lcd-keypad-shield.hex',
    );
    expect(damaged).toBe(
      'The firmware image /x/lcd-keypad-shield.hex is damaged (checksum mismatch at line 6), so nothing was written. Restore it (`git checkout firmware/images` in a checkout, or reinstall botduino) or rebuild it with `botduino firmware build`.',
    );
    const silent = explainUploadFailure(
      { code: 1, unplugged: false, output: 'avrdude error: stk500_getsync() attempt 10 of 10: not in sync: resp=0x00\n' },
      'avrdude',
      '/dev/ttyACM0',
      'uno',
      '/x.hex',
    );
    expect(silent).toMatch(/^The board's bootloader did not answer on \/dev\/ttyACM0\. Check that this is the board's port/);
  });

  it('exits 2 for a simulated board: there is nothing to flash', async () => {
    const r = await cli(['firmware', 'flash', '--device', 'lcd-keypad-shield', '--port', 'sim:lcd-keypad-shield']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/simulated board/);
  });
});
