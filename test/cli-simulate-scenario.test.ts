import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../bridge/cli/main.js';
import { parseScenario } from '../bridge/cli/scenario.js';
import { playScenario } from '../bridge/cli/simulate.js';
import { blankFrame } from '../bridge/lcd/screen.js';
import { CPU_HZ, type SimBoard } from '../bridge/sim/index.js';
import { EXIT } from '../common/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'botduino-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function simulate(preset: string, scenario: string, args: string[] = []) {
  const script = join(dir, `s${n++}.jsonl`);
  writeFileSync(script, scenario);
  let stdout = '';
  let stderr = '';
  const t0 = Date.now();
  const code = await main(['simulate', '--preset', preset, '--script', script, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      BOTDUINO_STATE_DIR: join(dir, `state${n}`),
      NO_COLOR: '1',
    },
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  });
  const snapshots = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { t: number; rows: string[] });
  return { code, stderr, snapshots, wallMs: Date.now() - t0 };
}

describe('scenario files', () => {
  it('take a // comment after a step', () => {
    expect(
      parseScenario('{"at": 2500, "tap": "SELECT"}   // press and release\n{"after": 10, "tap": "DOWN"} // "quoted // text"').map(
        (s) => s.t,
      ),
    ).toEqual([2500, 2510]);
    expect(parseScenario('{"at": 1, "press": "a // b"}')[0]).toMatchObject({ press: 'a // b' });
  });

  it('count "after" following a "type" step from the end of the typing', () => {
    // "hi": h = 4,4 and i = 4,4,4: five presses of 200 ms and two letters of 1300 ms
    expect(parseScenario('{"at": 1000, "type": "hi"}\n{"after": 300, "tap": "#"}').map((s) => s.t)).toEqual([
      1000,
      1000 + 5 * 200 + 2 * 1300 + 300,
    ]);
  });

  it('name the line of text that cannot be typed', () => {
    expect(() => parseScenario('{"at": 1, "tap": "1"}\n{"after": 1, "type": "café"}')).toThrow(/line 2: "é" cannot be typed/);
  });
});

describe('simulate with a scenario', () => {
  it('ends with exit 3 and a clear message when a key is not on the preset, at once', async () => {
    const r = await simulate('lcd-keypad-shield', '{"at": 100, "tap": "5"}\n');
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toContain(
      'The scenario step at 100 ms presses "5", which lcd-keypad-shield does not have. It has: RIGHT UP DOWN LEFT SELECT.',
    );
    expect(r.stderr).toContain('--preset i2c-lcd-keypad');
    expect(r.wallMs).toBeLessThan(10_000);
  }, 30_000);

  it('ends with exit 3 on text that cannot be typed', async () => {
    const r = await simulate('i2c-lcd-keypad', '{"at": 100, "type": "é"}\n');
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/line 1: "é" cannot be typed/);
  }, 30_000);

  it('stops 1.5 s after the typing of its last step, not 12 s later', async () => {
    const r = await simulate('i2c-lcd-keypad', '{"at": 1000, "type": "a"}\n');
    expect(r.code, r.stderr).toBe(EXIT.ok);
    // "a" = one press (200 ms) and the letter pause (1300 ms): ends at 2500 + 1500 settle
    expect(r.snapshots.at(-1)!.t).toBeLessThanOrEqual(4000 + 50);
  }, 60_000);
});

describe('snapshots on the I2C preset', () => {
  it('show only whole screens: every snapshot of the welcome is the whole welcome', async () => {
    const r = await simulate('i2c-lcd-keypad', '{"at": 3000}\n');
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const welcome = r.snapshots.filter((s) => s.rows.join('|').includes('Hello!'));
    expect(welcome.length).toBeGreaterThan(0);
    for (const s of welcome)
      expect(s.rows).toEqual(['Hello! I am the     ', 'botduino demo bot.  ', 'What would you      ', 'like?              ▼']);
  }, 60_000);
});

describe('a board slowed down', () => {
  it('types the same letter at a sixth of real speed: multi-tap keeps the board’s time, not the wall clock’s', async () => {
    // "h" is two presses of 4, 200 ms apart on the board: 1.2 s of wall time at a sixth of real speed,
    // past the 1 s multi-tap timeout if the bridge counted in wall time ("g", then "g" again)
    const r = await simulate('i2c-lcd-keypad', '{"at": 1500, "tap": "*"}\n{"after": 200, "type": "h"}\n', [
      '--duration',
      '2400',
      '--slowdown',
      '6',
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.snapshots.at(-1)!.rows.slice(2)).toEqual(['Message:         abc', 'h                   ']);
    expect(r.snapshots.at(-1)!.t).toBeLessThanOrEqual(2400);
  }, 120_000);

  it('says what a slowdown below 1 is not', async () => {
    const r = await simulate('i2c-lcd-keypad', '{"at": 100}\n', ['--slowdown', '0.5']);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toContain('--slowdown 0.5 is not a slowdown: give a number from 1 (real speed) up');
  });
});

describe('the settle check', () => {
  it('ends at the scenario’s end, however the change’s time rounds (a change at cycle 923321)', async () => {
    // 40 ms after cycle 923321 rounds to 39.99999999999999 ms gone and 0 ms left: the check must not
    // wait again at the same cycle (it did, forever, at 100 % CPU)
    const board = new StubBoard();
    const out = {
      data: (v: unknown) => shots.push(v as { t: number }),
      note: () => {},
      progress: () => () => {},
      color: false,
      json: true,
    };
    const shots: { t: number }[] = [];
    board.schedule(923321, () => board.show('Hello!'));
    const done = playScenario(board as unknown as SimBoard, { timeline: [], endAt: 200 }, out);
    board.runUntil(200);
    await expect(done).resolves.toBe(EXIT.ok);
    expect(shots.map((s) => s.t)).toEqual([0, 98]); // at the start, and once settled 40 ms after the change at 57.7 ms
  });
});

/** Just enough of a simulated board for playScenario: its time in cycles, a schedule and a 16×2 LCD. */
class StubBoard extends EventEmitter {
  private cycles = 0;
  private queue: { at: number; fn: () => void }[] = [];
  private top = '';
  readonly lcd = { frame: () => ({ ...blankFrame(16, 2), rows: [this.top, ''] }), rom: 'A00' as const };
  show(text: string): void {
    this.top = text;
    this.emit('change');
  }
  get nowMs(): number {
    return (this.cycles * 1e3) / CPU_HZ;
  }
  schedule(cycles: number, fn: () => void): void {
    this.queue.push({ at: this.cycles + Math.max(0, Math.ceil(cycles)), fn });
    this.queue.sort((a, b) => a.at - b.at);
  }
  runUntil(ms: number): void {
    let sameCycle = 0;
    while (this.queue.length && this.queue[0].at <= (ms * CPU_HZ) / 1e3) {
      const next = this.queue.shift()!;
      sameCycle = next.at === this.cycles ? sameCycle + 1 : 0;
      if (sameCycle > 1000) throw new Error(`a callback keeps scheduling itself at cycle ${this.cycles}`);
      this.cycles = next.at;
      next.fn();
    }
  }
}
