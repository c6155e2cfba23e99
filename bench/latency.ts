/**
 * Latency in simulated time on the simulated board at its line rate (the
 * device description's `baud`; the bytes go at the rate the board's UBRR
 * really makes), driven by the minimal host in sim-host.ts, in steady state:
 * sequence numbers go through their whole range (1–255, and around) while
 * the figures are taken, so frames with three-digit numbers count as much as
 * the first ones after a reset.
 *
 *  - key → host: from a press or a release (board.press) to the last byte of
 *    its BTN/KEY frame reaching the host side of the line; over more events
 *    than the board's sequence has numbers, at different phases of the
 *    firmware's scan; median and worst;
 *  - one character: from the host starting to send it to the virtual LCD
 *    showing it, over more updates than the host's sequence has numbers;
 *    median and worst;
 *  - screen: from the host starting to send the frames of a full update (a
 *    page change, written as the bridge writes it on this board) to the
 *    virtual LCD showing all of it (the first LCD change after which every
 *    cell a person sees is right: a display turned off shows nothing),
 *    pipelined within the board's `rx` window; mean;
 *  - tear: during each full update, the longest time the LCD shows cells of
 *    both the old page and the new one at once; worst;
 *  - wire: the pure line time of the bytes sent (10 bits a byte, nominal rate).
 */
import { capsFromHello } from '../bridge/link/hello.js';
import { pagePlan } from '../bridge/link/page-plan.js';
import { SimBoard } from '../bridge/sim/board.js';
import type { Device } from '../firmware/devices/schema.js';
import { encode } from '../protocol/codec.js';
import type { Message } from '../protocol/schema.js';
import { fullScreenFrames, oneCharFrames, screenText } from './screens.js';
import { SimHost, type Outgoing } from './sim-host.js';

export interface UpdateFigures {
  /** Simulated µs from the first byte sent to the LCD showing the update: mean (full screens) or median (one character). */
  latencyUs: number;
  /** The slowest one. */
  worstUs: number;
  /** Pure wire time of the bytes sent, µs. */
  wireUs: number;
  /** Host → device bytes of the update's frames (the board's ACKs back are not counted). */
  bytes: number;
}

export interface PresetLatency {
  /** Median over events whose sequence numbers went all the way round; and the worst. */
  keyToHostUs: number;
  keyToHostWorstUs: number;
  /** Events measured and the sequence numbers they had (lowest, highest). */
  keyEvents: number;
  full: UpdateFigures;
  oneChar: UpdateFigures;
  /** The longest a full update showed a mix of the old page and the new, ms. */
  tearMs: number;
}

/** Options of `measureLatency`. */
export interface LatencyOptions {
  /** The device the image was built for (its rate, its I2C clock…). */
  device: Device;
  /** The firmware image as Intel HEX. */
  hex: string;
  /** Where the image came from, for messages. */
  source?: string;
  /** Full updates measured (their mean); default 8. */
  repeats?: number;
  /** One-character updates and key events measured; default 300 (more than the 255 sequence numbers). */
  steady?: number;
}

