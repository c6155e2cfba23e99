/**
 * Virtual inputs on the simulated board, wired as the device description
 * says: push buttons between a pin and ground (read with the pull-up), the
 * places of an analog ladder (the ADC reads the middle of the button's range;
 * nothing pressed reads 1023), and a matrix keypad that connects a row pin to
 * a column pin while a key is down (so a pin driven low shows low on the
 * other side, whichever side the firmware scans from).
 *
 * Presses and releases happen in simulated time, optionally with contact
 * bounce: a few milliseconds of toggling before the contact settles.
 */
import { ConfigError } from '../../common/errors.js';
import type { Board, Device } from '../../firmware/devices/schema.js';
import { pinRef, type PinRef, type PortName } from './pins.js';

/** What the inputs need from the board's current CPU. */
export interface PinIo {
  /** Sets the level an input pin sees from outside. */
  drive(ref: PinRef, high: boolean): void;
  /** True while the MCU drives this pin low (an output, written 0). */
  drivenLow(ref: PinRef): boolean;
  /** Sets an ADC channel's voltage. */
  analog(channel: number, volts: number): void;
  /** Calls back whenever the MCU changes the outputs or directions of a port. */
  watch(port: PortName, cb: () => void): void;
}

/** Schedules a callback in simulated time (µs from now). */
export type Scheduler = (us: number, fn: () => void) => void;

export interface PressOptions {
  /** Release by itself after this many ms of simulated time; default: stays down until `release`. */
  holdMs?: number;
  /** Contact bounce on press and on release: true (3 ms) or its length in ms; default none. */
  bounce?: boolean | number;
}

type Input =
  | { kind: 'button'; name: string; ref: PinRef }
  | { kind: 'ladder'; name: string; ref: PinRef; min: number; max: number }
  | { kind: 'key'; name: string; row: number; col: number };

interface State {
  /** Where the user's finger is. */
  down: boolean;
  /** Whether the contact conducts right now (differs from `down` while bouncing). */
  closed: boolean;
  /** Bumped on every press/release so that stale bounce steps do nothing. */
  gen: number;
}

const VCC = 5;
const DEFAULT_BOUNCE_MS = 3;

export class VirtualInputs {
  private readonly inputs = new Map<string, Input>();
  private readonly state = new Map<string, State>();
  private readonly rowRefs: PinRef[] = [];
  private readonly colRefs: PinRef[] = [];
  private io: PinIo | null = null;
  private seed = 0x2545f491;

  constructor(
    board: Board,
    device: Device,
    private readonly schedule: Scheduler,
  ) {
    for (const b of device.buttons) {
      if ('pin' in b) this.add({ kind: 'button', name: b.name, ref: pinRef(board, b.pin) });
      else {
        const ref = pinRef(board, b.ladder.pin);
        if (ref.adc === null) throw new ConfigError(`button ${b.name}: a ladder needs an analog pin, not ${ref.name}`);
        this.add({ kind: 'ladder', name: b.name, ref, min: b.ladder.min, max: b.ladder.max });
      }
    }
    const kp = device.keypad;
    if (kp) {
      for (const p of kp.rows) this.rowRefs.push(pinRef(board, p));
      for (const p of kp.cols) this.colRefs.push(pinRef(board, p));
      kp.layout.forEach((line, row) =>
        [...line].forEach((ch, col) => {
          if (!this.inputs.has(ch)) this.add({ kind: 'key', name: ch, row, col });
        }),
      );
    }
  }

  /** Button names and keypad characters, in the device description's order. */
  get names(): string[] {
    return [...this.inputs.keys()];
  }

  /** Whether a button or key is down (as the user holds it, bounce aside). */
  isDown(name: string): boolean {
    return this.get(name).state.down;
  }

  /** Connects to a (new) CPU and sets every input pin's level. */
  attach(io: PinIo): void {
    this.io = io;
    const ports = new Set<PortName>();
    for (const r of [...this.rowRefs, ...this.colRefs]) if (r.port) ports.add(r.port);
    for (const p of ports) io.watch(p, () => this.applyKeypad());
    this.applyAll();
  }

  /** Disconnects (board unplugged). */
  detach(): void {
    this.io = null;
  }

  press(name: string, opts: PressOptions = {}): void {
    const { input, state } = this.get(name);
    this.change(input, state, true, opts.bounce);
    if (opts.holdMs !== undefined) {
      const gen = state.gen;
      this.schedule(opts.holdMs * 1000, () => {
        if (state.gen === gen) this.change(input, state, false, opts.bounce);
      });
    }
  }

