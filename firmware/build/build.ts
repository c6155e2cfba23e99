/**
 * Builds the firmware here, without PlatformIO: Debian's avr-gcc and the
 * Arduino AVR core (/usr/share/arduino/hardware/arduino/avr), with the
 * flags of the core's platform.txt (which PlatformIO uses too).
 *
 *   npx tsx firmware/build/build.ts                   # every preset → firmware/images/<preset>.hex
 *   npx tsx firmware/build/build.ts lcd-keypad-shield # one preset
 *
 *   const r = await buildPreset('lcd-keypad-shield');  // { hexPath, flash, ram, … }
 *   const mine = await buildDevice(device, '.tmp/my-device');
 *
 * Output is deterministic: the same sources give the same HEX.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BotduinoError, EXIT } from '../../common/errors.js';
import { BOARD_INFO, type BoardInfo } from '../devices/boards.js';
import { listPresets, loadDevice } from '../devices/index.js';
import type { Device } from '../devices/schema.js';
import { FIRMWARE_WARNINGS, RUNTIME_FILES, firmwareSources, generateConfigHeader } from '../generator/device.js';
import { firmwareRoot } from '../devices/paths.js';

/** Where the Arduino AVR core is (Debian's arduino-core-avr). */
export const DEFAULT_ARDUINO_AVR = '/usr/share/arduino/hardware/arduino/avr';

/** A build that uses more of the board's RAM than this fails (the stack needs the rest). */
export const RAM_LIMIT = 0.75;

export interface BuildOptions {
  /** The Arduino AVR core; default DEFAULT_ARDUINO_AVR or $ARDUINO_AVR. */
  arduinoAvr?: string;
  /** Scratch folder for objects and the cached core; default .tmp/firmware-build in the repository. */
  workDir?: string;
  /** Where the protocol runtime is; default firmware/runtime. */
  runtimeDir?: string;
  /** For buildPreset: copy the HEX to firmware/images/<preset>.hex; default true. */
  copyImage?: boolean;
  /** Progress lines; default: none. */
  log?: (line: string) => void;
}

export interface BuildResult {
  name: string;
  board: BoardInfo['id'];
  hexPath: string;
  elfPath: string;
  /** Bytes of flash (program + initialized data). */
  flash: number;
  /** Bytes of static RAM (.data + .bss + .noinit). */
  ram: number;
  flashMax: number;
  ramMax: number;
}

const repoRoot = () => firmwareRoot('..');

class BuildError extends BotduinoError {
  constructor(message: string, code = 'build', exit: number = EXIT.build) {
    super(message, code, exit);
    this.name = 'BuildError';
  }
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e: NodeJS.ErrnoException) =>
      fail(
        e.code === 'ENOENT'
          ? new BuildError(
              `${cmd} is not installed. On Debian or Ubuntu: sudo apt-get install gcc-avr avr-libc arduino-core-avr; or build with PlatformIO (pio run).`,
              'tool-missing',
              EXIT.toolMissing,
            )
          : e,
      ),
    );
    p.on('close', (code) => done({ code: code ?? 1, out }));
  });
}

async function runOk(cmd: string, args: string[], what: string): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new BuildError(`${what} failed:\n${r.out.trim()}\n(command: ${cmd} ${args.join(' ')})`);
  return r.out;
}

/** Runs jobs two at a time (this kind of machine has two cores). */
async function pool<T>(items: T[], job: (item: T) => Promise<unknown>, width = 2): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

function commonFlags(board: BoardInfo): string[] {
  return [
    '-Os',
    '-ffunction-sections',
    '-fdata-sections',
    '-flto',
    `-mmcu=${board.mcu}`,
    '-DF_CPU=16000000L',
    '-DARDUINO=10807',
    `-D${board.boardMacro}`,
    '-DARDUINO_ARCH_AVR',
  ];
}

const CPP_FLAGS = [
  '-std=gnu++11',
  '-fpermissive',
  '-fno-exceptions',
  '-fno-threadsafe-statics',
  '-Wno-error=narrowing',
  '-DDECIMAL_DIG=__DECIMAL_DIG__',
];
const C_FLAGS = ['-std=gnu11', '-fno-fat-lto-objects'];

