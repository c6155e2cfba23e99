/** The bridge's device link against the simulated board running the committed image, through SimBinding. */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink } from '../bridge/link/link.js';
import type { InputEvent } from '../bridge/link/types.js';
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
});