  release(name: string, opts: Pick<PressOptions, 'bounce'> = {}): void {
    const { input, state } = this.get(name);
    this.change(input, state, false, opts.bounce);
  }

  /** Releases everything at once, without bounce. */
  releaseAll(): void {
    for (const [name, s] of this.state) if (s.down || s.closed) this.change(this.inputs.get(name)!, s, false, false);
  }

  private add(input: Input): void {
    this.inputs.set(input.name, input);
    this.state.set(input.name, { down: false, closed: false, gen: 0 });
  }

  private get(name: string): { input: Input; state: State } {
    const input = this.inputs.get(name);
    if (!input)
      throw new ConfigError(
        `no button or key named "${name}" on this device: use one of ${this.names.map((n) => JSON.stringify(n)).join(', ') || '(none)'}`,
      );
    return { input, state: this.state.get(name)! };
  }

  private random(): number {
    // xorshift32: deterministic bounce patterns, so runs repeat exactly
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x1_0000_0000;
  }

  private change(input: Input, state: State, down: boolean, bounce: boolean | number | undefined): void {
    state.down = down;
    const gen = ++state.gen;
    const ms = bounce === true ? DEFAULT_BOUNCE_MS : typeof bounce === 'number' ? bounce : 0;
    this.setContact(input, state, down);
    if (ms <= 0) return;
    // toggle at random intervals of 100–700 µs for `ms`, ending settled on `down`
    let t = 0;
    let closed = down;
    const end = ms * 1000;
    for (;;) {
      t += 100 + Math.floor(this.random() * 600);
      if (t >= end) break;
      closed = !closed;
      const c = closed;
      this.schedule(t, () => {
        if (state.gen === gen) this.setContact(input, state, c);
      });
    }
    if (closed !== down)
      this.schedule(end, () => {
        if (state.gen === gen) this.setContact(input, state, down);
      });
  }

  private setContact(input: Input, state: State, closed: boolean): void {
    if (state.closed === closed) return;
    state.closed = closed;
    if (input.kind === 'button') this.applyButton(input, state);
    else if (input.kind === 'ladder') this.applyLadder(input.ref);
    else this.applyKeypad();
  }

  private applyAll(): void {
    for (const [name, input] of this.inputs) {
      if (input.kind === 'button') this.applyButton(input, this.state.get(name)!);
      else if (input.kind === 'ladder') this.applyLadder(input.ref);
    }
    this.applyKeypad(true);
  }

  private applyButton(input: Extract<Input, { kind: 'button' }>, state: State): void {
    if (!this.io) return;
    if (input.ref.port) this.io.drive(input.ref, !state.closed);
    if (input.ref.adc !== null) this.io.analog(input.ref.adc, state.closed ? 0 : VCC);
  }

  private applyLadder(ref: PinRef): void {
    if (!this.io) return;
    // the closed place with the lowest resistance wins
    let best: Extract<Input, { kind: 'ladder' }> | null = null;
    for (const [name, input] of this.inputs)
      if (input.kind === 'ladder' && input.ref.adc === ref.adc && this.state.get(name)!.closed)
        if (!best || input.min < best.min) best = input;
    const volts = best ? ((Math.floor((best.min + best.max) / 2) + 0.5) / 1024) * VCC : VCC;
    this.io.analog(ref.adc!, volts);
  }

  private keypadIdle = false;

  private applyKeypad(force = false): void {
    const io = this.io;
    if (!io || (!this.rowRefs.length && !this.colRefs.length)) return;
    const closed: Extract<Input, { kind: 'key' }>[] = [];
    for (const [name, input] of this.inputs) if (input.kind === 'key' && this.state.get(name)!.closed) closed.push(input);
    if (!closed.length && this.keypadIdle && !force) return;
    const rowLow = this.rowRefs.map((r) => io.drivenLow(r));
    const colLow = this.colRefs.map((r) => io.drivenLow(r));
    const rowSees = this.rowRefs.map(() => false);
    const colSees = this.colRefs.map(() => false);
    for (const k of closed) {
      if (rowLow[k.row]) colSees[k.col] = true;
      if (colLow[k.col]) rowSees[k.row] = true;
    }
    this.rowRefs.forEach((r, i) => r.port && io.drive(r, !rowSees[i]));
    this.colRefs.forEach((r, i) => r.port && io.drive(r, !colSees[i]));
    this.keypadIdle = !closed.length;
  }
}
