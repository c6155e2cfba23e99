/**
 * The rules a device description must follow beyond its shape: pins that
 * exist on the board, each used once, never the serial line; ladders on
 * analog pins with ranges that do not overlap; a keypad layout that matches
 * its pins; an LCD geometry that HD44780 modules come in; a PCF8574 address.
 * Every problem is reported with the path of the field it is about.
 */
import type { z } from 'zod';
import { BOARD_INFO, resolvePin, type PinInfo } from './boards.js';
import type { Pin } from './pins.js';
import { BAUD_TOLERANCE, BOARD_CPU_HZ, offeredRates, uartRate } from './uart.js';

/** The geometries HD44780 modules are sold in, as "cols×rows". */
export const LCD_GEOMETRIES = ['8x1', '8x2', '16x1', '16x2', '16x4', '20x1', '20x2', '20x4', '24x2', '40x1', '40x2'];

/** PCF8574 (0x20–0x27) and PCF8574A (0x38–0x3F) addresses. */
export function isPcf8574Address(a: number): boolean {
  return (a >= 0x20 && a <= 0x27) || (a >= 0x38 && a <= 0x3f);
}

/** What validation reads: the parsed shape, defaults applied. */
interface Shape {
  board: keyof typeof BOARD_INFO;
  baud: number;
  lcd:
    | { interface: 'parallel'; cols: number; rows: number; pins: Record<string, Pin>; backlight?: { pin: Pin } }
    | { interface: 'i2c'; cols: number; rows: number; address: number; clock: number };
  buttons: ({ name: string; pin: Pin } | { name: string; ladder: { pin: Pin; min: number; max: number } })[];
  keypad?: { rows: Pin[]; cols: Pin[]; layout: string[] };
  buzzer?: { pin: Pin };
  led?: { pin: Pin };
}

type Path = (string | number)[];
const show = (path: Path) => path.join('.');
const hex = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(2, '0');

