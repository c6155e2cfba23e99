/**
 * A simulated board: avr8js running an unmodified firmware image (Uno/Nano:
 * ATmega328P, 32 KB flash, 2 KB SRAM; Mega 2560: 256 KB, 8 KB), with the
 * virtual parts the device description wires to it: the HD44780 (on pins or
 * behind a PCF8574 on TWI), buttons, ladder, keypad, LED and buzzer, and the
 * USART's serial line to the host.
 *
 * Over 400 lines: one MCU wired to avr8js (memories, peripherals, pins,
 * power, time, reset causes) is one object; the parts it drives are split
 * out (hd44780, pcf8574, inputs, line, spm).
 *
 * Time is simulated: CPU cycles at 16 MHz. `run(ms)` advances it
 * synchronously; `./runner.js` paces it to the wall clock.
 */
import { EventEmitter } from 'node:events';
import {
  ADCMuxInputType,
  AVRADC,
  AVRClock,
  AVREEPROM,
  AVRIOPort,
  AVRTimer,
  AVRTWI,
  AVRUSART,
  AVRWatchdog,
  CPU,
  EEPROMMemoryBackend,
  PinState,
  adcConfig,
  avrInstruction,
  clockConfig,
  eepromConfig,
  portAConfig,
  portBConfig,
  portCConfig,
  portDConfig,
  portEConfig,
  portFConfig,
  portGConfig,
  portHConfig,
  portJConfig,
  portKConfig,
  portLConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  twiConfig,
  usart0Config,
  watchdogConfig,
  type ADCConfig,
  type AVRPortConfig,
} from 'avr8js';
import { ConfigError } from '../../common/errors.js';
import { DeviceSchema, type Board, type Device, type DeviceInput } from '../../firmware/devices/schema.js';
import { Hd44780 } from './hd44780.js';
import { loadHex } from './hex.js';
import { VirtualInputs, type PinIo, type PressOptions } from './inputs.js';
import { SimSerial } from './line.js';
import { Pcf8574 } from './pcf8574.js';
import { pinRef, type PinRef, type PortName } from './pins.js';
import { SelfProgramming } from './spm.js';

/** The boards' clock. */
export const CPU_HZ = 16_000_000;

export interface SimBoardOptions {
  /** The device description (as JSON or parsed). */
  device: Device | DeviceInput;
  /** The firmware image as Intel HEX text. */
  hex: string;
  /** EEPROM contents at first power-on; default: erased (all 0xFF). */
  eeprom?: Uint8Array;
  /** Where the image came from, for error messages; default "the image". */
  source?: string;
  /**
   * A bootloader as Intel HEX (e.g. Optiboot), loaded at its own address
   * with the boot-reset fuse (BOOTRST) set: every reset starts it, and it
   * can rewrite the flash with SPM. Without one, resets start the image.
   */
  bootloader?: string;
  /** Where the bootloader came from, for error messages. */
  bootloaderSource?: string;
}

/** Why the MCU last started, as MCUSR tells the firmware. */
export type ResetCause = 'power' | 'external' | 'watchdog';

interface Chip {
  flashBytes: number;
  /** SRAM plus the register/IO space below it. */
  dataBytes: number;
  eepromBytes: number;
  ports: Partial<Record<PortName, AVRPortConfig>>;
  timers: (typeof timer0Config)[];
  usart: typeof usart0Config;
  adc: ADCConfig;
  twi: typeof twiConfig;
  eeprom: typeof eepromConfig;
  watchdog: typeof watchdogConfig;
  /** Flash page size, and where the no-read-while-write section starts (self-programming). */
  pageBytes: number;
  nrwwStart: number;
  /** RAMPZ's data address, on chips with more than 64 KB of flash. */
  rampz?: number;
}

const bare = (c: AVRPortConfig): AVRPortConfig => ({ PIN: c.PIN, DDR: c.DDR, PORT: c.PORT, externalInterrupts: [] });

const ATMEGA328P: Chip = {
  flashBytes: 0x8000,
  dataBytes: 0x900,
  eepromBytes: 1024,
  ports: { B: portBConfig, C: portCConfig, D: portDConfig },
  timers: [timer0Config, timer1Config, timer2Config],
  usart: usart0Config,
  adc: adcConfig,
  twi: twiConfig,
  eeprom: eepromConfig,
  watchdog: watchdogConfig,
  pageBytes: 128,
  nrwwStart: 0x7000,
};