function coreIncludes(avr: string, board: BoardInfo): string[] {
  return [`-I${join(avr, 'cores', 'arduino')}`, `-I${join(avr, 'variants', board.variant)}`];
}

/** Compiles the Arduino core into an archive once per board kind, kept in the work folder. */
async function coreArchive(board: BoardInfo, avr: string, work: string, log: (l: string) => void): Promise<string> {
  const coreDir = join(avr, 'cores', 'arduino');
  if (!existsSync(coreDir))
    throw new BuildError(
      `The Arduino AVR core is not at ${avr}. On Debian or Ubuntu: sudo apt-get install arduino-core-avr; or set ARDUINO_AVR to its folder.`,
      'tool-missing',
      EXIT.toolMissing,
    );
  const sources = readdirSync(coreDir)
    .filter((f) => /\.(c|cpp|S)$/.test(f))
    .sort();
  const key = createHash('sha256')
    .update(JSON.stringify([avr, board.mcu, board.variant, board.boardMacro, commonFlags(board), CPP_FLAGS, C_FLAGS, sources]))
    .digest('hex')
    .slice(0, 12);
  const dir = join(work, `core-${board.id}-${key}`);
  const archive = join(dir, 'core.a');
  if (existsSync(archive)) return archive;
  log(`compiling the Arduino core for the ${board.title}`);
  mkdirSync(dir, { recursive: true });
  const flags = [...commonFlags(board), ...coreIncludes(avr, board)];
  const objects: string[] = [];
  await pool(sources, async (f) => {
    const obj = join(dir, `${f}.o`);
    objects.push(obj);
    const src = join(coreDir, f);
    if (f.endsWith('.cpp')) await runOk('avr-g++', ['-c', ...flags, ...CPP_FLAGS, '-w', src, '-o', obj], `compiling the core's ${f}`);
    else if (f.endsWith('.c')) await runOk('avr-gcc', ['-c', ...flags, ...C_FLAGS, '-w', src, '-o', obj], `compiling the core's ${f}`);
    else await runOk('avr-gcc', ['-c', '-x', 'assembler-with-cpp', ...flags, src, '-o', obj], `assembling the core's ${f}`);
  });
  const tmp = join(dir, 'core.a.tmp');
  await runOk('avr-gcc-ar', ['rcs', tmp, ...objects.sort()], 'archiving the Arduino core');
  renameSync(tmp, archive);
  return archive;
}

/** Parses `avr-size -C` output: "Program: 5432 bytes", "Data: 321 bytes". */
function parseSize(out: string): { flash: number; ram: number } {
  const flash = /Program:\s+(\d+)/.exec(out);
  const ram = /Data:\s+(\d+)/.exec(out);
  if (!flash || !ram) throw new BuildError(`Could not read the sizes from avr-size:\n${out}`);
  return { flash: Number(flash[1]), ram: Number(ram[1]) };
}

/**
 * Builds the firmware for a device: its config header goes to `outDir`,
 * with the objects, `<name>.elf` and `<name>.hex`.
 */
