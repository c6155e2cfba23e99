import { describe, expect, it } from 'vitest';
import { SimBoard } from '../bridge/sim/board.js';
import type { DeviceInput } from '../firmware/devices/schema.js';
import { Hd44780 } from '../bridge/sim/hd44780.js';
import { ROM_A00, ROM_A02, romReverse } from '../bridge/lcd/rom.js';
import { fixtureHex, parallelLcd } from './fixtures/sim/support.js';

const heart = [0x00, 0x0a, 0x1f, 0x1f, 0x0e, 0x04, 0x00, 0x00];

function boot(hex: string, lcd: DeviceInput['lcd']): SimBoard {
  const board = new SimBoard({ device: { name: 'lcd-probe', board: 'uno', lcd }, hex: fixtureHex(hex) });
  board.run(300);
  return board;
}

describe('virtual HD44780 on the pins (4-bit)', () => {
  it('shows what the sketch wrote on a 16×2, glyph and degree sign included', () => {
    const b = boot('lcd-16x2', parallelLcd(16, 2));
    expect(b.lcd.text({ glyph: () => '♥' })).toEqual(['Hello, botduino!', 'Row 1 ♥°C ok    ']);
    expect(b.lcd.codeRows()[1].slice(6, 8)).toBe('\x01\xdf');
    expect([...b.lcd.glyph(1)]).toEqual(heart);
    expect(b.lcd.cursor).toEqual({ row: 1, col: 3, underline: true, blink: true });
    expect(b.lcd.backlight).toBe(true);
    expect(b.lcd.busyWrites).toBe(0);
  });

  it('addresses all four rows of a 20×4', () => {
    const b = boot('lcd-20x4', parallelLcd(20, 4));
    expect(b.lcd.text({ glyph: () => '♥' })).toEqual([
      'Row 0: Hello, bot!  ',
      'Row 1 ♥°C ok        ',
      'Row 2: third line   ',
      'Row 3: 20 columns.. ',
    ]);
  });

  it('counts writes that come while the controller is still busy', () => {
    const b = boot('lcd-16x2-fast', parallelLcd(16, 2));
    expect(b.lcd.busyWrites).toBeGreaterThan(0);
  });

  it('follows the backlight pin and emits change events', () => {
    const b = new SimBoard({ device: { name: 'lcd-probe', board: 'uno', lcd: parallelLcd(16, 2) }, hex: fixtureHex('lcd-16x2') });
    let changes = 0;
    b.on('change', () => changes++);
    b.run(300);
    expect(changes).toBeGreaterThan(10);
    const before = changes;
    b.run(100);
    expect(changes).toBe(before);
  });
});

describe('virtual HD44780 behind a PCF8574 on I2C', () => {
  const i2c = { interface: 'i2c' as const, address: 0x27, cols: 20, rows: 4 };

  it('decodes the backpack bits into the same screen', () => {
    const b = boot('lcd-i2c-20x4', i2c);
    expect(b.lcd.text({ glyph: () => '♥' })).toEqual([
      'Row 0: Hello, bot!  ',
      'Row 1 ♥°C ok        ',
      'Row 2: third line   ',
      'Row 3: 20 columns.. ',
    ]);
    expect([...b.lcd.glyph(1)]).toEqual(heart);
    expect(b.lcd.backlight).toBe(true);
  });

  it('takes real bus time: 9 bit times per byte at 100 kHz', () => {
    const b = new SimBoard({ device: { name: 'lcd-probe', board: 'uno', lcd: i2c }, hex: fixtureHex('lcd-i2c-20x4') });
    let last = 0;
    b.on('change', () => (last = b.nowUs));
    b.run(400);
    // after the 50 ms power-up wait, every instruction is 2 nibbles × (address + 2 bytes) × 90 µs at least
    expect(last).toBeGreaterThan(50_000 + b.lcd.writes * 2 * 3 * 90);
  });

  it('ignores writes to another address', () => {
    const b = boot('lcd-i2c-20x4', { ...i2c, address: 0x3f });
    expect(b.lcd.text()).toEqual(Array(4).fill(' '.repeat(20)));
  });
});

