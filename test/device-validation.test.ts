import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { parseDevice, type DeviceInput } from '../firmware/devices/index.js';

/** A valid Uno device: a 16×2 parallel LCD and two buttons. */
function base(): DeviceInput {
  return {
    name: 'test-device',
    board: 'uno',
    lcd: { interface: 'parallel', cols: 16, rows: 2, pins: { rs: 8, en: 9, d4: 4, d5: 5, d6: 6, d7: 7 } },
    buttons: [
      { name: 'OK', pin: 2 },
      { name: 'BACK', pin: 3 },
    ],
  };
}

function problems(d: unknown): string[] {
  try {
    parseDevice(d, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim());
  }
  return [];
}

const i2c = (address: number | string = 0x27) => ({ interface: 'i2c' as const, cols: 20, rows: 4, address });

describe('a device description', () => {
  it('that is valid parses, with defaults filled in', () => {
    const d = parseDevice(base(), 'test.json');
    expect(d.baud).toBe(250000);
    expect(d.debounceMs).toBe(20);
    expect(d.lcd.rom).toBe('A00');
  });

  it('takes only line rates the 16 MHz USART makes within ±2.5 %, and says which ones it does', () => {
    for (const baud of [115200, 250000, 500000, 1_000_000]) expect(problems({ ...base(), baud })).toEqual([]);
    const [p] = problems({ ...base(), baud: 230400 });
    expect(p).toMatch(/^baud: the Arduino Uno's USART cannot make 230400 baud: at 16 MHz it gives 222222 \(-3\.5 %/);
    expect(p).toContain('use one of 9600, 19200, 38400, 57600, 115200, 250000, 500000, 1000000');
  });

  it('takes an I2C clock up to 400 kHz (a PCA8574’s rating) and down to what the TWI divider reaches', () => {
    expect(problems({ ...base(), lcd: { ...i2c(), clock: 400_000 } })).toEqual([]);
    expect(problems({ ...base(), lcd: { ...i2c(), clock: 1_000_000 } })).toEqual([
      'lcd.clock: an I2C clock of 1000000 Hz is outside 31000–400000 Hz; use 100000 for a PCF8574 or PCF8574A (their rating), up to 400000 for a PCA8574 or PCA8574A',
    ]);
    expect(problems({ ...base(), lcd: { ...i2c(), clock: 10_000 } })).toHaveLength(1);
    expect(parseDevice({ ...base(), lcd: i2c() }, 'test.json').lcd).toMatchObject({ clock: 100_000 });
  });

  it('accepts an I2C address written as hex text', () => {
    const d = parseDevice({ ...base(), lcd: i2c('0x3F') }, 'test.json');
    expect(d.lcd.interface === 'i2c' && d.lcd.address).toBe(0x3f);
  });

  it('is rejected with a ConfigError naming the source, listing every problem', () => {
    const d = base();
    d.buttons = [
      { name: 'OK', pin: 4 },
      { name: 'BACK', pin: 0 },
    ];
    expect(() => parseDevice(d, 'my-device.json')).toThrow(/my-device\.json: the device description has 2 problems/);
    expect(problems(d)).toHaveLength(2);
  });

  it('rejects a pin used twice, naming both uses', () => {
    const d = base();
    d.buttons = [{ name: 'OK', pin: 4 }];
    expect(problems(d)).toEqual(['buttons.0.pin: pin 4 is already used by lcd.pins.d4']);
  });

  it('rejects the serial pins 0 and 1', () => {
    const d = base();
    d.buttons = [
      { name: 'OK', pin: 0 },
      { name: 'BACK', pin: 1 },
    ];
    expect(problems(d)).toEqual([
      'buttons.0.pin: pin 0 is the serial line to the bridge (RX); use another pin',
      'buttons.1.pin: pin 1 is the serial line to the bridge (TX); use another pin',
    ]);
  });

  it('rejects a pin the board does not have', () => {
    const d = base();
    d.buttons = [
      { name: 'OK', pin: 30 },
      { name: 'BACK', pin: 'A6' },
    ];
    const p = problems(d);
    expect(p[0]).toMatch(/^buttons\.0\.pin: the Arduino Uno has no pin 30/);
    expect(p[1]).toMatch(/^buttons\.1\.pin: the Arduino Uno has no pin A6 \(analog pins are A0–A5\)/);
  });

  it('accepts pin 30 on a Mega, and A6 as a ladder on a Nano but not as a digital pin', () => {
    expect(problems({ ...base(), board: 'mega2560', buttons: [{ name: 'OK', pin: 30 }] })).toEqual([]);
    expect(problems({ ...base(), board: 'nano', buttons: [{ name: 'OK', ladder: { pin: 'A6', min: 0, max: 100 } }] })).toEqual([]);
    expect(problems({ ...base(), board: 'nano', buttons: [{ name: 'OK', pin: 'A6' }] })).toEqual([
      'buttons.0.pin: pin A6 of the Arduino Nano (ATmega328P) is an analog input only; use it for a ladder, or pick another pin',
    ]);
  });

  it('rejects a ladder on a pin that is not analog', () => {
    const d = base();
    d.buttons = [{ name: 'OK', ladder: { pin: 2, min: 0, max: 100 } }];
    expect(problems(d)).toEqual(['buttons.0.ladder.pin: pin 2 is not an analog input; a ladder needs one of A0–A5']);
  });

  it('lets ladder buttons share their pin, but not their range', () => {
    const d = base();
    d.buttons = [
      { name: 'A', ladder: { pin: 'A0', min: 0, max: 100 } },
      { name: 'B', ladder: { pin: 'A0', min: 101, max: 300 } },
      { name: 'C', ladder: { pin: 'A0', min: 250, max: 400 } },
      { name: 'D', ladder: { pin: 'A0', min: 500, max: 450 } },
    ];
    expect(problems(d)).toEqual([
      'buttons.2.ladder: 250–400 overlaps buttons.1 (B, 101–300) on pin A0; give each button its own range',
      'buttons.3.ladder: min 500 is above max 450',
    ]);
  });

  it('rejects a ladder pin that something else uses', () => {
    const d = base();
    d.buttons = [{ name: 'A', ladder: { pin: 'A0', min: 0, max: 100 } }];
    d.led = { pin: 14 };
    expect(problems(d)).toEqual(['led.pin: pin A0 is already used by buttons.0.ladder.pin']);
  });

  it('rejects a keypad layout that does not match its row and column pins', () => {
    const d = base();
    d.keypad = { rows: [10, 11], cols: [12, 13, 'A0'], layout: ['123', '45', '789'] };
    expect(problems(d)).toEqual([
      'keypad.layout: 3 rows of keys for 2 row pins; give one string per row pin',
      'keypad.layout.1: "45" has 2 keys for 3 column pins; give one character per column pin',
    ]);
  });

  it('rejects a keypad key that appears twice or is not printable', () => {
    const d = base();
    d.keypad = { rows: [10, 11], cols: [12, 13], layout: ['11', 'a '] };
    expect(problems(d)).toEqual([
      'keypad.layout.0: the key "1" appears twice; every key needs its own character',
      'keypad.layout.1: " " is not a printable ASCII character (no spaces); keys are named by one such character',
    ]);
  });

  it('rejects an LCD geometry no HD44780 module has', () => {
    const d = base();
    (d.lcd as { cols: number }).cols = 17;
    expect(problems(d)[0]).toMatch(
      /^lcd\.cols: no HD44780 LCD is 17×2; they come as 8×1, 8×2, 16×1, 16×2, 16×4, 20×1, 20×2, 20×4, 24×2, 40×1, 40×2$/,
    );
  });

  it.each([
    [16, 4],
    [20, 4],
    [40, 2],
    [8, 1],
  ])('accepts a %i×%i LCD', (cols, rows) => {
    expect(problems({ ...base(), lcd: { ...base().lcd, cols, rows } })).toEqual([]);
  });

  it('rejects an I2C address outside the PCF8574 and PCF8574A ranges', () => {
    expect(problems({ ...base(), lcd: i2c(0x50) })).toEqual([
      'lcd.address: 0x50 is not a PCF8574 address (0x20–0x27) nor a PCF8574A one (0x38–0x3F); most backpacks answer at 0x27 or 0x3F',
    ]);
    expect(problems({ ...base(), lcd: i2c(0x20) })).toEqual([]);
    expect(problems({ ...base(), lcd: i2c(0x3f) })).toEqual([]);
  });

  it('rejects the I2C pins used by something else when the LCD is on I2C', () => {
    const d = { ...base(), lcd: i2c(), buttons: [{ name: 'OK', pin: 'A4' }], led: { pin: 19 } };
    expect(problems(d)).toEqual([
      'buttons.0.pin: pin A4 is already used by the I2C LCD (SDA)',
      'led.pin: pin A5 is already used by the I2C LCD (SCL)',
    ]);
    // on a Mega the bus is on 20 and 21
    expect(problems({ ...d, board: 'mega2560', buttons: [{ name: 'OK', pin: 20 }], led: undefined })).toEqual([
      'buttons.0.pin: pin 20 is already used by the I2C LCD (SDA)',
    ]);
  });

  it('rejects two buttons with the same name', () => {
    const d = base();
    d.buttons = [
      { name: 'OK', pin: 2 },
      { name: 'OK', pin: 3 },
    ];
    expect(problems(d)).toEqual(['buttons.1.name: the name OK is already used by buttons.0; names must differ']);
  });

  it('reports shape errors with their path', () => {
    expect(problems({ ...base(), board: 'due' })[0]).toMatch(/^board: /);
    expect(problems({ ...base(), buttons: [{ name: 'lower', pin: 2 }] })[0]).toMatch(/^buttons\.0/);
  });

  it('says so when the text is not JSON', () => {
    expect(() => parseDevice('{ "name": ', 'broken.json')).toThrow(/broken\.json is not valid JSON/);
  });
});
