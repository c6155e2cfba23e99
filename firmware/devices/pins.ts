/** The boards botduino knows and how a device description names their pins. */
import { z } from 'zod';

/** A pin as the Arduino names it: a number (digital), or "A0".."A15". */
export const PinSchema = z
  .union([z.number().int().min(0).max(69), z.string().regex(/^A(1[0-5]|[0-9])$/, 'an analog pin is written "A0" to "A15"')])
  .describe('An Arduino pin: a number (digital), or "A0".."A15" (analog).');
export type Pin = z.infer<typeof PinSchema>;

export const BOARDS = ['uno', 'nano', 'nano-new', 'mega2560'] as const;
export type Board = (typeof BOARDS)[number];
