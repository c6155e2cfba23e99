import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { frame, messageToJson } from '../firmware/generator/protocol.js';
import {
  decode,
  encode,
  KINDS,
  MAX_DEVICE_FRAME,
  schema,
  uintMax,
  type FieldSpec,
  type Kind,
  type Message,
  type MessageSpec,
} from '../protocol/index.js';
import { conformanceRunner, runCpp, type CppResult } from './cpp/build.js';

const latin1 = (codes: number[]) => String.fromCharCode(...codes);

function fieldArb(f: FieldSpec): fc.Arbitrary<unknown> {
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return fc.oneof(fc.integer({ min: 0, max: uintMax(f) }), fc.constantFrom(0, uintMax(f)));
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.keys(f.values));
    case 'char':
      return fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
    case 'str':
      return fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: f.max }).map(latin1);
    case 'bytes':
      return fc.uint8Array({ minLength: f.min, maxLength: f.max });
  }
}

/** Any valid message of one kind. */
function messageArb(kind: Kind): fc.Arbitrary<Message> {
  const spec = schema[kind] as MessageSpec;
  const fields = Object.fromEntries(Object.entries(spec.fields).map(([n, f]) => [n, fieldArb(f)]));
  return fc
    .record({ seq: fc.integer({ min: spec.reliable ? 1 : 0, max: 255 }), ...fields })
    .map((m) => ({ kind, ...m }) as unknown as Message);
}
const anyMessage = fc.oneof(...KINDS.map(messageArb));

/** Bytes that look like the protocol, so that random lines get past the CRC and into the fields. */
const TOKENS = [
  ...KINDS,
  ' ',
  ' ',
  '0',
  '1',
  '7',
  '255',
  '256',
  '65535',
  '"',
  '\\',
  '\\4',
  '\\41',
  'A',
  'z',
  '*',
  '\r',
  '\x00',
  '\xff',
  'd',
  'p',
];
const protocolish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));
const randomBytes = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 120 }).map(latin1);
/** A valid line with a few bytes replaced by a token, then given a correct CRC again. */
const mutated = fc
  .tuple(anyMessage, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...TOKENS)), { minLength: 1, maxLength: 3 }))
  .map(([m, edits]) => {
    let body = encode(m).slice(0, -5);
    for (const [at, cut, token] of edits) {
      const i = at % (body.length + 1);
      body = body.slice(0, i) + token + body.slice(i + cut);
    }
    return frame(body);
  });
const randomLine = fc.oneof(protocolish.map(frame), protocolish, randomBytes, randomBytes.map(frame), mutated, mutated);

const flipBit = (line: string, bit: number) => {
  const i = bit >> 3;
  return line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ (1 << (bit & 7))) + line.slice(i + 1);
};
const flipped = anyMessage.chain((m) => {
  const line = encode(m);
  return fc.integer({ min: 0, max: line.length * 8 - 1 }).map((bit) => ({ line, bad: flipBit(line, bit) }));
});

const seed = Date.now() ^ (process.pid << 8);
const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number) => fc.sample(arb, { numRuns, seed });
const tsView = (line: string) => {
  const r = decode(line, MAX_DEVICE_FRAME);
  return r.ok ? { ok: true, msg: messageToJson(r.msg) } : { ok: false, reason: r.reason, seq: r.seq ?? 0 };
};
const cppView = (r: CppResult) => (r.ok ? { ok: true, msg: r.msg } : { ok: false, reason: r.reason, seq: r.seq });
const strip = (line: string) => line.replace(/\n$/, '').replace(/\r$/, '');

describe(`protocol properties (fast-check seed ${seed})`, () => {
  let cpp: string;
  beforeAll(() => {
    cpp = conformanceRunner(true);
  });

  it('random messages of every kind round-trip through the TypeScript codec', () => {
    fc.assert(
      fc.property(anyMessage, (m) => {
        const r = decode(encode(m), MAX_DEVICE_FRAME);
        expect(r).toEqual({ ok: true, msg: m });
      }),
      { numRuns: 3000, seed },
    );
  });

  it('random messages decode in C++ to the same message and re-encode to the same line', () => {
    const msgs = sample(anyMessage, 3000);
    const lines = msgs.map(encode);
    const got = runCpp(cpp, lines);
    got.forEach((r, i) => {
      expect(r, lines[i]).toMatchObject({ ok: true, msg: messageToJson(msgs[i]), line: lines[i] + '\n' });
    });
  });

  it('random lines: both decoders give the same verdict, and accept only lines that are a valid encoding', () => {
    const lines = sample(randomLine, 5000);
    const got = runCpp(cpp, lines);
    const verdicts = new Set<string>();
    lines.forEach((line, i) => {
      const ts = decode(line, MAX_DEVICE_FRAME);
      verdicts.add(ts.ok ? 'ok' : ts.reason);
      expect(cppView(got[i]), JSON.stringify(line)).toEqual(tsView(line));
      if (ts.ok) {
        expect(encode(ts.msg), JSON.stringify(line)).toBe(strip(line));
        expect(got[i].ok && got[i].line).toBe(strip(line) + '\n');
      }
    });
    // the lines reach every check, and some survive them
    expect([...verdicts].sort()).toEqual(['crc', 'esc', 'field', 'kind', 'ok', 'trunc']);
  });

  it('a valid line with any single bit flipped is rejected by both decoders', () => {
    const cases = sample(flipped, 5000);
    const got = runCpp(
      cpp,
      cases.map((c) => c.bad),
    );
    cases.forEach((c, i) => {
      const ts = decode(c.bad, MAX_DEVICE_FRAME);
      expect(ts.ok, JSON.stringify(c.bad)).toBe(false);
      expect(cppView(got[i]), JSON.stringify(c.bad)).toEqual(tsView(c.bad));
    });
  });
});
