/**
 * The botduino command runs the bridge with V8's allocation-site
 * pretenuring off (bridge/heap.ts). Checked with V8's own trace of its
 * pretenuring decisions, in fresh plain Node processes: a workload whose
 * objects all survive their first collection gets its allocation site
 * pretenured, and not once the bridge's flags are set the way tuneHeap()
 * sets them, after the process has started. And the command sets them.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_V8_FLAGS } from '../bridge/heap.js';

vi.mock('../bridge/heap.js', async (importOriginal) => ({ ...(await importOriginal<object>()), tuneHeap: vi.fn() }));

/** Objects from one site, kept long enough to survive collections, until the young generation is at its largest. */
const WORKLOAD = `
  function make(i, r) { return { a: i, b: r, c: [i, r] }; }
  let keep = [];
  for (let round = 0; round < 300; round++) {
    for (let i = 0; i < 20000; i++) keep.push(make(i, round));
    if (keep.length > 300000) keep = keep.slice(150000);
  }
`;

/** Runs `before` then the workload in a fresh Node process; returns how many allocation sites V8 decided to pretenure. */
function pretenured(before: string): number {
  const out = execFileSync(process.execPath, ['--trace-pretenuring-statistics', '-e', `${before}\n${WORKLOAD}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\n').filter((l) => l.includes('=> tenure')).length;
}

describe("the bridge process's garbage collector", () => {
  it('pretenures nothing with the flags set after start, as tuneHeap sets them (a plain process does)', () => {
    expect(pretenured('')).toBeGreaterThan(0); // the workload does trigger it
    expect(pretenured(`require('node:v8').setFlagsFromString(${JSON.stringify(BRIDGE_V8_FLAGS)});`)).toBe(0);
  }, 60_000);

  it('is set by the botduino command before it does anything else', async () => {
    const { tuneHeap } = await import('../bridge/heap.js');
    const { main } = await import('../bridge/cli/main.js');
    const quiet = { write: () => true };
    expect(await main(['--version'], { stdout: quiet, stderr: quiet })).toBe(0);
    expect(tuneHeap).toHaveBeenCalledTimes(1);
  });
});