// The ATmega2560 has the same peripherals at the same addresses, with other
// interrupt vectors (2 words each) and more ports.
const megaMux: ADCConfig['muxChannels'] = {};
for (let i = 0; i < 8; i++) {
  megaMux[i] = { type: ADCMuxInputType.SingleEnded, channel: i };
  megaMux[0x20 + i] = { type: ADCMuxInputType.SingleEnded, channel: 8 + i };
}
const ATMEGA2560: Chip = {
  flashBytes: 0x40000,
  dataBytes: 0x2200,
  eepromBytes: 4096,
  ports: {
    A: portAConfig,
    B: portBConfig,
    C: portCConfig,
    D: portDConfig,
    E: portEConfig,
    F: portFConfig,
    G: portGConfig,
    H: portHConfig,
    J: portJConfig,
    K: portKConfig,
    L: portLConfig,
  },
  timers: [
    {
      ...timer0Config,
      compAInterrupt: 0x2a,
      compBInterrupt: 0x2c,
      ovfInterrupt: 0x2e,
      compPortA: portBConfig.PORT,
      compPinA: 7,
      compPortB: portGConfig.PORT,
      compPinB: 5,
      externalClockPin: 7,
    },
    {
      ...timer1Config,
      captureInterrupt: 0x20,
      compAInterrupt: 0x22,
      compBInterrupt: 0x24,
      ovfInterrupt: 0x28,
      compPortA: portBConfig.PORT,
      compPinA: 5,
      compPortB: portBConfig.PORT,
      compPinB: 6,
      externalClockPin: 6,
    },
    {
      ...timer2Config,
      compAInterrupt: 0x1a,
      compBInterrupt: 0x1c,
      ovfInterrupt: 0x1e,
      compPortA: portBConfig.PORT,
      compPinA: 4,
      compPortB: portHConfig.PORT,
      compPinB: 6,
    },
  ],
  usart: { ...usart0Config, rxCompleteInterrupt: 0x32, dataRegisterEmptyInterrupt: 0x34, txCompleteInterrupt: 0x36 },
  adc: { ...adcConfig, adcInterrupt: 0x3a, numChannels: 16, muxInputMask: 0x3f, muxChannels: megaMux },
  twi: { ...twiConfig, twiInterrupt: 0x4e },
  eeprom: { ...eepromConfig, eepromReadyInterrupt: 0x3c },
  watchdog: { ...watchdogConfig, watchdogInterrupt: 0x18 },
  pageBytes: 256,
  nrwwStart: 0x3e000,
  rampz: 0x5b,
};
for (const k of Object.keys(ATMEGA2560.ports) as PortName[]) ATMEGA2560.ports[k] = bare(ATMEGA2560.ports[k]!);

const CHIPS: Record<Board, Chip> = { uno: ATMEGA328P, nano: ATMEGA328P, 'nano-new': ATMEGA328P, mega2560: ATMEGA2560 };

const MCUSR = 0x54;
const SPMCSR = 0x57;
const MCUSR_BITS: Record<ResetCause, number> = { power: 0x01, external: 0x02, watchdog: 0x08 };

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
}

/** The parts of one power-up of the MCU; rebuilt on every reset. */
interface Mcu {
  cpu: CPU;
  ports: Partial<Record<PortName, AVRIOPort>>;
  usart: AVRUSART;
  adc: AVRADC;
  twi: AVRTWI;
  pcf?: Pcf8574;
  spm: SelfProgramming;
}

export interface SimBoardEvents {
  /** What the LCD shows changed. */
  change: [];
  /** The MCU restarted (external reset, watchdog, or power-up). */
  reset: [cause: ResetCause];
  unplug: [];
  plug: [];
  /** The status LED went on or off. */
  led: [on: boolean];
  /** The firmware wrote (or erased) an EEPROM byte: keep it, as the real chip does. */
  eeprom: [addr: number];
}

