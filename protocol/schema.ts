/**
 * The botduino wire protocol: the one source of truth.
 *
 * Every message kind, in both directions, with its fields and limits. The
 * TypeScript codec reads this object directly; the firmware's C++ runtime is
 * generated from it (`npm run generate`). TypeScript types for each message
 * are inferred from it below, never written twice.
 *
 * Reliability rules (implemented by the bridge's link and by the firmware):
 *  - Reliable kinds carry a sequence number 1..255 that wraps back to 1; each
 *    side numbers its own reliable frames. Unreliable kinds use seq 0, except
 *    PING/PONG (PONG echoes the PING's seq) and ACK/NAK (see below).
 *  - The receiver accepts a reliable frame only when its seq is the one it
 *    expects next (go-back-N). It then applies it once and answers
 *    `ACK <seq>`, which acknowledges that frame and every one before it.
 *  - A frame whose seq is behind the expected one (within 127) is a
 *    duplicate: it is acknowledged again (`ACK <expected-1>`) and not applied.
 *    The host first asks the device's boot counter (a PING) and answers with
 *    its PONG: a device that reset unnoticed (its HELLO lost on the line)
 *    numbers from 1 again, and its new events must not be taken for old ones.
 *  - A frame whose seq is ahead is not applied; the receiver answers
 *    `NAK <seq> o <expected>` so the sender goes back at once.
 *  - A line that fails any check is rejected as a whole (never half-applied),
 *    counted by reason, and answered with `NAK <seq or 0> <reason> <expected>`.
 *  - The sender keeps every unacknowledged reliable frame and sends them all
 *    again, in order, when no ACK has come within its timeout, or on a NAK.
 *  - The host never has more bytes of unacknowledged frames in flight than
 *    the device advertised in HELLO (`rx`).
 *  - Session: the host sends `WHO <next>`: the device sets the seq it expects
 *    to `next` and answers HELLO. HELLO carries the device's `boot` counter
 *    and `txb`, the seq of its oldest unacknowledged frame (or of its next
 *    one). A host that has not seen this boot before expects `txb` next; a
 *    host reconnecting to the same boot keeps its own expectation, so that
 *    nothing is delivered twice. A PONG whose boot counter is new is a reset
 *    as a new HELLO is (the screen is drawn again, the device's seq is 1).
 */

/** Bumped by hand whenever a change is not just additive. */
export const PROTOCOL_VERSION = 1;

/**
 * Additive changes keep boards built before them working. A field added to
 * the end of a message the device sends, or a value added to an enum, says
 * `since` which revision of the schema added it (1: the first); the
 * fingerprint of each revision is known to the bridge (fingerprint.ts), a
 * device-sent frame may end before its `since` fields (they decode as 0,
 * false, the first value, empty), and the bridge sends an enum value only
 * to a board of its revision or later.
 */
export const SCHEMA_REVISION = 2;

/** Which side sends a kind. */
export type Direction = 'host' | 'device' | 'both';

interface Added {
  /** The schema revision that added this field (a trailing field of a device-sent message); absent: 1. */
  since?: number;
}
export interface UIntSpec extends Added {
  type: 'u8' | 'u16' | 'u32';
  /** Largest accepted value; defaults to the width's maximum. */
  max?: number;
}
export interface BoolSpec extends Added {
  type: 'bool';
}
export interface EnumSpec extends Added {
  type: 'enum';
  /** Value name → its one-character code on the wire. */
  values: Record<string, string>;
  /** Values added after revision 1 → the revision that added them. */
  added?: Record<string, number>;
}
export interface CharSpec extends Added {
  /** One printable, non-space ASCII character, sent as itself. */
  type: 'char';
}
export interface StrSpec extends Added {
  /** Bytes 0..255 (LCD ROM codes); printable ASCII goes as itself, the rest as \HH. */
  type: 'str';
  max: number;
}
export interface BytesSpec extends Added {
  /** Raw bytes in upper-case hex. */
  type: 'bytes';
  min: number;
  max: number;
}
export type FieldSpec = UIntSpec | BoolSpec | EnumSpec | CharSpec | StrSpec | BytesSpec;

export interface MessageSpec {
  dir: Direction;
  reliable: boolean;
  doc: string;
  fields: Record<string, FieldSpec>;
}

