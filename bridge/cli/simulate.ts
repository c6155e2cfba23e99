/**
 * `botduino simulate`: the real firmware image on a simulated board, served
 * by the bridge, with the local demo bot (or the configured BotDistrikt
 * channel). Interactive on a terminal; with --json, or when stdin is not a
 * terminal, it plays a scenario and prints LCD snapshots as JSON lines.
 *
 * Over 400 lines: the command's three modes (terminal, scenario, pty) share
 * the board's setup, its EEPROM file and its LCD drawing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bridge } from '../app.js';
import type { Config } from '../config.js';
import { ConfigError, EXIT } from '../../common/errors.js';
import type { Logger } from '../log.js';
import type { SimBoard } from '../sim/board.js';
import { CPU_HZ, listPresets, simClock, simulatePreset } from '../sim/index.js';
import { frameToText } from '../lcd/text-view.js';
import { demoBot, realBot, type Bot } from './bot.js';
import { lcdBox } from './lcd-box.js';
import type { Output } from './output.js';
import { multiTapKeys, parseScenario, TYPE_LETTER_MS, TYPE_PRESS_MS, type TimedStep } from './scenario.js';

export interface SimulateOptions {
  config: Config;
  logger: Logger;
  out: Output;
  preset: string;
  /** Scenario mode (else interactive when stdin is a TTY). */
  json?: boolean;
  /** Scenario file; default stdin. */
  script?: string;
  /** Stop after this many simulated ms. */
  durationMs?: number;
  /** Use the demo bot even when BotDistrikt is configured. */
  demo?: boolean;
  /** Live-agent delay of the demo bot, ms. */
  agentDelayMs?: number;
  stdin?: NodeJS.ReadStream;
  /** Keep the board's EEPROM (device id) between runs; default true. */
  persist?: boolean;
  /**
   * Serve no bridge: make the board's serial port a pseudo-terminal at this
   * path for other programs (`botduino run --port`, `botduino firmware flash
   * --port`, avrdude).
   */
  pty?: string;
  /**
   * The simulated LCD's character ROM (default: the preset's, A00). The
   * preset's image is run unchanged, so its HELLO still says A00; the bridge
   * is told to render for this ROM instead, and says so in its log.
   */
  rom?: 'A00' | 'A02';
  /** Run the board at 1/N of real speed; the bridge and the demo bot keep its time. Default 1. */
  slowdown?: number;
}

/** Snapshot of the LCD as a person reads it: ROM codes mapped, custom glyphs recognised. */
export function lcdText(board: SimBoard): string[] {
  return frameToText(board.lcd.frame(), board.lcd.rom);
}

const SETTLE_MS = 1500;

