/**
 * What an AVR's USART makes of a line rate: the divisor the firmware writes
 * (UBRR, with U2X on, as uart.cpp does) and the rate that really comes out,
 * which the other end must accept within its tolerance.
 */

/** The clock of every board botduino builds for. */
export const BOARD_CPU_HZ = 16_000_000;

/** How far the rate the USART makes may be from the nominal one: ±2.5 % leaves the receiver its margin. */
export const BAUD_TOLERANCE = 0.025;

/** The rates botduino offers (the ones a 16 MHz USART makes within the tolerance, from the usual list). */
export const COMMON_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 250000, 500000, 1_000_000];

export interface UartRate {
  /** The divisor register's value, U2X on. */
  ubrr: number;
  /** The rate it makes, in baud. */
  actual: number;
  /** (actual - nominal) / nominal. */
  error: number;
}

/** The divisor uart.cpp computes for `baud` at `cpuHz` (double speed: 8 clocks a bit), and what it makes. */
export function uartRate(baud: number, cpuHz = BOARD_CPU_HZ): UartRate {
  // the firmware's integer formula: (F_CPU / 4 / baud - 1) / 2, i.e. F_CPU / 8 / baud - 1 rounded
  const ubrr = Math.max(0, Math.min(4095, Math.floor((Math.floor(cpuHz / 4 / baud) - 1) / 2)));
  const actual = cpuHz / 8 / (ubrr + 1);
  return { ubrr, actual, error: (actual - baud) / baud };
}

/** The rates of COMMON_RATES a USART at `cpuHz` makes within the tolerance. */
export function offeredRates(cpuHz = BOARD_CPU_HZ): number[] {
  return COMMON_RATES.filter((b) => Math.abs(uartRate(b, cpuHz).error) <= BAUD_TOLERANCE);
}
