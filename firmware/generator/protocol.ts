/**
 * Everything generated from protocol/schema.ts: the firmware's C++ runtime,
 * the shared test vectors, the protocol reference, and the schema-dependent
 * part of the C++ test harness. `npm run generate` writes them (see
 * scripts/generated.ts).
 *
 * Over 400 lines: the four outputs walk the schema the same way (kinds,
 * fields, limits), side by side so that they cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, toHex } from '../../protocol/codec.js';
import { crc16 } from '../../protocol/crc.js';
import { KNOWN_FINGERPRINTS, SCHEMA_FINGERPRINT, fingerprintBytes } from '../../protocol/fingerprint.js';
import {
  KINDS,
  MAX_DEVICE_FRAME,
  MAX_HOST_FRAME,
  PROTOCOL_VERSION,
  SCHEMA_REVISION,
  REJECT_REASONS,
  frameMaxLength,
  schema,
  uintMax,
  type FieldSpec,
  type Kind,
  type Message,
  type MessageSpec,
  type RejectReason,
} from '../../protocol/schema.js';
import type { GeneratedFile } from './generated-file.js';
import { harnessHeader } from './cpp-harness.js';
import { runtimeHeader } from './cpp-header.js';
import { runtimeSource } from './cpp.js';

/** Who receives a vector's line: the device decodes at most MAX_HOST_FRAME bytes, the host MAX_DEVICE_FRAME. */
export type Receiver = 'device' | 'host';

/** A message in JSON: byte strings as upper-case hex, strings as latin1 code points (LCD codes). */
export type JsonMessage = Record<string, string | number | boolean>;

export interface ValidVector {
  name: string;
  to: Receiver;
  /** The line as sent, terminator included when the vector is about terminators. */
  line: string;
  msg: JsonMessage;
}
export interface InvalidVector {
  name: string;
  to: Receiver;
  line: string;
  reason: RejectReason;
  /** The seq a NAK would carry: the line's seq when it could be read, else 0. */
  seq: number;
}
export interface Vectors {
  about: string;
  protocol: number;
  fingerprint: string;
  maxHostFrame: number;
  maxDeviceFrame: number;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

/** The longest line a receiver accepts. */
export const maxLengthFor = (to: Receiver) => (to === 'device' ? MAX_HOST_FRAME : MAX_DEVICE_FRAME);

/** A message as JSON (byte strings as hex). */
export function messageToJson(msg: Message): JsonMessage {
  const out: JsonMessage = {};
  for (const [k, v] of Object.entries(msg)) out[k] = v instanceof Uint8Array ? toHex(v) : (v as string | number | boolean);
  return out;
}

const bytes = (...b: number[]) => Uint8Array.from(b);
const glyph = bytes(0x00, 0x0a, 0x1f, 0x1f, 0x1f, 0x0e, 0x04, 0x00);

/** One ordinary message of every kind: the reference's examples and the first vectors. */
export const EXAMPLES: Record<Kind, Message> = {
  HELLO: {
    kind: 'HELLO',
    seq: 0,
    proto: PROTOCOL_VERSION,
    fp: fingerprintBytes(),
    fw: 'botduino',
    ver: '0.1.0',
    board: 'uno',
    id: 'kiosk-1',
    boot: 12,
    txb: 1,
    cols: 16,
    rows: 2,
    lcd: 'i2c',
    khz: 100,
    rom: 'A00',
    buttons: 'Up,Down,OK',
    keys: '',
    kcols: 0,
    rx: 64,
    mfl: MAX_HOST_FRAME,
    backlight: true,
    buzzer: false,
    led: true,
  },
  BTN: { kind: 'BTN', seq: 1, act: 'down', btn: 2 },
  KEY: { kind: 'KEY', seq: 2, act: 'up', key: '#' },
  PONG: {
    kind: 'PONG',
    seq: 9,
    crc: 1,
    long: 0,
    badkind: 0,
    field: 2,
    trunc: 0,
    esc: 0,
    ovf: 0,
    drop: 0,
    retx: 3,
    ram: 812,
    up: 123456,
    rst: 'power',
    boot: 12,
  },
  WHO: { kind: 'WHO', seq: 0, next: 1 },
  PING: { kind: 'PING', seq: 9 },
  CLR: { kind: 'CLR', seq: 1 },
  TXT: { kind: 'TXT', seq: 7, row: 1, col: 0, text: 'Hi there' },
  CUR: { kind: 'CUR', seq: 8, mode: 'block', row: 1, col: 8 },
  BL: { kind: 'BL', seq: 9, on: true },
  GLY: { kind: 'GLY', seq: 10, slot: 0, rows: glyph },
  TONE: { kind: 'TONE', seq: 11, hz: 880, ms: 120 },
  LED: { kind: 'LED', seq: 12, on: false },
  SETID: { kind: 'SETID', seq: 13, id: 'kiosk-1' },
  ACK: { kind: 'ACK', seq: 7 },
  NAK: { kind: 'NAK', seq: 0, why: 'crc', exp: 8 },
};

/** Every field at its largest: longest strings, largest numbers, last enum values. */
function largest(kind: Kind, seq: number, fill: (max: number) => string): Message {
  const msg: Record<string, unknown> = { kind, seq };
  for (const [name, f] of Object.entries((schema[kind] as MessageSpec).fields)) msg[name] = largestValue(f, fill);
  return msg as Message;
}
function largestValue(f: FieldSpec, fill: (max: number) => string): unknown {
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return uintMax(f);
    case 'bool':
      return true;
    case 'enum':
      return Object.keys(f.values).at(-1);
    case 'char':
      return '~';
    case 'str':
      return fill(f.max);
    case 'bytes':
      return new Uint8Array(f.max).fill(0xff);
  }
}
function smallest(kind: Kind): Message {
  const msg: Record<string, unknown> = { kind, seq: schema[kind].reliable ? 1 : 0 };
  for (const [name, f] of Object.entries((schema[kind] as MessageSpec).fields))
    msg[name] =
      f.type === 'bool'
        ? false
        : f.type === 'enum'
          ? Object.keys(f.values)[0]
          : f.type === 'char'
            ? '!'
            : f.type === 'str'
              ? ''
              : f.type === 'bytes'
                ? new Uint8Array(f.min)
                : 0;
  return msg as Message;
}

