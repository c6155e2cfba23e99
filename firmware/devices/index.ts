/**
 * Device descriptions: parse one (from JSON or a preset name), list the
 * presets. Everything that reads a device description goes through here, so
 * every user sees the same checks and the same messages.
 *
 *   const device = loadDevice('lcd-keypad-shield');      // a preset
 *   const mine = loadDevice('./my-device.json');        // a file
 *   const d = parseDevice(JSON.parse(text), 'inline');   // already read
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../../common/errors.js';
import { firmwareRoot } from './paths.js';
import { DeviceSchema, type Device } from './schema.js';

export * from './schema.js';
export { BOARD_INFO, resolvePin, type BoardInfo, type PinInfo } from './boards.js';
export { LCD_GEOMETRIES, isPcf8574Address } from './validate.js';

/** Folder of the preset JSON files (in the sources, also when running from dist/). */
export const PRESETS_DIR = firmwareRoot('devices', 'presets');

/** Names of the presets shipped with botduino, sorted. */
export function listPresets(): string[] {
  return readdirSync(PRESETS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** "lcd.pins.d4" from a zod issue path; "(top level)" for the root. */
function pathOf(issue: z.core.$ZodIssue): string {
  return issue.path.length ? issue.path.map(String).join('.') : '(top level)';
}

/**
 * Checks a device description (already parsed from JSON, or JSON text).
 * Throws a ConfigError listing every problem as "path: what is wrong".
 * @param source where it came from, for the message (a file name or a preset)
 */
export function parseDevice(json: unknown, source: string): Device {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new ConfigError(`${source} is not valid JSON (${(e as Error).message}); fix the syntax and try again.`, { cause: e });
    }
  }
  const r = DeviceSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${pathOf(i)}: ${i.message}`);
  throw new ConfigError(
    `${source}: the device description has ${lines.length === 1 ? 'a problem' : `${lines.length} problems`}:\n${lines.join('\n')}\n` +
      'Fix the description and try again (an editor that reads firmware/devices/device.schema.json checks it as you type).',
  );
}

/** True for a name that is a preset rather than a file path. */
export function isPresetName(name: string): boolean {
  return listPresets().includes(name);
}

/** A preset by name, or a JSON file by path (relative to the working directory). */
export function loadDevice(fileOrPreset: string): Device {
  const preset = isPresetName(fileOrPreset);
  const file = preset ? join(PRESETS_DIR, `${fileOrPreset}.json`) : resolve(fileOrPreset);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ConfigError(
        `No device description "${fileOrPreset}": it is not a preset (${listPresets().join(', ')}) and no such file exists. ` +
          'Give a preset name or the path to your device JSON file.',
        { cause: e },
      );
    throw new ConfigError(`Cannot read the device description ${file} (${(e as Error).message}); check the path and its permissions.`, {
      cause: e,
    });
  }
  return parseDevice(text, preset ? `preset ${fileOrPreset}` : file);
}
