/**
 * Additive changes to the schema keep boards built before them working: the
 * bridge knows the fingerprint of every revision, reads their frames, and
 * never sends them what they do not know.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../protocol/codec.js';
import { canonicalSchema, KNOWN_FINGERPRINTS, revisionOf, SCHEMA_FINGERPRINT } from '../protocol/fingerprint.js';
import { schema, SCHEMA_REVISION, type MessageOf, type MessageSpec } from '../protocol/schema.js';
import { speaksOurProtocol } from '../bridge/link/hello.js';
import { crc16 } from '../protocol/crc.js';
import { SimBoard } from '../bridge/sim/board.js';
import { toHex } from '../protocol/codec.js';
import { loadDevice } from '../firmware/devices/index.js';
import { collectLines, fixtureHex } from './fixtures/sim/support.js';

const hello: MessageOf<'HELLO'> = {
  kind: 'HELLO',
  seq: 0,
  proto: 1,
  fp: Uint8Array.from(Buffer.from('22570126', 'hex')),
  fw: 'botduino',
  ver: '0.1.0',
  board: 'uno',
  id: '',
  boot: 1,
  txb: 1,
  cols: 16,
  rows: 2,
  lcd: 'parallel',
  rom: 'A00',
  buttons: 'RIGHT,UP,DOWN,LEFT,SELECT',
  keys: '',
  kcols: 0,
  rx: 128,
  mfl: 80,
  backlight: true,
  buzzer: false,
  led: true,
  khz: 0,
};

/** A line with its CRC. */
const withCrc = (body: string) => `${body}*${crc16(body).toString(16).toUpperCase().padStart(4, '0')}`;

/** A HELLO as a board of revision 1 sent it: without `khz`, which revision 2 added at its end. */
function revision1Hello(): string {
  const body = encode(hello).slice(0, -5);
  expect(body.endsWith(' 1 0 1 0')).toBe(true); // backlight, buzzer, led, khz
  return withCrc(body.slice(0, -2));
}

describe('schema revisions', () => {
  it('knows the fingerprint boards were built with before this revision (the image committed then says 22570126)', () => {
    expect(SCHEMA_REVISION).toBe(2);
    expect(revisionOf(SCHEMA_FINGERPRINT)).toBe(SCHEMA_REVISION);
    expect(revisionOf('22570126')).toBe(1);
    expect([...KNOWN_FINGERPRINTS.values()]).toEqual([2, 1]);
    expect(revisionOf('DEADBEEF')).toBeNull();
    // revision 1 without what revision 2 added
    expect(canonicalSchema(1)).not.toContain('khz');
    expect(canonicalSchema(1)).not.toContain('"blank"');
    expect(canonicalSchema(2)).toContain('"blank"');
  });

  it('reads the fingerprint of revision 1 from a board built then (the image committed before it)', () => {
    const board = new SimBoard({
      device: { ...loadDevice('lcd-keypad-shield'), baud: 115200 },
      hex: fixtureHex('lcd-keypad-shield-115200'),
    });
    const lines = collectLines(board);
    board.runUntil(() => lines.some((l) => l.line.startsWith('HELLO ')), 3000);
    const r = decode(lines.find((l) => l.line.startsWith('HELLO '))!.line, Infinity, { earlier: true });
    if (!r.ok || r.msg.kind !== 'HELLO') throw new Error(`no HELLO: ${JSON.stringify(r)}`);
    const h = r.msg;
    expect(revisionOf(toHex(h.fp))).toBe(1);
    expect(h.khz).toBe(0); // it has no such field
  });

  it('reads a HELLO of revision 1, without its trailing fields of revision 2, and speaks with that board', () => {
    const line = revision1Hello();
    expect(line).toMatch(/ 1 0 1\*[0-9A-F]{4}$/);
    // only when asked: this revision's own encoding has the field
    expect(decode(line)).toMatchObject({ ok: false, reason: 'trunc' });
    const r = decode(line, Infinity, { earlier: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.msg).toMatchObject({ kind: 'HELLO', khz: 0, led: true, rx: 128 });
    expect(speaksOurProtocol({ proto: 1, fingerprint: '22570126', firmware: 'botduino', version: '0.1.0', board: 'uno' })).toBe(true);
    expect(speaksOurProtocol({ proto: 1, fingerprint: 'DEADBEEF', firmware: 'botduino', version: '0.1.0', board: 'uno' })).toBe(false);
  });

  it('still rejects a frame that ends before a field every revision has', () => {
    const line = withCrc(
      encode(hello)
        .slice(0, -5)
        .replace(/ 1 0 1 0$/, ''),
    );
    const r = decode(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('trunc');
  });

  it('adds fields only at the end of what a device sends (a board cannot read a field it does not know)', () => {
    for (const [kind, spec] of Object.entries(schema as Record<string, MessageSpec>)) {
      const fields = Object.values(spec.fields);
      const first = fields.findIndex((f) => f.since !== undefined);
      if (first < 0) continue;
      expect(spec.dir, kind).toBe('device');
      expect(
        fields.slice(first).every((f) => f.since !== undefined),
        `${kind}: fields added later come last`,
      ).toBe(true);
      expect(fields.every((f) => (f.since ?? 1) <= SCHEMA_REVISION)).toBe(true);
    }
  });
});
