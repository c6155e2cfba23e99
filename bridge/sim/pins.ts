/**
 * Arduino pin numbers → the AVR port bit (and ADC channel) behind them, per
 * board, as the Arduino core's variants define them.
 */
import { ConfigError } from '../../common/errors.js';
import type { Board, Pin } from '../../firmware/devices/schema.js';

export type PortName = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'J' | 'K' | 'L';

export interface PinRef {
  /** The Arduino name, for messages. */
  name: string;
  /** Port and bit, or null for analog-only pins (A6/A7 on a Nano). */
  port: PortName | null;
  bit: number;
  /** ADC channel, for analog pins. */
  adc: number | null;
}

const UNO = 'D0 D1 D2 D3 D4 D5 D6 D7 B0 B1 B2 B3 B4 B5 C0 C1 C2 C3 C4 C5'.split(' ');
const MEGA = (
  'E0 E1 E4 E5 G5 E3 H3 H4 H5 H6 B4 B5 B6 B7 J1 J0 H1 H0 D3 D2 D1 D0 A0 A1 A2 A3 A4 A5 A6 A7 ' +
  'C7 C6 C5 C4 C3 C2 C1 C0 D7 G2 G1 G0 L7 L6 L5 L4 L3 L2 L1 L0 B3 B2 B1 B0 F0 F1 F2 F3 F4 F5 F6 F7 ' +
  'K0 K1 K2 K3 K4 K5 K6 K7'
).split(' ');

interface BoardPins {
  digital: string[];
  /** Arduino number of A0. */
  a0: number;
  analogCount: number;
}

const TABLES: Record<Board, BoardPins> = {
  uno: { digital: UNO, a0: 14, analogCount: 6 },
  nano: { digital: UNO, a0: 14, analogCount: 8 },
  'nano-new': { digital: UNO, a0: 14, analogCount: 8 },
  mega2560: { digital: MEGA, a0: 54, analogCount: 16 },
};

/** Resolves a pin of the device description on a board; throws ConfigError for a pin the board lacks. */
export function pinRef(board: Board, pin: Pin): PinRef {
  const t = TABLES[board];
  let n: number;
  if (typeof pin === 'string') n = t.a0 + Number(pin.slice(1));
  else n = pin;
  const adcIndex = n - t.a0;
  const adc = adcIndex >= 0 && adcIndex < t.analogCount ? adcIndex : null;
  const name = typeof pin === 'string' ? pin : adc !== null ? `A${adc} (${n})` : String(n);
  const pb = t.digital[n];
  if (pb) return { name, port: pb[0] as PortName, bit: Number(pb[1]), adc };
  if (adc !== null) return { name, port: null, bit: 0, adc };
  throw new ConfigError(`pin ${name} does not exist on a ${board}: check the pin numbers in the device description`);
}
