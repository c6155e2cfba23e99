/**
 * Frame ⇄ message, straight from the schema.
 *
 *   line  = kind " " seq *(" " field) "*" CRC   (then "\n" or "\r\n")
 *
 * `CRC` is 4 upper-case hex digits of CRC-16/CCITT-FALSE over everything
 * before the "*". Fields: integers in canonical decimal, booleans 0/1, enums
 * and chars as one character, strings in double quotes with every byte
 * outside printable ASCII (and `"` and `\`) as `\HH` (and only those), byte strings as
 * upper-case hex. Checks run in a fixed order (length, tail, CRC, kind,
 * fields) and the first failure is the reason; a rejected line yields no
 * message at all.
 */
import { crc16 } from './crc.js';
import { schema, uintMax, type FieldSpec, type Kind, type Message, type MessageSpec, type RejectReason } from './schema.js';

export type DecodeResult =
  | { ok: true; msg: Message }
  | {
      ok: false;
      reason: RejectReason;
      /** What exactly is wrong, for logs and the monitor. */
      detail: string;
      /** The frame's seq when it could be read (for NAK). */
      seq?: number;
    };

/** Thrown by `encode` for a message that does not fit the schema: a bug in the caller. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

const HEX = '0123456789ABCDEF';
const hex2 = (b: number) => HEX[b >> 4] + HEX[b & 15];
const hex4 = (n: number) => hex2(n >> 8) + hex2(n & 0xff);

/** A byte string as upper-case hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += hex2(b);
  return s;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const SPECS = schema as Record<string, MessageSpec>;
const FIELD_LISTS: Record<string, [string, FieldSpec][]> = Object.fromEntries(
  Object.entries(SPECS).map(([k, s]) => [k, Object.entries(s.fields)]),
);
const ENUM_DECODE = new Map<FieldSpec, Map<number, string>>();
for (const list of Object.values(FIELD_LISTS))
  for (const [, f] of list)
    if (f.type === 'enum') ENUM_DECODE.set(f, new Map(Object.entries(f.values).map(([name, code]) => [code.charCodeAt(0), name])));

/** Escapes a string field's bytes (char codes 0..255). */
export function escapeText(s: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    if (c > 0xff) throw new EncodeError(`character U+${c.toString(16).toUpperCase()} is not a byte: map text to LCD codes first`);
    out += s.slice(run, i) + '\\' + hex2(c);
    run = i + 1;
  }
  return run === 0 ? s : out + s.slice(run);
}

/** Checks and writes one field's value, with the space before it. */
type FieldEncoder = (v: unknown) => string;

function fieldEncoder(kind: string, name: string, f: FieldSpec): FieldEncoder {
  const bad = (why: string) => new EncodeError(`${kind}.${name}: ${why}`);
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32': {
      const max = uintMax(f);
      return (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw bad(`${String(v)} is not an integer 0..${max}`);
        return ' ' + v;
      };
    }
    case 'bool':
      return (v) => {
        if (typeof v !== 'boolean') throw bad(`${String(v)} is not a boolean`);
        return v ? ' 1' : ' 0';
      };
    case 'enum': {
      const codes = new Map(Object.entries(f.values).map(([value, code]) => [value, ' ' + code]));
      return (v) => {
        const code = codes.get(v as string);
        if (code === undefined) throw bad(`${String(v)} is not one of ${Object.keys(f.values).join(', ')}`);
        return code;
      };
    }
    case 'char':
      return (v) => {
        if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) < 0x21 || v.charCodeAt(0) > 0x7e)
          throw bad(`${JSON.stringify(v)} is not one printable character`);
        return ' ' + v;
      };
    case 'str':
      return (v) => {
        if (typeof v !== 'string') throw bad('not a string');
        if (v.length > f.max) throw bad(`${v.length} bytes, at most ${f.max}`);
        return ' "' + escapeText(v) + '"';
      };
    case 'bytes':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw bad('not a Uint8Array');
        if (v.length < f.min || v.length > f.max) throw bad(`${v.length} bytes, expected ${f.min}..${f.max}`);
        return ' ' + toHex(v);
      };
  }
}

/** Per kind, built once: the lowest seq, the field names and their encoders in wire order. */
interface KindEncoder {
  minSeq: number;
  names: string[];
  fields: FieldEncoder[];
}
const ENCODERS = new Map<string, KindEncoder>(
  Object.entries(SPECS).map(([kind, spec]) => [
    kind,
    {
      minSeq: spec.reliable ? 1 : 0,
      names: Object.keys(spec.fields),
      fields: Object.entries(spec.fields).map(([name, f]) => fieldEncoder(kind, name, f)),
    },
  ]),
);