export function measureLatency(opts: LatencyOptions): PresetLatency {
  const repeats = opts.repeats ?? 8;
  const steady = opts.steady ?? 300;
  const name = opts.source ?? opts.device.name;
  const board = new SimBoard({ device: opts.device, hex: opts.hex, source: name });
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

  const update = (
    frames: Outgoing[],
    before: string[],
    want: string[],
    settleMs: number,
  ): { us: number; bytes: number; tearUs: number } => {
    let doneAt = -1;
    let mixedSince = -1;
    let tearUs = 0;
    const check = () => {
      const now = board.lcd.shownCodeRows();
      const { hasOld, hasNew } = mix(now, before, want);
      const at = board.nowUs;
      if (hasOld && hasNew) {
        if (mixedSince < 0) mixedSince = at;
      } else if (mixedSince >= 0) {
        tearUs = Math.max(tearUs, at - mixedSince);
        mixedSince = -1;
      }
      if (doneAt < 0 && sameRows(now, want)) doneAt = at;
    };
    board.lcd.on('change', check);
    const bytes = frames.reduce((n, f) => n + encode({ ...f, seq: 1 } as Message).length + 1, 0);
    const t0 = board.nowUs;
    host.send(frames);
    board.runUntil(() => doneAt >= 0 && host.idle, 3000, 0.05);
    board.lcd.off('change', check);
    if (doneAt < 0) throw new Error(`${name}: the simulated LCD never showed the update`);
    board.run(settleMs);
    return { us: doneAt - t0, bytes, tearUs };
  };

  // a page change as the bridge writes it on this board (page-plan.ts)
  const page = pagePlan(capsFromHello(hello), baud);
  const full: number[] = [];
  let fullBytes = 0;
  let tearUs = 0;
  for (let v = 1; v <= repeats; v++) {
    const want = screenText(cols, rows, v);
    const r = update(fullScreenFrames(cols, rows, v, page) as Outgoing[], shown, want, 20);
    full.push(r.us);
    fullBytes = r.bytes;
    tearUs = Math.max(tearUs, r.tearUs);
    shown = want;
  }
  const one: number[] = [];
  let oneBytes = 0;
  for (let i = 0; i < steady; i++) {
    const { frames, after } = oneCharFrames(cols, shown);
    const r = update(frames as Outgoing[], shown, after, 2 + (i % 5) * 0.37); // a different phase of the scan each time
    one.push(r.us);
    oneBytes = r.bytes;
    shown = after;
  }

  // key → host: presses and releases of every input in turn, at different phases of the scan, until the
  // board's event numbers have gone round
  const inputs = [...board.device.buttons.map((b) => b.name), ...(board.device.keypad?.layout.join('') ?? '')];
  const keys: number[] = [];
  const seqs = new Set<number>();
  let since = 0;
  let arrived = -1;
  let want: 'down' | 'up' = 'down';
  host.onFrame = (msg, at) => {
    if ((msg.kind === 'BTN' || msg.kind === 'KEY') && msg.act === want && arrived < 0) {
      arrived = at;
      seqs.add(msg.seq);
    }
  };
  const holdMs = board.device.debounceMs + 6;
  for (let i = 0; keys.length < steady; i++) {
    const input = inputs[i % inputs.length];
    board.run(board.device.debounceMs + 1 + ((i * 1.37) % 4)); // a different phase each time
    arrived = -1;
    want = 'down';
    since = board.nowUs;
    board.press(input, { holdMs });
    if (!board.runUntil(() => arrived >= 0, 1000, 0.02)) throw new Error(`${name}: no event for ${input}`);
    keys.push(arrived - since);
    // the release: when the press ends (holdMs after it began)
    arrived = -1;
    want = 'up';
    since += holdMs * 1000;
    if (!board.runUntil(() => arrived >= 0, 1000, 0.02)) throw new Error(`${name}: no release event for ${input}`);
    keys.push(arrived - since);
  }
  host.onFrame = null;
  if (steady >= 255 && seqs.size < 255)
    throw new Error(`${name}: only ${seqs.size} event numbers were used; the measure is not in steady state`);

  const wire = (bytes: number) => (bytes * 10 * 1e6) / baud;
  return {
    keyToHostUs: median(keys),
    keyToHostWorstUs: Math.round(Math.max(...keys)),
    keyEvents: keys.length,
    full: { latencyUs: mean(full), worstUs: Math.round(Math.max(...full)), wireUs: wire(fullBytes), bytes: fullBytes },
    oneChar: { latencyUs: median(one), worstUs: Math.round(Math.max(...one)), wireUs: wire(oneBytes), bytes: oneBytes },
    tearMs: Math.round(tearUs) / 1000,
  };
}

/**
 * Whether `now` shows a character of the old page where the new one has
 * another, and a character of the new page where the old one had another
 * (blank cells are neither page's).
 */
function mix(now: string[], before: string[], after: string[]): { hasOld: boolean; hasNew: boolean } {
  let hasOld = false;
  let hasNew = false;
  for (let r = 0; r < now.length; r++)
    for (let c = 0; c < now[r].length; c++) {
      const shown = now[r][c];
      if (before[r][c] === after[r][c] || shown === ' ') continue;
      if (shown === before[r][c]) hasOld = true;
      else if (shown === after[r][c]) hasNew = true;
    }
  return { hasOld, hasNew };
}

function sameRows(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function mean(xs: number[]): number {
  return Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.round(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
}
