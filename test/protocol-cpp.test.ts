import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.js';
import { EXAMPLES, maxLengthFor, messageToJson, vectors } from '../firmware/generator/protocol.js';
import { decode, encode, KINDS, schema, SCHEMA_FINGERPRINT } from '../protocol/index.js';
import { crc16 } from '../protocol/crc.js';
import { compile, conformanceRunner, runCpp, RUNTIME, type CppResult } from './cpp/build.js';

const v = vectors();
const expected = (line: string, to: 'device' | 'host') => {
  const r = decode(line, maxLengthFor(to));
  return r.ok ? { ok: true, msg: messageToJson(r.msg) } : { ok: false, reason: r.reason, seq: r.seq ?? 0 };
};
const crcHex = (body: string) => crc16(body, 0, body.length).toString(16).toUpperCase().padStart(4, '0');
const comparable = (r: CppResult) => (r.ok ? { ok: true, msg: r.msg } : { ok: false, reason: r.reason, seq: r.seq });

describe('the generated C++ runtime, built as the host sees it (all kinds)', () => {
  let bin: string;
  beforeAll(() => {
    bin = conformanceRunner(true);
  });

  it('decodes every vector the host receives to the same result as the TypeScript codec', () => {
    const list = [...v.valid, ...v.invalid].filter((x) => x.to === 'host');
    const got = runCpp(
      bin,
      list.map((x) => x.line),
    );
    list.forEach((x, i) => expect(comparable(got[i]), x.name).toEqual(expected(x.line, 'host')));
  });

  it('decodes every valid vector, dispatches it to its handler and re-encodes it byte for byte', () => {
    const got = runCpp(
      bin,
      v.valid.map((x) => x.line),
    );
    v.valid.forEach((x, i) => {
      const r = got[i];
      expect(r.ok, x.name).toBe(true);
      if (!r.ok) return;
      expect(r.msg, x.name).toEqual(x.msg);
      expect(r.dispatched, x.name).toBe(true);
      expect(r.reliable, x.name).toBe(schema[x.msg.kind as keyof typeof schema].reliable);
      expect(r.line, x.name).toBe(encode(decodeOk(x.line)) + '\n');
    });
  });

  it('accepts and writes lines whose CRCs were computed outside this codebase', () => {
    // CRCs from Python's binascii.crc_hqx(line, 0xFFFF)
    const lines = [
      'TXT 7 1 0 "Hi there"*EC9C',
      'ACK 7*F27B',
      'BTN 1 d 2*5904',
      'GLY 10 0 000A1F1F1F0E0400*AE65',
      'TXT 1 0 0 "\\00\\07\\22\\5C\\DF~"*1CDB',
      'NAK 0 c 8*6E32',
    ];
    const got = runCpp(bin, lines);
    got.forEach((r, i) => expect(r.ok && r.line, lines[i]).toBe(lines[i] + '\n'));
  });

  it('finds every kind by its name, and no kind by a name close to one', () => {
    const withCrc = (body: string) => body + '*' + crcHex(body);
    const lines = KINDS.map((k) => encode(EXAMPLES[k]));
    const got = runCpp(bin, lines);
    got.forEach((r, i) => expect(r.ok, KINDS[i]).toBe(true));
    // the hash slot of a kind, but not its name: one letter more, one less, a NUL inside, another case
    const near = ['PINGS 1', 'PIN 1', 'B 1', ' 1 2 3', 'BL\u0000GLY 1', 'Ping 1', 'TXTT 1 0 0 ""', 'NAKACK 1 c 1'];
    // and every run of the flash name table (NULs inside) that starts at a name and is longer than it
    const names = KINDS.join('\u0000') + '\u0000';
    let at = 0;
    for (const k of KINDS) {
      for (let n = k.length + 1; n <= 12 && at + n <= names.length; n++) near.push(names.slice(at, at + n) + ' 1');
      at += k.length + 1;
    }
    const bad = near.map(withCrc);
    runCpp(bin, bad).forEach((r, i) => expect(r, JSON.stringify(near[i])).toEqual({ ok: false, reason: 'kind', seq: 0 }));
    bad.forEach((line) => expect(decode(line, Infinity)).toMatchObject({ ok: false, reason: 'kind' }));
  });

  it('accepts and rejects as before when the CRC is computed as the bytes come in (bd_decode_crc)', () => {
    // the harness decodes each line both ways and answers "bd_decode_crc differs" where they differ in any way
    const withCrc = (body: string) => body + '*' + crcHex(body);
    const lines = [
      withCrc('TXT 1 0 0 "a*b*c"'), // "*" in the text: the CRC is the one before the last "*"
      withCrc('TXT 1 0 0 "*"') + '\r\n',
      withCrc('TXT 1 0 0 "x"').slice(0, -2) + '*1', // a "*" among the CRC's digits
      'TXT 1 0 0 "x"*', // no digits
      '*ABCD',
      withCrc('TXT 1 0 0 "x"') + '*',
      'TXT 1 0 0 "x"',
      withCrc('SETID 3 "a*b"'),
      withCrc('GLY 4 1 0001020304050607'),
    ];
    const got = runCpp(bin, lines);
    lines.forEach((line, i) => {
      expect(got[i], line).not.toMatchObject({ reason: 'bd_decode_crc differs' });
      expect(comparable(got[i]), line).toEqual(expected(line, 'host'));
    });
  });

  it('writes the same lines as the TypeScript encoder for an example of every kind', () => {
    const lines = KINDS.map((k) => encode(EXAMPLES[k]));
    const got = runCpp(bin, lines);
    got.forEach((r, i) => expect(r.ok && r.line, KINDS[i]).toBe(lines[i] + '\n'));
  });
});

