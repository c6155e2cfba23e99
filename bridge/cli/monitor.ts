/**
 * The core of `botduino monitor`: opens a port and prints every line on it,
 * decoded, one per line — time, direction, the raw line, and the message or
 * why it was rejected. Passive: it acknowledges nothing and sends nothing,
 * unless asked to PING (then its PINGs are printed too; they start once the
 * board has spoken, or after 3 s of silence), or to find the board's line
 * rate (no `baudRate`: it PINGs at each rate until the board answers, and
 * says which rate did). Opening the port
 * resets most Arduinos, so the board's boot HELLO is usually the first line.
 */
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortStream } from '@serialport/stream';
import { decode, encode, toHex, type DecodeResult } from '../../protocol/codec.js';
import { LineSplitter } from '../../protocol/lines.js';
import { MAX_DEVICE_FRAME, type Message } from '../../protocol/schema.js';
import { openError } from '../link/open-errors.js';
import { AUTO_RATES, openBinding } from '../link/baud.js';
import { bindingFor, resolveTarget } from '../link/ports.js';
import { SimBinding } from '../sim/binding.js';

export interface MonitorOptions {
  /** Port path, /dev/serial/by-id/… name, or `sim:<preset>`. */
  path: string;
  /** The board's line rate; default: found by PINGing at 250000, then 115200 (the rate that answered is printed first). */
  baudRate?: number;
  /** Default: the simulated board's for `sim:` paths, serialport's native one otherwise. */
  binding?: BindingInterface;
  /** One JSON object per line instead of text; default false. */
  json?: boolean;
  /** Where lines go. */
  out: { write(text: string): unknown };
  /** Send a PING every this many ms (true: 1000); default off (passive). */
  ping?: boolean | number;
  /** Stops the monitor; it also stops when the port closes (the board is unplugged). */
  signal?: AbortSignal;
  /** Clock for the timestamps; default the real one. */
  now?: () => Date;
}

export interface MonitorSummary {
  /** Lines decoded, lines rejected, PINGs sent. */
  frames: number;
  rejected: number;
  pings: number;
  /** The line rate used: the one given, or the one the board answered at. */
  baudRate?: number;
  /** Why it ended: 'stopped' or 'closed' (the port went away). */
  end: 'stopped' | 'closed';
}

/** A line with its bytes outside printable ASCII shown as \xHH. */
export function printable(line: string): string {
  return line.replace(/[^\x20-\x7e]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function fieldText(v: unknown): string {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** A decoded message as `KIND seq field=value …`. */
export function describeMessage(msg: Message): string {
  let s = `${msg.kind} #${msg.seq}`;
  for (const [k, v] of Object.entries(msg)) if (k !== 'kind' && k !== 'seq') s += ` ${k}=${fieldText(v)}`;
  return s;
}

function jsonMessage(msg: Message): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) o[k] = v instanceof Uint8Array ? toHex(v) : v;
  return o;
}

function clock(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Runs until `signal` aborts or the port closes. */
export async function runMonitor(opts: MonitorOptions): Promise<MonitorSummary> {
  const now = opts.now ?? (() => new Date());
  const summary: MonitorSummary = { frames: 0, rejected: 0, pings: 0, end: 'stopped' };
  const print = (dir: 'rx' | 'tx', line: string, r: DecodeResult | { ok: false; reason: string; detail: string }) => {
    const t = now();
    if (opts.json) {
      const rec: Record<string, unknown> = { time: t.toISOString(), dir, line };
      if (r.ok) rec.msg = jsonMessage(r.msg);
      else Object.assign(rec, { reason: r.reason, detail: r.detail });
      opts.out.write(JSON.stringify(rec) + '\n');
    } else {
      const what = r.ok ? describeMessage(r.msg) : `REJECTED ${r.reason}: ${r.detail}`;
      opts.out.write(`${clock(t)} ${dir} ${printable(line)}\n${' '.repeat(16)}${what}\n`);
    }
  };

  let answered: number | null | undefined;
  const line = openBinding(opts.binding ?? (opts.path.startsWith('sim:') ? SimBinding : undefined), opts.baudRate, {
    onRate: (_path, rate) => (answered = rate),
  });
  const binding = await bindingFor(line.binding);
  const target = await resolveTarget(opts.path, async () => []);
  const port = new SerialPortStream({ binding, path: target.path, baudRate: line.baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    throw openError(target.path, err);
  }
  summary.baudRate = answered ?? line.baudRate;
  if (line.finding) {
    const what =
      answered === null
        ? `no botduino frame at ${AUTO_RATES.join(' or ')} baud: listening at ${line.baudRate} (give --baud if the firmware uses another rate)`
        : `the board answers at ${answered} baud (found with PING)`;
    if (!opts.json) opts.out.write(`# ${what}\n`); // JSON lines stay one shape: the rate is in the summary
  }

  const splitter = new LineSplitter(MAX_DEVICE_FRAME, {
    line: (line) => {
      const r = decode(line, MAX_DEVICE_FRAME, { earlier: true });
      if (r.ok) summary.frames++;
      else summary.rejected++;
      print('rx', line, r);
    },
    overlong: (n) => {
      summary.rejected++;
      print('rx', `(${n} bytes without a line end)`, { ok: false, reason: 'long', detail: `longer than ${MAX_DEVICE_FRAME} bytes` });
    },
  });
  port.on('data', (chunk: Buffer) => splitter.push(chunk.toString('latin1')));

  // PINGs start once the board has spoken (a board that opening the port reset
  // spends up to ~1.5 s in its bootloader, which must not be sent PINGs), or
  // after 3 s of silence.
  let pinger: NodeJS.Timeout | null = null;
  let waitForBoard: NodeJS.Timeout | null = null;
  if (opts.ping) {
    const every = opts.ping === true ? 1000 : opts.ping;
    let seq = 0;
    const startPinging = () => {
      if (pinger || port.destroyed) return;
      if (waitForBoard) clearTimeout(waitForBoard);
      port.off('data', startPinging);
      pinger = setInterval(() => {
        seq = (seq + 1) & 0xff;
        const line = encode({ kind: 'PING', seq });
        port.write(line + '\n', 'latin1');
        summary.pings++;
        print('tx', line, decode(line));
      }, every);
    };
    port.on('data', startPinging);
    waitForBoard = setTimeout(startPinging, 3000);
  }

  await new Promise<void>((resolve) => {
    const stop = () => {
      summary.end = 'stopped';
      if (port.isOpen) port.close(() => resolve());
      else resolve();
    };
    port.on('close', () => {
      summary.end = opts.signal?.aborted ? 'stopped' : 'closed';
      resolve();
    });
    port.on('error', () => {});
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  if (waitForBoard) clearTimeout(waitForBoard);
  if (pinger) clearInterval(pinger);
  return summary;
}
