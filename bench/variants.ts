/**
 * Firmware images for the bench's variants of a preset: the same device at
 * another line rate or I2C clock, built from the current sources into a
 * scratch folder (the committed images are not touched). Without the AVR
 * toolchain there is no variant image, and its figures are left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDevice } from '../firmware/build/build.js';
import { loadDevice } from '../firmware/devices/index.js';
import type { Device } from '../firmware/devices/schema.js';

export interface Variant {
  /** The line rate; default the preset's. */
  baud?: number;
  /** The I2C clock of an I2C LCD; default the preset's. */
  i2cHz?: number;
}

/** The preset's device with the variant's changes. */
export function variantDevice(preset: string, v: Variant): Device {
  const d = loadDevice(preset);
  const lcd = d.lcd.interface === 'i2c' && v.i2cHz !== undefined ? { ...d.lcd, clock: v.i2cHz } : d.lcd;
  return { ...d, baud: v.baud ?? d.baud, lcd };
}

/** A short label: "115200 Bd", "400 kHz". */
export function variantLabel(v: Variant): string {
  return [v.baud ? `${v.baud} Bd` : '', v.i2cHz ? `${v.i2cHz / 1000} kHz` : ''].filter(Boolean).join(', ');
}

/** Builds the variant; null (and a line in the log) when it cannot be built here. */
export async function variantImage(
  preset: string,
  v: Variant,
  opts: { workDir?: string; log?: (line: string) => void } = {},
): Promise<{ device: Device; hex: string; source: string } | null> {
  const device = variantDevice(preset, v);
  const tag = `${device.baud}-${device.lcd.interface === 'i2c' ? device.lcd.clock : 0}`;
  const workDir = opts.workDir ?? join(import.meta.dirname, '..', '.tmp', 'bench-build');
  try {
    const r = await buildDevice(device, join(workDir, 'variants', `${preset}-${tag}`), { workDir }, `${preset} (${variantLabel(v)})`);
    return { device, hex: readFileSync(r.hexPath, 'utf8'), source: `${preset} (${variantLabel(v)})` };
  } catch (err) {
    opts.log?.(`no build of ${preset} at ${variantLabel(v)} (${(err as Error).message.split('\n')[0]}): its figures are left out`);
    return null;
  }
}