const u8 = (max?: number): UIntSpec => (max === undefined ? { type: 'u8' } : { type: 'u8', max });
const u16 = (): UIntSpec => ({ type: 'u16' });
const u32 = (): UIntSpec => ({ type: 'u32' });
const bool = (): BoolSpec => ({ type: 'bool' });
const char = (): CharSpec => ({ type: 'char' });
const str = (max: number): StrSpec => ({ type: 'str', max });
const bytes = (min: number, max = min): BytesSpec => ({ type: 'bytes', min, max });
function enumOf<const V extends Record<string, string>>(
  values: V,
  added?: { [K in keyof V]?: number },
): { type: 'enum'; values: V; added?: Record<string, number> } {
  return added ? { type: 'enum', values, added: added as Record<string, number> } : { type: 'enum', values };
}

/** Longest text one TXT frame carries; the bridge splits longer rows. */
export const MAX_TEXT = 20;
/** Longest device id. */
export const MAX_DEVICE_ID = 16;

const action = enumOf({ down: 'd', up: 'u', hold: 'h' });

export const schema = {
  HELLO: {
    dir: 'device',
    reliable: false,
    doc: 'The device announces itself: at boot, and in answer to WHO.',
    fields: {
      proto: u8(),
      fp: bytes(4),
      fw: str(12),
      ver: str(8),
      board: str(10),
      id: str(MAX_DEVICE_ID),
      boot: u16(),
      txb: u8(),
      cols: u8(40),
      rows: u8(4),
      lcd: enumOf({ parallel: 'p', i2c: 'i' }),
      rom: enumOf({ A00: '0', A02: '2' }),
      buttons: str(72),
      keys: str(16),
      kcols: u8(4),
      rx: u16(),
      mfl: u16(),
      backlight: bool(),
      buzzer: bool(),
      led: bool(),
      /** The I2C clock of the LCD's backpack in kHz; 0 on a parallel LCD (and from a board of revision 1). */
      khz: { ...u16(), since: 2 },
    },
  },
  BTN: {
    dir: 'device',
    reliable: true,
    doc: 'A button went down, up, or has been held. `btn` indexes HELLO `buttons`.',
    fields: { act: action, btn: u8(7) },
  },
  KEY: {
    dir: 'device',
    reliable: true,
    doc: 'A keypad key went down, up, or has been held; `key` is its character in the layout.',
    fields: { act: action, key: char() },
  },
  PONG: {
    dir: 'device',
    reliable: false,
    doc: 'Answer to PING (same seq) with the health counters since boot.',
    fields: {
      crc: u16(),
      long: u16(),
      /** Lines rejected for an unknown kind (not `kind`: that name is the message's own). */
      badkind: u16(),
      field: u16(),
      trunc: u16(),
      esc: u16(),
      ovf: u16(),
      drop: u16(),
      retx: u16(),
      ram: u16(),
      up: u32(),
      rst: enumOf({ power: 'p', external: 'e', brownout: 'b', watchdog: 'w', unknown: 'u' }),
      boot: u16(),
    },
  },
  WHO: {
    dir: 'host',
    reliable: false,
    doc: 'The host asks the device to announce itself; `next` is the seq of the host’s next reliable frame.',
    fields: { next: u8() },
  },
  PING: {
    dir: 'host',
    reliable: false,
    doc: 'Heartbeat; the device answers PONG with the same seq.',
    fields: {},
  },
  CLR: {
    dir: 'host',
    reliable: true,
    doc: 'Clear the LCD and home the cursor.',
    fields: {},
  },
  TXT: {
    dir: 'host',
    reliable: true,
    doc: 'Write ROM codes at a row and column (codes 0–7 are the custom glyphs).',
    fields: { row: u8(3), col: u8(39), text: str(MAX_TEXT) },
  },
  CUR: {
    dir: 'host',
    reliable: true,
    doc: 'Show the cursor at a row and column, as a line or a blinking block, or hide it; or blank the whole display (what it holds is kept) until the next CUR.',
    fields: { mode: enumOf({ off: 'o', line: 'l', block: 'b', blank: 'n' }, { blank: 2 }), row: u8(3), col: u8(39) },
  },
  BL: {
    dir: 'host',
    reliable: true,
    doc: 'Backlight on or off.',
    fields: { on: bool() },
  },
  GLY: {
    dir: 'host',
    reliable: true,
    doc: 'Define custom glyph 0–7 from its 8 pixel rows (5 bits each).',
    fields: { slot: u8(7), rows: bytes(8) },
  },
  TONE: {
    dir: 'host',
    reliable: true,
    doc: 'Sound the buzzer at `hz` for `ms` milliseconds (0 Hz: silence).',
    fields: { hz: u16(), ms: u16() },
  },
  LED: {
    dir: 'host',
    reliable: true,
    doc: 'Status LED on or off.',
    fields: { on: bool() },
  },
  SETID: {
    dir: 'host',
    reliable: true,
    doc: 'Assign the device id; the device stores it in EEPROM and announces it in HELLO.',
    fields: { id: str(MAX_DEVICE_ID) },
  },
  ACK: {
    dir: 'both',
    reliable: false,
    doc: 'Acknowledges reliable frame `seq` and every one before it.',
    fields: {},
  },
  NAK: {
    dir: 'both',
    reliable: false,
    doc: 'A line was rejected (`seq` is its seq when readable, else 0); `exp` is the seq expected next.',
    fields: {
      why: enumOf({ crc: 'c', long: 'l', kind: 'k', field: 'f', trunc: 't', esc: 'e', order: 'o' }),
      exp: u8(),
    },
  },
} as const satisfies Record<string, MessageSpec>;