/** Encodes a message as one line, without the line terminator. */
export function encode(msg: Message): string {
  const enc = ENCODERS.get(msg.kind);
  if (!enc) throw new EncodeError(`unknown kind ${String(msg.kind)}`);
  const seq = msg.seq;
  if (!Number.isInteger(seq) || seq < enc.minSeq || seq > 255)
    throw new EncodeError(`${msg.kind}.seq: ${seq} is not in ${enc.minSeq}..255`);
  let body = msg.kind + ' ' + seq;
  const m = msg as unknown as Record<string, unknown>;
  for (let i = 0; i < enc.fields.length; i++) body += enc.fields[i](m[enc.names[i]]);
  return body + '*' + hex4(crc16(body));
}

/** Encodes a message as one line with its "\n". */
export function encodeLine(msg: Message): string {
  return encode(msg) + '\n';
}

/** Options of `decode`. */
export interface DecodeOptions {
  /**
   * The line may come from a board built at an earlier revision of the
   * schema (see SCHEMA_REVISION): it may end before trailing fields added
   * since, which then take their absent values (0, false, the first enum
   * value, empty). Without it only this revision's exact encoding is taken.
   */
  earlier?: boolean;
}

/**
 * Decodes one line (its "\n" or "\r\n" may be present or already removed).
 * `maxLength` is the longest line the receiver accepts, terminator excluded.
 */
export function decode(line: string, maxLength = Infinity, opts?: DecodeOptions): DecodeResult {
  let len = line.length;
  if (len > 0 && line.charCodeAt(len - 1) === 10) len--;
  if (len > 0 && line.charCodeAt(len - 1) === 13) len--;
  if (len > maxLength) return { ok: false, reason: 'long', detail: `line of ${len} bytes, longest accepted is ${maxLength}` };
  if (len < 8 || line.charCodeAt(len - 5) !== 42 /* * */) return { ok: false, reason: 'trunc', detail: 'no "*CRC" at the end of the line' };
  let want = 0;
  for (let i = len - 4; i < len; i++) {
    const h = hexVal(line.charCodeAt(i));
    if (h < 0) return { ok: false, reason: 'crc', detail: `CRC "${line.slice(len - 4, len)}" is not 4 upper-case hex digits` };
    want = (want << 4) | h;
  }
  const end = len - 5;
  const got = crc16(line, 0, end);
  if (got !== want) return { ok: false, reason: 'crc', detail: `CRC is ${hex4(want)}, computed ${hex4(got)}` };

  let p = line.indexOf(' ');
  if (p < 0 || p > end) p = end;
  const kind = line.slice(0, p);
  const list = FIELD_LISTS[kind];
  if (!list || !Object.hasOwn(FIELD_LISTS, kind)) return { ok: false, reason: 'kind', detail: `unknown kind "${kind}"` };
  if (p >= end) return { ok: false, reason: 'trunc', detail: `${kind} without seq` };
  p++;

  // seq
  const seqStart = p;
  let seq = 0;
  while (p < end && line.charCodeAt(p) !== 32) {
    const d = line.charCodeAt(p) - 48;
    if (d < 0 || d > 9) return { ok: false, reason: 'field', detail: `${kind}: seq "${line.slice(seqStart, p + 1)}" is not a number` };
    seq = seq * 10 + d;
    p++;
  }
  const reliable = SPECS[kind].reliable;
  if (p === seqStart || (p - seqStart > 1 && line.charCodeAt(seqStart) === 48) || seq > 255 || (reliable && seq === 0))
    return { ok: false, reason: 'field', detail: `${kind}: seq "${line.slice(seqStart, p)}" is not in ${reliable ? 1 : 0}..255` };

  const msg: Record<string, unknown> = { kind, seq };
  for (let i = 0; i < list.length; i++) {
    const [name, f] = list[i];
    if (p >= end) {
      // a board built before a revision added the trailing fields: they take their absent values
      if (opts?.earlier && f.since !== undefined && list.slice(i).every(([, g]) => g.since !== undefined)) {
        for (const [n, g] of list.slice(i)) msg[n] = absentValue(g);
        break;
      }
      return { ok: false, reason: 'trunc', detail: `${kind}: field ${name} missing`, seq };
    }
    p++; // the space
    const r = decodeField(line, p, end, f);
    if (typeof r === 'string') {
      const reason: RejectReason = r.startsWith('escape') ? 'esc' : 'field';
      return { ok: false, reason, detail: `${kind}.${name}: ${r}`, seq };
    }
    msg[name] = r.value;
    p = r.next;
    if (p < end && line.charCodeAt(p) !== 32)
      return { ok: false, reason: 'field', detail: `${kind}.${name}: unexpected "${line[p]}"`, seq };
  }
  if (p < end) return { ok: false, reason: 'field', detail: `${kind}: more fields than the schema has`, seq };
  return { ok: true, msg: msg as Message };
}

