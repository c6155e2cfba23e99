/**
 * The rooms flow one way (cli → app → ui, botdistrikt, link, sim, relay →
 * lcd, chat → base → firmware → common → protocol; firmware tooling never
 * imports the bridge), and no files import each other in a circle.
 */
import { describe, expect, it } from 'vitest';
import { cycles, hiddenImports, importGraph, sourceFiles, violations, type Arrow } from './support/import-graph.js';

const arrow = (from: string, to: string, typeOnly = false): Arrow => ({ from, to, typeOnly });

describe('the dependency rule', () => {
  it('holds for every import of the house, type-only imports included', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const graph = importGraph(files);
    expect(graph.length).toBeGreaterThan(200);
    expect(violations(graph)).toEqual([]);
  });

  it('finds no cycle of files, type-only cycles included', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('finds no import whose module is named by an expression (an arrow no tool sees)', () => {
    expect(hiddenImports()).toEqual([]);
  });

  // The arrows that once ran against the flow: each must be refused.
  it.each([
    ['bridge/ui/charmap.ts', 'bridge/sim/rom.ts', 'the renderer importing the simulator'],
    ['bridge/sim/hd44780.ts', 'bridge/ui/screen.ts', 'the simulator importing the renderer'],
    ['bridge/link/link.ts', 'bridge/ui/screen.ts', 'the link importing the UI'],
    ['bridge/ui/compose.ts', 'bridge/link/types.ts', 'the UI importing the link'],
    ['firmware/build/build.ts', 'bridge/errors.ts', 'firmware tooling importing the bridge'],
    ['firmware/devices/index.ts', 'firmware/generator/device-paths.ts', 'devices importing the generator that imports them'],
    ['bridge/config-schema.ts', 'scripts/generated.ts', 'product code importing scripts'],
    ['bench/scale.ts', 'test/support/fake-board.ts', 'the bench importing the tests'],
    ['bridge/lcd/screen.ts', 'bridge/link/types.ts', 'the LCD module importing the link'],
    ['bridge/botdistrikt/client.ts', 'bridge/app.ts', 'a room below the app importing it'],
    ['bridge/app.ts', 'bridge/cli/main.ts', 'the app importing the CLI'],
    ['protocol/codec.ts', 'common/errors.ts', 'the protocol importing anything else'],
    ['bridge/log.ts', 'bridge/ui/render.ts', 'the base importing a room above it'],
  ])('refuses %s → %s (%s)', (from, to) => {
    expect(violations([arrow(from, to)])).toHaveLength(1);
    expect(violations([arrow(from, to, true)])).toHaveLength(1);
  });

  it('allows arrows down the flow and within a room', () => {
    expect(
      violations([
        arrow('bridge/cli/main.ts', 'bridge/app.ts'),
        arrow('bridge/app.ts', 'bridge/link/link.ts'),
        arrow('bridge/ui/render.ts', 'bridge/lcd/screen.ts'),
        arrow('bridge/link/link.ts', 'protocol/codec.ts'),
        arrow('bridge/sim/board.ts', 'firmware/devices/schema.ts'),
        arrow('firmware/build/build.ts', 'common/errors.ts'),
        arrow('bench/scale.ts', 'support/fake-board.ts'),
        arrow('bridge/link/link.ts', 'bridge/link/window.ts'),
      ]),
    ).toEqual([]);
  });

  it('finds a cycle made of type-only imports', () => {
    const found = cycles([arrow('bridge/link/a.ts', 'bridge/link/b.ts', true), arrow('bridge/link/b.ts', 'bridge/link/a.ts', true)]);
    expect(found).toEqual([['bridge/link/a.ts', 'bridge/link/b.ts']]);
  });
});