export type Schema = typeof schema;
export type Kind = keyof Schema;
export const KINDS = Object.keys(schema) as Kind[];

type FieldValue<F> = F extends { type: 'u8' | 'u16' | 'u32' }
  ? number
  : F extends { type: 'bool' }
    ? boolean
    : F extends { type: 'enum'; values: infer V }
      ? keyof V & string
      : F extends { type: 'char' | 'str' }
        ? string
        : F extends { type: 'bytes' }
          ? Uint8Array
          : never;

type FieldsOf<K extends Kind> = {
  -readonly [F in keyof Schema[K]['fields']]: FieldValue<Schema[K]['fields'][F]>;
};

/** One message of kind K, as the codec produces and consumes it. */
export type MessageOf<K extends Kind> = { kind: K; seq: number } & FieldsOf<K>;
/** Any message. */
export type Message = { [K in Kind]: MessageOf<K> }[Kind];

/** Kinds each side sends. */
export type HostKind = { [K in Kind]: Schema[K]['dir'] extends 'device' ? never : K }[Kind];
export type DeviceKind = { [K in Kind]: Schema[K]['dir'] extends 'host' ? never : K }[Kind];

/** Why a line was rejected. */
export const REJECT_REASONS = ['crc', 'long', 'kind', 'field', 'trunc', 'esc'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export function isReliable(kind: Kind): boolean {
  return schema[kind].reliable;
}

/** Largest value an integer field accepts. */
export function uintMax(f: UIntSpec): number {
  const width = f.type === 'u8' ? 0xff : f.type === 'u16' ? 0xffff : 0xffffffff;
  return f.max ?? width;
}

/** Longest encoding of one field, in bytes (escapes included). */
export function fieldMaxLength(f: FieldSpec): number {
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return String(uintMax(f)).length;
    case 'bool':
    case 'enum':
    case 'char':
      return 1;
    case 'str':
      return 2 + 3 * f.max;
    case 'bytes':
      return 2 * f.max;
  }
}

/** Longest line of one kind, without the line terminator. */
export function frameMaxLength(kind: Kind): number {
  const spec: MessageSpec = schema[kind];
  let n = kind.length + 1 + 3; // kind, space, seq
  for (const f of Object.values(spec.fields)) n += 1 + fieldMaxLength(f);
  return n + 5; // "*" + 4 hex digits of CRC
}

function maxOver(dirs: Direction[]): number {
  return Math.max(...KINDS.filter((k) => dirs.includes(schema[k].dir)).map(frameMaxLength));
}

/** Longest line the host may send: the device's line buffer is this long. */
export const MAX_HOST_FRAME = maxOver(['host', 'both']);
/** Longest line the device may send. */
export const MAX_DEVICE_FRAME = maxOver(['device', 'both']);
