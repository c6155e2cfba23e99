/**
 * Firmware figures per preset: flash and static RAM (avr-size, from a build
 * of the current sources into a scratch folder; the committed images are
 * not touched), and the least free stack seen while an end-to-end scenario
 * runs on the simulated board.
 *
 * The firmware paints SRAM from `__heap_start` to RAMEND with 0xAA at boot
 * (`bd_stack_paint` in .init3); after the scenario, the run of 0xAA bytes
 * left above `__heap_start` is the stack that was never touched.
 *
 * Without the AVR toolchain the committed image runs instead: flash is its
 * HEX size, and `__heap_start` is taken as the start of the longest 0xAA run
 * in SRAM (so static RAM is an estimate); `source` says which.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimBoard } from '../bridge/sim/board.js';
import { presetImage } from '../bridge/sim/presets.js';
import { loadDevice } from '../firmware/devices/index.js';
import { buildPreset } from '../firmware/build/build.js';
import { fullScreenFrames } from './screens.js';
import { SimHost } from './sim-host.js';

export interface FirmwareFigures {
  flash: number;
  ram: number;
  minFreeStack: number;
  /** "build": avr-size on a fresh build; "image": the committed HEX (no toolchain). */
  source: 'build' | 'image';
}

/** Options of `measureFirmware`. */
export interface FirmwareOptions {
  /** Scratch folder for the builds; default .tmp/bench-build in the repository. */
  workDir?: string;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

const PAINT = 0xaa;
const SRAM_START = 0x100;

/** The figures, and the HEX they were measured on (for the other sections to run the same image). */
export async function measureFirmware(preset: string, opts: FirmwareOptions = {}): Promise<{ figures: FirmwareFigures; hex: string }> {
  const log = opts.log ?? (() => {});
  const workDir = opts.workDir ?? join(import.meta.dirname, '..', '.tmp', 'bench-build');
  let hex: string;
  let flash: number;
  let ram: number | null = null;
  let heapStart: number | null = null;
  let source: FirmwareFigures['source'] = 'build';
  try {
    const r = await buildPreset(preset, { copyImage: false, workDir, log });
    hex = readFileSync(r.hexPath, 'utf8');
    flash = r.flash;
    ram = r.ram;
    heapStart = await symbol(r.elfPath, '__heap_start');
  } catch (err) {
    log(`no firmware build for ${preset} (${(err as Error).message.split('\n')[0]}): measuring the committed image instead`);
    source = 'image';
    hex = presetImage(preset);
    flash = -1;
  }
  const board = new SimBoard({ device: loadDevice(preset), hex, source: `${preset}.hex` });
  if (source === 'image') flash = board.imageBytes;
  runScenario(board);
  const data = board.data;
  if (heapStart === null) {
    heapStart = longestPaintRun(data).start;
    ram = heapStart - SRAM_START;
  }
  let free = 0;
  while (heapStart + free < data.length && data[heapStart + free] === PAINT) free++;
  return { figures: { flash, ram: ram!, minFreeStack: free, source }, hex };
}

/** Boot, handshake, full screens, glyphs, cursor, every input, PING: what a session does. */
function runScenario(board: SimBoard): void {
  const host = new SimHost(board);
  host.handshake();
  const { cols, rows } = board.device.lcd;
  for (let i = 0; i < 4; i++) {
    host.send([{ kind: 'CLR' }, { kind: 'GLY', slot: i, rows: Uint8Array.of(0, 10, 0, 17, 14, 0, 0, 0) }]);
    host.send(fullScreenFrames(cols, rows, i));
    host.send([
      { kind: 'CUR', mode: i % 2 ? 'block' : 'line', row: rows - 1, col: cols - 1 },
      { kind: 'BL', on: true },
    ]);
    host.runUntilAcked();
  }
  const inputs = [...board.device.buttons.map((b) => b.name), ...(board.device.keypad?.layout.join('') ?? '')];
  for (const name of inputs) {
    board.press(name, { holdMs: 60, bounce: 2 });
    board.run(150);
  }
  board.press(inputs[0], { holdMs: 1200 }); // a hold event too
  board.run(1500);
  for (let i = 1; i <= 3; i++) {
    host.control({ kind: 'PING', seq: i } as never);
    host.waitFor((m) => m.kind === 'PONG' && m.seq === i);
  }
  host.send([
    { kind: 'TONE', hz: 880, ms: 50 },
    { kind: 'LED', on: true },
    { kind: 'SETID', id: 'bench-board-0001' },
  ]);
  host.runUntilAcked();
  board.run(200);
}

function longestPaintRun(data: Uint8Array): { start: number; length: number } {
  let best = { start: data.length, length: 0 };
  for (let i = SRAM_START; i < data.length;) {
    if (data[i] !== PAINT) {
      i++;
      continue;
    }
    let j = i;
    while (j < data.length && data[j] === PAINT) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  return best;
}

/** A data symbol's SRAM address from the ELF (avr-nm shows data at 0x800000 + address). */
async function symbol(elf: string, name: string): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('avr-nm', [elf], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(text));
  });
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(out);
  if (!m) throw new Error(`${name} is not in ${elf}`);
  return parseInt(m[1], 16) & 0xffff;
}
