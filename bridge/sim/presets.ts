/** Simulated boards for the presets: their device description and committed firmware image. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { PRESETS_DIR, isPresetName, listPresets, loadDevice } from '../../firmware/devices/index.js';
import { SimBoard } from './board.js';

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

/** A fresh simulated board running a preset's committed image. */
export function createPresetBoard(preset: string, opts: { eeprom?: Uint8Array } = {}): SimBoard {
  if (!isPresetName(preset))
    throw new ConfigError(`No preset "${preset}" to simulate: use one of ${listPresets().join(', ')}.`);
  return new SimBoard({ device: loadDevice(preset), hex: presetImage(preset), source: `${preset}.hex`, ...opts });
}

export { listPresets };
