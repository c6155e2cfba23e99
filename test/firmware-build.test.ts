import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDevice, buildPreset } from '../firmware/build/build.js';
import { listPresets, loadDevice, parseDevice } from '../firmware/devices/index.js';
import { SimBoard } from '../bridge/sim/board.js';
import { collectLines } from './fixtures/sim/support.js';
import { generateConfigHeader, generateProject } from '../firmware/generator/device.js';

const root = resolve(__dirname, '..');
const scratchDirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'botduino-fw-'));
  scratchDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

/** A device that is not a preset: a Nano, three buttons, a 16×2 parallel LCD. */
const nano = parseDevice(
  {
    name: 'nano-three-buttons',
    board: 'nano',
    lcd: { interface: 'parallel', cols: 16, rows: 2, pins: { rs: 12, en: 11, d4: 5, d5: 4, d6: 3, d7: 2 } },
    buttons: [
      { name: 'UP', pin: 6 },
      { name: 'DOWN', pin: 7 },
      { name: 'OK', pin: 8 },
    ],
  },
  'test',
);

describe('the firmware build', () => {
  for (const preset of listPresets()) {
    it(`rebuilds ${preset} into the committed image, byte for byte, within the board's RAM`, async () => {
      const r = await buildPreset(preset, { copyImage: false, workDir: scratch() });
      const committed = readFileSync(join(root, 'firmware', 'images', `${preset}.hex`), 'utf8');
      expect(readFileSync(r.hexPath, 'utf8'), `firmware/images/${preset}.hex is stale: run npx tsx firmware/build/build.ts`).toBe(
        committed,
      );
      expect(r.flash).toBeGreaterThan(1000);
      expect(r.ram).toBeLessThan(r.ramMax * 0.75);
    });
  }

  it('builds a device that is not a preset (a Nano with three buttons)', async () => {
    const out = scratch();
    const r = await buildDevice(nano, out);
    expect(existsSync(r.hexPath)).toBe(true);
    expect(readFileSync(r.hexPath, 'utf8')).toMatch(/^:[0-9A-F]+\r?\n/);
  });

  it('builds the line rate and the I2C clock of the description into the image: 500000 baud and 400 kHz on the simulated board', async () => {
    const device = parseDevice(
      { ...loadDevice('i2c-lcd-keypad'), baud: 500_000, lcd: { ...loadDevice('i2c-lcd-keypad').lcd, clock: 400_000 } },
      'test',
    );
    const r = await buildDevice(device, scratch());
    const board = new SimBoard({ device, hex: readFileSync(r.hexPath, 'utf8') });
    const lines = collectLines(board);
    const busAt: number[] = [];
    const bus = board.lcd.bus.bind(board.lcd);
    board.lcd.bus = (...a: Parameters<typeof bus>) => (busAt.push(board.nowUs), bus(...a));
    board.run(300);
    // the simulated PCF8574 takes each byte in 9 bit times at the clock TWBR makes: 22.5 µs at 400 kHz (not 90),
    // plus the few µs of the TWI interrupt before the next byte goes
    const gaps = busAt.slice(1).map((t, i) => t - busAt[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(22.5);
    expect(Math.min(...gaps)).toBeLessThan(30);
    // UBRR 3 with U2X: 16 MHz / 8 / 4 = 500000 exactly; TWBR 12, prescaler 1: 16 MHz / (16 + 2 × 12) = 400 kHz
    const d = board.data;
    expect([(d[0xc5] << 8) | d[0xc4], d[0xc0] & 0x02, d[0xb8], d[0xb9] & 0x03]).toEqual([3, 0x02, 12, 0]);
    expect(board.serial.lineBaud).toBe(500_000);
    expect(lines.map((l) => l.line.split(' ')[0])).toContain('HELLO'); // at 500000 on both sides, nothing garbled
    expect(board.serial.stats.garbled).toBe(0);
  });

  it('stops a config header from another protocol schema with an #error saying what to run', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'bd_config.h'),
      generateConfigHeader(nano).replace(/BD_CONFIG_FP_U32 0x[0-9A-F]+UL/, 'BD_CONFIG_FP_U32 0x12345678UL'),
    );
    writeFileSync(join(dir, 'x.cpp'), '#include "bd_config.h"\n');
    const r = spawnSync(
      'avr-g++',
      ['-fsyntax-only', '-mmcu=atmega328p', `-I${dir}`, `-I${join(root, 'firmware', 'runtime')}`, join(dir, 'x.cpp')],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/#error "bd_config.h was generated for protocol schema .*generate the config again/);
  });
});

