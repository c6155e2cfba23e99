/**
 * Self-programming on the simulated board, on its own: small boot-section
 * programs (hand-assembled here) erase, fill, write and re-enable flash as
 * Optiboot does, and the rules and timing Optiboot relies on hold.
 */
import { describe, expect, it } from 'vitest';
import { SimBoard } from '../bridge/sim/board.js';
import { presetImage } from '../bridge/sim/presets.js';
import { SPMCSR_PGERS, SPMCSR_PGWRT, SPMCSR_RWWSB, SPMCSR_SPMEN } from '../bridge/sim/spm.js';
import { loadDevice } from '../firmware/devices/index.js';

const SPMCSR_IO = 0x37;
const SPMCSR = 0x57;
const BOOT = 0x7e00;

// ---- a few AVR instructions ----
const ldi = (d: number, k: number) => 0xe000 | ((k & 0xf0) << 4) | ((d - 16) << 4) | (k & 0x0f);
const out = (a: number, r: number) => 0xb800 | ((a & 0x30) << 5) | (r << 4) | (a & 0x0f);
const inp = (d: number, a: number) => 0xb000 | ((a & 0x30) << 5) | (d << 4) | (a & 0x0f);
const mov = (d: number, r: number) => 0x2c00 | ((r & 0x10) << 5) | (d << 4) | (r & 0x0f);
const sbrc = (r: number, b: number) => 0xfc00 | (r << 4) | b;
const rjmp = (k: number) => 0xc000 | (k & 0x0fff);
const NOP = 0x0000;
const SPM = 0x95e8;
const HALT = rjmp(-1);

/** Z = addr; r1:r0 = word. */
const setZ = (addr: number) => [ldi(30, addr & 0xff), ldi(31, addr >> 8)];
const setR1R0 = (w: number) => [ldi(16, w & 0xff), mov(0, 16), ldi(16, w >> 8), mov(1, 16)];
const spm = (csr: number) => [ldi(16, csr), out(SPMCSR_IO, 16), SPM];
/** boot_spm_busy_wait(): in r16, SPMCSR; sbrc r16, SPMEN; rjmp back */
const busyWait = () => [inp(16, SPMCSR_IO), sbrc(16, 0), rjmp(-3)];

/** Intel HEX of words placed at a byte address. */
function hex(at: number, words: number[]): string {
  const bytes = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => bytes.writeUInt16LE(w, i * 2));
  const lines: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const chunk = bytes.subarray(o, o + 16);
    const a = at + o;
    const rec = Buffer.concat([Buffer.of(chunk.length, a >> 8, a & 0xff, 0), chunk]);
    let sum = 0;
    for (const b of rec) sum = (sum + b) & 0xff;
    lines.push(
      ':' +
        Buffer.concat([rec, Buffer.of((0x100 - sum) & 0xff)])
          .toString('hex')
          .toUpperCase(),
    );
  }
  return lines.join('\n') + '\n:00000001FF\n';
}

const device = loadDevice('lcd-keypad-shield');
/** A board running the preset's image with `program` as its bootloader at 0x7E00. */
const withBootProgram = (program: number[]) =>
  new SimBoard({ device, hex: presetImage('lcd-keypad-shield'), bootloader: hex(BOOT, program), bootloaderSource: 'test program' });

const words = (b: SimBoard, at: number, n: number) => [...new Uint16Array(b.flash.buffer, at, n)];