/** Drives the controller's bus directly, as a firmware in 4-bit mode would. */
function driver(lcd: Hd44780) {
  const nib = (rs: boolean, n: number) => {
    lcd.bus(rs, false, true, n);
    lcd.bus(rs, false, false, n);
  };
  const byte = (rs: boolean, b: number) => {
    nib(rs, b >> 4);
    nib(rs, b & 15);
  };
  const cmd = (...cs: number[]) => cs.forEach((c) => byte(false, c));
  const data = (s: string) => [...s].forEach((ch) => byte(true, ch.charCodeAt(0)));
  for (const n of [3, 3, 3, 2]) nib(false, n);
  return { cmd, data };
}

describe('HD44780 model', () => {
  it('uses the 16×4 row offsets 0x00, 0x40, 0x10, 0x50', () => {
    const lcd = new Hd44780({ cols: 16, rows: 4 });
    const { cmd, data } = driver(lcd);
    cmd(0x28, 0x0c, 0x01);
    for (const [r, a] of [
      [0, 0x00],
      [1, 0x40],
      [2, 0x10],
      [3, 0x50],
    ]) {
      cmd(0x80 | a);
      data(`row${r}`);
    }
    expect(lcd.text().map((r) => r.trim())).toEqual(['row0', 'row1', 'row2', 'row3']);
  });

  it('wraps from the end of line 1 into line 2 and honours a decrementing entry mode', () => {
    const lcd = new Hd44780({ cols: 16, rows: 2 });
    const { cmd, data } = driver(lcd);
    cmd(0x28, 0x0c, 0x01);
    cmd(0x80 | 0x27);
    data('AB');
    expect(lcd.text()[1][0]).toBe('B');
    cmd(0x04, 0x80 | 0x05);
    data('xyz');
    expect(lcd.text()[0].slice(3, 6)).toBe('zyx');
  });

  it('shifts the display, then clear and home bring it back', () => {
    const lcd = new Hd44780({ cols: 8, rows: 1 });
    const { cmd, data } = driver(lcd);
    cmd(0x20, 0x0c, 0x01);
    data('abcdefgh');
    cmd(0x18); // display shift left
    expect(lcd.text()[0]).toBe('bcdefgh ');
    cmd(0x02);
    expect(lcd.text()[0]).toBe('abcdefgh');
    cmd(0x08);
    expect(lcd.text()[0]).toBe('        ');
    expect(lcd.cells()[0][0]).toBe(0x61);
  });

  it('reports a block cursor in the screen-model form', () => {
    const lcd = new Hd44780({ cols: 16, rows: 2 });
    const { cmd } = driver(lcd);
    cmd(0x28, 0x0d, 0x80 | 0x42);
    expect(lcd.frame().cursor).toEqual({ mode: 'block', row: 1, col: 2 });
  });
});

describe('character ROM tables', () => {
  it('have 256 one-character entries', () => {
    for (const t of [ROM_A00, ROM_A02]) {
      expect(t).toHaveLength(256);
      for (const s of t) expect(s).toHaveLength(1);
    }
  });

  it('map the A00 specials', () => {
    const want: Record<number, string> = {
      0xdf: '°',
      0xe4: 'µ',
      0xe1: 'ä',
      0xef: 'ö',
      0xf5: 'ü',
      0xe2: 'ß',
      0x7e: '→',
      0x7f: '←',
      0x5c: '¥',
      0xb1: 'ｱ',
    };
    for (const [code, ch] of Object.entries(want)) expect(ROM_A00[Number(code)]).toBe(ch);
    expect(ROM_A00[0]).toBe('\u0000');
    expect(ROM_A00[9]).toBe('\u0001');
  });

  it('follow Latin-1 in the upper half of A02 (except 0xD8, Φ on the datasheet), and reverse to the plainest code', () => {
    for (let c = 0xc0; c <= 0xff; c++) expect(ROM_A02[c]).toBe(c === 0xd8 ? 'Φ' : String.fromCharCode(c));
    expect(ROM_A02[0x5c]).toBe('\\');
    expect(romReverse('A00').get(' ')).toBe(0x20);
    expect(romReverse('A00').get('°')).toBe(0xdf);
    expect(romReverse('A02').get('é')).toBe(0xe9);
  });
});
