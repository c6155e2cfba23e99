/**
 * Small measuring helpers of the bench's host sections (scale, fleet):
 * waiting on a condition, the CPU wait of this process's main thread,
 * percentiles.
 */
import { readFileSync } from 'node:fs';

/** Polls `done` every 20 ms; after `timeoutMs`, throws naming `what`, or returns when `what` is null (the caller counts what is missing). */
export async function waitFor(done: () => boolean, timeoutMs: number, what: string | null): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) {
      if (what === null) return; // the caller counts what is missing
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How long this process's main thread has waited on a run queue for a CPU, ms (Linux's schedstat); null where there is none. */
export function cpuWaitMs(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}

/** The value below which a share `p` of the sorted values lie (NaN for none). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** x to 2 decimals. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