export class SimBoard extends EventEmitter<SimBoardEvents> {
  readonly device: Device;
  readonly lcd: Hd44780;
  readonly serial: SimSerial;
  readonly inputs: VirtualInputs;
  /** EEPROM contents; they survive resets and unplugging. */
  readonly eeprom: Uint8Array;
  /** Bytes of flash the image uses. */
  readonly imageBytes: number;
  /** The flash, as the MCU sees it (a bootloader may rewrite it); it survives resets and unplugging. */
  readonly flash: Uint8Array;
  /** Byte address the MCU starts at after a reset: the bootloader's (BOOTRST set), else 0. */
  readonly resetVector: number;

  private readonly chip: Chip;
  private readonly progMem: Uint16Array;
  private readonly eepromBackend: EEPROMMemoryBackend;
  private mcu: Mcu | null = null;
  private offset = 0;
  private stoppedAt = 0;
  private queue: Scheduled[] = [];
  private seq = 0;
  private resetPending: ResetCause | null = null;
  private cpuStop = -Infinity;
  private ledLevel = false;
  private buzzerEdges: number[] = [];
  private readonly buzzerRef: PinRef | null;
  private readonly ledRef: PinRef | null;

  constructor(opts: SimBoardOptions) {
    super();
    const parsed = DeviceSchema.safeParse(opts.device);
    if (!parsed.success)
      throw new ConfigError(
        `the device description is not valid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}): fix it and try again`,
      );
    this.device = parsed.data;
    this.chip = CHIPS[this.device.board];
    const flash = new Uint8Array(this.chip.flashBytes);
    this.imageBytes = loadHex(opts.hex, flash, opts.source);
    this.resetVector = opts.bootloader ? this.loadBootloader(opts.bootloader, flash, opts.bootloaderSource) : 0;
    this.flash = flash;
    this.progMem = new Uint16Array(flash.buffer);
    this.eepromBackend = new EEPROMMemoryBackend(this.chip.eepromBytes);
    if (opts.eeprom) this.eepromBackend.memory.set(opts.eeprom.subarray(0, this.chip.eepromBytes));
    this.eeprom = this.eepromBackend.memory;
    const backend = this.eepromBackend;
    const write = backend.writeMemory.bind(backend);
    const erase = backend.eraseMemory.bind(backend);
    backend.writeMemory = (addr, value) => {
      write(addr, value);
      this.emit('eeprom', addr);
    };
    backend.eraseMemory = (addr) => {
      erase(addr);
      this.emit('eeprom', addr);
    };

    const d = this.device;
    this.lcd = new Hd44780({ cols: d.lcd.cols, rows: d.lcd.rows, rom: d.lcd.rom, now: () => this.nowUs });
    this.lcd.on('change', () => this.emit('change'));
    this.serial = new SimSerial(
      {
        cpuHz: CPU_HZ,
        now: () => this.nowCycles,
        schedule: (cycles, fn) => this.schedule(cycles, fn),
        toUsart: (b) => this.toUsart(b),
        usartBaud: () => (this.mcu && this.mcu.usart.txEnable ? this.usartBaud(this.mcu) : null),
      },
      d.baud,
    );
    this.inputs = new VirtualInputs(d.board, d, (us, fn) => this.schedule((us * CPU_HZ) / 1e6, fn));
    this.buzzerRef = d.buzzer ? pinRef(d.board, d.buzzer.pin) : null;
    this.ledRef = d.led ? pinRef(d.board, d.led.pin) : null;
    this.lcd.backlight = this.backlightDefault();
    this.powerUp('power');
  }

  // ---- time ----

  /** Simulated time since the board was created, in CPU cycles. */
  get nowCycles(): number {
    return this.mcu ? this.offset + this.mcu.cpu.cycles : this.stoppedAt;
  }
  get nowUs(): number {
    return (this.nowCycles * 1e6) / CPU_HZ;
  }
  get nowMs(): number {
    return (this.nowCycles * 1e3) / CPU_HZ;
  }

  /** Whether the board is plugged in (powered). */
  get powered(): boolean {
    return this.mcu !== null;
  }

  /** Data bytes the firmware wrote to the LCD's I2C backpack since power-up; undefined for a parallel LCD or unpowered. */
  get lcdBusBytes(): number | undefined {
    return this.mcu?.pcf?.bytesWritten;
  }

  /** Start and stop conditions on the LCD's I2C bus since power-up; undefined for a parallel LCD or unpowered. */
  get lcdBusConditions(): { starts: number; stops: number } | undefined {
    const pcf = this.mcu?.pcf;
    return pcf ? { starts: pcf.starts, stops: pcf.stops } : undefined;
  }

