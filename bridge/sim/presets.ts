/** Simulated boards for the presets: their device description and committed firmware image. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { PRESETS_DIR, isPresetName, listPresets, loadDevice } from '../../firmware/devices/index.js';
import { SimBoard } from './board.js';
import { optibootAvailable, optibootHex } from './optiboot.js';

/** Folder of the committed firmware images (firmware/images). */
export const IMAGES_DIR = join(PRESETS_DIR, '..', '..', 'images');

/** The committed image of a preset, as Intel HEX text. */
export function presetImage(preset: string): string {
  const file = join(IMAGES_DIR, `${preset}.hex`);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `No firmware image for preset "${preset}" (${file}): build it with \`npx tsx firmware/build/build.ts ${preset}\`.`,
      { cause: e },
    );
  }
}

export interface PresetBoardOptions {
  eeprom?: Uint8Array;
  /**
   * Start an Uno preset through Optiboot, as a real Uno does after a reset
   * (default: when arduino-core-avr is installed, or BOTDUINO_OPTIBOOT is
   * set); false runs the image straight from reset; true insists.
   */
  bootloader?: boolean;
  /**
   * The simulated LCD's character ROM instead of the preset's (A00): the
   * image is unchanged, so its HELLO still reports the preset's ROM, and the
   * bridge must be told (DeviceEntry.rom) to render for this one.
   */
  rom?: 'A00' | 'A02';
}

/** A fresh simulated board running a preset's committed image (on an Uno behind Optiboot, when it is installed). */
export function createPresetBoard(preset: string, opts: PresetBoardOptions = {}): SimBoard {
  if (!isPresetName(preset)) throw new ConfigError(`No preset "${preset}" to simulate: use one of ${listPresets().join(', ')}.`);
  const loaded = loadDevice(preset);
  const device = opts.rom ? { ...loaded, lcd: { ...loaded.lcd, rom: opts.rom } } : loaded;
  const wanted = device.board === 'uno' && (opts.bootloader ?? (!!process.env.BOTDUINO_OPTIBOOT || optibootAvailable()));
  const boot = wanted ? optibootHex() : null;
  return new SimBoard({
    device,
    hex: presetImage(preset),
    source: `${preset}.hex`,
    eeprom: opts.eeprom,
    ...(boot ? { bootloader: boot, bootloaderSource: 'optiboot_atmega328.hex' } : {}),
  });
}

export { listPresets };
