/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection): "123456789" → 0x29B1. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC of the char codes of `s` from `start` to `end` (each code must be < 256). */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff];
  return crc;
}
