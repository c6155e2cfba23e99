import { describe, expect, it } from 'vitest';
import { SimBoard } from '../bridge/sim/board.js';
import { collectLines, fixtureHex, inputsDevice } from './fixtures/sim/support.js';

/** A board running inputs.c, which reports "A=<adc0> K=<keypad mask> D=<buttons>" on every change. */
function probe() {
  const board = new SimBoard({ device: inputsDevice, hex: fixtureHex('inputs') });
  const lines = collectLines(board);
  board.run(20);
  const last = () => lines[lines.length - 1]?.line;
  return { board, lines, last };
}

describe('virtual inputs', () => {
  it('reads idle: ladder at 1023, no key, no button', () => {
    const { last } = probe();
    expect(last()).toBe('A=1023 K=000 D=0');
  });

  it('puts each ladder button in the middle of its ADC range', () => {
    const { board, last } = probe();
    for (const [name, min, max] of [
      ['RIGHT', 0, 60],
      ['UP', 61, 200],
      ['DOWN', 201, 400],
      ['LEFT', 401, 600],
      ['SELECT', 601, 850],
    ] as const) {
      board.press(name);
      board.run(5);
      expect(last()).toBe(`A=${Math.floor((min + max) / 2)} K=000 D=0`);
      board.release(name);
      board.run(5);
      expect(last()).toBe('A=1023 K=000 D=0');
    }
  });

  it('lets the lowest ladder place win when two are held', () => {
    const { board, last } = probe();
    board.press('LEFT');
    board.press('UP');
    board.run(5);
    expect(last()).toBe('A=130 K=000 D=0');
  });

  it('answers the keypad scan for one key and for two keys', () => {
    const { board, last } = probe();
    board.press('5');
    board.run(5);
    expect(last()).toBe('A=1023 K=010 D=0');
    board.press('#');
    board.run(5);
    expect(last()).toBe('A=1023 K=810 D=0');
    board.release('5');
    board.release('#');
    board.run(5);
    expect(last()).toBe('A=1023 K=000 D=0');
  });

  it('pulls digital buttons low while pressed and lets go after holdMs', () => {
    const { board, last, lines } = probe();
    board.press('NEW', { holdMs: 50 });
    board.run(10);
    expect(last()).toBe('A=1023 K=000 D=1');
    board.press('SEND');
    board.run(10);
    expect(last()).toBe('A=1023 K=000 D=3');
    board.release('SEND');
    const at = board.nowUs;
    board.run(50);
    expect(last()).toBe('A=1023 K=000 D=0');
    const released = lines.find((l) => l.atUs > at && l.line.endsWith('D=0'))!;
    expect(released.atUs / 1000).toBeGreaterThanOrEqual(70);
  });

  it('bounces a contact for a few ms before it settles, when asked', () => {
    const clean = probe();
    const n0 = clean.lines.length;
    clean.board.press('NEW');
    clean.board.run(10);
    expect(clean.lines.slice(n0).map((l) => l.line)).toEqual(['A=1023 K=000 D=1']);

    const bouncy = probe();
    const m0 = bouncy.lines.length;
    bouncy.board.press('NEW', { bounce: 5 });
    bouncy.board.run(10);
    const seen = bouncy.lines.slice(m0).map((l) => l.line);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[seen.length - 1]).toBe('A=1023 K=000 D=1');
    expect(seen).toContain('A=1023 K=000 D=0');
  });

  it('bounces keypad keys and ladder buttons too', () => {
    const { board, lines } = probe();
    const n0 = lines.length;
    board.press('7', { bounce: 8 });
    board.run(12);
    const key = lines.slice(n0).map((l) => l.line);
    expect(key.length).toBeGreaterThan(2);
    expect(key[key.length - 1]).toBe('A=1023 K=040 D=0');
    const n1 = lines.length;
    board.press('DOWN', { bounce: 8 });
    board.run(12);
    const ladder = lines.slice(n1).map((l) => l.line);
    expect(ladder.length).toBeGreaterThan(2);
    expect(ladder[ladder.length - 1]).toBe('A=300 K=040 D=0');
  });

  it('names the buttons and keys when asked for one that does not exist', () => {
    const { board } = probe();
    expect(() => board.press('ENTER')).toThrow(/no button or key named "ENTER".*"SELECT"/);
  });
});
