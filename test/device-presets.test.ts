import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { listPresets, loadDevice } from '../firmware/devices/index.js';

describe('presets', () => {
  it('are listed by name', () => {
    expect(listPresets()).toEqual(expect.arrayContaining(['lcd-keypad-shield', 'i2c-lcd-keypad']));
  });

  it('lcd-keypad-shield: 16×2 parallel LCD on 8, 9, 4–7, five buttons on the A0 ladder, backlight on 10', () => {
    const d = loadDevice('lcd-keypad-shield');
    expect(d.board).toBe('uno');
    expect(d.lcd).toMatchObject({
      interface: 'parallel',
      cols: 16,
      rows: 2,
      pins: { rs: 8, en: 9, d4: 4, d5: 5, d6: 6, d7: 7 },
      backlight: { pin: 10 },
    });
    expect(d.buttons.map((b) => b.name)).toEqual(['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT']);
    // both shield revisions: (RIGHT, UP, DOWN, LEFT, SELECT) read about 0/100/257/410/640 (v1.1) and 0/145/330/505/741 (v1.0)
    const readings = [
      [0, 99, 257, 409, 639],
      [0, 144, 329, 505, 741],
    ];
    for (const rev of readings)
      rev.forEach((adc, i) => {
        const hits = d.buttons.filter((b) => 'ladder' in b && adc >= b.ladder.min && adc <= b.ladder.max);
        expect(hits.map((b) => b.name)).toEqual([d.buttons[i].name]);
      });
    // nothing pressed reads 1023: no button
    expect(d.buttons.some((b) => 'ladder' in b && b.ladder.max >= 1000)).toBe(false);
  });

  it('i2c-lcd-keypad: 20×4 I2C LCD at 0x27, a 4×3 keypad, NEW and SEND, a buzzer', () => {
    const d = loadDevice('i2c-lcd-keypad');
    expect(d.lcd).toMatchObject({ interface: 'i2c', cols: 20, rows: 4, address: 0x27 });
    expect(d.keypad?.layout).toEqual(['123', '456', '789', '*0#']);
    expect(d.buttons.map((b) => b.name)).toEqual(['NEW', 'SEND']);
    expect(d.buzzer).toBeDefined();
  });

  it('point editors at the JSON Schema', () => {
    for (const p of listPresets()) {
      const json = JSON.parse(readFileSync(resolve(__dirname, '../firmware/devices/presets', `${p}.json`), 'utf8'));
      expect(json.$schema).toBe('../device.schema.json');
      expect(json.name).toBe(p);
    }
    const schema = JSON.parse(readFileSync(resolve(__dirname, '../firmware/devices/device.schema.json'), 'utf8'));
    expect(schema.properties.board.enum).toEqual(['uno', 'nano', 'nano-new', 'mega2560']);
  });
});

describe('loadDevice', () => {
  it('reads a JSON file by path', () => {
    const d = loadDevice(resolve(__dirname, '../firmware/devices/presets/i2c-lcd-keypad.json'));
    expect(d.name).toBe('i2c-lcd-keypad');
  });

  it('says what to give when neither a preset nor a file matches', () => {
    expect(() => loadDevice('no-such-device')).toThrow(ConfigError);
    expect(() => loadDevice('no-such-device')).toThrow(/not a preset \(.*lcd-keypad-shield.*\) and no such file exists/);
  });
});
