/**
 * The simulated Uno boots like an Uno: Debian's Optiboot at 0x7E00 with the
 * boot-reset fuse, entered on every reset; after an external reset (DTR) it
 * flashes the LED, waits for an STK500 sync, and starts the application
 * when none comes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { SimBoard } from '../bridge/sim/board.js';
import { OPTIBOOT_DIR } from '../bridge/sim/optiboot.js';

function listen(board: SimBoard) {
  const rx: { t: number; b: number }[] = [];
  board.serial.on('data', (buf) => {
    for (const b of buf) rx.push({ t: board.nowMs, b });
  });
  const text = () => Buffer.from(rx.map((r) => r.b)).toString('latin1');
  const helloAt = () => {
    const i = text().indexOf('HELLO ');
    return i < 0 ? null : rx[i].t;
  };
  return { rx, text, helloAt };
}

describe('an Uno preset behind Optiboot', () => {
  it('has Optiboot at 0x7E00 with BOOTRST (installed by arduino-core-avr)', () => {
    const board = createPresetBoard('lcd-keypad-shield');
    expect(board.resetVector).toBe(0x7e00);
    expect(createPresetBoard('i2c-lcd-keypad').resetVector).toBe(0x7e00);
    expect(createPresetBoard('lcd-keypad-shield', { bootloader: false }).resetVector).toBe(0);
  });

  it("refuses Debian's prebuilt optiboot_atmega328.hex, which is 532 bytes and spills past the flash (so it is built from source)", () => {
    const hex = readFileSync(join(OPTIBOOT_DIR, 'optiboot_atmega328.hex'), 'utf8');
    const board = createPresetBoard('lcd-keypad-shield');
    expect(() => new SimBoard({ device: board.device, hex: ':00000001FF\n', bootloader: hex, bootloaderSource: 'debian.hex' })).toThrow(
      /debian\.hex, line 33: data at 0x8000 beyond the 32768-byte flash/,
    );
  });

  it('starts the application at once on power-up: Optiboot waits only after an external reset', () => {
    const board = createPresetBoard('lcd-keypad-shield');
    const l = listen(board);
    expect(board.runUntil(() => l.helloAt() !== null, 3000)).toBe(true);
    expect(l.helloAt()!).toBeLessThan(100);
  });

  it('after a reset flashes the LED 3 times, answers an STK500 sync, and starts the application 1 s after the last byte', () => {
    const board = createPresetBoard('lcd-keypad-shield');
    board.run(200);
    const l = listen(board);
    const led: number[] = [];
    board.on('led', () => led.push(board.nowMs));
    const t0 = board.nowMs;
    board.reset();
    board.run(450);
    expect(led.length).toBe(6); // three flashes, 1/16 s per edge
    expect(l.rx).toEqual([]);
    board.serial.hostBaud = 115200; // avrdude talks to Optiboot at 115200
    board.serial.write(Buffer.of(0x30, 0x20)); // STK_GET_SYNC, CRC_EOP
    board.run(10);
    expect(l.rx.map((r) => r.b)).toEqual([0x14, 0x10]); // STK_INSYNC, STK_OK
    board.serial.hostBaud = board.device.baud; // and the bridge to the firmware at its own rate
    const lastByte = board.nowMs - t0;
    expect(board.runUntil(() => l.helloAt() !== null, 3000)).toBe(true);
    const hello = l.helloAt()! - t0;
    expect(hello).toBeGreaterThan(lastByte + 900);
    expect(hello).toBeLessThan(lastByte + 1200);
  });

  it('a byte that is not STK500 (the bridge asking WHO) makes it start the application at once', () => {
    const board = createPresetBoard('lcd-keypad-shield');
    board.run(200);
    const l = listen(board);
    const t0 = board.nowMs;
    board.reset();
    board.run(500);
    board.serial.write('W\n');
    expect(board.runUntil(() => l.helloAt() !== null, 3000)).toBe(true);
    expect(l.helloAt()! - t0).toBeLessThan(600);
  });
});