type FieldResult = { value: unknown; next: number } | string;

/** The value of a field a frame from an earlier revision does not have. */
function absentValue(f: FieldSpec): unknown {
  switch (f.type) {
    case 'bool':
      return false;
    case 'enum':
      return Object.keys(f.values)[0];
    case 'char':
    case 'str':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    default:
      return 0;
  }
}

function decodeField(line: string, p: number, end: number, f: FieldSpec): FieldResult {
  // one-character fields must not read the "*" that ends the fields
  if (p >= end && (f.type === 'bool' || f.type === 'enum' || f.type === 'char')) return 'field is empty';
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32': {
      const start = p;
      let v = 0;
      while (p < end) {
        const d = line.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        p++;
        if (p - start > 10) return 'number too long';
      }
      if (p === start) return 'not a number';
      if (p - start > 1 && line.charCodeAt(start) === 48) return 'leading zero';
      if (v > uintMax(f)) return `${v} is over ${uintMax(f)}`;
      return { value: v, next: p };
    }
    case 'bool': {
      const c = line.charCodeAt(p);
      if (c !== 48 && c !== 49) return 'not 0 or 1';
      return { value: c === 49, next: p + 1 };
    }
    case 'enum': {
      const name = ENUM_DECODE.get(f)!.get(line.charCodeAt(p));
      if (name === undefined) return `"${line[p]}" is not one of ${Object.values(f.values).join('')}`;
      return { value: name, next: p + 1 };
    }
    case 'char': {
      const c = line.charCodeAt(p);
      if (!(c >= 0x21 && c <= 0x7e)) return 'not a printable character';
      return { value: line[p], next: p + 1 };
    }
    case 'str': {
      if (line.charCodeAt(p) !== 34) return 'string does not start with "';
      p++;
      let out = '';
      let run = p;
      let n = 0;
      for (;;) {
        if (p >= end) return 'string without its closing "';
        const c = line.charCodeAt(p);
        if (c === 34) break;
        if (c === 92) {
          const hi = p + 1 < end ? hexVal(line.charCodeAt(p + 1)) : -1;
          const lo = p + 2 < end ? hexVal(line.charCodeAt(p + 2)) : -1;
          if (hi < 0 || lo < 0) return `escape "${line.slice(p, Math.min(p + 3, end))}" is not \\ and 2 upper-case hex digits`;
          const b = (hi << 4) | lo;
          // one encoding per string: printable bytes other than " and \ go as themselves
          if (b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x5c) return `escape "${line.slice(p, p + 3)}" of a printable byte`;
          out += line.slice(run, p) + String.fromCharCode(b);
          p += 3;
          run = p;
        } else if (c < 0x20 || c > 0x7e) {
          return `byte 0x${c.toString(16)} must be escaped`;
        } else p++;
        if (++n > f.max) return `longer than ${f.max} bytes`;
      }
      out += line.slice(run, p);
      return { value: out, next: p + 1 };
    }
    case 'bytes': {
      const start = p;
      while (p < end && line.charCodeAt(p) !== 32) p++;
      const n = p - start;
      if (n % 2) return 'odd number of hex digits';
      if (n / 2 < f.min || n / 2 > f.max) return `${n / 2} bytes, expected ${f.min === f.max ? f.min : `${f.min}..${f.max}`}`;
      const out = new Uint8Array(n / 2);
      for (let i = 0; i < n / 2; i++) {
        const hi = hexVal(line.charCodeAt(start + 2 * i));
        const lo = hexVal(line.charCodeAt(start + 2 * i + 1));
        if (hi < 0 || lo < 0) return 'not upper-case hex';
        out[i] = (hi << 4) | lo;
      }
      return { value: out, next: p };
    }
  }
}

/** Kind of a decoded message, narrowed. */
export function is<K extends Kind>(msg: Message, kind: K): msg is Extract<Message, { kind: K }> {
  return msg.kind === kind;
}
