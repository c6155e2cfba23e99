/**
 * The I2C preset's real firmware and its LCD bus, on the simulated board:
 * the bus is opened while a line comes in (so that the start and the
 * address are on the wire before the line is checked) and let go when the
 * line brings nothing for the LCD, or never ends; a backpack that does not
 * answer loses the LCD's bytes, never the board.
 */
import { describe, expect, it } from 'vitest';
import { SimBoard } from '../bridge/sim/board.js';
import { createPresetBoard, presetImage } from '../bridge/sim/presets.js';
import { loadDevice } from '../firmware/devices/index.js';
import { TestHost } from './fixtures/sim/support.js';

function ready(board: SimBoard): TestHost {
  const host = new TestHost(board);
  host.waitFor((m) => m.kind === 'HELLO');
  board.run(20);
  return host;
}

describe('the LCD bus of the I2C preset', () => {
  it('opens while a line comes in, and is let go once the line has nothing for the LCD', () => {
    const board = createPresetBoard('i2c-lcd-keypad');
    const host = ready(board);
    const before = board.lcdBusConditions!;
    const bytes = board.lcdBusBytes!;
    expect(before.starts).toBe(before.stops); // idle after boot
    const from = host.received.length;
    host.send({ kind: 'PING' });
    host.waitFor((m) => m.kind === 'PONG', 1000, from);
    board.run(5);
    const after = board.lcdBusConditions!;
    expect(after.starts).toBe(before.starts + 1); // opened by the line's first byte
    expect(after.stops).toBe(after.starts); // and let go
    expect(board.lcdBusBytes).toBe(bytes); // no data byte: the LCD's pins did not move
  });

  it('writes a line’s text in the transaction it opened, and stops when the text is out', () => {
    const board = createPresetBoard('i2c-lcd-keypad');
    const host = ready(board);
    const before = board.lcdBusConditions!;
    const bytes = board.lcdBusBytes!;
    const seq = host.send({ kind: 'TXT', row: 0, col: 0, text: 'hi' });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === seq, 1000);
    board.run(5);
    expect(board.lcd.text()[0].startsWith('hi')).toBe(true);
    expect(board.lcdBusBytes! - bytes).toBe(8); // 2 characters (the address counter is at 0 after the start-up clear)
    expect(board.lcdBusConditions).toEqual({ starts: before.starts + 1, stops: before.stops + 1 });
  });

  it('lets the bus go within a few ms when a line never ends', () => {
    const board = createPresetBoard('i2c-lcd-keypad');
    const host = ready(board);
    const before = board.lcdBusConditions!;
    host.raw('TXT 1 0 0 "half a li');
    board.run(1);
    expect(board.lcdBusConditions!.starts).toBe(before.starts + 1);
    expect(board.lcdBusConditions!.stops).toBe(before.stops); // held while the line comes
    board.run(8);
    expect(board.lcdBusConditions!.stops).toBe(before.stops + 1); // not for ever
    // and the line, finished late, is still taken
    host.raw('ne"*0000\n');
    const nak = host.waitFor((m) => m.kind === 'NAK', 1000);
    expect(nak).toMatchObject({ why: 'crc' });
    const seq = host.send({ kind: 'TXT', row: 1, col: 0, text: 'after' });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === seq, 1000);
    board.run(10);
    expect(board.lcd.text()[1].startsWith('after')).toBe(true);
  });

  it('loses the LCD’s bytes, never the board, when no backpack answers at its address', () => {
    const device = loadDevice('i2c-lcd-keypad');
    if (device.lcd.interface !== 'i2c') throw new Error('the I2C preset has an I2C LCD');
    // the firmware writes to the preset's address; the backpack on this board answers at another
    const board = new SimBoard({
      device: { ...device, lcd: { ...device.lcd, address: device.lcd.address === 0x27 ? 0x3f : 0x27 } },
      hex: presetImage('i2c-lcd-keypad'),
      source: 'i2c-lcd-keypad.hex',
    });
    const host = ready(board);
    host.autoAck = {};
    for (let i = 0; i < 12; i++) {
      const seq = host.send({ kind: 'TXT', row: i % 4, col: 0, text: `line ${i} of a page` });
      host.waitFor((m) => m.kind === 'ACK' && m.seq === seq, 1000);
    }
    const from = host.received.length;
    host.send({ kind: 'PING' });
    host.waitFor((m) => m.kind === 'PONG', 1000, from);
    board.press('1', { holdMs: 60 });
    host.waitFor((m) => m.kind === 'KEY' && m.act === 'down' && m.key === '1', 1000, from);
    host.waitFor((m) => m.kind === 'KEY' && m.act === 'up' && m.key === '1', 1000, from);
    expect(board.lcdBusBytes).toBe(0);
    expect(board.lcd.text().every((r) => r.trim() === '')).toBe(true);
  });
});
