/**
 * Self-programming (SPM) for the simulated MCU, which avr8js leaves out: a
 * bootloader such as Optiboot erases and writes flash pages through SPMCSR
 * and the SPM instruction. What is modelled, after the ATmega328P/2560
 * datasheets ("Boot Loader Support – Read-While-Write Self-Programming"):
 *
 * - SPM acts only within 4 cycles of writing SPMCSR with SELFPRGEN (SPMEN)
 *   set, and only when executed from the boot section (SPM in the
 *   application section does nothing); after 4 cycles the command bits clear.
 * - SPMEN alone: fills the temporary page buffer with r1:r0 at word Z (each
 *   word once until the buffer is erased; later fills of it are ignored).
 * - PGERS|SPMEN: erases the page Z points to (to 0xFF).
 * - PGWRT|SPMEN: writes the temporary buffer to the page Z points to; like
 *   real flash it can only clear bits (old & new), then erases the buffer.
 * - Erase and write take 4.5 ms (the datasheet's longest tWD_FLASH). On a page
 *   in the read-while-write (RWW) section the CPU runs on, SPMEN stays set
 *   until the operation ends and RWWSB stays set until RWWSRE|SPMEN
 *   re-enables the section (which also erases the buffer); on a page in the
 *   no-read-while-write (NRWW) section the CPU halts for the duration.
 * - RAMPZ extends Z on the ATmega2560.
 *
 * Not modelled: reading the RWW section while it is busy (real hardware
 * returns garbage; here the old bytes), SIGRD and BLBSET (lock and fuse
 * bits), the SPM-ready interrupt.
 */
import type { CPU } from 'avr8js';

export interface SpmConfig {
  /** Data address of SPMCSR (0x57 on both chips). */
  SPMCSR: number;
  /** Data address of RAMPZ, on chips with more than 64 KB of flash. */
  RAMPZ?: number;
  /** Flash page size in bytes (128 on the ATmega328P, 256 on the ATmega2560). */
  pageBytes: number;
  /** First byte of the NRWW section (0x7000 on the ATmega328P, 0x3E000 on the ATmega2560). */
  nrwwStart: number;
  /** First byte of the boot section (from the BOOTSZ fuses; 0x7E00 on an Uno with Optiboot). */
  bootStart: number;
  /** CPU clock, to time erase and write. */
  cpuHz: number;
}

export const SPMCSR_SPMEN = 0x01;
export const SPMCSR_PGERS = 0x02;
export const SPMCSR_PGWRT = 0x04;
export const SPMCSR_BLBSET = 0x08;
export const SPMCSR_RWWSRE = 0x10;
export const SPMCSR_SIGRD = 0x20;
export const SPMCSR_RWWSB = 0x40;

/** Page erase and page write time (tWD_FLASH, at most 4.5 ms). */
export const SPM_PAGE_MS = 4.5;

/** Opcodes of SPM and SPM Z+. */
const SPM = 0x95e8;
const SPM_INC = 0x95f8;

export interface SpmStats {
  erases: number;
  writes: number;
}

export class SelfProgramming {
  /** True from a write of SPMCSR with SPMEN until the 4-cycle window has passed: the CPU loop checks the next instruction then. */
  armed = false;
  readonly stats: SpmStats = { erases: 0, writes: 0 };
  private armedAt = 0;
  private busyUntil = -1;
  private readonly buffer: Uint16Array;
  private readonly loaded: Uint8Array;
  private readonly opCycles: number;

  constructor(
    private readonly cpu: CPU,
    private readonly cfg: SpmConfig,
  ) {
    this.buffer = new Uint16Array(cfg.pageBytes / 2).fill(0xffff);
    this.loaded = new Uint8Array(cfg.pageBytes / 2);
    this.opCycles = Math.round((SPM_PAGE_MS * cfg.cpuHz) / 1000);
    cpu.writeHooks[cfg.SPMCSR] = (value) => {
      this.expire();
      const d = this.cpu.data;
      if (this.busy) {
        // while an erase or write runs, SPMCSR ignores new commands
        return true;
      }
      // RWWSB is read-only: it clears only through RWWSRE
      d[cfg.SPMCSR] = (value & ~SPMCSR_RWWSB) | (d[cfg.SPMCSR] & SPMCSR_RWWSB);
      if (value & SPMCSR_SPMEN) {
        this.armed = true;
        this.armedAt = this.cpu.cycles;
      }
      return true;
    };
    cpu.readHooks[cfg.SPMCSR] = () => {
      this.expire();
      return this.cpu.data[cfg.SPMCSR];
    };
  }

