/**
 * A link's options: what each means, and its value when not given (the line
 * rate: the device description's, else the rate boards are built at).
 */
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { isPresetName, loadDevice } from '../../firmware/devices/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { DEFAULT_BAUD } from './baud.js';
import type { PortInfo } from './ports.js';
import type { RtoOptions } from './window.js';

export interface DeviceLinkOptions extends RtoOptions {
  /**
   * A port path (/dev/ttyACM0, COM3), a /dev/serial/by-id/… name, `sim:<preset>` for the simulated board,
   * or `auto`: the first port with an Arduino's USB ids whose board answers.
   */
  path: string;
  /**
   * Must match the firmware's. Default: the `baud` of the device description the link is for (`preset`, or the
   * preset of a `sim:<preset>` path) when known, else DEFAULT_BAUD (250000, what boards are built at).
   */
  baudRate?: number;
  /** serialport binding (a simulated board's, a test's); default: serialport's native one. */
  binding?: BindingInterface;
  /** Default: silent. Every frame in and out is logged at debug level. */
  logger?: Logger;
  /** Longest wait for the board's HELLO after opening; default 8000 ms (a resetting board's bootloader takes 1–2 s). */
  handshakeTimeoutMs?: number;
  /** First WHO resend interval; it doubles up to `whoMaxIntervalMs`. Default 250 ms. */
  whoIntervalMs?: number;
  /** Default 1000 ms. */
  whoMaxIntervalMs?: number;
  /** PING heartbeat period; default 1000 ms. */
  pingIntervalMs?: number;
  /** Heartbeats without an answer before the board counts as gone; default 3. */
  silenceHeartbeats?: number;
  /** Reconnect after an unplug, an error or silence; default true. */
  reconnect?: boolean;
  /** First reconnect delay; it doubles up to `reconnectMaxMs`. Default 250 ms. */
  reconnectMinMs?: number;
  /** Default 5000 ms. */
  reconnectMaxMs?: number;
  /** Timeouts without progress after which the board's session is pinned again with WHO; default 4. */
  resyncAfterTimeouts?: number;
  /** Runs of changed cells separated by at most this many unchanged cells go in one TXT; default 4. */
  mergeGap?: number;
  /** Device preset named in the "flash the firmware" advice; default "<preset>". */
  preset?: string;
  /** Lists ports to find a board again after a replug; default: the binding's list when one is given, else listPorts(). */
  listPorts?: () => Promise<PortInfo[]>;
  /** Time and every timer of the link (retransmit, WHO, handshake deadline, heartbeat, reconnect); default systemClock. */
  clock?: Clock;
}

/** The options with their defaults filled in (those without one left out). */
export type LinkSettings = Required<Omit<DeviceLinkOptions, 'binding' | 'logger' | 'listPorts' | 'clock' | keyof RtoOptions>>;

/** The line rate of the device description the link is opened for (its preset, a sim:<preset> path), else DEFAULT_BAUD. */
function deviceBaud(opts: DeviceLinkOptions): number {
  const sim = opts.path.startsWith('sim:') ? opts.path.slice(4) : null;
  for (const name of [opts.preset, sim]) {
    if (!name || !isPresetName(name)) continue;
    try {
      return loadDevice(name).baud;
    } catch {
      // a broken preset: its baud is not known
    }
  }
  return DEFAULT_BAUD;
}

export function withDefaults(opts: DeviceLinkOptions): LinkSettings {
  return {
    path: opts.path,
    baudRate: opts.baudRate ?? deviceBaud(opts),
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 8000,
    whoIntervalMs: opts.whoIntervalMs ?? 250,
    whoMaxIntervalMs: opts.whoMaxIntervalMs ?? 1000,
    pingIntervalMs: opts.pingIntervalMs ?? 1000,
    silenceHeartbeats: opts.silenceHeartbeats ?? 3,
    reconnect: opts.reconnect ?? true,
    reconnectMinMs: opts.reconnectMinMs ?? 250,
    reconnectMaxMs: opts.reconnectMaxMs ?? 5000,
    resyncAfterTimeouts: opts.resyncAfterTimeouts ?? 4,
    mergeGap: opts.mergeGap ?? 4,
    preset: opts.preset ?? '<preset>',
  };
}
