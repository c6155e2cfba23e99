/** Intel HEX → flash bytes, as avrdude would write them. */
import { ConfigError } from '../../common/errors.js';

/**
 * Parses an Intel HEX image into `flash` (data records, extended segment and
 * linear addresses). Throws ConfigError naming the line for a bad record.
 * @returns the highest address written plus one
 */
export function loadHex(text: string, flash: Uint8Array, source = 'the image'): number {
  let base = 0;
  let top = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const bad = (why: string) => new ConfigError(`${source}, line ${i + 1}: ${why}: rebuild the image or pick a valid .hex file`);
    if (line[0] !== ':' || line.length < 11 || line.length % 2 === 0) throw bad('not an Intel HEX record');
    const bytes = Buffer.from(line.slice(1), 'hex');
    if (bytes.length * 2 !== line.length - 1) throw bad('not hex digits');
    const len = bytes[0];
    if (bytes.length !== len + 5) throw bad('record length does not match its byte count');
    let sum = 0;
    for (const b of bytes) sum = (sum + b) & 0xff;
    if (sum !== 0) throw bad('checksum mismatch');
    const addr = (bytes[1] << 8) | bytes[2];
    const type = bytes[3];
    const data = bytes.subarray(4, 4 + len);
    if (type === 0) {
      const at = base + addr;
      if (at + len > flash.length) throw bad(`data at 0x${at.toString(16)} beyond the ${flash.length}-byte flash`);
      flash.set(data, at);
      top = Math.max(top, at + len);
    } else if (type === 1) break;
    else if (type === 2) base = ((data[0] << 8) | data[1]) << 4;
    else if (type === 4) base = ((data[0] << 8) | data[1]) << 16;
  }
  return top;
}
