/**
 * The simulated board, for the CLI (`botduino simulate`), the link's `sim:`
 * ports and tests:
 *
 *   const { board, path } = simulatePreset('lcd-keypad-shield');  // registered as sim:lcd-keypad-shield, running in real time
 *   board.on('change', () => console.log(board.lcd.text().join('\n')));
 *   board.press('SELECT', { holdMs: 100 });
 */
import type { SimBoard } from './board.js';
import { registerSimBoard } from './binding.js';
import { createPresetBoard } from './presets.js';
import { runnerFor, type RunMode, type SimRunner } from './runner.js';

export { SimBoard, CPU_HZ, type SimBoardOptions, type SimBoardEvents, type ResetCause } from './board.js';
export { Hd44780, type Hd44780Options, type LcdCursor, type TextOptions } from './hd44780.js';
export { ROM_A00, ROM_A02, romTable, romReverse, type RomName } from '../lcd/rom.js';
export { simClock } from './sim-clock.js';
export { SimRunner, runnerFor, type RunMode, type RunnerOptions, type RunnerStats } from './runner.js';
export { SimBinding, SimDisconnectedError, getSimBoard, registerSimBoard, unregisterSimBoard, type RegisterOptions } from './binding.js';
export { createPresetBoard, presetImage, listPresets, IMAGES_DIR } from './presets.js';
export type { FaultAction, FaultHook, LineDirection, LineStats } from './line.js';
export type { PressOptions } from './inputs.js';

export interface SimulateOptions {
  /** Path to register the board under; default `sim:<preset>`. */
  path?: string;
  /** Default "realtime". */
  run?: RunMode;
  /** EEPROM contents to start with (the device id and boot counter live there); default erased. */
  eeprom?: Uint8Array;
  /** The simulated LCD's character ROM instead of the preset's (see PresetBoardOptions.rom). */
  rom?: 'A00' | 'A02';
  /** Realtime at 1/N of real speed (see RunnerOptions.slowdown); default 1. */
  slowdown?: number;
}

/**
 * Creates a board for a preset, registers it under its `sim:` path and
 * starts it running; `runner.stop()` stops it.
 */
export function simulatePreset(preset: string, opts: SimulateOptions = {}): { board: SimBoard; path: string; runner: SimRunner } {
  const board = createPresetBoard(preset, { eeprom: opts.eeprom, rom: opts.rom });
  const path = opts.path ?? `sim:${preset}`;
  const run = opts.run ?? 'realtime';
  registerSimBoard(path, board, { run });
  const runner = runnerFor(board, { mode: run, slowdown: opts.slowdown });
  runner.start();
  return { board, path, runner };
}
