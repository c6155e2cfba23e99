/**
 * Where the firmware's files are: the `firmware/` folder of the repository
 * or of the installed package, found from this module whether it runs from
 * the TypeScript sources or from the compiled `dist/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

function findFirmwareDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'firmware');
    if (existsSync(join(candidate, 'src', 'main.cpp'))) return candidate;
    if (existsSync(join(dir, 'src', 'main.cpp')) && dir.endsWith('firmware')) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('botduino: cannot find the firmware sources (firmware/src/main.cpp); is the package complete?');
    dir = up;
  }
}

/** A path inside the `firmware/` folder (`firmwareRoot('..')` is the package root). */
export function firmwareRoot(...parts: string[]): string {
  cached ??= findFirmwareDir();
  return resolve(cached, ...parts);
}