describe('self-programming (SPM) on the simulated ATmega328P', () => {
  it('erases a page, fills the buffer, writes it and re-enables the RWW section, each erase and write taking 4.5 ms', () => {
    const page = 0x1000;
    const board = withBootProgram([
      ...setZ(page),
      ...spm(SPMCSR_PGERS | SPMCSR_SPMEN),
      ...busyWait(),
      ...setR1R0(0x1234),
      ...spm(SPMCSR_SPMEN),
      ...setZ(page + 2),
      ...setR1R0(0x5678),
      ...spm(SPMCSR_SPMEN),
      ...setZ(page),
      ...spm(SPMCSR_PGWRT | SPMCSR_SPMEN),
      ...busyWait(),
      ...spm(0x11),
      HALT,
    ]);
    expect(board.resetVector).toBe(BOOT);
    expect(words(board, page, 2)).not.toEqual([0xffff, 0xffff]); // the image is there before
    board.run(1);
    // the erase runs; the CPU goes on (a page of the RWW section) and waits on SPMEN
    expect(board.data[SPMCSR]).toBe(SPMCSR_RWWSB | SPMCSR_PGERS | SPMCSR_SPMEN);
    expect(words(board, page, 64).every((w) => w === 0xffff)).toBe(true);
    board.run(3.4); // 4.4 ms: still erasing
    expect(board.data[SPMCSR] & SPMCSR_SPMEN).toBe(SPMCSR_SPMEN);
    board.run(0.2); // 4.6 ms: done; the write began right after
    expect(board.data[SPMCSR]).toBe(SPMCSR_RWWSB | SPMCSR_PGWRT | SPMCSR_SPMEN);
    expect(words(board, page, 3)).toEqual([0x1234, 0x5678, 0xffff]);
    board.run(4.5);
    // written, and RWWSRE has cleared RWWSB
    expect(board.data[SPMCSR]).toBe(0);
    expect(words(board, page, 3)).toEqual([0x1234, 0x5678, 0xffff]);
    expect(words(board, page + 4, 62).every((w) => w === 0xffff)).toBe(true);
  });

  it('writing without an erase can only clear bits, as real flash', () => {
    const page = 0x0200;
    const board = withBootProgram([
      ...setZ(page),
      ...setR1R0(0x0ff0),
      ...spm(SPMCSR_SPMEN),
      ...spm(SPMCSR_PGWRT | SPMCSR_SPMEN),
      ...busyWait(),
      HALT,
    ]);
    const before = words(board, page, 64);
    board.run(10);
    const after = words(board, page, 64);
    expect(after[0]).toBe(before[0] & 0x0ff0);
    expect(after.slice(1)).toEqual(before.slice(1));
  });

  it('fills each buffer word only once until the buffer is erased', () => {
    const page = 0x1100;
    const board = withBootProgram([
      ...setZ(page),
      ...spm(SPMCSR_PGERS | SPMCSR_SPMEN),
      ...busyWait(),
      ...setR1R0(0x1111),
      ...spm(SPMCSR_SPMEN),
      ...setR1R0(0x2222),
      ...spm(SPMCSR_SPMEN),
      ...spm(SPMCSR_PGWRT | SPMCSR_SPMEN),
      ...busyWait(),
      HALT,
    ]);
    board.run(12);
    expect(words(board, page, 2)).toEqual([0x1111, 0xffff]);
  });

  it('ignores an SPM more than 4 cycles after SPMCSR was written, and clears the command bits', () => {
    const page = 0x1000;
    const board = withBootProgram([...setZ(page), ldi(16, SPMCSR_PGERS | SPMCSR_SPMEN), out(SPMCSR_IO, 16), NOP, NOP, NOP, NOP, SPM, HALT]);
    const before = words(board, page, 64);
    board.run(10);
    expect(words(board, page, 64)).toEqual(before);
    expect(board.data[SPMCSR]).toBe(0);
  });

  it('ignores SPM outside the boot section (a board without a bootloader cannot write its flash)', () => {
    const page = 0x1000;
    const program = [...setZ(page), ...spm(SPMCSR_PGERS | SPMCSR_SPMEN), HALT];
    const board = new SimBoard({ device, hex: hex(0, program) });
    const before = words(board, page, 64);
    board.run(10);
    expect(board.resetVector).toBe(0);
    expect(words(board, page, 64)).toEqual(before);
  });

  it('halts the CPU while it erases a page of the NRWW section (where the bootloader lives)', () => {
    const page = 0x7000;
    const board = withBootProgram([...setZ(page), ...spm(SPMCSR_PGERS | SPMCSR_SPMEN), inp(17, SPMCSR_IO), HALT]);
    board.run(0.01); // 160 cycles: past the SPM
    expect(board.nowMs).toBeGreaterThanOrEqual(4.5);
    expect(board.data[17]).toBe(0); // the next instruction saw the erase finished
    expect(words(board, page, 64).every((w) => w === 0xffff)).toBe(true);
  });

  it('rejects a bootloader that does not start on a boot-section boundary', () => {
    expect(
      () => new SimBoard({ device, hex: presetImage('lcd-keypad-shield'), bootloader: hex(0x7d00, [NOP]), bootloaderSource: 'odd.hex' }),
    ).toThrow(/odd\.hex does not fit a boot section at the end of the 32768-byte flash/);
  });
});