export function checkDevice(d: Shape, ctx: z.RefinementCtx): void {
  const problem = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const board = BOARD_INFO[d.board];
  /** Pin number → who uses it, and whether that use is a shared ladder. */
  const owners = new Map<number, { path: Path; ladder: boolean }>();

  const reserve = (pin: PinInfo, what: string) => owners.set(pin.number, { path: [what], ladder: false });
  const use = (path: Path, pin: Pin, need: 'digital' | 'analog'): PinInfo | undefined => {
    const info = resolvePin(board, pin);
    if (typeof info === 'string') return void problem(path, info);
    if (info.number === 0 || info.number === 1)
      return void problem(path, `pin ${info.number} is the serial line to the bridge (${info.number ? 'TX' : 'RX'}); use another pin`);
    if (need === 'analog' && info.adc === undefined)
      return void problem(path, `pin ${info.label} is not an analog input; a ladder needs one of A0–A${board.analogCount - 1}`);
    if (need === 'digital' && info.port === undefined)
      return void problem(
        path,
        `pin ${info.label} of the ${board.title} is an analog input only; use it for a ladder, or pick another pin`,
      );
    const prev = owners.get(info.number);
    const ladder = need === 'analog';
    if (prev && !(prev.ladder && ladder)) problem(path, `pin ${info.label} is already used by ${show(prev.path)}`);
    else if (!prev) owners.set(info.number, { path, ladder });
    return info;
  };

  // Line rate: one the USART makes (U2X on) close enough for the USB-serial chip on the other end
  const rate = uartRate(d.baud, BOARD_CPU_HZ);
  if (Math.abs(rate.error) > BAUD_TOLERANCE)
    problem(
      ['baud'],
      `the ${board.title}'s USART cannot make ${d.baud} baud: at ${BOARD_CPU_HZ / 1e6} MHz it gives ${Math.round(rate.actual)} (${(rate.error * 100).toFixed(1)} %, more than ±${BAUD_TOLERANCE * 100} %); use one of ${offeredRates(BOARD_CPU_HZ).join(', ')}`,
    );

  // LCD
  const lcd = d.lcd;
  if (!LCD_GEOMETRIES.includes(`${lcd.cols}x${lcd.rows}`))
    problem(
      ['lcd', 'cols'],
      `no HD44780 LCD is ${lcd.cols}×${lcd.rows}; they come as ${LCD_GEOMETRIES.map((g) => g.replace('x', '×')).join(', ')}`,
    );
  if (lcd.interface === 'parallel') {
    for (const [name, pin] of Object.entries(lcd.pins)) use(['lcd', 'pins', name], pin, 'digital');
    if (lcd.backlight) use(['lcd', 'backlight', 'pin'], lcd.backlight.pin, 'digital');
  } else {
    if (!isPcf8574Address(lcd.address))
      problem(
        ['lcd', 'address'],
        `${hex(lcd.address)} is not a PCF8574 address (0x20–0x27) nor a PCF8574A one (0x38–0x3F); most backpacks answer at 0x27 or 0x3F`,
      );
    // TWBR = (F_CPU / clock - 16) / 2 with prescaler 1 must fit in 8 bits: 31 kHz at least at 16 MHz
    if (lcd.clock < 31_000 || lcd.clock > 400_000)
      problem(
        ['lcd', 'clock'],
        `an I2C clock of ${lcd.clock} Hz is outside 31000–400000 Hz; use 100000 for a PCF8574 or PCF8574A (their rating), up to 400000 for a PCA8574 or PCA8574A`,
      );
    reserve(resolvePin(board, board.sda) as PinInfo, 'the I2C LCD (SDA)');
    reserve(resolvePin(board, board.scl) as PinInfo, 'the I2C LCD (SCL)');
  }

  // Buttons
  const names = new Map<string, number>();
  const ladders: { index: number; pin: number; min: number; max: number; name: string }[] = [];
  d.buttons.forEach((b, i) => {
    const first = names.get(b.name);
    if (first !== undefined) problem(['buttons', i, 'name'], `the name ${b.name} is already used by buttons.${first}; names must differ`);
    else names.set(b.name, i);
    if ('pin' in b) return void use(['buttons', i, 'pin'], b.pin, 'digital');
    const info = use(['buttons', i, 'ladder', 'pin'], b.ladder.pin, 'analog');
    const { min, max } = b.ladder;
    if (min > max) return problem(['buttons', i, 'ladder'], `min ${min} is above max ${max}`);
    if (!info) return;
    for (const o of ladders)
      if (o.pin === info.number && min <= o.max && o.min <= max)
        problem(
          ['buttons', i, 'ladder'],
          `${min}–${max} overlaps buttons.${o.index} (${o.name}, ${o.min}–${o.max}) on pin ${info.label}; give each button its own range`,
        );
    ladders.push({ index: i, pin: info.number, min, max, name: b.name });
  });

  // Keypad
  const kp = d.keypad;
  if (kp) {
    kp.rows.forEach((p, i) => use(['keypad', 'rows', i], p, 'digital'));
    kp.cols.forEach((p, i) => use(['keypad', 'cols', i], p, 'digital'));
    if (kp.layout.length !== kp.rows.length)
      problem(['keypad', 'layout'], `${kp.layout.length} rows of keys for ${kp.rows.length} row pins; give one string per row pin`);
    const seen = new Set<string>();
    kp.layout.forEach((row, r) => {
      if (row.length !== kp.cols.length)
        problem(
          ['keypad', 'layout', r],
          `"${row}" has ${row.length} keys for ${kp.cols.length} column pins; give one character per column pin`,
        );
      for (const ch of row) {
        const c = ch.charCodeAt(0);
        if (ch.length !== 1 || c < 0x21 || c > 0x7e)
          problem(['keypad', 'layout', r], `"${ch}" is not a printable ASCII character (no spaces); keys are named by one such character`);
        else if (seen.has(ch)) problem(['keypad', 'layout', r], `the key "${ch}" appears twice; every key needs its own character`);
        seen.add(ch);
      }
    });
  }

  if (d.buzzer) use(['buzzer', 'pin'], d.buzzer.pin, 'digital');
  if (d.led) use(['led', 'pin'], d.led.pin, 'digital');
}
