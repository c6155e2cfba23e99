import { describe, expect, it } from 'vitest';
import { crc16, decode, encode, MAX_HOST_FRAME } from '../protocol/index.js';

describe('codec', () => {
  it('computes CRC-16/CCITT-FALSE with its published check value', () => {
    expect(crc16('123456789')).toBe(0x29b1);
  });

  it('writes a screen command as one readable line', () => {
    expect(encode({ kind: 'TXT', seq: 7, row: 1, col: 0, text: 'Hi there' })).toMatch(/^TXT 7 1 0 "Hi there"\*[0-9A-F]{4}$/);
  });

  it('round-trips LCD codes through escapes', () => {
    const line = encode({ kind: 'TXT', seq: 1, row: 0, col: 0, text: '\x00\x07"\\\xdf~' });
    expect(line).toContain('"\\00\\07\\22\\5C\\DF~"');
    expect(decode(line)).toEqual({ ok: true, msg: { kind: 'TXT', seq: 1, row: 0, col: 0, text: '\x00\x07"\\\xdf~' } });
  });

  it('rejects a line whose CRC does not match, with the reason', () => {
    const line = encode({ kind: 'TXT', seq: 7, row: 1, col: 0, text: 'Hi there' }).replace('Hi', 'Ho');
    expect(decode(line)).toMatchObject({ ok: false, reason: 'crc' });
  });

  it('rejects a line longer than the receiver takes', () => {
    expect(decode('X'.repeat(MAX_HOST_FRAME + 1), MAX_HOST_FRAME)).toMatchObject({ ok: false, reason: 'long' });
  });
});
