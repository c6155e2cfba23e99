/**
 * Latency in simulated time on the simulated board at its line rate
 * (115200 baud for the presets), driven by the minimal host in sim-host.ts:
 *
 *  - key → host: from a press (board.press) to the last byte of its BTN/KEY
 *    frame reaching the host side of the line; mean over presses at
 *    different phases of the firmware's scan;
 *  - screen: from the host starting to send the frames of an update to the
 *    virtual LCD showing all of it (the first LCD change after which every
 *    cell is right), pipelined within the board's `rx` window;
 *  - wire: the pure line time of the bytes sent (10 bits a byte).
 */
import { SimBoard } from '../bridge/sim/board.js';
import { presetImage } from '../bridge/sim/presets.js';
import { loadDevice } from '../firmware/devices/index.js';
import { encode } from '../protocol/codec.js';
import type { Message } from '../protocol/schema.js';
import { fullScreenFrames, oneCharFrames, screenText } from './screens.js';
import { SimHost, type Outgoing } from './sim-host.js';

export interface UpdateFigures {
  /** Mean simulated µs from the first byte sent to the LCD showing the update. */
  latencyUs: number;
  /** Pure wire time of the bytes sent, µs. */
  wireUs: number;
  /** Host → device bytes of the update's frames (the board's ACKs back are not counted). */
  bytes: number;
}

export interface PresetLatency {
  keyToHostUs: number;
  full: UpdateFigures;
  oneChar: UpdateFigures;
}

/** Options of `measureLatency`. */
export interface LatencyOptions {
  /** The firmware image as Intel HEX; default the committed image of the preset. */
  hex?: string;
  /** Presses and updates measured (each figure is their mean); default 8. */
  repeats?: number;
}

export function measureLatency(preset: string, opts: LatencyOptions = {}): PresetLatency {
  const repeats = opts.repeats ?? 8;
  const board = new SimBoard({ device: loadDevice(preset), hex: opts.hex ?? presetImage(preset), source: `${preset}.hex` });
  const host = new SimHost(board);
  const hello = host.handshake();
  const baud = board.device.baud;
  const { cols, rows } = hello;

  // a known screen to start from
  let shown = screenText(cols, rows, 0);
  host.send([{ kind: 'CLR' }, { kind: 'CUR', mode: 'off', row: 0, col: 0 }, { kind: 'BL', on: true }]);
  host.send(shown.map((text, row) => ({ kind: 'TXT', row, col: 0, text })));
  host.runUntilAcked();
  board.run(50);

  const update = (frames: Outgoing[], want: string[]): { us: number; bytes: number } => {
    let doneAt = -1;
    const check = () => {
      if (doneAt < 0 && sameRows(board.lcd.codeRows(), want)) doneAt = board.nowUs;
    };
    board.lcd.on('change', check);
    const bytes = frames.reduce((n, f) => n + encode({ ...f, seq: 1 } as Message).length + 1, 0);
    const t0 = board.nowUs;
    host.send(frames);
    board.runUntil(() => doneAt >= 0 && host.idle, 3000, 0.05);
    board.lcd.off('change', check);
    if (doneAt < 0) throw new Error(`${preset}: the simulated LCD never showed the update`);
    board.run(20);
    return { us: doneAt - t0, bytes };
  };

  const full: number[] = [];
  let fullBytes = 0;
  for (let v = 1; v <= repeats; v++) {
    const want = screenText(cols, rows, v);
    const r = update(fullScreenFrames(cols, rows, v) as Outgoing[], want);
    full.push(r.us);
    fullBytes = r.bytes;
    shown = want;
  }
  const one: number[] = [];
  let oneBytes = 0;
  for (let i = 0; i < repeats; i++) {
    const { frames, after } = oneCharFrames(cols, shown);
    const r = update(frames as Outgoing[], after);
    one.push(r.us);
    oneBytes = r.bytes;
    shown = after;
  }

  // key → host: every input in turn, pressed at different phases of the scan
  const inputs = [...board.device.buttons.map((b) => b.name), ...(board.device.keypad?.layout.join('') ?? '')];
  const keys: number[] = [];
  let pressedAt = 0;
  let arrived = -1;
  host.onFrame = (msg, at) => {
    if ((msg.kind === 'BTN' || msg.kind === 'KEY') && msg.act === 'down' && arrived < 0) arrived = at;
  };
  for (let i = 0; i < Math.max(repeats, 4); i++) {
    board.run(3 + ((i * 7.3) % 11)); // a different phase each time
    arrived = -1;
    pressedAt = board.nowUs;
    board.press(inputs[i % inputs.length], { holdMs: 80 });
    if (!board.runUntil(() => arrived >= 0, 1000, 0.05)) throw new Error(`${preset}: no event for ${inputs[i % inputs.length]}`);
    keys.push(arrived - pressedAt);
    board.run(250);
  }
  host.onFrame = null;

  const wire = (bytes: number) => (bytes * 10 * 1e6) / baud;
  return {
    keyToHostUs: mean(keys),
    full: { latencyUs: mean(full), wireUs: wire(fullBytes), bytes: fullBytes },
    oneChar: { latencyUs: mean(one), wireUs: wire(oneBytes), bytes: oneBytes },
  };
}

function sameRows(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function mean(xs: number[]): number {
  return Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
}