export async function simulate(o: SimulateOptions): Promise<number> {
  const { config, logger, out } = o;
  if (!listPresets().includes(o.preset)) throw new ConfigError(`There is no preset "${o.preset}". Presets: ${listPresets().join(', ')}.`);
  const stdin = o.stdin ?? process.stdin;
  const scenarioMode = o.json || !stdin.isTTY;

  // the board keeps its EEPROM (its device id, and so its BotDistrikt user) between runs
  const eepromFile = join(config.stateDir, 'sim', `${o.preset}.eeprom`);
  let eeprom: Uint8Array | undefined;
  if (o.persist !== false) {
    try {
      eeprom = new Uint8Array(readFileSync(eepromFile));
    } catch {
      eeprom = undefined;
    }
  }

  if (o.pty && o.rom)
    throw new ConfigError(
      '--rom and --pty do not go together: with --pty the bridge runs elsewhere and renders for the ROM the image reports (A00). Simulate an A02 LCD without --pty.',
    );
  if (o.slowdown !== undefined && !(Number.isFinite(o.slowdown) && o.slowdown >= 1))
    throw new ConfigError(`--slowdown ${o.slowdown} is not a slowdown: give a number from 1 (real speed) up, e.g. --slowdown 10.`);
  if (o.pty) return simulateOnPty(o, o.pty, scenarioMode, stdin, eeprom, eepromFile);

  let steps: TimedStep[] = [];
  if (scenarioMode) {
    const text = o.script ? readText(o.script) : await readAll(stdin);
    steps = parseScenario(text, o.script ?? 'stdin');
  }

  const { board, path, runner } = simulatePreset(o.preset, { eeprom, rom: o.rom, slowdown: o.slowdown });
  // the bridge and the demo bot keep the board's time: multi-tap, reading time and the live agent's
  // delay stay where they belong against the board's presses, however loaded the machine is
  const clock = simClock(board);
  if (board.device.board === 'uno' && board.resetVector === 0)
    logger.warn(
      'Optiboot is not installed, so the simulated Uno starts the firmware straight after a reset instead of spending up to 1.4 s in the bootloader as a real one does: install it with `sudo apt-get install gcc-avr avr-libc arduino-core-avr`.',
    );
  // every key of the scenario is checked against the preset before anything runs
  let plan: Plan | undefined;
  try {
    plan = scenarioMode ? planScenario(board, steps, o) : undefined;
  } catch (e) {
    runner.stop();
    throw e;
  }
  // Kept on every write, as the real chip does: a kill or Ctrl-C must not cost the device id
  // (a new id is a new BotDistrikt user on the plan).
  const saveEeprom = () => {
    mkdirSync(join(config.stateDir, 'sim'), { recursive: true });
    writeFileSync(eepromFile, board.eeprom);
  };
  if (o.persist !== false) board.on('eeprom', saveEeprom);
  const useDemo = o.demo || !config.botdistrikt;
  const bot: Bot = useDemo ? await demoBot(config, logger, undefined, o.agentDelayMs ?? 3000, clock) : realBot(config, logger);
  const bridge = new Bridge({
    devices: [{ port: path, device: o.preset, ...(o.rom ? { rom: o.rom } : {}) }],
    client: bot.client,
    users: bot.users,
    newConversation: bot.newConversation,
    ui: config.ui,
    startMessage: config.startMessage,
    webhook: useDemo ? { host: '127.0.0.1', port: 0 } : (config.webhook.enabled ?? false) ? config.webhook : undefined,
    logger,
    clock,
  });
  let linkState = 'connecting';
  bridge.on('state', ({ state }) => {
    linkState = state;
    if (!scenarioMode) redraw();
  });

  // the board, the demo bot and the EEPROM file are let go of even when the bridge's stop fails
  // (it writes the state file, which may be the very thing that is broken)
  const finish = async () => {
    try {
      await bridge.stop();
    } finally {
      runner.stop();
      await bot.close();
      if (o.persist !== false) {
        board.off('eeprom', saveEeprom);
        saveEeprom();
      }
    }
  };

  const redraw = () => {
    const status = `${o.preset} · link ${linkState} · ${bot.label} · ${(board.nowMs / 1000).toFixed(1)} s`;
    drawTerminal(board, status, out.color);
  };

  const started = bridge.start();
  if (useDemo && bot.standIn) {
    await started.catch(() => undefined);
    if (bridge.webhook) bot.standIn.setWebhookUrl(bridge.webhook.url);
  }
  // a start that fails (a broken state file, a webhook port in use) stops the board, the bridge and
  // the demo bot before the error goes up: nothing keeps running, or writes, after the command ends
  const { failed } = await started.catch(async (err: unknown) => {
    await finish().catch(() => undefined); // the error that stopped the start is the one to tell
    throw err;
  });
  if (failed.length) {
    await finish().catch(() => undefined);
    throw failed[0].error;
  }

  if (plan) {
    try {
      return await playScenario(board, plan, out);
    } finally {
      await finish();
    }
  }

  // interactive: keys of the terminal → buttons and keypad keys of the board
  board.on('change', redraw);
  redraw();
  const keymap = keyMap(board);
  let hold = false;
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    stdin.on('data', (k: string) => {
      if (k === '\u0003' || k === 'q' || k === 'Q') return resolve();
      if (k === '\t') {
        hold = true;
        return;
      }
      const name = keymap.get(k);
      if (name) board.press(name, { holdMs: hold ? 1200 : 80 });
      hold = false;
    });
  });
  stdin.setRawMode?.(false);
  stdin.pause();
  await finish();
  return EXIT.ok;
}

/**
 * The board alone, its serial port a pty: on a terminal the LCD and the keys
 * as usual; otherwise LCD snapshots as JSON lines until stdin ends (or
 * --duration ms of simulated time).
 */
