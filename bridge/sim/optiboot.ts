/**
 * Optiboot for the simulated Uno, from Debian's arduino-core-avr.
 *
 * The package ships Optiboot 4.4's source (optiboot.c) and a HEX built from
 * it, but Debian's avr-gcc makes that build 532 bytes: 20 bytes past the end
 * of the flash, so it cannot sit in the Uno's 512-byte boot section. Built
 * from the same source with a few size options (as the Arduino's own 500-byte
 * image is) it fits; that build is made once with avr-gcc and cached in the
 * temporary folder, keyed by the source and the options.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.js';

/** Where arduino-core-avr puts Optiboot. */
export const OPTIBOOT_DIR = '/usr/share/arduino/hardware/arduino/avr/bootloaders/optiboot';

/** The Makefile's atmega328 target, plus the options that keep it in 512 bytes with Debian's avr-gcc 5. */
const CFLAGS = [
  '-g',
  '-Wall',
  '-Os',
  '-fno-inline-small-functions',
  '-fno-split-wide-types',
  '-mrelax',
  '-fno-tree-scev-cprop',
  '-fno-move-loop-invariants',
  '-fno-caller-saves',
  '-fno-jump-tables',
  '-mmcu=atmega328p',
  '-DF_CPU=16000000L',
  '-DLED_START_FLASHES=3',
  '-DBAUD_RATE=115200',
];
const LDFLAGS = [
  '-Wl,--section-start=.text=0x7e00',
  '-Wl,--section-start=.version=0x7ffe',
  '-Wl,--relax',
  '-Wl,--gc-sections',
  '-nostartfiles',
  '-nostdlib',
];

const MISSING =
  "install Debian's AVR toolchain and Arduino core (`sudo apt-get install gcc-avr avr-libc arduino-core-avr`), or set BOTDUINO_OPTIBOOT to an optiboot_atmega328.hex that fits 512 bytes";

/** Whether Optiboot's source is installed. */
export function optibootAvailable(dir = OPTIBOOT_DIR): boolean {
  return existsSync(join(dir, 'optiboot.c'));
}

/**
 * Optiboot for an ATmega328P at 16 MHz and 115200 baud, as Intel HEX:
 * BOTDUINO_OPTIBOOT's file when set, else built from arduino-core-avr's
 * source (cached). Throws ConfigError saying what to install.
 */
export function optibootHex(env: NodeJS.ProcessEnv = process.env, dir = OPTIBOOT_DIR): string {
  if (env.BOTDUINO_OPTIBOOT) {
    try {
      return readFileSync(env.BOTDUINO_OPTIBOOT, 'utf8');
    } catch (e) {
      throw new ConfigError(`BOTDUINO_OPTIBOOT names ${env.BOTDUINO_OPTIBOOT}, which cannot be read: fix the path or unset it.`, {
        cause: e,
      });
    }
  }
  if (!optibootAvailable(dir)) throw new ConfigError(`Optiboot's source is not installed (${dir}): ${MISSING}.`);
  const h = createHash('sha256');
  for (const f of ['optiboot.c', 'boot.h', 'pin_defs.h', 'stk500.h']) if (existsSync(join(dir, f))) h.update(readFileSync(join(dir, f)));
  h.update(CFLAGS.join(' ') + LDFLAGS.join(' '));
  const cache = join(tmpdir(), `botduino-optiboot-${h.digest('hex').slice(0, 16)}.hex`);
  if (existsSync(cache)) return readFileSync(cache, 'utf8');
  const work = mkdtempSync(join(tmpdir(), 'botduino-optiboot-'));
  try {
    const elf = join(work, 'optiboot.elf');
    try {
      execFileSync('avr-gcc', [...CFLAGS, ...LDFLAGS, '-I', dir, '-o', elf, join(dir, 'optiboot.c')], { stdio: 'pipe' });
      execFileSync(
        'avr-objcopy',
        [
          '-j',
          '.text',
          '-j',
          '.data',
          '-j',
          '.version',
          '--set-section-flags',
          '.version=alloc,load',
          '-O',
          'ihex',
          elf,
          join(work, 'o.hex'),
        ],
        { stdio: 'pipe' },
      );
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code === 'ENOENT') throw new ConfigError(`avr-gcc is not installed, so Optiboot cannot be built: ${MISSING}.`, { cause: e });
      throw new ConfigError(`Building Optiboot from ${dir} failed: ${String(err.stderr ?? e).trim()}`, { cause: e });
    }
    const text = readFileSync(join(work, 'o.hex'), 'utf8');
    mkdirSync(tmpdir(), { recursive: true });
    const part = `${cache}.${process.pid}`;
    writeFileSync(part, text);
    renameSync(part, cache);
    return text;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