export async function buildDevice(device: Device, outDir: string, opts: BuildOptions = {}, source?: string): Promise<BuildResult> {
  const log = opts.log ?? (() => {});
  const avr = opts.arduinoAvr ?? process.env.ARDUINO_AVR ?? DEFAULT_ARDUINO_AVR;
  const work = opts.workDir ?? join(repoRoot(), '.tmp', 'firmware-build');
  const runtime = opts.runtimeDir ?? firmwareRoot('runtime');
  const board = BOARD_INFO[device.board];
  for (const f of RUNTIME_FILES)
    if (!existsSync(join(runtime, f)))
      throw new BuildError(`The protocol runtime ${join(runtime, f)} is missing: run npm run generate.`, 'build', EXIT.build);

  const core = await coreArchive(board, avr, work, log);
  const out = resolve(outDir);
  const configDir = join(out, 'config');
  mkdirSync(configDir, { recursive: true });
  const header = join(configDir, 'bd_config.h');
  const text = generateConfigHeader(device, source);
  if (!existsSync(header) || readFileSync(header, 'utf8') !== text) writeFileSync(header, text);

  log(`compiling ${device.name} for the ${board.title}`);
  const flags = [
    ...commonFlags(board),
    ...CPP_FLAGS,
    ...FIRMWARE_WARNINGS,
    '-Werror',
    `-I${configDir}`,
    `-I${runtime}`,
    `-I${firmwareRoot('src')}`,
    ...coreIncludes(avr, board),
  ];
  const sources = [
    ...firmwareSources()
      .filter((f) => f.endsWith('.cpp'))
      .map((f) => firmwareRoot('src', f)),
    ...RUNTIME_FILES.filter((f) => f.endsWith('.cpp')).map((f) => join(runtime, f)),
  ];
  const objects = sources.map((s) => join(out, `${basename(s)}.o`));
  await pool(sources, (src) =>
    runOk('avr-g++', ['-c', ...flags, src, '-o', join(out, `${basename(src)}.o`)], `compiling ${basename(src)} for ${device.name}`),
  );

  const elfPath = join(out, `${device.name}.elf`);
  const hexPath = join(out, `${device.name}.hex`);
  await runOk(
    'avr-gcc',
    ['-Os', '-flto', '-fuse-linker-plugin', '-Wl,--gc-sections', `-mmcu=${board.mcu}`, '-o', elfPath, ...objects, core, '-lm'],
    `linking ${device.name}`,
  );
  await runOk('avr-objcopy', ['-O', 'ihex', '-R', '.eeprom', elfPath, hexPath], `making the HEX of ${device.name}`);
  const size = parseSize(await runOk('avr-size', ['-C', `--mcu=${board.mcu}`, elfPath], `measuring ${device.name}`));
  const result: BuildResult = {
    name: device.name,
    board: board.id,
    hexPath,
    elfPath,
    ...size,
    flashMax: board.flashBytes,
    ramMax: board.ramBytes,
  };
  if (size.flash > board.flashBytes)
    throw new BuildError(
      `${device.name} needs ${size.flash} B of flash; the ${board.title} has ${board.flashBytes} B for programs. Use a bigger board.`,
    );
  if (size.ram > board.ramBytes * RAM_LIMIT)
    throw new BuildError(
      `${device.name} uses ${size.ram} B of static RAM, over ${Math.round(RAM_LIMIT * 100)} % of the ${board.title}'s ${board.ramBytes} B: ` +
        'too little would be left for the stack. Make the buffers smaller, or use a bigger board.',
    );
  return result;
}

/** Builds a preset; its HEX is copied to firmware/images/<preset>.hex unless `copyImage` is false. */
export async function buildPreset(name: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const device = loadDevice(name);
  const work = opts.workDir ?? join(repoRoot(), '.tmp', 'firmware-build');
  const r = await buildDevice(device, join(work, name), { ...opts, workDir: work }, `firmware/devices/presets/${name}.json`);
  if (opts.copyImage ?? true) {
    const image = firmwareRoot('images', `${name}.hex`);
    mkdirSync(firmwareRoot('images'), { recursive: true });
    copyFileSync(r.hexPath, image);
    return { ...r, hexPath: image };
  }
  return r;
}

function row(r: BuildResult): string {
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;
  return `${r.name.padEnd(20)} ${r.board.padEnd(9)} flash ${String(r.flash).padStart(6)} B (${pct(r.flash, r.flashMax)})   RAM ${String(r.ram).padStart(5)} B (${pct(r.ram, r.ramMax)})`;
}

async function main(argv: string[]): Promise<number> {
  const names = argv.length ? argv : listPresets();
  const unknown = names.filter((n) => !listPresets().includes(n));
  if (unknown.length) {
    console.error(`Not a preset: ${unknown.join(', ')}. Presets: ${listPresets().join(', ')}.`);
    return EXIT.usage;
  }
  for (const name of names) {
    const r = await buildPreset(name, { log: (l) => console.error(`  ${l}`) });
    console.log(row(r));
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = e instanceof BotduinoError ? e.exitCode : 1;
    },
  );
}
