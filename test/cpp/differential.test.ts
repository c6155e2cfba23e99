/**
 * The generated C++ runtime against the TypeScript codec on lines neither
 * was written for: every shared vector, mutated a few bytes at a time (CRCs
 * mostly made right again, so the field checks are reached), must be
 * accepted or rejected the same way, with the same reason, seq and message.
 * Seeded, so a failure names a line that reproduces.
 */
import { describe, expect, it } from 'vitest';
import { frame, maxLengthFor, messageToJson, vectors, type Receiver } from '../../firmware/generator/protocol.js';
import { decode } from '../../protocol/codec.js';
import { schema, type Kind } from '../../protocol/schema.js';
import { conformanceRunner, runCpp } from './build.js';

const LINES = 20_000;
const ALPHABET = ' "\\*0123456789ABCDEFabcdef\x00\x01\x7f\xff~!xzpdu';

function mutator(seed: number): (line: string) => string {
  let s = seed >>> 0;
  const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  return (line) => {
    const body = line.replace(/\r?\n$/, '');
    let b = body.slice(0, -5);
    for (let i = 1 + rnd(3); i > 0; i--) {
      const p = rnd(b.length + 1);
      const c = rnd(3) ? ALPHABET[rnd(ALPHABET.length)] : String.fromCharCode(rnd(256));
      const op = rnd(4);
      if (op === 0) b = b.slice(0, p) + c + b.slice(p);
      else if (op === 1) b = b.slice(0, p) + b.slice(p + 1);
      else if (op === 2) b = b.slice(0, p) + c + b.slice(p + 1);
      else b = b.slice(0, p) + b.slice(p, p + rnd(6)) + b.slice(p); // a run repeated
    }
    return rnd(10) ? frame(b) : b + '*' + body.slice(-4);
  };
}

/** What the TypeScript codec says, as the receiver sees it: the device build takes only the kinds the host sends. */
function expected(line: string, to: Receiver) {
  const r = decode(line, maxLengthFor(to));
  if (to === 'device' && r.ok && schema[r.msg.kind as Kind].dir === 'device') return { ok: false, reason: 'kind', seq: 0 };
  return r.ok ? { ok: true, msg: messageToJson(r.msg) } : { ok: false, reason: r.reason, seq: r.seq ?? 0 };
}

describe.each(['host', 'device'] as const)('the C++ runtime built for the %s side, on mutated vectors', (to) => {
  it(`accepts and rejects ${LINES} mutated lines exactly as the TypeScript codec`, () => {
    const v = vectors();
    const seeds = [...v.valid, ...v.invalid].map((x) => x.line);
    const mutate = mutator(to === 'host' ? 1 : 2);
    const lines = Array.from({ length: LINES }, (_, i) => mutate(seeds[(i * 7919) % seeds.length]));
    const got = runCpp(conformanceRunner(to === 'host'), lines);
    let accepted = 0;
    lines.forEach((line, i) => {
      const g = got[i];
      const want = expected(line, to);
      // a kind the device does not take is rejected by it before its fields are read
      if (to === 'device' && !want.ok && !g.ok && g.reason === 'kind' && /^(HELLO|BTN|KEY|PONG)[ *]/.test(line)) return;
      expect(g.ok ? { ok: true, msg: g.msg } : { ok: false, reason: g.reason, seq: g.seq }, JSON.stringify(line)).toEqual(want);
      if (g.ok) accepted++;
    });
    expect(accepted, 'some mutated lines are still valid').toBeGreaterThan(100);
  });
});