const receivers = (kind: Kind): Receiver[] =>
  schema[kind].dir === 'host' ? ['device'] : schema[kind].dir === 'device' ? ['host'] : ['device', 'host'];

/** A line with a correct CRC around any body. */
export const frame = (body: string) => body + '*' + crc16(body).toString(16).toUpperCase().padStart(4, '0');

const ESCAPES = '\x00\x01\x02\x03\x04\x05\x06\x07';

function validVectors(): ValidVector[] {
  const out: ValidVector[] = [];
  const add = (name: string, msg: Message, terminator = '') => {
    for (const to of receivers(msg.kind))
      out.push({ name: `${name} (to ${to})`, to, line: encode(msg) + terminator, msg: messageToJson(msg) });
  };
  for (const k of KINDS) add(`${k}: example`, EXAMPLES[k]);
  for (const k of KINDS) add(`${k}: smallest values`, smallest(k));
  for (const k of KINDS)
    add(
      `${k}: largest values, plain text`,
      largest(k, 255, (n) => 'Zz~ '.repeat(n).slice(0, n)),
    );
  const hasStr = (k: Kind) => Object.values((schema[k] as MessageSpec).fields).some((f) => f.type === 'str');
  for (const k of KINDS.filter(hasStr))
    add(
      `${k}: largest values, every byte escaped`,
      largest(k, 255, (n) => '\xff'.repeat(n)),
    );
  add('TXT: glyph codes 0-7 are escaped', { kind: 'TXT', seq: 1, row: 0, col: 0, text: ESCAPES });
  add('TXT: control bytes are escaped', { kind: 'TXT', seq: 2, row: 0, col: 0, text: '\x08\t\n\r\x1b\x1f\x7f' });
  add('TXT: ROM codes 0x80 and up are escaped', { kind: 'TXT', seq: 3, row: 1, col: 4, text: '\x80\xa5\xdf\xe4\xff' });
  add('TXT: quote and backslash are escaped', { kind: 'TXT', seq: 4, row: 0, col: 0, text: 'say "hi" \\o/' });
  add('TXT: spaces and an asterisk inside a string', { kind: 'TXT', seq: 5, row: 0, col: 0, text: ' * a*b ' });
  add('SETID: id with escapes', { kind: 'SETID', seq: 6, id: 'k\xe4\x01"\\' });
  add('HELLO: strings with escapes', { ...(EXAMPLES.HELLO as Extract<Message, { kind: 'HELLO' }>), fw: 'b\\"d', buttons: '\x7e\x7f,\x00' });
  add('KEY: the characters next to space and "*"', { kind: 'KEY', seq: 3, act: 'hold', key: '*' });
  add('KEY: a quote as the key', { kind: 'KEY', seq: 4, act: 'down', key: '"' });
  add('ends with \\n', EXAMPLES.TXT, '\n');
  add('ends with \\r\\n', EXAMPLES.TXT, '\r\n');
  add('ends with \\r\\n', EXAMPLES.BTN, '\r\n');
  add('ends with \\n', EXAMPLES.ACK, '\n');
  add('seq 255', { kind: 'CLR', seq: 255 });
  add('unreliable kind with seq 0', { kind: 'PING', seq: 0 });
  add('longest legal host frame', { kind: 'TXT', seq: 255, row: 3, col: 39, text: '\xff'.repeat(20) });
  add(
    'longest legal device frame',
    largest('HELLO', 255, (n) => '\xff'.repeat(n)),
  );
  return out;
}