async function simulateOnPty(
  o: SimulateOptions,
  path: string,
  headless: boolean,
  stdin: NodeJS.ReadStream,
  eeprom: Uint8Array | undefined,
  eepromFile: string,
): Promise<number> {
  const { out } = o;
  const { createPresetBoard } = await import('../sim/presets.js');
  const { runnerFor } = await import('../sim/runner.js');
  const { exposeOnPty } = await import('../sim/pty.js');
  const board = createPresetBoard(o.preset, { eeprom });
  if (o.slowdown) runnerFor(board, { slowdown: o.slowdown });
  if (board.device.board === 'uno' && board.resetVector === 0)
    o.logger.warn(
      'Optiboot is not installed, so the simulated Uno cannot be flashed: install it with `sudo apt-get install gcc-avr avr-libc arduino-core-avr`.',
    );
  // kept on every write, as the real chip does
  if (o.persist !== false)
    board.on('eeprom', () => {
      mkdirSync(join(o.config.stateDir, 'sim'), { recursive: true });
      writeFileSync(eepromFile, board.eeprom);
    });
  const pty = await exposeOnPty(board, path);
  out.note(
    `The simulated ${o.preset} is on the serial port ${path} (${pty.ttyName}). Serve it with \`botduino run --port ${path}\`, flash it with \`botduino firmware flash --device ${o.preset} --port ${path}\`.`,
  );
  const finish = async () => {
    await pty.close();
  };
  if (headless) {
    const snapshot = snapshotter(board, out);
    board.on('change', snapshot);
    snapshot();
    await new Promise<void>((resolve) => {
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        stdin.off('end', stop);
        resolve();
      };
      if (o.durationMs !== undefined) atBoardMs(board, o.durationMs, stop);
      stdin.on('end', stop);
      stdin.resume();
    });
    board.off('change', snapshot);
    stdin.pause();
    await finish();
    return EXIT.ok;
  }
  const redraw = () => {
    const status = `${o.preset} · serial port ${path} · opened ${pty.opens}× · ${(board.nowMs / 1000).toFixed(1)} s`;
    drawTerminal(board, status, out.color);
  };
  board.on('change', redraw);
  pty.on('open', redraw);
  redraw();
  const keymap = keyMap(board);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    stdin.on('data', (k: string) => {
      if (k === '\u0003' || k === 'q' || k === 'Q') return resolve();
      const name = keymap.get(k);
      if (name) board.press(name, { holdMs: 80 });
    });
  });
  stdin.setRawMode?.(false);
  stdin.pause();
  await finish();
  return EXIT.ok;
}

export interface Plan {
  timeline: { t: number; act: () => void }[];
  endAt: number;
}

/** Checks every key of the scenario against the board and expands "type" steps into timed presses. */
export function planScenario(board: SimBoard, steps: TimedStep[], o: Pick<SimulateOptions, 'preset' | 'durationMs'>): Plan {
  // expand "type" steps into multi-tap presses spaced for the composer
  const timeline: { t: number; act: () => void }[] = [];
  const has = (name: string) => board.inputs.names.includes(name);
  const check = (name: string, s: TimedStep) => {
    if (!has(name))
      throw new ConfigError(
        `The scenario step at ${s.t} ms presses "${name}", which ${o.preset} does not have. It has: ${board.inputs.names.join(' ')}.` +
          (board.device.keypad ? '' : ' Keypad keys and "type" need a preset with a keypad: --preset i2c-lcd-keypad.'),
      );
  };
  let lastT = 0;
  for (const s of steps) {
    lastT = Math.max(lastT, s.t);
    if ('press' in s) {
      check(s.press, s);
      timeline.push({ t: s.t, act: () => board.press(s.press) });
    } else if ('release' in s) {
      check(s.release, s);
      timeline.push({ t: s.t, act: () => board.release(s.release) });
    } else if ('tap' in s) {
      check(s.tap, s);
      timeline.push({ t: s.t, act: () => board.press(s.tap, { holdMs: s.holdMs ?? 80 }) });
    } else if ('type' in s) {
      let t = s.t;
      for (const group of multiTapKeys(s.type)) {
        for (const key of group) {
          check(key, s);
          timeline.push({ t, act: () => board.press(key, { holdMs: 60 }) });
          t += TYPE_PRESS_MS;
        }
        t += TYPE_LETTER_MS; // let the composer take the letter
      }
      lastT = Math.max(lastT, t);
    }
  }
  return { timeline, endAt: o.durationMs ?? lastT + SETTLE_MS };
}

/** Redraws the terminal: the LCD, a status line and the keys. */
function drawTerminal(board: SimBoard, status: string, color: boolean): void {
  const box = lcdBox(lcdText(board), { title: 'botduino', backlight: board.lcd.backlight, cursor: board.lcd.frame().cursor, color });
  process.stdout.write(`\x1b[H\x1b[2J${box}\n${status}\n\n${keyHelp(board)}\n`);
}

