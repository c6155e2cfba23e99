/**
 * The boards botduino builds for, and what each pin of each one is: which
 * AVR port and bit drives it, which ADC channel reads it, which pins carry
 * the serial line to the bridge and the I2C bus. The firmware generator uses
 * the ports and bits, so the firmware needs no pin tables of its own.
 */
import type { Board, Pin } from './pins.js';

export interface BoardInfo {
  id: Board;
  /** How makers call it. */
  title: string;
  /** avr-gcc's -mmcu. */
  mcu: 'atmega328p' | 'atmega2560';
  /** PlatformIO's board id. */
  pioBoard: 'uno' | 'nanoatmega328' | 'nanoatmega328new' | 'megaatmega2560';
  /** The Arduino core's board macro (-D…) and its pins_arduino.h variant. */
  boardMacro: string;
  variant: 'standard' | 'eightanaloginputs' | 'mega';
  flashBytes: number;
  ramBytes: number;
  /** Arduino pin number of A0. */
  analogBase: number;
  /** Number of analog inputs (A0..A<n-1>). */
  analogCount: number;
  /** Port and bit of each Arduino pin ("D5" = PORTD bit 5); "" for an analog-only pin. */
  ports: string[];
  sda: number;
  scl: number;
}

function range(port: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let b = from; from <= to ? b <= to : b >= to; b += from <= to ? 1 : -1) out.push(port + b);
  return out;
}

const ATMEGA328_PORTS = [...range('D', 0, 7), ...range('B', 0, 5), ...range('C', 0, 5)];

const MEGA_PORTS = [
  ...['E0', 'E1', 'E4', 'E5', 'G5', 'E3', 'H3', 'H4', 'H5', 'H6', 'B4', 'B5', 'B6', 'B7'],
  ...['J1', 'J0', 'H1', 'H0', 'D3', 'D2', 'D1', 'D0'],
  ...range('A', 0, 7),
  ...range('C', 7, 0),
  ...['D7', 'G2', 'G1', 'G0'],
  ...range('L', 7, 0),
  ...range('B', 3, 0),
  ...range('F', 0, 7),
  ...range('K', 0, 7),
];

export const BOARD_INFO: Record<Board, BoardInfo> = {
  uno: {
    id: 'uno',
    title: 'Arduino Uno',
    mcu: 'atmega328p',
    pioBoard: 'uno',
    boardMacro: 'ARDUINO_AVR_UNO',
    variant: 'standard',
    flashBytes: 32256,
    ramBytes: 2048,
    analogBase: 14,
    analogCount: 6,
    ports: ATMEGA328_PORTS,
    sda: 18,
    scl: 19,
  },
  nano: {
    id: 'nano',
    title: 'Arduino Nano (ATmega328P)',
    mcu: 'atmega328p',
    pioBoard: 'nanoatmega328',
    boardMacro: 'ARDUINO_AVR_NANO',
    variant: 'eightanaloginputs',
    flashBytes: 30720,
    ramBytes: 2048,
    analogBase: 14,
    analogCount: 8,
    // A6 and A7 are analog inputs only
    ports: [...ATMEGA328_PORTS, '', ''],
    sda: 18,
    scl: 19,
  },
  // Nanos sold since 2018 (and many clones) have Optiboot, the Uno's bootloader: uploads at 115200 baud, 512 B of flash
  'nano-new': {
    id: 'nano-new',
    title: 'Arduino Nano (ATmega328P, new bootloader)',
    mcu: 'atmega328p',
    pioBoard: 'nanoatmega328new',
    boardMacro: 'ARDUINO_AVR_NANO',
    variant: 'eightanaloginputs',
    flashBytes: 32256,
    ramBytes: 2048,
    analogBase: 14,
    analogCount: 8,
    ports: [...ATMEGA328_PORTS, '', ''],
    sda: 18,
    scl: 19,
  },
  mega2560: {
    id: 'mega2560',
    title: 'Arduino Mega 2560',
    mcu: 'atmega2560',
    pioBoard: 'megaatmega2560',
    boardMacro: 'ARDUINO_AVR_MEGA2560',
    variant: 'mega',
    flashBytes: 253952,
    ramBytes: 8192,
    analogBase: 54,
    analogCount: 16,
    ports: MEGA_PORTS,
    sda: 20,
    scl: 21,
  },
};

/** One pin of one board, resolved. */
export interface PinInfo {
  /** Arduino pin number (A0 on an Uno is 14). */
  number: number;
  /** As makers write it: "7" or "A0". */
  label: string;
  /** AVR port letter and bit, when the pin can be a digital input/output. */
  port?: string;
  bit?: number;
  /** ADC channel, when the pin is an analog input. */
  adc?: number;
}

/** Resolves a pin of a board, or says why the board has no such pin. */
export function resolvePin(board: BoardInfo, pin: Pin): PinInfo | string {
  let n: number;
  if (typeof pin === 'string') {
    const a = Number(pin.slice(1));
    if (a >= board.analogCount) return `the ${board.title} has no pin ${pin} (analog pins are A0–A${board.analogCount - 1})`;
    n = board.analogBase + a;
  } else n = pin;
  if (n >= board.ports.length) return `the ${board.title} has no pin ${n} (${describePins(board)})`;
  const adc = n >= board.analogBase && n < board.analogBase + board.analogCount ? n - board.analogBase : undefined;
  const label = adc === undefined ? String(n) : `A${adc}`;
  const p = board.ports[n];
  return p ? { number: n, label, port: p[0], bit: Number(p.slice(1)), adc } : { number: n, label, adc };
}

/** "pins 0–19, A0–A5 = 14–19" and the like, for messages. */
export function describePins(board: BoardInfo): string {
  const lastDigital = board.ports.reduce((last, p, i) => (p ? i : last), 0);
  return `pins 0–${lastDigital}, and A0–A${board.analogCount - 1} = ${board.analogBase}–${board.analogBase + board.analogCount - 1}`;
}

/** A pin's name in messages: "4", or "A0 (14)". */
export function pinLabel(info: PinInfo): string {
  return info.adc === undefined ? String(info.number) : info.label;
}
