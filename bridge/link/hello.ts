/**
 * Reading a board's HELLO: its capabilities, whether it speaks this
 * bridge's protocol, and — when it does not — enough of it to tell the
 * user which firmware is on the board.
 */
import { toHex } from '../../protocol/codec.js';
import { KNOWN_FINGERPRINTS, revisionOf, SCHEMA_FINGERPRINT } from '../../protocol/fingerprint.js';
import { PROTOCOL_VERSION, type Message, type MessageOf } from '../../protocol/schema.js';
import { MismatchError } from '../../common/errors.js';
import { nextSeq } from './seq.js';
import type { DeviceCaps } from './types.js';

/** What identifies a board's firmware, read from a HELLO of any protocol version. */
export interface FirmwareInfo {
  proto: number;
  fingerprint: string;
  firmware: string;
  version: string;
  board: string;
  cols?: number;
}

/** HELLO `buttons` lists the button names separated by commas; `keys` is the keypad layout row by row. */
export function capsFromHello(h: MessageOf<'HELLO'>): DeviceCaps {
  const buttons = h.buttons.split(/[,;\s]+/).filter(Boolean);
  let keypad: string[] = [];
  if (h.keys.includes('/')) keypad = h.keys.split('/').filter(Boolean);
  else if (h.keys && h.kcols > 0) for (let i = 0; i < h.keys.length; i += h.kcols) keypad.push(h.keys.slice(i, i + h.kcols));
  return {
    protocol: h.proto,
    fingerprint: toHex(h.fp),
    firmware: h.fw,
    version: h.ver,
    board: h.board,
    id: h.id,
    boot: h.boot,
    cols: h.cols,
    rows: h.rows,
    schemaRevision: revisionOf(toHex(h.fp)) ?? 0,
    lcd: h.lcd,
    lcdKhz: h.khz,
    rom: h.rom,
    buttons,
    keypad,
    rxBuffer: h.rx,
    maxFrame: h.mfl,
    backlight: h.backlight,
    buzzer: h.buzzer,
    led: h.led,
  };
}

export function firmwareOf(h: MessageOf<'HELLO'>): FirmwareInfo {
  return { proto: h.proto, fingerprint: toHex(h.fp), firmware: h.fw, version: h.ver, board: h.board, cols: h.cols };
}

/** Whether a decoded HELLO speaks this bridge's protocol: its version, and the schema of this revision or an earlier one. */
export function speaksOurProtocol(info: FirmwareInfo): boolean {
  return info.proto === PROTOCOL_VERSION && revisionOf(info.fingerprint) !== null;
}

/**
 * The identity fields of a HELLO this bridge cannot decode (another
 * protocol version). Every version keeps HELLO's first fields — proto, fp,
 * fw, ver, board — in this order, so they can always be read.
 */
export function looseHello(line: string): FirmwareInfo | null {
  const m = /^HELLO \d+ (\d+) ([0-9A-F]{8}) "((?:[^"\\]|\\[0-9A-F]{2})*)" "((?:[^"\\]|\\[0-9A-F]{2})*)" "((?:[^"\\]|\\[0-9A-F]{2})*)"/.exec(
    line,
  );
  if (!m) return null;
  return { proto: Number(m[1]), fingerprint: m[2], firmware: m[3], version: m[4], board: m[5] };
}

/**
 * The text shown on a board with the wrong firmware. It is sent with CLR
 * and TXT only: those two kinds are the stable subset of the protocol —
 * their wire form never changes between versions — so any botduino
 * firmware shows it.
 */
export function reflashText(cols: number): string[] {
  const w = Math.max(8, Math.min(cols, 40));
  return ['Wrong firmware:', 'reflash botduino'].map((s) => s.slice(0, w));
}

/** "ADD68F6B (and the earlier 22570126)": the schemas this bridge speaks with. */
function knownSchemas(): string {
  const earlier = [...KNOWN_FINGERPRINTS.keys()].filter((fp) => fp !== SCHEMA_FINGERPRINT);
  return earlier.length ? `${SCHEMA_FINGERPRINT} (and the earlier ${earlier.join(', ')})` : SCHEMA_FINGERPRINT;
}

/** The error for a board on `path` whose HELLO is not this bridge's protocol, naming what to flash. */
export function mismatchError(info: FirmwareInfo, path: string, preset: string): MismatchError {
  return new MismatchError(
    `The board on ${path} runs ${info.firmware || 'unknown firmware'} ${info.version} for ${info.board || 'an unknown board'} (protocol ${info.proto}, schema ${info.fingerprint}); this bridge speaks protocol ${PROTOCOL_VERSION}, schema ${knownSchemas()}. Flash matching firmware with \`botduino firmware flash --device ${preset} --port ${path}\`.`,
  );
}

/** The frames that show "reflash" on such a board from seq `next` on: CLR and TXT are the stable subset, any botduino firmware shows them. */
export function reflashFrames(next: number, cols: number): Message[] {
  let seq = next;
  const out: Message[] = [
    { kind: 'WHO', seq: 0, next },
    { kind: 'CLR', seq },
  ];
  reflashText(cols).forEach((text, row) => {
    seq = nextSeq(seq);
    out.push({ kind: 'TXT', seq, row, col: 0, text });
  });
  return out;
}