function invalidVectors(): InvalidVector[] {
  const out: InvalidVector[] = [];
  const add = (name: string, line: string, reason: RejectReason, seq = 0, to: Receiver = 'device') =>
    out.push({ name, to, line, reason, seq });
  const txt = encode(EXAMPLES.TXT);
  const btn = encode(EXAMPLES.BTN);

  // crc
  add('crc: one character changed', txt.replace('Hi', 'Ho'), 'crc');
  add('crc: one bit flipped in the CRC', txt.slice(0, -1) + String.fromCharCode(txt.charCodeAt(txt.length - 1) ^ 1), 'crc');
  const lettered = [...Array(255).keys()].map((i) => frame(`CLR ${i + 1}`)).find((l) => /[A-F].*[A-F]/.test(l.slice(-4)))!;
  add('crc: lower-case hex digits', lettered.slice(0, -4) + lettered.slice(-4).toLowerCase(), 'crc');
  add('crc: not hex', 'TXT 7 1 0 "Hi"*12G4', 'crc');
  add('crc: swapped bytes', frame('CLR 5').replace('CLR 5', 'CLR 6'), 'crc');
  add('crc: changed on the way to the host', btn.replace(' d ', ' u '), 'crc', 0, 'host');

  // long
  add('long: one byte over the longest host frame', frame('TXT 1 0 0 "' + 'x'.repeat(MAX_HOST_FRAME - 16) + '"'), 'long');
  add('long: garbage one byte over the limit', 'x'.repeat(MAX_HOST_FRAME + 1), 'long');
  add('long: one byte over the longest device frame', 'y'.repeat(MAX_DEVICE_FRAME + 1), 'long', 0, 'host');

  // kind
  add('kind: unknown kind', frame('FOO 1 2'), 'kind');
  add('kind: lower-case kind', frame('txt 7 1 0 "Hi"'), 'kind');
  add('kind: line starts with a space', frame(' TXT 7 1 0 "Hi"'), 'kind');
  add('kind: a known kind as a prefix', frame('TXTX 7 1 0 "Hi"'), 'kind');
  add('kind: a prefix of a known kind', frame('TX 7 1 0 "Hi"'), 'kind');
  add('kind: NUL inside the kind', frame('CL\x00 1'), 'kind');
  add('kind: unknown kind to the host', frame('HELO 0'), 'kind', 0, 'host');

  // trunc
  add('trunc: no "*CRC"', 'TXT 7 1 0 "Hi"', 'trunc');
  add('trunc: shorter than the smallest frame', 'A*1234', 'trunc');
  add('trunc: empty line', '', 'trunc');
  add('trunc: the "*" one place off', 'TXT 7 1 0 "Hi"*12345', 'trunc');
  add('trunc: kind without seq', frame('PING'), 'trunc');
  add('trunc: fields missing', frame('TXT 7 1'), 'trunc', 7);
  add('trunc: all fields missing', frame('BTN 3'), 'trunc', 3, 'host');
  add('trunc: last field missing', frame('GLY 4 1'), 'trunc', 4);

  // field
  add('field: reliable kind with seq 0', frame('TXT 0 1 0 "Hi"'), 'field');
  add('field: seq over 255', frame('CLR 256'), 'field');
  add('field: seq with a leading zero', frame('CLR 07'), 'field');
  add('field: seq not a number', frame('CLR x'), 'field');
  add('field: seq empty', frame('CLR  1'), 'field');
  add('field: a number over its limit', frame('TXT 7 4 0 "Hi"'), 'field', 7);
  add('field: a number with a leading zero', frame('TXT 7 01 0 "Hi"'), 'field', 7);
  add('field: a negative number', frame('TONE 3 -1 5'), 'field', 3);
  add('field: u16 over 65535', frame('TONE 3 65536 5'), 'field', 3);
  add('field: u32 over 4294967295', frame('PONG 1 0 0 0 0 0 0 0 0 0 0 4294967296 p 0'), 'field', 1, 'host');
  add('field: eleven digits', frame('PONG 1 0 0 0 0 0 0 0 0 0 0 12345678901 p 0'), 'field', 1, 'host');
  add('field: number followed by a letter', frame('TXT 7 1 0x "Hi"'), 'field', 7);
  add('field: bool not 0 or 1', frame('BL 2 2'), 'field', 2);
  add('field: enum code unknown', frame('CUR 2 x 0 0'), 'field', 2);
  add('field: enum name instead of code', frame('CUR 2 off 0 0'), 'field', 2);
  add('field: one-character field empty at the end', frame('KEY 5 d '), 'field', 5, 'host');
  add('field: char is a space', frame('KEY 5 d  '), 'field', 5, 'host');
  add('field: string without quotes', frame('SETID 3 kiosk'), 'field', 3);
  add('field: string without its closing quote', frame('SETID 3 "kiosk'), 'field', 3);
  add('field: string one byte too long', frame('TXT 7 0 0 "' + 'x'.repeat(21) + '"'), 'field', 7);
  add('field: string too long by an escape', frame('TXT 7 0 0 "' + 'x'.repeat(20) + '\\01"'), 'field', 7);
  add('field: control byte not escaped', frame('TXT 7 0 0 "a\x01b"'), 'field', 7);
  add('field: byte 0x80 and up not escaped', frame('TXT 7 0 0 "caf\xe9"'), 'field', 7);
  add('field: DEL not escaped', frame('TXT 7 0 0 "\x7f"'), 'field', 7);
  add('field: bytes too short', frame('GLY 4 1 0A1F1F1F0E0400'), 'field', 4);
  add('field: bytes too long', frame('GLY 4 1 000A1F1F1F0E040000'), 'field', 4);
  add('field: bytes in lower-case hex', frame('GLY 4 1 000a1f1f1f0e0400'), 'field', 4);
  add('field: odd number of hex digits', frame('GLY 4 1 000A1F1F1F0E04000'), 'field', 4);
  add('field: more fields than the schema has', frame('BL 2 1 1'), 'field', 2);
  add('field: a trailing space', frame('CLR 5 '), 'field', 5);
  add('field: two spaces between fields', frame('TXT 7 1  0 "Hi"'), 'field', 7);
  add('field: text after a closing quote', frame('SETID 3 "a"b'), 'field', 3);
  add('field: bad NAK reason to the host', frame('NAK 0 z 1'), 'field', 0, 'host');

  // esc
  add('esc: one hex digit', frame('TXT 7 0 0 "\\4"'), 'esc', 7);
  add('esc: not hex', frame('TXT 7 0 0 "\\zz"'), 'esc', 7);
  add('esc: lower-case hex', frame('TXT 7 0 0 "\\0a"'), 'esc', 7);
  add('esc: a printable byte escaped', frame('TXT 7 0 0 "\\41"'), 'esc', 7);
  add('esc: an escaped space', frame('SETID 3 "a\\20b"'), 'esc', 3);
  add('esc: backslash before the closing quote', frame('TXT 7 0 0 "ab\\"'), 'esc', 7);
  add('esc: backslash at the end of the fields', frame('SETID 3 "ab\\'), 'esc', 3);
  add('esc: a bad escape in HELLO', frame('HELLO 0 1 00000000 "\\G0" "" "" "" 0 0 0 0 p 0 "" "" 0 0 0 0 0 0'), 'esc', 0, 'host');
  return out;
}

