/**
 * The device description: one JSON file says what a maker wired to which pin.
 * It drives the generated firmware (config header, PlatformIO env), the
 * simulated board (which virtual parts sit on which pins) and the bridge's
 * idea of the device.
 */
import { z } from 'zod';

/** A pin as the Arduino names it: a number (digital), or "A0".."A15". */
export const PinSchema = z.union([
  z.number().int().min(0).max(69),
  z.string().regex(/^A(1[0-5]|[0-9])$/, 'an analog pin is written "A0" to "A15"'),
]);
export type Pin = z.infer<typeof PinSchema>;

export const BOARDS = ['uno', 'nano', 'mega2560'] as const;
export type Board = (typeof BOARDS)[number];

const ParallelLcd = z.object({
  interface: z.literal('parallel'),
  /** HD44780 in 4-bit mode; R/W tied to ground. */
  pins: z.object({ rs: PinSchema, en: PinSchema, d4: PinSchema, d5: PinSchema, d6: PinSchema, d7: PinSchema }),
  /** Backlight switched by a pin (through a transistor), if wired. */
  backlight: z.object({ pin: PinSchema, activeHigh: z.boolean().default(true) }).optional(),
});

const I2cLcd = z.object({
  interface: z.literal('i2c'),
  /** PCF8574 address: 0x20–0x27 (PCF8574) or 0x38–0x3F (PCF8574A). */
  address: z.number().int(),
  /** I2C clock in Hz; 100 kHz is the PCF8574's rating. */
  clock: z.number().int().default(100_000),
  /** The backpack's backlight bit. */
  backlight: z.boolean().default(true),
});

const lcdCommon = {
  cols: z.number().int(),
  rows: z.number().int(),
  /** Character ROM: A00 (Japanese: ASCII + katakana) or A02 (European). */
  rom: z.enum(['A00', 'A02']).default('A00'),
};

export const LcdSchema = z.discriminatedUnion('interface', [
  ParallelLcd.extend(lcdCommon),
  I2cLcd.extend(lcdCommon),
]);

export const ButtonSchema = z.union([
  z.object({
    name: z.string().regex(/^[A-Z0-9_]{1,8}$/, 'a button name is 1–8 of A–Z, 0–9 and _'),
    /** A push button between the pin and ground, read with the internal pull-up. */
    pin: PinSchema,
  }),
  z.object({
    name: z.string().regex(/^[A-Z0-9_]{1,8}$/, 'a button name is 1–8 of A–Z, 0–9 and _'),
    /** One place on a resistor ladder: pressed while the ADC reads min..max (0–1023). */
    ladder: z.object({ pin: PinSchema, min: z.number().int().min(0).max(1023), max: z.number().int().min(0).max(1023) }),
  }),
]);

export const KeypadSchema = z.object({
  /** Row pins, driven low one at a time. */
  rows: z.array(PinSchema).min(1).max(4),
  /** Column pins, read with pull-ups. */
  cols: z.array(PinSchema).min(1).max(4),
  /** One string per row, one character per column: e.g. ["123","456","789","*0#"]. */
  layout: z.array(z.string()),
});

export const DeviceSchema = z.object({
  $schema: z.string().optional(),
  /** Short name: [a-z0-9-]. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  description: z.string().optional(),
  board: z.enum(BOARDS),
  baud: z.number().int().default(115200),
  lcd: LcdSchema,
  buttons: z.array(ButtonSchema).max(8).default([]),
  keypad: KeypadSchema.optional(),
  buzzer: z.object({ pin: PinSchema }).optional(),
  led: z.object({ pin: PinSchema }).optional(),
  /** Debounce: a change must be stable this long before the next is taken. */
  debounceMs: z.number().int().min(1).max(200).default(20),
  /** A key held this long reports HOLD. */
  holdMs: z.number().int().min(100).max(5000).default(800),
});

export type DeviceInput = z.input<typeof DeviceSchema>;
export type Device = z.output<typeof DeviceSchema>;
