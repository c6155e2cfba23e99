/**
 * The device description: one JSON file says what a maker wired to which pin.
 * It drives the generated firmware (config header, PlatformIO env), the
 * simulated board (which virtual parts sit on which pins) and the bridge's
 * idea of the device.
 */
import { z } from 'zod';
import { checkDevice } from './validate.js';

export { PinSchema, BOARDS, type Pin, type Board } from './pins.js';
import { PinSchema, BOARDS } from './pins.js';

const ParallelLcd = z.object({
  interface: z.literal('parallel'),
  /** HD44780 in 4-bit mode; R/W tied to ground. */
  pins: z
    .object({ rs: PinSchema, en: PinSchema, d4: PinSchema, d5: PinSchema, d6: PinSchema, d7: PinSchema })
    .describe('HD44780 in 4-bit mode; R/W tied to ground.'),
  /** Backlight switched by a pin (through a transistor), if wired. */
  backlight: z
    .object({ pin: PinSchema, activeHigh: z.boolean().default(true) })
    .optional()
    .describe('Backlight switched by a pin (through a transistor), if wired.'),
});

const I2cLcd = z.object({
  interface: z.literal('i2c'),
  /** PCF8574 address: 0x20–0x27 (PCF8574) or 0x38–0x3F (PCF8574A); a number, or a string such as "0x27". */
  address: z
    .union([
      z.number().int(),
      z
        .string()
        .regex(/^0[xX][0-9a-fA-F]{1,2}$/, 'an I2C address is a number, or hex written like "0x27"')
        .transform((s) => parseInt(s, 16)),
    ])
    .describe('PCF8574 address: 0x20–0x27 (PCF8574) or 0x38–0x3F (PCF8574A); most backpacks are "0x27" or "0x3F".'),
  /**
   * I2C clock in Hz, 31000–400000; default 100000. The PCF8574 and PCF8574A (most backpacks: PCF8574T,
   * PCF8574AT) are rated for 100 kHz; the PCA8574 and PCA8574A (same pins, same addresses) for 400 kHz.
   */
  clock: z
    .number()
    .int()
    .default(100_000)
    .describe(
      "I2C clock in Hz, 31000–400000; default 100000. The PCF8574 and PCF8574A found on most backpacks are rated for 100 kHz (Standard-mode); 400000 is within the rating of a PCA8574 or PCA8574A (same pins and addresses): read the chip's marking first.",
    ),
  /** The backpack's backlight bit. */
  backlight: z.boolean().default(true).describe("Use the backpack's backlight bit."),
});

const lcdCommon = {
  cols: z.number().int().describe('Characters per row: 8, 16, 20, 24 or 40.'),
  rows: z.number().int().describe('Rows: 1, 2 or 4 (the geometries HD44780 modules come in).'),
  /** Character ROM: A00 (Japanese: ASCII + katakana) or A02 (European). */
  rom: z.enum(['A00', 'A02']).default('A00').describe('Character ROM: A00 (ASCII + katakana, most modules) or A02 (European).'),
};

export const LcdSchema = z.discriminatedUnion('interface', [ParallelLcd.extend(lcdCommon), I2cLcd.extend(lcdCommon)]);

export const ButtonSchema = z.union([
  z.object({
    name: z.string().regex(/^[A-Z0-9_]{1,8}$/, 'a button name is 1–8 of A–Z, 0–9 and _'),
    /** A push button between the pin and ground, read with the internal pull-up. */
    pin: PinSchema.describe('A push button between this pin and ground, read with the internal pull-up.'),
  }),
  z.object({
    name: z.string().regex(/^[A-Z0-9_]{1,8}$/, 'a button name is 1–8 of A–Z, 0–9 and _'),
    /** One place on a resistor ladder: pressed while the ADC reads min..max (0–1023). */
    ladder: z
      .object({ pin: PinSchema, min: z.number().int().min(0).max(1023), max: z.number().int().min(0).max(1023) })
      .describe('One place on a resistor ladder: pressed while the ADC of this analog pin reads min..max (0–1023).'),
  }),
]);

export const KeypadSchema = z.object({
  /** Row pins, driven low one at a time. */
  rows: z.array(PinSchema).min(1).max(4).describe('Row pins, driven low one at a time.'),
  /** Column pins, read with pull-ups. */
  cols: z.array(PinSchema).min(1).max(4).describe('Column pins, read with pull-ups.'),
  /** One string per row, one character per column: e.g. ["123","456","789","*0#"]. */
  layout: z.array(z.string()).describe('One string per row, one character per column: e.g. ["123","456","789","*0#"].'),
});

/** The shape alone, without the cross-field rules (see validate.ts). */
export const DeviceShape = z.object({
  $schema: z.string().optional(),
  /** Short name: [a-z0-9-]. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a device name is 1–32 of a–z, 0–9 and -, starting with a letter or digit')
    .describe('Short name of the device (a–z, 0–9, -): names the firmware build and its image.'),
  description: z.string().optional(),
  board: z.enum(BOARDS),
  /** Line rate to the bridge; only rates the board's USART makes within ±2.5 % (see validate.ts). */
  baud: z
    .number()
    .int()
    .min(9600)
    .max(1_000_000)
    .default(250_000)
    .describe(
      'Line rate of the serial link to the bridge, in baud; default 250000. On the 16 MHz boards: 9600, 19200, 38400, 57600, 115200, 250000, 500000 or 1000000 (the rates their USART makes within ±2.5 %).',
    ),
  lcd: LcdSchema,
  buttons: z.array(ButtonSchema).max(8).default([]),
  keypad: KeypadSchema.optional(),
  buzzer: z.object({ pin: PinSchema }).optional().describe('A passive buzzer (or small speaker through a resistor) on this pin.'),
  led: z.object({ pin: PinSchema }).optional().describe('A status LED on this pin (through a resistor), lit when high.'),
  /** Debounce on the leading edge: a change is reported at once, then further changes are ignored this long. */
  debounceMs: z.number().int().min(1).max(200).default(20).describe('After a change, further changes are ignored this long (ms).'),
  /** A key held this long reports HOLD. */
  holdMs: z.number().int().min(100).max(5000).default(800).describe('A key held this long (ms) reports HOLD.'),
});

/** The whole description: its shape and the rules across fields (pins used once, ladders, keypad, LCD geometry…). */
export const DeviceSchema = DeviceShape.superRefine(checkDevice);

export type DeviceInput = z.input<typeof DeviceSchema>;
export type Device = z.output<typeof DeviceSchema>;