/** The shared test vectors. */
export function vectors(): Vectors {
  return {
    about:
      'Shared test vectors of the botduino protocol, generated by `npm run generate` from protocol/schema.ts. ' +
      'Lines are latin1 strings (one char per byte). `to` says who decodes the line: the device accepts lines up to ' +
      'maxHostFrame bytes, the host up to maxDeviceFrame. Messages in JSON carry byte strings as upper-case hex.',
    protocol: PROTOCOL_VERSION,
    fingerprint: SCHEMA_FINGERPRINT,
    maxHostFrame: MAX_HOST_FRAME,
    maxDeviceFrame: MAX_DEVICE_FRAME,
    valid: validVectors(),
    invalid: invalidVectors(),
  };
}

// ---- The protocol reference ----

/** The reliability rules: the block in the comment that opens protocol/schema.ts. */
function reliabilityRules(): string {
  const src = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../protocol/schema.ts'), 'utf8');
  const lines = src.split('\n');
  const start = lines.findIndex((l) => l.includes('Reliability rules'));
  if (start < 0) throw new Error('protocol/schema.ts has no "Reliability rules" block in its opening comment');
  const rules: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '*/') break;
    rules.push(l.replace(/^ \*  ?/, '').replace(/^ \*$/, ''));
  }
  return rules.join('\n');
}

