/** Where botduino finds its own files and keeps the user's. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (holds firmware/, platformio.ini), from source or from dist/. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'botduino') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('botduino: cannot find the package root (package.json named botduino)');
    dir = up;
  }
})();

export const packageVersion: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

/** An XDG base directory variable, if set to an absolute path (the XDG spec says to ignore relative ones). */
function xdg(value: string | undefined): string | undefined {
  return value && isAbsolute(value) ? value : undefined;
}

/** The one default state folder: $XDG_STATE_HOME/botduino, else ~/.local/state/botduino. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdg(env.XDG_STATE_HOME) ?? join(homedir(), '.local', 'state'), 'botduino');
}

/** Where firmware builds go: $XDG_CACHE_HOME/botduino, else ~/.cache/botduino (never the installed package). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdg(env.XDG_CACHE_HOME) ?? join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.cache'), 'botduino');
}

/** $XDG_CONFIG_HOME/botduino/config.json, default ~/.config/botduino/config.json. */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(xdg(env.XDG_CONFIG_HOME) ?? join(homedir(), '.config'), 'botduino', 'config.json');
}