describe('the generated C++ runtime, built for the device (default)', () => {
  let bin: string;
  beforeAll(() => {
    bin = conformanceRunner(false);
  });

  it('decodes every vector the device receives to the same result as the TypeScript codec', () => {
    const list = [...v.valid, ...v.invalid].filter((x) => x.to === 'device');
    const got = runCpp(
      bin,
      list.map((x) => x.line),
    );
    list.forEach((x, i) => expect(comparable(got[i]), x.name).toEqual(expected(x.line, 'device')));
  });

  it('rejects the kinds only the device sends as an unknown kind', () => {
    // (a HELLO is longer than the device's line buffer: that one is rejected as long first)
    const deviceKinds = KINDS.filter((k) => schema[k].dir === 'device' && encode(EXAMPLES[k]).length <= v.maxHostFrame);
    expect(deviceKinds).toContain('BTN');
    const got = runCpp(
      bin,
      deviceKinds.map((k) => encode(EXAMPLES[k])),
    );
    got.forEach((r, i) => expect(r, deviceKinds[i]).toEqual({ ok: false, reason: 'kind', seq: 0 }));
  });

  it('rejects a line one byte longer than BD_MAX_HOST_FRAME as long, and accepts one exactly that long', () => {
    const longest = v.valid.find((x) => x.name.startsWith('longest legal host frame'))!.line;
    expect(longest.length).toBe(v.maxHostFrame);
    const got = runCpp(bin, [longest, longest.replace('TXT', 'TXT ')]);
    expect(got[0].ok).toBe(true);
    expect(got[1]).toMatchObject({ ok: false, reason: 'long' });
  });
});

describe('the generated C++ files', () => {
  const header = readFileSync(resolve(RUNTIME, 'bd_protocol.h'), 'utf8');
  const source = resolve(RUNTIME, 'bd_protocol.cpp');

  it('announce that they are generated, from what, for which protocol', () => {
    for (const text of [header, readFileSync(source, 'utf8')]) {
      expect(text).toMatch(/Generated by botduino's `npm run generate` from protocol\/schema\.ts\. Do not edit/);
      expect(text).toContain(`schema fingerprint ${SCHEMA_FINGERPRINT}`);
    }
    expect(header).toContain(`#define BD_SCHEMA_FP "${SCHEMA_FINGERPRINT}"`);
    expect(header).toContain(`#define BD_MAX_HOST_FRAME ${v.maxHostFrame}`);
    expect(header).toContain(
      'struct bd_txt_t {\n  uint8_t row; /* 0..3 */\n  uint8_t col; /* 0..39 */\n  uint8_t text_len;\n  uint8_t text[20];',
    );
  });

  it('hold only what depends on the schema; the fixed runtime is hand-written C++ they include', () => {
    const text = readFileSync(source, 'utf8');
    expect(text).toContain('#include "bd_runtime.inc"');
    expect(text).not.toContain('bd_reject_t bd_decode(const char *line'); // defined in bd_runtime.inc
    const inc = readFileSync(resolve(RUNTIME, 'bd_runtime.inc'), 'utf8');
    expect(inc).not.toMatch(/Generated by/);
    expect(inc).toContain('bd_reject_t bd_decode(const char *line, bd_len_t len, bd_msg_t *out) {');
  });

  it('group consecutive lines only the all-kinds build needs under one #if', () => {
    for (const text of [header, readFileSync(source, 'utf8')]) {
      expect(text).toContain('#if defined(BD_ALL_KINDS)');
      expect(text).not.toMatch(/#endif\n#if defined\(BD_ALL_KINDS\)/);
    }
  });

  const builds: [string, string[]][] = [
    ['avr-g++ 5.4 for the ATmega328P, as the Arduino core builds', ['avr-g++', '-std=gnu++11', '-Os', '-mmcu=atmega328p']],
    ['avr-g++ for the ATmega2560, all kinds', ['avr-g++', '-std=gnu++11', '-Os', '-mmcu=atmega2560', '-DBD_ALL_KINDS']],
    ['host g++ in C++11', ['g++', '-std=gnu++11']],
    ['host g++ in C++17, all kinds', ['g++', '-std=c++17', '-DBD_ALL_KINDS']],
    ['host clang++', ['clang++', '-std=c++17']],
  ];
  for (const [name, [cc, ...flags]] of builds)
    it(`compile without a warning with ${name}`, () => {
      const r = compile(cc, [...flags, '-Wall', '-Wextra', '-Werror', '-c', source, '-o', '/dev/null']);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    });

  it('refuse to compile against a header generated from another schema, saying what to run', () => {
    const dir = tempDir('bd-lock-');
    writeFileSync(join(dir, 'bd_protocol.h'), header.replace(/BD_SCHEMA_FP_U32 0x[0-9A-F]{8}UL/, 'BD_SCHEMA_FP_U32 0x12345678UL'));
    writeFileSync(join(dir, 'bd_protocol.cpp'), readFileSync(source));
    writeFileSync(join(dir, 'bd_runtime.inc'), readFileSync(resolve(RUNTIME, 'bd_runtime.inc')));
    const r = compile('g++', ['-std=gnu++11', '-c', join(dir, 'bd_protocol.cpp'), '-o', '/dev/null']);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('#error');
    expect(r.output).toContain('bd_protocol.h was generated from another protocol schema');
    expect(r.output).toContain('run `npm run generate`');
  });
});

function decodeOk(line: string) {
  const r = decode(line, Infinity);
  if (!r.ok) throw new Error(`vector ${JSON.stringify(line)} does not decode: ${r.detail}`);
  return r.msg;
}
