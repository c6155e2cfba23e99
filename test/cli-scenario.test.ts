import { describe, expect, it } from 'vitest';
import { multiTapKeys, parseScenario } from '../bridge/cli/scenario.js';

describe('simulate scenarios', () => {
  it('resolves absolute and relative times in order', () => {
    const s = parseScenario(
      '{"at": 1000, "press": "SELECT"}\n{"after": 120, "release": "SELECT"}\n# a comment\n{"after": 500, "tap": "5", "holdMs": 80}\n',
    );
    expect(s.map((x) => x.t)).toEqual([1000, 1120, 1620]);
    expect(s[2]).toMatchObject({ tap: '5', holdMs: 80 });
  });

  it('names the line of a step it cannot read', () => {
    expect(() => parseScenario('{"at": 1, "press": "UP"}\n{"at": 2, "push": "UP"}')).toThrow(/line 2/);
    expect(() => parseScenario('{"at": 5, "tap": "1"}\nnot json')).toThrow(/line 2: not JSON/);
    expect(() => parseScenario('{"at": 500, "tap": "1"}\n{"at": 100, "tap": "2"}')).toThrow(/before the previous step/);
  });

  it('turns text into multi-tap key presses', () => {
    expect(multiTapKeys('hi 2')).toEqual([['4', '4'], ['4', '4', '4'], ['0'], ['2', '2', '2', '2']]);
    expect(() => multiTapKeys('ü')).toThrow(/cannot be typed/);
  });
});
