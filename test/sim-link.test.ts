/** The bridge's device link against the simulated board running the committed image, through SimBinding. */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink } from '../bridge/link/link.js';
import { pagePlan } from '../bridge/link/page-plan.js';
import type { FrameEvent, InputEvent } from '../bridge/link/types.js';
import { blankFrame } from '../bridge/lcd/screen.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import { createPresetBoard } from '../bridge/sim/presets.js';

describe('DeviceLink on a simulated board', () => {
  let link: DeviceLink | null = null;
  afterEach(async () => {
    await link?.stop();
    unregisterSimBoard('sim:link-test');
  });

  it('comes online, delivers a button press once, and reconnects after an unplug', async () => {
    const board = createPresetBoard('lcd-keypad-shield');
    registerSimBoard('sim:link-test', board, { run: 'fast' });
    link = new DeviceLink({ path: 'sim:link-test', binding: SimBinding, baudRate: 250000 });
    const inputs: InputEvent[] = [];
    link.on('input', (e) => inputs.push(e));
    const caps = await link.start();
    expect(caps.buttons).toEqual(['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT']);
    expect(caps.lcdKhz).toBe(0); // a parallel LCD: no I2C bus in its HELLO

    board.press('SELECT', { holdMs: 100 });
    while (inputs.length < 2) await once(link, 'input');
    expect(inputs.map((e) => e.type === 'button' && `${e.action} ${e.button}`)).toEqual(['down SELECT', 'up SELECT']);

    board.unplug();
    await once(link, 'state');
    board.plug();
    for (;;) {
      const [state] = await once(link, 'state');
      if (state === 'online') break;
    }
    board.press('UP', { holdMs: 100 });
    while (inputs.length < 4) await once(link, 'input');
    expect(inputs.slice(2).map((e) => e.type === 'button' && `${e.action} ${e.button}`)).toEqual(['down UP', 'up UP']);
  });

  it('writes a page change on a 20×4 behind a 100 kHz backpack unseen: the first row, CUR blank, the rest, the page at once', async () => {
    const board = createPresetBoard('i2c-lcd-keypad');
    registerSimBoard('sim:link-test', board, { run: 'fast' });
    link = new DeviceLink({ path: 'sim:link-test', binding: SimBinding, baudRate: 250000 });
    const sent: string[] = [];
    link.on('frame', (f: FrameEvent) => f.dir === 'tx' && sent.push(f.line));
    const caps = await link.start();
    expect(caps.lcd).toBe('i2c');
    expect(caps.lcdKhz).toBe(100); // from its HELLO: the bus the page plan reckons with
    const pageOf = (v: string) => ({ ...blankFrame(20, 4), rows: [0, 1, 2, 3].map((r) => `${v}${r}`.padEnd(20, v)) });
    const shows = (rows: string[]) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (board.lcd.displayOn && board.lcd.shownCodeRows().join('|') === rows.join('|')) {
            board.lcd.off('change', check);
            resolve();
          }
        };
        board.lcd.on('change', check);
        check();
      });
    link.show(pageOf('a'));
    await shows(pageOf('a').rows);
    const from = sent.length;
    let mixed = 0; // changes seen with old and new rows at once
    board.lcd.on('change', () => {
      const rows = board.lcd.shownCodeRows();
      if (rows.some((r, i) => r === pageOf('a').rows[i]) && rows.some((r, i) => r !== pageOf('a').rows[i] && r.trim() !== '')) mixed++;
    });
    link.show(pageOf('b'));
    await shows(pageOf('b').rows);
    // each frame once (on a loaded machine an acknowledgment may come after the link's timeout, and a frame go twice)
    const page = [...new Set(sent.slice(from))].map((l) => l.replace(/ \d+ /, ' # ').replace(/\*.*$/, ''));
    // sent in several windows of the board's buffer, still one plan: one blank, no clear, then the page shown
    expect(page.filter((l) => l.startsWith('CUR # n'))).toHaveLength(1);
    expect(page.some((l) => l.startsWith('CLR'))).toBe(false);
    const blank = page.indexOf('CUR # n 0 0');
    // the first row in the plan's pieces (a short first frame, so that the bus starts early), worked out once
    const firstRow = page.slice(0, blank).map((l) => /^TXT # 0 (\d+) "(.*)"$/.exec(l));
    expect(firstRow.every((m) => m !== null)).toBe(true);
    const lead = pagePlan(caps, 250000).lead;
    expect(lead.length).toBeGreaterThan(0);
    expect(firstRow.map((m) => m![2].length)).toEqual([...lead, 20 - lead.reduce((a, b) => a + b, 0)]);
    expect(page.at(-1)).toBe('CUR # o 0 0');
    expect(mixed).toBeGreaterThan(0); // the first row is written where it is seen…
    expect(board.lcd.shownCodeRows()).toEqual(pageOf('b').rows); // …and the rest appears at once
  });
});