  /** Advances simulated time by `ms` milliseconds, synchronously. */
  run(ms: number): void {
    this.runTo(this.nowCycles + (ms * CPU_HZ) / 1e3);
  }

  /**
   * Runs in steps of `stepMs` until `done()` is true or `timeoutMs` of
   * simulated time have passed; returns whether `done()` became true.
   */
  runUntil(done: () => boolean, timeoutMs = 5000, stepMs = 1): boolean {
    const end = this.nowMs + timeoutMs;
    while (!done()) {
      if (this.nowMs >= end) return false;
      this.run(Math.min(stepMs, end - this.nowMs));
    }
    return true;
  }

  /** Advances simulated time to an absolute cycle count. */
  runTo(target: number): void {
    // Whole cycles only: with a fraction, the CPU (which steps in whole
    // cycles) could stand a hair short of the target and never take the step.
    target = Math.round(target);
    for (;;) {
      const next = this.queue.length ? this.queue[0].at : Infinity;
      const stop = Math.min(target, next);
      const mcu = this.mcu;
      if (mcu) {
        const cpu = mcu.cpu;
        // lowered by schedule() and by a watchdog reset while the CPU runs
        this.cpuStop = stop - this.offset;
        const spm = mcu.spm;
        while (cpu.cycles < this.cpuStop) {
          // self-programming, which avr8js lacks: only in the few cycles after SPMCSR was written
          if (spm.armed) spm.beforeInstruction();
          avrInstruction(cpu);
          cpu.tick();
        }
        this.cpuStop = -Infinity;
        if (this.resetPending !== null) {
          const cause = this.resetPending;
          this.resetPending = null;
          this.powerUp(cause);
          continue;
        }
      } else if (this.stoppedAt < stop) this.stoppedAt = stop;
      const now = this.nowCycles;
      if (this.queue.length && this.queue[0].at <= now) {
        while (this.queue.length && this.queue[0].at <= now) this.queue.shift()!.fn();
        continue;
      }
      if (now >= target) return;
    }
  }

