import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxLengthFor, messageToJson, type Vectors } from '../firmware/generator/protocol.js';
import { crc16, decode, encode, KINDS, MAX_DEVICE_FRAME, MAX_HOST_FRAME, REJECT_REASONS, schema, type Message } from '../protocol/index.js';

const vectors = JSON.parse(readFileSync(resolve(__dirname, '../protocol/vectors.json'), 'utf8')) as Vectors;

describe('shared test vectors', () => {
  it('decode with the TypeScript codec to the expected message', () => {
    for (const v of vectors.valid) {
      const r = decode(v.line, maxLengthFor(v.to));
      expect(r.ok, `${v.name}: ${JSON.stringify(v.line)}`).toBe(true);
      if (r.ok) expect(messageToJson(r.msg), v.name).toEqual(v.msg);
    }
  });

  it('are rejected by the TypeScript codec for the expected reason, with the expected seq', () => {
    for (const v of vectors.invalid) {
      const r = decode(v.line, maxLengthFor(v.to));
      expect(r.ok ? 'accepted' : { reason: r.reason, seq: r.seq ?? 0 }, `${v.name}: ${JSON.stringify(v.line)}`).toEqual({
        reason: v.reason,
        seq: v.seq,
      });
    }
  });

  it('cover every kind in each direction it travels, every rejection reason, and both line endings', () => {
    for (const k of KINDS) {
      const dirs = vectors.valid.filter((v) => v.msg.kind === k).map((v) => v.to);
      if (schema[k].dir !== 'device') expect(dirs, k).toContain('device');
      if (schema[k].dir !== 'host') expect(dirs, k).toContain('host');
    }
    expect(new Set(vectors.invalid.map((v) => v.reason))).toEqual(new Set(REJECT_REASONS));
    expect(vectors.valid.some((v) => v.line.endsWith('\r\n'))).toBe(true);
    expect(vectors.valid.some((v) => v.line.endsWith('"\n') || /[0-9A-F]\n$/.test(v.line))).toBe(true);
  });

  it('escape glyph codes 0-7, control bytes, ROM codes from 0x80, quote and backslash', () => {
    const lines = vectors.valid.map((v) => v.line).join('\n');
    for (const esc of ['\\00', '\\07', '\\1B', '\\7F', '\\80', '\\FF', '\\22', '\\5C']) expect(lines).toContain(esc);
  });

  it('include the longest legal frame each way, and a line one byte longer rejected as long', () => {
    expect(vectors.valid.map((v) => v.line.length)).toContain(MAX_HOST_FRAME);
    expect(Math.max(...vectors.valid.filter((v) => v.to === 'device').map((v) => v.line.length))).toBe(MAX_HOST_FRAME);
    expect(Math.max(...vectors.valid.map((v) => v.line.length))).toBe(MAX_DEVICE_FRAME);
    expect(vectors.invalid.filter((v) => v.reason === 'long').map((v) => v.line.length)).toContain(MAX_HOST_FRAME + 1);
  });
});

// Lines checked by hand, with CRCs from Python's binascii.crc_hqx(line, 0xFFFF): not from this codebase.
const LITERALS: [string, Message][] = [
  ['TXT 7 1 0 "Hi there"*EC9C', { kind: 'TXT', seq: 7, row: 1, col: 0, text: 'Hi there' }],
  ['ACK 7*F27B', { kind: 'ACK', seq: 7 }],
  ['BTN 1 d 2*5904', { kind: 'BTN', seq: 1, act: 'down', btn: 2 }],
  ['KEY 2 u #*5711', { kind: 'KEY', seq: 2, act: 'up', key: '#' }],
  ['CUR 8 b 1 8*ABE5', { kind: 'CUR', seq: 8, mode: 'block', row: 1, col: 8 }],
  ['WHO 0 1*C3A1', { kind: 'WHO', seq: 0, next: 1 }],
  ['NAK 0 c 8*6E32', { kind: 'NAK', seq: 0, why: 'crc', exp: 8 }],
  ['GLY 10 0 000A1F1F1F0E0400*AE65', { kind: 'GLY', seq: 10, slot: 0, rows: Uint8Array.from([0, 0x0a, 0x1f, 0x1f, 0x1f, 0x0e, 0x04, 0]) }],
  ['TXT 1 0 0 "\\00\\07\\22\\5C\\DF~"*1CDB', { kind: 'TXT', seq: 1, row: 0, col: 0, text: '\x00\x07"\\\xdf~' }],
  [
    'PONG 9 1 0 0 2 0 0 0 0 3 812 123456 p 12*65AA',
    {
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
  ],
];

describe('hand-checked lines', () => {
  for (const [line, msg] of LITERALS) {
    it(`${line} encodes and decodes as written`, () => {
      expect(encode(msg)).toBe(line);
      expect(decode(line + '\r\n')).toEqual({ ok: true, msg });
    });
  }

  it('CRC-16/CCITT-FALSE gives its published check value', () => {
    expect(crc16('123456789')).toBe(0x29b1);
  });

  it('no field is named like the message kind or seq', () => {
    for (const k of KINDS) expect(Object.keys(schema[k].fields), k).not.toEqual(expect.arrayContaining(['kind']));
    for (const k of KINDS) expect(Object.keys(schema[k].fields), k).not.toEqual(expect.arrayContaining(['seq']));
  });
});

describe('encoding a message that does not fit the schema', () => {
  const bad: [string, unknown, RegExp][] = [
    ['a row over its limit', { kind: 'TXT', seq: 1, row: 4, col: 0, text: '' }, /TXT\.row: 4 is not an integer 0\.\.3/],
    ['text longer than a frame carries', { kind: 'TXT', seq: 1, row: 0, col: 0, text: 'x'.repeat(21) }, /TXT\.text: 21 bytes, at most 20/],
    [
      'a character that is not an LCD code',
      { kind: 'TXT', seq: 1, row: 0, col: 0, text: 'é€' },
      /U\+20AC is not a byte: map text to LCD codes first/,
    ],
    [
      'an enum value not in the schema',
      { kind: 'CUR', seq: 1, mode: 'toString', row: 0, col: 0 },
      /CUR\.mode: toString is not one of off, line, block/,
    ],
    ['seq 0 on a reliable kind', { kind: 'CLR', seq: 0 }, /CLR\.seq: 0 is not in 1\.\.255/],
    ['an unknown kind', { kind: 'constructor', seq: 0 }, /unknown kind constructor/],
    ['glyph rows of the wrong length', { kind: 'GLY', seq: 1, slot: 0, rows: new Uint8Array(7) }, /GLY\.rows: 7 bytes, expected 8\.\.8/],
  ];
  for (const [name, msg, message] of bad)
    it(`throws an EncodeError for ${name}`, () => {
      expect(() => encode(msg as Message)).toThrow(message);
    });
});