  /** An erase or write is in progress. */
  get busy(): boolean {
    return this.cpu.cycles < this.busyUntil;
  }

  /**
   * Called by the CPU loop before each instruction while `armed`: performs
   * the SPM the CPU is about to execute (avr8js then steps over it as a
   * no-op), or lets the window lapse.
   */
  beforeInstruction(): void {
    const cpu = this.cpu;
    if (this.expire()) return;
    const op = cpu.progMem[cpu.pc];
    if (op !== SPM && op !== SPM_INC) return;
    this.armed = false;
    const d = cpu.data;
    const csr = d[this.cfg.SPMCSR];
    d[this.cfg.SPMCSR] = csr & ~0x3f;
    if (cpu.pc * 2 < this.cfg.bootStart) return; // SPM only works from the boot section
    const z = d[30] | (d[31] << 8) | (this.cfg.RAMPZ !== undefined ? d[this.cfg.RAMPZ] << 16 : 0);
    const page = z & ~(this.cfg.pageBytes - 1);
    const cmd = csr & 0x3e;
    if (cmd === 0) {
      const i = (z & (this.cfg.pageBytes - 1)) >> 1;
      if (!this.loaded[i]) {
        this.buffer[i] = d[0] | (d[1] << 8);
        this.loaded[i] = 1;
      }
    } else if (cmd === SPMCSR_PGERS) {
      cpu.progBytes.fill(0xff, page, page + this.cfg.pageBytes);
      this.stats.erases++;
      this.startOp(csr, page);
    } else if (cmd === SPMCSR_PGWRT) {
      const words = cpu.progMem;
      const base = page >> 1;
      for (let i = 0; i < this.buffer.length; i++) words[base + i] &= this.buffer[i];
      this.eraseBuffer();
      this.stats.writes++;
      this.startOp(csr, page);
    } else if (cmd === SPMCSR_RWWSRE) {
      d[this.cfg.SPMCSR] &= ~SPMCSR_RWWSB;
      this.eraseBuffer();
    }
    // SIGRD, BLBSET: not modelled (nothing happens)
    if (op === SPM_INC) {
      // SPM Z+ increments Z (and RAMPZ) after the operation
      const next = z + 1;
      d[30] = next & 0xff;
      d[31] = (next >> 8) & 0xff;
      if (this.cfg.RAMPZ !== undefined) d[this.cfg.RAMPZ] = (next >> 16) & 0xff;
    }
  }

  private startOp(csr: number, page: number): void {
    const cpu = this.cpu;
    const d = cpu.data;
    if (page >= this.cfg.nrwwStart) {
      // an NRWW page: the CPU halts until it is done
      cpu.cycles += this.opCycles;
      return;
    }
    // an RWW page: the CPU runs on; SPMEN shows the operation busy, RWWSB the section unreadable
    this.busyUntil = cpu.cycles + this.opCycles;
    d[this.cfg.SPMCSR] = (csr & (SPMCSR_PGERS | SPMCSR_PGWRT | SPMCSR_SPMEN)) | SPMCSR_RWWSB;
    cpu.addClockEvent(() => {
      d[this.cfg.SPMCSR] &= ~(SPMCSR_PGERS | SPMCSR_PGWRT | SPMCSR_SPMEN);
    }, this.opCycles);
  }

  private eraseBuffer(): void {
    this.buffer.fill(0xffff);
    this.loaded.fill(0);
  }

  /** Ends the 4-cycle window after a write of SPMEN without SPM; true when it has ended. */
  private expire(): boolean {
    if (!this.armed) return false;
    if (this.cpu.cycles - this.armedAt <= 4) return false;
    this.armed = false;
    if (!this.busy) this.cpu.data[this.cfg.SPMCSR] &= ~0x3f;
    return true;
  }
}