  /** Runs `fn` after `cycles` CPU cycles of simulated time (survives resets). */
  schedule(cycles: number, fn: () => void): void {
    const item: Scheduled = { at: this.nowCycles + Math.max(0, Math.ceil(cycles)), seq: this.seq++, fn };
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1].at > item.at) i--;
    this.queue.splice(i, 0, item);
    if (item.at - this.offset < this.cpuStop) this.cpuStop = item.at - this.offset;
  }

  // ---- power and reset ----

  /** An external reset (the reset button, or DTR on an Uno): the MCU restarts, the LCD keeps its state. */
  reset(): void {
    if (!this.mcu) return;
    this.powerUp('external');
  }

  /** Pulls the USB cable: the MCU stops, the LCD goes dark, bytes in flight are lost. */
  unplug(): void {
    if (!this.mcu) return;
    this.stoppedAt = this.nowCycles;
    this.mcu = null;
    this.inputs.detach();
    this.serial.clear();
    this.lcd.powerOn();
    this.lcd.backlight = false;
    this.emit('unplug');
  }

  /** Plugs the cable back in: a power-on reset with a blank LCD. */
  plug(): void {
    if (this.mcu) return;
    this.lcd.powerOn();
    this.lcd.backlight = this.backlightDefault();
    this.powerUp('power');
    this.emit('plug');
  }

  // ---- inputs and outputs ----

  /** Presses a button (by name) or a keypad key (by its character). */
  press(name: string, opts?: PressOptions): void {
    this.inputs.press(name, opts);
  }
  release(name: string, opts?: Pick<PressOptions, 'bounce'>): void {
    this.inputs.release(name, opts);
  }

  /** The status LED (false without one). */
  get led(): boolean {
    return this.ledLevel;
  }

  /** The buzzer's frequency now in Hz (0: silent), from the pin's last edges. */
  get buzzerHz(): number {
    const e = this.buzzerEdges;
    if (e.length < 3 || this.nowCycles - e[e.length - 1] > CPU_HZ / 20) return 0;
    const period = e[e.length - 1] - e[e.length - 3];
    return period > 0 ? Math.round(CPU_HZ / period) : 0;
  }

  /** The MCU's data memory (registers, IO, SRAM) as it is now; empty while unplugged. For benchmarks (stack paint). */
  get data(): Uint8Array {
    return this.mcu ? this.mcu.cpu.data : new Uint8Array(0);
  }

  // ---- internals ----

  /** Loads a bootloader image; returns its start, which becomes the reset vector (BOOTRST). */
  private loadBootloader(hex: string, flash: Uint8Array, source = 'the bootloader'): number {
    const boot = new Uint8Array(flash.length).fill(0xff);
    const top = loadHex(hex, boot, source);
    let start = 0;
    while (start < top && boot[start] === 0xff) start++;
    // the boot section starts on a boot-size boundary (256, 512, 1024 or 2048 words) counted from the end
    const size = flash.length - start;
    const sizes = [512, 1024, 2048, 4096, ...(flash.length > 0x10000 ? [8192] : [])];
    const fit = sizes.find((s) => s >= size);
    if (start >= top || !fit || start < this.imageBytes || start !== flash.length - fit)
      throw new ConfigError(
        `${source} does not fit a boot section at the end of the ${flash.length}-byte flash (it starts at 0x${start.toString(16)}, the image ends at 0x${this.imageBytes.toString(16)}): use the bootloader built for this board (Optiboot for an Uno).`,
      );
    flash.set(boot.subarray(start), start);
    return start;
  }

  private backlightDefault(): boolean {
    const lcd = this.device.lcd;
    if (lcd.interface === 'i2c') return true;
    return lcd.backlight ? lcd.backlight.activeHigh : true;
  }

  private powerUp(cause: ResetCause): void {
    const now = this.nowCycles;
    const chip = this.chip;
    const cpu = new CPU(this.progMem, chip.dataBytes - 0x100);
    const ports: Mcu['ports'] = {};
    for (const [name, cfg] of Object.entries(chip.ports) as [PortName, AVRPortConfig][]) ports[name] = new AVRIOPort(cpu, cfg);
    const clock = new AVRClock(cpu, CPU_HZ, clockConfig);
    for (const t of chip.timers) new AVRTimer(cpu, t);
    const usart = new AVRUSART(cpu, chip.usart, CPU_HZ);
    const adc = new AVRADC(cpu, chip.adc);
    const twi = new AVRTWI(cpu, chip.twi, CPU_HZ);
    new AVREEPROM(cpu, this.eepromBackend, chip.eeprom);
    new AVRWatchdog(cpu, chip.watchdog, clock);
    cpu.reset = () => {
      this.resetPending = 'watchdog';
      this.cpuStop = -Infinity;
    };
    cpu.data[MCUSR] = MCUSR_BITS[cause];
    cpu.pc = this.resetVector / 2;
    const spm = new SelfProgramming(cpu, {
      SPMCSR,
      RAMPZ: chip.rampz,
      pageBytes: chip.pageBytes,
      nrwwStart: chip.nrwwStart,
      bootStart: this.resetVector || chip.flashBytes,
      cpuHz: CPU_HZ,
    });
    for (let i = 0; i < 16; i++) adc.channelValues[i] = 0;
    const mcu: Mcu = { cpu, ports, usart, adc, twi, spm };
    this.offset = now;
    this.mcu = mcu;

    usart.onByteTransmit = (b) => this.serial.fromBoard(b, this.usartFrameCycles(mcu));
    this.wireLcd(mcu);
    this.wireOutputs(mcu);
    this.inputs.attach(this.pinIo(mcu));
    this.emit('reset', cause);
  }

  /** The rate the USART makes, from its divisor as the firmware wrote it (16 MHz / (8 or 16 × (UBRR + 1))). */
  private usartBaud(mcu: Mcu): number {
    const d = mcu.cpu.data;
    const ubrr = ((d[this.chip.usart.UBRRH] & 0x0f) << 8) | d[this.chip.usart.UBRRL];
    const mult = d[this.chip.usart.UCSRA] & 0x02 ? 8 : 16;
    return CPU_HZ / (mult * (ubrr + 1));
  }

  private usartFrameCycles(mcu: Mcu): number {
    const d = mcu.cpu.data;
    const c = mcu.usart;
    const ubrr = (d[this.chip.usart.UBRRH] << 8) | d[this.chip.usart.UBRRL];
    const mult = d[this.chip.usart.UCSRA] & 0x02 ? 8 : 16;
    const symbols = 1 + c.bitsPerChar + c.stopBits + (c.parityEnabled ? 1 : 0);
    return (ubrr + 1) * mult * symbols;
  }

  private toUsart(b: number): 'ok' | 'off' | 'overrun' {
    const mcu = this.mcu;
    if (!mcu || !mcu.usart.rxEnable) return 'off';
    const overrun = !!(mcu.cpu.data[this.chip.usart.UCSRA] & 0x80);
    mcu.usart.writeByte(b, true);
    return overrun ? 'overrun' : 'ok';
  }

  private port(mcu: Mcu, ref: PinRef): AVRIOPort | null {
    return ref.port ? (mcu.ports[ref.port] ?? null) : null;
  }

  /** The level on a pin the MCU may drive: its output, or high when it is an input (pull-ups on the other side). */
  private level(mcu: Mcu, ref: PinRef): boolean {
    const p = this.port(mcu, ref);
    if (!p) return true;
    const s = p.pinState(ref.bit);
    return s !== PinState.Low;
  }

  private pinIo(mcu: Mcu): PinIo {
    return {
      drive: (ref, high) => this.port(mcu, ref)?.setPin(ref.bit, high),
      drivenLow: (ref) => this.port(mcu, ref)?.pinState(ref.bit) === PinState.Low,
      analog: (ch, volts) => {
        mcu.adc.channelValues[ch] = volts;
      },
      watch: (port, cb) => mcu.ports[port]?.addListener(() => cb()),
    };
  }

  private wireLcd(mcu: Mcu): void {
    const d = this.device;
    const lcd = d.lcd;
    if (lcd.interface === 'i2c') {
      const pcf = new Pcf8574(mcu.cpu, mcu.twi, {
        address: lcd.address,
        cpuHz: CPU_HZ,
        onWrite: (b) => {
          this.lcd.bus(!!(b & 1), !!(b & 2), !!(b & 4), b >> 4);
          if (lcd.backlight) this.lcd.backlight = !!(b & 8);
        },
      });
      mcu.twi.eventHandler = pcf;
      mcu.pcf = pcf;
      return;
    }
    const refs = [lcd.pins.rs, lcd.pins.en, lcd.pins.d4, lcd.pins.d5, lcd.pins.d6, lcd.pins.d7].map((p) => pinRef(d.board, p));
    const [rs, en, d4, d5, d6, d7] = refs;
    const update = () => {
      const nibble =
        (this.level(mcu, d4) ? 1 : 0) | (this.level(mcu, d5) ? 2 : 0) | (this.level(mcu, d6) ? 4 : 0) | (this.level(mcu, d7) ? 8 : 0);
      this.lcd.bus(this.level(mcu, rs), false, this.level(mcu, en), nibble);
    };
    const ports = new Set(refs.map((r) => r.port));
    for (const p of ports) if (p) mcu.ports[p]?.addListener(update);
    const bl = lcd.backlight;
    if (bl) {
      const ref = pinRef(d.board, bl.pin);
      const p = this.port(mcu, ref);
      const apply = () => {
        const s = p!.pinState(ref.bit);
        const high = s === PinState.High || s === PinState.Input || s === PinState.InputPullUp;
        this.lcd.backlight = high === bl.activeHigh;
      };
      p?.addListener(apply);
    }
  }

  private wireOutputs(mcu: Mcu): void {
    const led = this.ledRef;
    if (led) {
      const p = this.port(mcu, led);
      const apply = () => {
        const on = p!.pinState(led.bit) === PinState.High;
        if (on !== this.ledLevel) {
          this.ledLevel = on;
          this.emit('led', on);
        }
      };
      p?.addListener(apply);
      apply();
    }
    const bz = this.buzzerRef;
    if (bz) {
      const p = this.port(mcu, bz);
      let last = false;
      p?.addListener(() => {
        const high = p.pinState(bz.bit) === PinState.High;
        if (high === last) return;
        last = high;
        this.buzzerEdges.push(this.nowCycles);
        if (this.buzzerEdges.length > 4) this.buzzerEdges.shift();
      });
    }
  }
}