describe('a generated PlatformIO project', () => {
  it('has the env for the board, the firmware, the runtime and the config header', async () => {
    const out = scratch();
    const files = await generateProject(nano, out);
    const rel = files.map((f) => f.slice(out.length + 1)).sort();
    expect(rel).toEqual(
      expect.arrayContaining([
        'platformio.ini',
        'src/main.cpp',
        'src/lcd.cpp',
        'src/inputs.cpp',
        'src/bd_protocol.h',
        'src/bd_protocol.cpp',
        'src/bd_config.h',
        'nano-three-buttons.json',
      ]),
    );
    const ini = readFileSync(join(out, 'platformio.ini'), 'utf8');
    expect(ini).toContain('[env:nano-three-buttons]');
    expect(ini).toMatch(/^board = nanoatmega328$/m);
    expect(ini).toMatch(/^framework = arduino$/m);
    expect(ini).toMatch(/^platform = atmelavr$/m);
    expect(ini).toMatch(/^monitor_speed = 250000$/m);
  });

  it('compiles as it is, with the sources flat in src/', async () => {
    const out = scratch();
    await generateProject(nano, out);
    const avr = '/usr/share/arduino/hardware/arduino/avr';
    const src = join(out, 'src');
    // every firmware source and the runtime, found, not listed: a new file cannot be left out
    const sources = [...readdirSync(join(root, 'firmware', 'src')), ...readdirSync(join(root, 'firmware', 'runtime'))]
      .filter((f) => f.endsWith('.cpp'))
      .sort();
    expect(sources).toEqual(expect.arrayContaining(['clock.cpp', 'main.cpp', 'bd_protocol.cpp']));
    expect(
      readdirSync(src)
        .filter((f) => f.endsWith('.cpp'))
        .sort(),
    ).toEqual(sources);
    for (const f of sources)
      execFileSync('avr-g++', [
        '-fsyntax-only',
        '-Os',
        '-std=gnu++11',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-mmcu=atmega328p',
        '-DF_CPU=16000000L',
        '-DARDUINO=10807',
        `-I${avr}/cores/arduino`,
        `-I${avr}/variants/eightanaloginputs`,
        join(src, f),
      ]);
  });
});

describe('a Nano with the new bootloader', () => {
  it('is a board of its own, which PlatformIO uploads with its new-bootloader settings', async () => {
    const out = scratch();
    await generateProject(parseDevice({ ...nano, name: 'nano-new-three-buttons', board: 'nano-new' }, 'test'), out);
    const ini = readFileSync(join(out, 'platformio.ini'), 'utf8');
    expect(ini).toMatch(/^board = nanoatmega328new$/m);
    expect(ini).toMatch(/^default_envs = nano-new-three-buttons$/m);
  });
});

describe('the root platformio.ini', () => {
  it('has one env per preset, selecting its config header', () => {
    const ini = readFileSync(join(root, 'platformio.ini'), 'utf8');
    expect(ini).toMatch(/^src_dir = firmware$/m);
    for (const p of listPresets()) {
      expect(ini).toContain(`[env:${p}]`);
      expect(ini).toContain(`-I firmware/src/config/${p}`);
    }
  });

  it('uploads one preset by default (`pio run -t upload` would flash each default env in turn, the last one winning)', () => {
    const ini = readFileSync(join(root, 'platformio.ini'), 'utf8');
    const envs = /^default_envs = (.*)$/m
      .exec(ini)![1]
      .split(',')
      .map((e) => e.trim());
    expect(envs).toEqual(['lcd-keypad-shield']);
    expect(ini).toContain('`pio run -t upload` builds and flashes the default preset, lcd-keypad-shield');
  });
});
