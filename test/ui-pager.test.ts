/**
 * The pager alone: which lines and options a window shows, where each
 * command moves it, and the ▲/▼ page indicators, for documents laid out
 * as an LCD of 16×2 would show them.
 */
import { describe, expect, it } from 'vitest';
import { CharMap } from '../bridge/ui/charmap.js';
import { buildDoc, type OptionItem } from '../bridge/ui/view.js';
import { indicators, move, moveDetail, optionsInWindow, type PageState } from '../bridge/ui/pager.js';
import type { NavCommand } from '../bridge/ui/compose.js';

const map = new CharMap('A00');
const opt = (label: string, kind: OptionItem['kind'] = 'choice'): OptionItem => ({
  kind,
  source: { type: 'text', title: label } as OptionItem['source'],
  text: label,
  symbol: ' ',
  label,
});
/** 2 lines of text (16 columns, narrow: 15) and 3 options: 5 lines, pages of 2. */
const doc = buildDoc('Pick a size for your pizza', [opt('Small'), opt('Where', 'info'), opt('Large')], map, 16, 2, 7);
const at = (top: number, selected: number | null = null, index = 0): PageState => ({ index, top, selected });

describe('the pager', () => {
  it('lays the document out in lines: text first, then one line per option', () => {
    expect(doc.lines.map((l) => l.option ?? 'text')).toEqual(['text', 'text', 0, 1, 2]);
    expect(doc.narrow).toBe(true);
  });

  it.each<[string, PageState, NavCommand, number, PageState, number?]>([
    ['DOWN on the last page of text marks the first option, scrolling it in', at(0), 'down', 1, at(1, 0)],
    ['DOWN past the text marks the first option', at(2), 'down', 1, at(2, 0)],
    ['DOWN skips an option that cannot be chosen, scrolling it in', at(2, 0), 'down', 1, at(3, 2)],
    ['DOWN on the last option stays', at(3, 2), 'down', 1, at(3, 2)],
    ['UP marks the option before, scrolling it in', at(3, 2), 'up', 1, at(2, 0)],
    ['UP from the first option unmarks', at(2, 0), 'up', 1, at(2, null)],
    ['UP with nothing marked pages up', at(2), 'up', 1, at(0)],
    ['UP on the first page goes to the message before', at(0, null, 1), 'up', 2, at(0, null, 0)],
    ['NEXT on the last page goes to the next message', at(4), 'next', 2, at(0, null, 1)],
    ['NEXT on the last page of the last message stays', at(4), 'next', 1, at(4)],
    ['SELECT on the last page of the last message goes back to its first page', at(4), 'select', 1, at(0)],
    ['BACK pages up, never above the top', at(1), 'back', 1, at(0)],
    ['SELECT with nothing marked pages down', at(0), 'select', 1, at(2)],
    ['SELECT on a marked option activates it', at(2, 0), 'select', 1, at(2, 0), 0],
  ])('%s', (_name, from, cmd, messages, to, activate) => {
    const r = move(from, cmd, { doc, height: 2, messages });
    expect(r.state).toEqual(to);
    expect(r.activate).toBe(activate);
  });

  it.each([
    [0, false, { up: false, down: true }],
    [2, false, { up: true, down: true }],
    [4, false, { up: true, down: false }],
    [4, true, { up: true, down: true }],
  ])('indicators at line %i (another message after: %s)', (top, moreAfter, want) => {
    expect(indicators(doc, top, 2, moreAfter)).toEqual(want);
  });

  it('a one-page document shows ▼ only when another message follows', () => {
    const short = buildDoc('Hi', [opt('Yes')], map, 16, 2, 7);
    expect(short.narrow).toBe(false);
    expect(indicators(short, 0, 2, false)).toEqual({ up: false, down: false });
    expect(indicators(short, 0, 2, true)).toEqual({ up: false, down: true });
  });

  it('says which options are on which page', () => {
    expect([0, 2, 4].map((top) => optionsInWindow(doc, top, 2))).toEqual([[], [0, 1], [2]]);
  });

  it('pages through a text shown on its own, and SELECT pages on and closes it from the last page, BACK closes it', () => {
    expect(moveDetail(0, 'down', 5, 2)).toBe(2);
    expect(moveDetail(4, 'down', 5, 2)).toBe(4);
    expect(moveDetail(2, 'up', 5, 2)).toBe(0);
    expect(moveDetail(2, 'select', 5, 2)).toBe(4);
    expect(moveDetail(4, 'select', 5, 2)).toBeNull();
    expect(moveDetail(2, 'back', 5, 2)).toBeNull();
  });
});