function typeText(f: FieldSpec): string {
  return baseTypeText(f) + (f.since ? ` (since revision ${f.since}: absent in frames of boards built before it)` : '');
}

function baseTypeText(f: FieldSpec): string {
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return `${f.type}, 0..${uintMax(f)}`;
    case 'bool':
      return 'bool, `0` or `1`';
    case 'enum':
      return (
        'enum: ' +
        Object.entries(f.values)
          .map(([name, code]) => `\`${code}\` ${name}` + (f.added?.[name] ? ` (since revision ${f.added[name]})` : ''))
          .join(', ')
      );
    case 'char':
      return 'char, one printable non-space character';
    case 'str':
      return `str, up to ${f.max} bytes`;
    case 'bytes':
      return f.min === f.max ? `bytes, ${f.min} (${2 * f.min} hex digits)` : `bytes, ${f.min}..${f.max}`;
  }
}

const DIRECTION: Record<string, string> = { host: 'host → device', device: 'device → host', both: 'both ways' };

/** The generated docs/protocol.md. */
export function reference(): string {
  const out: string[] = [
    '# The botduino wire protocol',
    '',
    `<!-- Generated by botduino's \`npm run generate\` from protocol/schema.ts. Do not edit. -->`,
    '',
    `Protocol version ${PROTOCOL_VERSION}, schema revision ${SCHEMA_REVISION}, fingerprint \`${SCHEMA_FINGERPRINT}\`. The bridge and the board talk over`,
    'USB serial in text lines that a person can read in a serial monitor, each checked by a CRC.',
    '',
    `Additive changes keep boards built before them working: the bridge knows the fingerprint of every revision`,
    `(${[...KNOWN_FINGERPRINTS].map(([fp, rev]) => `${rev}: \`${fp}\``).join(', ')}), takes a device's frame that ends before the trailing fields`,
    'a later revision added, and sends a board only the enum values its revision has.',
    '',
    '## Lines',
    '',
    '```',
    'line  = kind " " seq *(" " field) "*" crc ("\\n" / "\\r\\n")',
    'kind  = upper-case name of the message kind',
    'seq   = decimal 0..255 (1..255 for reliable kinds)',
    'crc   = 4 upper-case hex digits: CRC-16/CCITT-FALSE of every byte before the "*"',
    '```',
    '',
    'Fields come in the order listed below, each after one space:',
    '',
    '- integers in canonical decimal (no sign, no leading zero), at most their limit;',
    '- booleans as `0` or `1`; enums as their one-character code; chars as themselves;',
    '- strings in double quotes; printable ASCII goes as itself, every other byte (LCD codes 0–7 are the',
    '  custom glyphs, 0x80 and up the ROM characters) and `"` and `\\` as `\\HH` (2 upper-case hex digits);',
    '- byte strings as upper-case hex.',
    '',
    `The device accepts lines up to ${MAX_HOST_FRAME} bytes (its line buffer; terminator excluded), the host up to ${MAX_DEVICE_FRAME}.`,
    'A receiver checks a line in this order and rejects it as a whole at the first failure, with a reason',
    'that it counts and answers with a NAK:',
    '',
    '| reason | the line |',
    '|---|---|',
    '| `long` | is longer than the receiver accepts |',
    '| `trunc` | has no `*` and 4 characters at the end, or has no seq, or misses fields |',
    '| `crc` | has a CRC that is not 4 upper-case hex digits or does not match |',
    '| `kind` | names a kind the receiver does not take |',
    '| `field` | has a seq or field that breaks its type or limit, or more fields than the kind has |',
    '| `esc` | has a `\\` in a string that is not followed by 2 upper-case hex digits, or escapes a printable byte |',
    '',
    `(\`REJECT_REASONS\` order: ${REJECT_REASONS.map((r) => `\`${r}\``).join(', ')}. \`long\` is checked first, then \`trunc\` for the`,
    'missing `*CRC`, then `crc`, `kind`, and `trunc`/`field`/`esc` as the fields are read.)',
    '',
    '## Reliability',
    '',
    reliabilityRules(),
    '',
    '## Messages',
    '',
    '| kind | direction | reliable | longest line |',
    '|---|---|---|---|',
    ...KINDS.map(
      (k) => `| [${k}](#${k.toLowerCase()}) | ${DIRECTION[schema[k].dir]} | ${schema[k].reliable ? 'yes' : 'no'} | ${frameMaxLength(k)} |`,
    ),
    '',
  ];
  for (const k of KINDS) {
    const spec = schema[k] as MessageSpec;
    out.push(`### ${k}`, '', spec.doc, '', `${DIRECTION[spec.dir]}, ${spec.reliable ? 'reliable' : 'unreliable'}.`, '');
    const fields = Object.entries(spec.fields);
    if (fields.length) {
      out.push('| field | type and limits |', '|---|---|');
      for (const [name, f] of fields) out.push(`| \`${name}\` | ${typeText(f)} |`);
    } else out.push('No fields.');
    out.push('', 'Example:', '', '```', encode(EXAMPLES[k]), '```', '');
  }
  return out.join('\n');
}

/** Every file this generator writes. */
export function outputs(): GeneratedFile[] {
  return [
    { path: 'firmware/runtime/bd_protocol.h', content: runtimeHeader() },
    { path: 'firmware/runtime/bd_protocol.cpp', content: runtimeSource() },
    { path: 'protocol/vectors.json', content: JSON.stringify(vectors(), null, 1) + '\n' },
    { path: 'docs/protocol.md', content: reference() },
    { path: 'test/cpp/bd_harness.h', content: harnessHeader() },
  ];
}
