/**
 * A PCF8574 I/O expander on avr8js's TWI bus, write-only as an LCD backpack
 * uses it: each byte written sets its 8 outputs. Every bus action completes
 * after the time it takes on the wire (start and stop: one bit time; address
 * and data bytes: 9 bit times, acknowledge included) at the SCL frequency the
 * firmware configured, so latency figures are honest.
 */
import type { AVRTWI, CPU, TWIEventHandler } from 'avr8js';

export interface Pcf8574Options {
  /** 7-bit I2C address. */
  address: number;
  /** The CPU clock in Hz, to turn bus time into cycles. */
  cpuHz: number;
  /** Called with the new output byte on every write. */
  onWrite: (value: number) => void;
}

export class Pcf8574 implements TWIEventHandler {
  /** Bytes written to this device since power-on. */
  bytesWritten = 0;
  /** Start and stop conditions on the bus since power-on (for any device). */
  starts = 0;
  stops = 0;
  private selected = false;

  constructor(
    private readonly cpu: CPU,
    private readonly twi: AVRTWI,
    private readonly opts: Pcf8574Options,
  ) {}

  private after(bits: number, done: () => void): void {
    const hz = this.twi.sclFrequency;
    const cycles = Math.max(1, Math.round((bits * this.opts.cpuHz) / (hz > 0 ? hz : 100_000)));
    this.cpu.addClockEvent(done, cycles);
  }

  start(): void {
    this.starts++;
    this.after(1, () => this.twi.completeStart());
  }

  stop(): void {
    this.stops++;
    this.selected = false;
    this.after(1, () => this.twi.completeStop());
  }

  connectToSlave(addr: number, write: boolean): void {
    this.selected = addr === this.opts.address && write;
    this.after(9, () => this.twi.completeConnect(this.selected));
  }

  writeByte(value: number): void {
    if (!this.selected) {
      this.after(9, () => this.twi.completeWrite(false));
      return;
    }
    this.after(9, () => {
      this.bytesWritten++;
      this.opts.onWrite(value);
      this.twi.completeWrite(true);
    });
  }

  readByte(): void {
    this.after(9, () => this.twi.completeRead(0xff));
  }
}
