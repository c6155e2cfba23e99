/**
 * The link's three pieces of pure logic, row by row: where a received
 * sequence number stands, the send window's timeout (RFC 6298 smoothing,
 * Karn's rule, backoff and its cap) and the screen diff. Each row is a case a
 * reader can check by hand.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../protocol/schema.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { LcdModel, diffScreen } from '../bridge/link/screen-model.js';
import { classifySeq, nextSeq, prevSeq, seqDistance } from '../bridge/link/seq.js';
import { SendWindow } from '../bridge/link/window.js';

describe('sequence numbers (1..255, 0 never used)', () => {
  it.each([
    [1, 2],
    [254, 255],
    [255, 1],
  ])('after %i comes %i, and before it the one it came after', (s, next) => {
    expect(nextSeq(s)).toBe(next);
    expect(prevSeq(next)).toBe(s);
  });

  it.each([
    [1, 1, 0],
    [1, 2, 1],
    [255, 1, 1],
    [250, 4, 9],
    [2, 1, 254],
  ])('from %i to %i is %i steps forward', (from, to, d) => {
    expect(seqDistance(from, to)).toBe(d);
  });

  it.each([
    // seq received, seq expected, what it is
    [7, 7, 'next'],
    [6, 7, 'duplicate'], // the last one again (its ACK was lost)
    [1, 2, 'duplicate'],
    [255, 1, 'duplicate'], // behind across the wrap
    [137, 9, 'duplicate'], // 127 behind: the oldest still taken as a duplicate
    [136, 9, 'ahead'], // 128 behind is not a duplicate any more
    [8, 7, 'ahead'], // one went missing: NAK
    [1, 255, 'ahead'], // ahead across the wrap
  ] as const)('received %i while %i is expected: %s', (seq, expected, what) => {
    expect(classifySeq(seq, expected)).toBe(what);
  });
});

const msg = (seq: number) => ({ kind: 'TXT', seq, row: 0, col: 0, text: 'x' }) as unknown as Message;
function windowWith(n: number, at = 0): SendWindow {
  const w = new SendWindow({ initialRtoMs: 250, minRtoMs: 40, maxRtoMs: 2000 });
  for (let i = 0; i < n; i++) w.add(`TXT ${w.next}\n`, msg(w.next), at);
  return w;
}

describe('send window', () => {
  it('starts with the initial timeout, before any round trip is measured', () => {
    expect(windowWith(0).rto).toBe(250);
  });

  it.each([
    // round-trip samples, timeout: srtt + max(4·rttvar, 10), at least 40, at most 2000
    [[100], 300], // first sample: srtt 100, rttvar 50 → 100 + 200
    [[100, 100], 250], // rttvar 0.75·50 = 37.5 → 100 + 150
    [[4], 40], // 4 + max(8, 10) = 14 → the 40 ms floor
    [[1000], 2000], // 1000 + 2000 → the 2000 ms cap
    [[100, 300], 475], // rttvar 0.75·50 + 0.25·200 = 87.5, srtt 0.875·100 + 0.125·300 = 125 → 125 + 350
  ])('samples %j give a timeout of %i ms', (samples, rto) => {
    const w = windowWith(0);
    for (const s of samples) w.sample(s);
    expect(w.rto).toBe(rto);
  });

  it('takes a round-trip sample from an ACK of a frame sent once (Karn: never from one sent again)', () => {
    const once = windowWith(1, 1000);
    once.ack(1, 1080);
    expect(once.lastRtt).toBe(80);

    const twice = windowWith(1, 1000);
    twice.resendAll(1300);
    twice.ack(1, 1320);
    expect(twice.lastRtt).toBeNull();
    expect(twice.rto).toBe(250); // still the initial timeout
  });

  it.each([
    [0, 250],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [4, 2000], // capped
    [10, 2000],
  ])('after %i timeouts in a row the timeout is %i ms; an ACK brings it back', (timeouts, rto) => {
    const w = windowWith(2);
    for (let i = 0; i < timeouts; i++) w.timedOut();
    expect(w.rto).toBe(rto);
    w.ack(1, 10);
    expect(w.rto).toBeLessThanOrEqual(250);
  });

  it.each([
    // frames in flight (6 bytes each), a new frame's bytes, the board's buffer: does it fit?
    [0, 200, 16, true], // an empty window always takes one frame, even one larger than the buffer
    [1, 6, 12, true],
    [1, 7, 12, false],
    [2, 1, 12, false],
    [64, 1, 10_000, false], // at most 64 frames in flight, whatever the buffer
  ])('%i frames in flight, a frame of %i bytes, a buffer of %i: fits %s', (n, bytes, limit, fits) => {
    expect(windowWith(n).fits(bytes, limit)).toBe(fits);
  });

  it.each([
    // frames 1..3 in flight; ACK seq → what it acknowledges
    [1, [1]],
    [3, [1, 2, 3]],
    [4, []], // a seq never sent
    [255, []], // an old ACK
  ])('with 1..3 in flight, ACK %i acknowledges %j', (seq, done) => {
    expect(
      windowWith(3)
        .ack(seq, 5)
        .map((f) => f.seq),
    ).toEqual(done);
  });
});

const cols = 16;
function model(rows: string[], n = rows.length): LcdModel {
  const m = new LcdModel(cols, n);
  m.apply({ kind: 'CLR' });
  rows.forEach((text, row) => m.apply({ kind: 'TXT', row, col: 0, text }));
  m.apply({ kind: 'CUR', mode: 'off', row: 0, col: 0 });
  m.apply({ kind: 'BL', on: true });
  return m;
}
function frame(rows: string[]): ScreenFrame {
  const f = blankFrame(cols, rows.length);
  f.rows = rows.map((r) => r.padEnd(cols));
  return f;
}
const shown = (cmds: ReturnType<typeof diffScreen>) =>
  cmds.map((c) => (c.kind === 'TXT' ? `TXT ${c.row},${c.col} "${c.text}"` : c.kind === 'GLY' ? `GLY ${c.slot}` : c.kind));

describe('screen diff', () => {
  it.each([
    ['the same screen: nothing', ['Hello', 'World'], ['Hello', 'World'], []],
    ['one character', ['Hello', 'World'], ['Hellp', 'World'], ['TXT 0,4 "p"']],
    ['two changes 3 apart: one TXT over the gap', ['abcdefgh', ''], ['XbcdYfgh', ''], ['TXT 0,0 "XbcdY"']],
    ['two changes 6 apart: two TXTs', ['abcdefghij', ''], ['XbcdefgYij', ''], ['TXT 0,0 "X"', 'TXT 0,7 "Y"']],
    ['a whole row', ['Hello', 'World'], ['Hello', 'Second row here!'], ['TXT 1,0 "Second row here!"']],
    ['a row cleared', ['Hello', 'World'], ['Hello', ''], ['TXT 1,0 "     "']],
  ])('%s', (_what, before, after, cmds) => {
    expect(shown(diffScreen(frame(after), model(before)))).toEqual(cmds);
  });

  it('starts with CLR when nobody knows what the LCD shows (after a reset)', () => {
    const m = new LcdModel(cols, 2);
    expect(shown(diffScreen(frame(['Hi', '']), m))).toEqual(['CLR', 'TXT 0,0 "Hi"', 'CUR', 'BL']);
  });

  it('sends a custom glyph only when its rows change', () => {
    const m = model(['\x00', '']);
    const f = frame(['\x00', '']);
    f.glyphs[0] = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(shown(diffScreen(f, m))).toEqual(['GLY 0']);
    m.apply({ kind: 'GLY', slot: 0, rows: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    expect(shown(diffScreen(f, m))).toEqual([]);
    f.glyphs[0] = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 9);
    expect(shown(diffScreen(f, m))).toEqual(['GLY 0']);
  });

  it.each([
    [
      'a page change on 4 rows starts with CLR',
      4,
      ['Page one line 1', 'Page one line 2', 'Page one line 3', 'Page one line 4'],
      ['Second page A', 'Second page B', 'Second page C', 'Second page D'],
      true,
    ],
    [
      'one row changing on 4 rows does not',
      4,
      ['Line 1', 'Line 2', 'Line 3', 'Line 4'],
      ['Line 1', 'Line 2', 'Line 3', 'Changed row four'],
      false,
    ],
    [
      'a page change on 2 rows does not (a clear costs more than the page)',
      2,
      ['Page one line 1', 'Page one line 2'],
      ['Second page A', 'Second page B'],
      false,
    ],
  ])('%s', (_what, n, before, after, clr) => {
    const cmds = shown(diffScreen(frame(after), model(before, n)));
    expect(cmds[0] === 'CLR').toBe(clr);
  });
});
