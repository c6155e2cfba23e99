/**
 * `botduino firmware flash`: uploads the firmware for a device description
 * to a board with PlatformIO (`pio run -t upload`), after asking a running
 * bridge to let go of the port; without PlatformIO, a preset's committed
 * image is written with avrdude when that is installed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotduinoError, EXIT } from '../../common/errors.js';
import { controlRequest } from '../control.js';
import { cacheDir, packageRoot } from '../paths.js';
import { which } from './service.js';

export interface FlashOptions {
  /** A preset name or a device description file. */
  device: string;
  /** Serial port of the board. */
  port: string;
  /** State dir of a running bridge that may hold the port. */
  stateDir: string;
  /** PlatformIO executable (default: found on PATH or in ~/.platformio). */
  pio?: string;
  /** avrdude executable (default: found on PATH). */
  avrdude?: string;
  /** Where progress lines go. */
  progress?: (step: string) => (result?: string) => void;
  /** Runs a command; default spawns it with inherited stdio. */
  run?: (cmd: string, args: string[]) => Promise<number>;
  /** Environment to find the tools in and run them with; default this process's. */
  env?: NodeJS.ProcessEnv;
}

export const PIO_MISSING =
  'PlatformIO is not installed. Install it with `pipx install platformio` (or `python3 -m pip install --user platformio`; see docs.platformio.org, "Installation"), then run this again. ' +
  'For a preset you can also install avrdude (`sudo apt-get install avrdude`) and botduino writes the prebuilt image with it.';

/** PlatformIO on the PATH of `env`, or in ~/.platformio. */
export function findPio(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const c of ['pio', 'platformio']) {
    const p = which(c, env);
    if (p) return p;
  }
  const home = join(env.HOME || homedir(), '.platformio', 'penv', 'bin', 'pio');
  return existsSync(home) ? home : undefined;
}

const BOARD_MCU: Record<string, { mcu: string; programmer: string; baud: number }> = {
  uno: { mcu: 'atmega328p', programmer: 'arduino', baud: 115200 },
  nano: { mcu: 'atmega328p', programmer: 'arduino', baud: 57600 },
  'nano-new': { mcu: 'atmega328p', programmer: 'arduino', baud: 115200 },
  mega2560: { mcu: 'atmega2560', programmer: 'wiring', baud: 115200 },
};

function defaultRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    p.on('error', reject);
    p.on('close', (code) => resolve(code ?? 1));
  });
}

export async function flash(o: FlashOptions): Promise<{ tool: 'pio' | 'avrdude'; args: string[] }> {
  if (o.port.startsWith('sim:')) throw new BotduinoError(`${o.port} is a simulated board: it runs the committed image already; nothing to flash.`, 'usage', EXIT.usage);
  const env = o.env ?? process.env;
  // PlatformIO's build folder (.pio) goes to the user's cache, never into the installed package
  const toolEnv = { ...env, PLATFORMIO_WORKSPACE_DIR: env.PLATFORMIO_WORKSPACE_DIR || join(cacheDir(env), 'platformio', o.device.replace(/[^\w.-]+/g, '_')) };
  const run = o.run ?? ((cmd: string, args: string[]) => defaultRun(cmd, args, toolEnv));
  const progress = o.progress ?? (() => () => {});
  const { loadDevice, listPresets } = await import('../../firmware/devices/index.js');
  const device = loadDevice(o.device);
  const isPreset = listPresets().includes(o.device);

  const pio = o.pio ?? findPio(env);
  const avrdude = o.avrdude ?? which('avrdude', env);
  const image = join(packageRoot, 'firmware', 'images', `${device.name}.hex`);
  let cmd: string;
  let args: string[];
  let tool: 'pio' | 'avrdude';
  if (pio) {
    tool = 'pio';
    cmd = pio;
    if (isPreset) args = ['run', '-d', packageRoot, '-e', device.name, '-t', 'upload', '--upload-port', o.port];
    else {
      const { generateProject } = await import('../../firmware/generator/device.js');
      const dir = mkdtempSync(join(tmpdir(), `botduino-${device.name}-`));
      const end = progress(`generating the PlatformIO project in ${dir}`);
      await generateProject(device, dir);
      end();
      args = ['run', '-d', dir, '-t', 'upload', '--upload-port', o.port];
    }
  } else if (avrdude && isPreset && existsSync(image)) {
    tool = 'avrdude';
    cmd = avrdude;
    const b = BOARD_MCU[device.board];
    args = ['-p', b.mcu, '-c', b.programmer, '-P', o.port, '-b', String(b.baud), '-D', '-U', `flash:w:${image}:i`];
  } else {
    throw new BotduinoError(
      isPreset || !avrdude ? PIO_MISSING : `PlatformIO is needed to build a device that is not a preset (${o.device}). ${PIO_MISSING}`,
      'tool-missing',
      EXIT.toolMissing,
    );
  }

  // a running bridge holding the port lets go of it for the upload
  const released = await controlRequest(o.stateDir, { op: 'release', port: o.port });
  try {
    const end = progress(`flashing ${device.name} to ${o.port} with ${tool}`);
    const code = await run(cmd, args);
    end(code === 0 ? 'done' : `failed (exit ${code})`);
    if (code !== 0)
      throw new BotduinoError(
        `${tool} failed (exit ${code}) flashing ${o.port}. Check the port (\`botduino ports\`), that no serial monitor holds it, and the board type in the device description (${device.board}).`,
        'flash',
        EXIT.build,
      );
  } finally {
    if (released?.ok) await controlRequest(o.stateDir, { op: 'resume', port: o.port });
  }
  return { tool, args };
}