/** Prints the LCD's rows as a JSON line with the simulated time, when they differ from the last ones printed. */
function snapshotter(board: SimBoard, out: Output): () => void {
  let last = '';
  return () => {
    const rows = lcdText(board);
    const key = rows.join('\n');
    if (key === last) return;
    last = key;
    out.data({ t: Math.round(board.nowMs), rows });
  };
}

/** Runs `fn` inside the simulation when the board's time reaches `ms` (at once, if it has). */
function atBoardMs(board: SimBoard, ms: number, fn: () => void): void {
  board.schedule(((ms - board.nowMs) * CPU_HZ) / 1000, fn);
}

/** Snapshots are taken once the screen has not changed for this long (simulated): no half-drawn screens. */
const SETTLED_MS = 40;

/** Plays `plan` on the running board, printing a snapshot of each settled screen; resolves at its end. */
export async function playScenario(board: SimBoard, plan: Plan, out: Output): Promise<number> {
  const { timeline, endAt } = plan;
  const snapshot = snapshotter(board, out);
  // every step, settle check and the end are scheduled in the board's own time: a loaded machine
  // slows the play down but does not move a press against the screen it was written for
  const at = (t: number, fn: () => void) => atBoardMs(board, t, fn);
  let changedAt: number | null = null;
  let checking = false;
  const settle = () => {
    checking = false;
    if (changedAt === null) return;
    // one expression decides both ways: with `nowMs - changedAt >= 40` here and `changedAt + 40 - nowMs`
    // for the wait, rounding can make the screen unsettled with no time left to wait, and the check
    // would run again at the same cycle forever
    const left = changedAt + SETTLED_MS - board.nowMs;
    if (left <= 0) {
      changedAt = null;
      snapshot();
    } else {
      checking = true;
      at(changedAt + SETTLED_MS, settle); // at least one cycle later: left > 0
    }
  };
  const onChange = () => {
    changedAt = board.nowMs;
    if (!checking) {
      checking = true;
      at(changedAt + SETTLED_MS, settle);
    }
  };
  board.on('change', onChange);
  snapshot();
  try {
    await new Promise<void>((resolve, reject) => {
      for (const step of timeline)
        at(step.t, () => {
          try {
            step.act();
          } catch (e) {
            reject(e as Error);
          }
        });
      at(endAt, resolve);
    });
  } finally {
    board.off('change', onChange);
  }
  if (changedAt === null || changedAt + SETTLED_MS - board.nowMs <= 0) snapshot();
  return EXIT.ok;
}

/** Terminal keys for the board's buttons and keypad keys. */
export function keyMap(board: SimBoard): Map<string, string> {
  const m = new Map<string, string>();
  const names = board.inputs.names;
  const arrows: Record<string, string> = { UP: '\x1b[A', DOWN: '\x1b[B', RIGHT: '\x1b[C', LEFT: '\x1b[D' };
  const buttons = board.device.buttons.map((b) => b.name);
  for (const b of buttons) {
    if (arrows[b]) m.set(arrows[b], b);
    else if (['SELECT', 'OK', 'SEND', 'ENTER'].includes(b) && !m.has('\r')) m.set('\r', b);
    else if (b === 'BACK' || b === 'DEL') m.set('\x7f', b);
  }
  // the rest by their first free lower-case letter
  for (const b of buttons) {
    if ([...m.values()].includes(b)) continue;
    for (const ch of b.toLowerCase())
      if (/[a-z]/.test(ch) && !m.has(ch) && !names.includes(ch.toUpperCase())) {
        m.set(ch, b);
        break;
      }
  }
  for (const row of board.device.keypad?.layout ?? []) for (const k of row) m.set(k, k);
  return m;
}

function keyHelp(board: SimBoard): string {
  const show: Record<string, string> = { '\x1b[A': '↑', '\x1b[B': '↓', '\x1b[C': '→', '\x1b[D': '←', '\r': 'Enter', '\x7f': 'Backspace' };
  const parts: string[] = [];
  const km = keyMap(board);
  const keys: string[] = [];
  for (const [k, name] of km) {
    if (k === name) keys.push(k);
    else parts.push(`${show[k] ?? k} ${name}`);
  }
  if (keys.length) parts.push(`keypad: ${keys.join('')}`);
  return `keys: ${parts.join(' · ')} · Tab then a key: hold it · q: quit`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read the scenario ${file}: ${(e as Error).message}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) s += chunk;
  return s;
}
