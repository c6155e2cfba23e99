/**
 * `botduino firmware flash`: uploads the firmware for a device description
 * to a board with PlatformIO (`pio run -t upload`), after asking a running
 * bridge to let go of the port; without PlatformIO, a preset's committed
 * image is written with avrdude when that is installed. The uploader's own
 * output (avrdude's progress bars) goes to the terminal as it comes; when it
 * fails, what avrdude said is told in plain words.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  /** Runs a command; default spawns it, its output going to `output`. */
  run?: (cmd: string, args: string[]) => Promise<number>;
  /** Where the uploader's output goes (progress bars, messages); default stderr. */
  output?: { write(s: string): unknown };
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

export interface ToolRun {
  code: number;
  /** The end of what it printed. */
  output: string;
  /** The port's device node went away while it ran. */
  unplugged: boolean;
}

/**
 * Runs the uploader, passing its output on as it comes. A board unplugged
 * during an upload takes its device node (/dev/ttyACM0) with it; avrdude 7.1
 * then reads end-of-file forever without giving up, so the node is watched
 * and the uploader stopped when it goes.
 */
function runTool(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: { write(s: string): unknown },
  port: string,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let text = '';
    let unplugged = false;
    const keep = (d: Buffer) => {
      const s = d.toString();
      output.write(s);
      text = (text + s).slice(-20000);
    };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    const watch =
      port.startsWith('/') && existsSync(port)
        ? setInterval(() => {
            if (!existsSync(port) && !unplugged) {
              unplugged = true;
              p.kill('SIGTERM');
            }
          }, 100)
        : null;
    p.on('error', (e) => {
      if (watch) clearInterval(watch);
      reject(e);
    });
    p.on('close', (code) => {
      if (watch) clearInterval(watch);
      resolve({ code: code ?? 1, output: text, unplugged });
    });
  });
}

/** What went wrong in an upload that failed, in plain words, from the uploader's output. */
export function explainUploadFailure(r: ToolRun, tool: string, port: string, board: string, image: string): string {
  if (r.unplugged)
    return `The board on ${port} went away during the upload (unplugged?), so ${tool} was stopped. An upload never touches the bootloader: plug the board back in and run this again.`;
  const out = r.output;
  const mismatch = /device (0x[0-9a-f]+) != input (0x[0-9a-f]+) at addr (0x[0-9a-f]+)/i.exec(out);
  if (mismatch || /verification (error|mismatch)/i.test(out)) {
    const where = mismatch ? `: at ${mismatch[3]} the board has ${mismatch[1]} where the image has ${mismatch[2]}` : '';
    return `The upload to ${port} did not verify: the flash read back differs from the image${where} (avrdude: "verification mismatch"). Bytes were damaged on the way to the board (a bad cable, hub or connector) or the flash is worn. The board will not run correctly until an upload verifies: flash again; if it fails again, try another USB cable or port.`;
  }
  const sum = /checksum mismatch at line (\d+) of (\S+)/i.exec(out);
  if (sum || /read from file .* failed/i.test(out))
    return `The firmware image ${sum ? sum[2] : image} is damaged${sum ? ` (checksum mismatch at line ${sum[1]})` : ''}, so nothing was written. Restore it (\`git checkout firmware/images\` in a checkout, or reinstall botduino) or rebuild it with \`botduino firmware build\`.`;
  if (/not in sync|not responding|stk500_recv\(\)|stk500_getsync\(\)/i.test(out))
    return `The board's bootloader did not answer on ${port}. Check that this is the board's port (\`botduino ports\`), that no serial monitor holds it, and that the board is an ${board} with its bootloader; a board without auto-reset needs its reset button pressed just as the upload starts.`;
  if (/can't open device|cannot open port|could not open port|no such file/i.test(out))
    return `${tool} cannot open ${port}: check the port (\`botduino ports\`) and your permission to use it (on Debian: \`sudo usermod -aG dialout $USER\`, then log in again).`;
  const last = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error/i.test(l))
    .pop();
  return `${tool} failed (exit ${r.code}) flashing ${port}${last ? ` (${last})` : ''}. Check the port (\`botduino ports\`), that no serial monitor holds it, and the board type in the device description (${board}).`;
}

export async function flash(o: FlashOptions): Promise<{ tool: 'pio' | 'avrdude'; args: string[] }> {
  if (o.port.startsWith('sim:'))
    throw new BotduinoError(`${o.port} is a simulated board: it runs the committed image already; nothing to flash.`, 'usage', EXIT.usage);
  const env = o.env ?? process.env;
  // PlatformIO's build folder (.pio) goes to the user's cache, never into the installed package
  const toolEnv = {
    ...env,
    PLATFORMIO_WORKSPACE_DIR: env.PLATFORMIO_WORKSPACE_DIR || join(cacheDir(env), 'platformio', o.device.replace(/[^\w.-]+/g, '_')),
  };
  const output = o.output ?? process.stderr;
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
  /** The PlatformIO project generated for a device that is not a preset: removed after the upload. */
  let project: string | undefined;
  if (pio) {
    tool = 'pio';
    cmd = pio;
    if (isPreset) args = ['run', '-d', packageRoot, '-e', device.name, '-t', 'upload', '--upload-port', o.port];
    else {
      const { generateProject } = await import('../../firmware/generator/device.js');
      project = mkdtempSync(join(tmpdir(), `botduino-${device.name}-`));
      const end = progress(`generating the PlatformIO project in ${project}`);
      await generateProject(device, project);
      end();
      args = ['run', '-d', project, '-t', 'upload', '--upload-port', o.port];
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
    const r: ToolRun = o.run
      ? { code: await o.run(cmd, args), output: '', unplugged: false }
      : await runTool(cmd, args, toolEnv, output, o.port);
    const verified = /bytes of flash verified/.test(r.output);
    end(r.code === 0 ? (verified ? 'done, verified' : 'done') : r.unplugged ? 'board unplugged' : `failed (exit ${r.code})`);
    if (r.code !== 0)
      throw new BotduinoError(
        explainUploadFailure(r, tool, o.port, device.board, image),
        r.unplugged ? 'flash-unplugged' : 'flash',
        EXIT.build,
      );
  } finally {
    if (released?.ok) await controlRequest(o.stateDir, { op: 'resume', port: o.port });
    // (PlatformIO builds inside it: megabytes a flash, left behind in the temporary directory otherwise)
    if (project) rmSync(project, { recursive: true, force: true });
  }
  return { tool, args };
}
