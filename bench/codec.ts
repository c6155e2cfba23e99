/**
 * The TypeScript codec's speed: frames encoded and decoded per second over
 * a realistic mix (screen text with escapes, events, ACKs, PINGs/PONGs,
 * HELLO), each measured for at least `minMs` of wall time.
 */
import { decode, encode } from '../protocol/codec.js';
import type { Message } from '../protocol/schema.js';

export interface CodecFigures {
  encode_fps: number;
  decode_fps: number;
}

/** The mix: what a chatting device's link carries, roughly in proportion. */
export function codecMix(): Message[] {
  const m = (x: Record<string, unknown>) => x as unknown as Message;
  return [
    m({ kind: 'TXT', seq: 17, row: 0, col: 0, text: 'Hello! I am the b' }),
    m({ kind: 'TXT', seq: 18, row: 1, col: 4, text: 'Z\xfcrich 21\xdfC' }),
    m({ kind: 'TXT', seq: 19, row: 3, col: 12, text: '1 Joke' }),
    m({ kind: 'CUR', seq: 20, mode: 'off', row: 0, col: 0 }),
    m({ kind: 'GLY', seq: 21, slot: 3, rows: Uint8Array.of(0, 10, 0, 17, 14, 0, 0, 0) }),
    m({ kind: 'ACK', seq: 200 }),
    m({ kind: 'ACK', seq: 201 }),
    m({ kind: 'BTN', seq: 42, act: 'down', btn: 4 }),
    m({ kind: 'KEY', seq: 43, act: 'up', key: '#' }),
    m({ kind: 'PING', seq: 9 }),
    m({
      kind: 'PONG',
      seq: 9,
      crc: 3,
      long: 0,
      badkind: 0,
      field: 1,
      trunc: 0,
      esc: 0,
      ovf: 0,
      drop: 0,
      retx: 12,
      ram: 1407,
      up: 3600000,
      rst: 'power',
      boot: 31,
    }),
    m({
      kind: 'HELLO',
      seq: 0,
      proto: 1,
      fp: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
      fw: 'botduino',
      ver: '0.1.0',
      board: 'uno',
      id: 'bd-1a2b3c4d',
      boot: 31,
      txb: 1,
      cols: 16,
      rows: 2,
      lcd: 'parallel',
      khz: 0,
      rom: 'A00',
      buttons: 'RIGHT,UP,DOWN,LEFT,SELECT',
      keys: '',
      kcols: 0,
      rx: 64,
      mfl: 80,
      backlight: true,
      buzzer: false,
      led: false,
    }),
  ];
}

export function measureCodec(minMs = 1000): CodecFigures {
  const mix = codecMix();
  const lines = mix.map((msg) => encode(msg));
  let sink = 0;
  const rate = (step: (i: number) => void): number => {
    for (let i = 0; i < 20_000; i++) step(i); // warm up
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs) {
      for (let i = 0; i < 10_000; i++) step(n + i);
      n += 10_000;
      t = performance.now();
    }
    return Math.round((n * 1000) / (t - t0));
  };
  const encode_fps = rate((i) => (sink += encode(mix[i % mix.length]).length));
  const decode_fps = rate((i) => (sink += decode(lines[i % lines.length]).ok ? 1 : 0));
  if (sink < 0) console.error(sink); // keeps the work from being optimized away
  return { encode_fps, decode_fps };
}
