/**
 * Reproducible line faults for the fault suite: a share of whole frames
 * dropped and a share of bytes corrupted (one bit flipped), from a seed.
 *
 *   board.faults.toHost = frameFaults({ seed: 1, dropFrames: 0.01, corruptBytes: 0.01 });  // a FakeBoard
 *   simBoard.serial.fault = simLineFaults({ seed: 2, dropFrames: 0.01, corruptBytes: 0.01 }); // a SimBoard
 *
 * Each keeps counts of what it did, so a test can show the faults happened.
 */
import type { FaultHook, LineDirection } from '../../bridge/sim/line.js';
import { prng, type Fault } from '../../support/fake-board.js';

export interface LineFaultOptions {
  /** Seed of the random choices; default 1. */
  seed?: number;
  /** Share of frames (lines) dropped whole; default 0. */
  dropFrames?: number;
  /** Share of the remaining bytes with one bit flipped; default 0. */
  corruptBytes?: number;
}

/** What a fault did so far. */
export interface FaultCounts {
  frames: number;
  droppedFrames: number;
  bytes: number;
  corruptedBytes: number;
}

/**
 * For a FakeBoard (`board.faults.toHost` / `toBoard`): each chunk is a line
 * there (the link writes, and the fake board sends, one line at a time), so a
 * chunk is a frame.
 */
export function frameFaults(opts: LineFaultOptions): Fault & { counts: FaultCounts } {
  const rnd = prng(opts.seed ?? 1);
  const counts: FaultCounts = { frames: 0, droppedFrames: 0, bytes: 0, corruptedBytes: 0 };
  const fault = (chunk: Buffer): Buffer => {
    counts.frames++;
    if (rnd() < (opts.dropFrames ?? 0)) {
      counts.droppedFrames++;
      return Buffer.alloc(0);
    }
    const out = Buffer.from(chunk);
    for (let i = 0; i < out.length; i++) {
      counts.bytes++;
      if (rnd() < (opts.corruptBytes ?? 0)) {
        out[i] ^= 1 << Math.floor(rnd() * 8);
        counts.corruptedBytes++;
      }
    }
    return out;
  };
  return Object.assign(fault, { counts });
}

/**
 * For the simulated board's line (`board.serial.fault`), byte by byte in
 * both directions: at the first byte of a frame it decides whether the whole
 * frame (up to its "\n") is lost.
 */
export function simLineFaults(opts: LineFaultOptions): FaultHook & { counts: FaultCounts; enabled: boolean } {
  const rnd = prng(opts.seed ?? 1);
  const counts: FaultCounts = { frames: 0, droppedFrames: 0, bytes: 0, corruptedBytes: 0 };
  const state: Record<LineDirection, { atStart: boolean; dropping: boolean }> = {
    'to-board': { atStart: true, dropping: false },
    'to-host': { atStart: true, dropping: false },
  };
  const hook = (dir: LineDirection, byte: number): number | null => {
    const s = state[dir];
    if (!hook.enabled) {
      s.atStart = byte === 10;
      return byte;
    }
    if (s.atStart) {
      counts.frames++;
      s.dropping = rnd() < (opts.dropFrames ?? 0);
      if (s.dropping) counts.droppedFrames++;
    }
    s.atStart = byte === 10;
    if (s.dropping) return null;
    counts.bytes++;
    if (rnd() < (opts.corruptBytes ?? 0)) {
      counts.corruptedBytes++;
      return byte ^ (1 << Math.floor(rnd() * 8));
    }
    return byte;
  };
  hook.counts = counts;
  /** Faults apply only while true (a test turns them off to let the line settle). */
  hook.enabled = true;
  return hook;
}
