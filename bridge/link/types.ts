import type { DeviceCaps, InputEvent } from '../lcd/device.js';

export type { DeviceCaps, InputEvent };

/** Where a link stands. */
export type LinkState = 'connecting' | 'online' | 'reconnecting' | 'mismatch' | 'closed';

/** A screen command as the link sends it (the seq is added when it is sent). */
export type ScreenCommand =
  | { kind: 'CLR' }
  | { kind: 'TXT'; row: number; col: number; text: string }
  | { kind: 'GLY'; slot: number; rows: Uint8Array }
  | { kind: 'CUR'; mode: 'off' | 'line' | 'block' | 'blank'; row: number; col: number }
  | { kind: 'BL'; on: boolean };

/** One line on the wire, for `monitor` and debugging. */
export interface FrameEvent {
  dir: 'rx' | 'tx';
  line: string;
  /** The decoded message (absent when the line was rejected). */
  msg?: import('../../protocol/schema.js').Message;
  /** Why the line was rejected. */
  reason?: string;
}

/** The board's own health counters, from its last PONG. */
export interface DeviceHealth {
  rejects: { crc: number; long: number; kind: number; field: number; trunc: number; esc: number };
  /** Receive overflows the board noticed. */
  overflows: number;
  /** Events the board dropped because its queue was full. */
  dropped: number;
  /** Frames the board sent again. */
  retransmits: number;
  /** Free RAM in bytes. */
  freeRam: number;
  uptimeMs: number;
  resetCause: 'power' | 'external' | 'brownout' | 'watchdog' | 'unknown';
  boot: number;
}

/** What a link has done since it started. */
export interface LinkStats {
  state: LinkState;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Reliable frames sent again (timeout or NAK). */
  retransmits: number;
  /** Lines from the board rejected, by reason. */
  rejects: { crc: number; long: number; kind: number; field: number; trunc: number; esc: number };
  /** NAKs the board sent us, by reason. */
  naks: { crc: number; long: number; kind: number; field: number; trunc: number; esc: number; order: number };
  /** Lines that were not frames before the first HELLO (a resetting board's bootloader). */
  bootNoise: number;
  /** Events the board sent again that were not delivered twice. */
  duplicates: number;
  reconnects: number;
  /** Round-trip time in ms (ACKs and PONGs): last and smoothed average; null until measured. */
  rtt: { lastMs: number | null; avgMs: number | null };
  /** Reliable frames waiting to be sent plus those sent and not acknowledged. */
  queueDepth: number;
  /** Bytes of reliable frames sent and not acknowledged. */
  inFlightBytes: number;
  pingsSent: number;
  pongs: number;
  /** From the board's last PONG; null before the first. */
  device: DeviceHealth | null;
}
