/**
 * Brownout with the real firmware on the simulated board: the board resets
 * while the port stays open, and the HELLO it sends at boot is garbled on
 * the line. The link must notice the reset from the boot counter in the
 * board's PONGs, redraw the LCD, and deliver the board's next key press
 * (its event seq starts again at 1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink } from '../bridge/link/link.js';
import type { InputEvent } from '../bridge/link/types.js';
import { blankFrame } from '../bridge/lcd/screen.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import type { FaultHook } from '../bridge/sim/line.js';
import { createPresetBoard } from '../bridge/sim/presets.js';

const PATH = 'sim:brownout-test';

/** Flips a bit in every byte after "HELLO" of the next HELLO line the board sends, while armed. */
function garbleNextHello(): FaultHook & { armed: boolean; garbled: number } {
  let line = '';
  const hook = (dir: string, byte: number): number => {
    if (dir !== 'to-host') return byte;
    if (byte === 10) {
      if (hook.armed && line.startsWith('HELLO')) {
        hook.armed = false;
        hook.garbled++;
      }
      line = '';
      return byte;
    }
    line += String.fromCharCode(byte);
    return hook.armed && line.length > 5 && line.startsWith('HELLO') ? byte ^ 0x04 : byte;
  };
  hook.armed = false;
  hook.garbled = 0;
  return hook;
}

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs; // a bound for a stuck test only, sized for a loaded machine
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a board that browns out on the simulated board', () => {
  let link: DeviceLink | null = null;
  afterEach(async () => {
    await link?.stop();
    unregisterSimBoard(PATH);
  });

  /** The shield on the simulated line, a HELLO garbler armed on demand, and a link online to it. */
  async function online(pingIntervalMs: number) {
    const board = createPresetBoard('lcd-keypad-shield');
    const hook = garbleNextHello();
    board.serial.fault = hook;
    registerSimBoard(PATH, board, { run: 'realtime' });
    const l = new DeviceLink({ path: PATH, binding: SimBinding, pingIntervalMs });
    link = l;
    const inputs: InputEvent[] = [];
    l.on('input', (e) => inputs.push(e));
    await l.start();
    return { board, hook, inputs, link: l };
  }

  /** Shows a screen the firmware's boot will clear, and waits until the LCD has it. */
  async function showBefore(l: DeviceLink, board: ReturnType<typeof createPresetBoard>) {
    const f = blankFrame(16, 2);
    f.rows = ['Before the'.padEnd(16), 'brownout'.padEnd(16)];
    l.show(f);
    await until('the screen', () => board.lcd.text().join('|') === f.rows.join('|'));
    return f;
  }

  it('is noticed though its boot HELLO is garbled: the LCD is redrawn and the next key press arrives', async () => {
    const { board, hook, inputs, link } = await online(200);

    // A few events first, so that the board's seq is well past 1.
    for (const [i, name] of ['UP', 'DOWN', 'LEFT'].entries()) {
      board.press(name, { holdMs: 40 });
      await until(`${name} down and up`, () => inputs.length === 2 * (i + 1));
    }
    expect(inputs).toHaveLength(6);
    const f = await showBefore(link, board);

    const duplicates = link.stats().duplicates; // a retransmit racing its ACK may count one before
    hook.armed = true;
    board.reset();
    await until('the firmware to clear the LCD at boot', () => board.lcd.text().join('').trim() === '');
    await until('the LCD to be redrawn', () => board.lcd.text().join('|') === f.rows.join('|'));
    expect(hook.garbled).toBe(1); // the boot HELLO never reached the link whole
    expect(link.state).toBe('online');

    board.press('SELECT', { holdMs: 40 });
    await until('the press after the reset', () => inputs.length === 8, 10_000);
    expect(inputs.slice(6).map((e) => e.type === 'button' && `${e.action} ${e.button}`)).toEqual(['down SELECT', 'up SELECT']);
    expect(link.stats().duplicates).toBe(duplicates); // the new boot's seq 1 was not taken for an old event
  }, 60_000);

  it('does not lose a press made before the link hears of the reset: its seq looks old, so the link asks the boot counter before it acknowledges', async () => {
    // no heartbeat in the test's time: only the duplicate can make the link ask
    const { board, hook, inputs, link } = await online(600_000);

    // Two events (seq 1 and 2): the link expects 3. After the reset the board numbers from 1 again, and the
    // link's cumulative ACK of a "duplicate" 2 would match the new press's release and drop both.
    board.press('UP', { holdMs: 40 });
    await until('UP down and up', () => inputs.length === 2);
    const f = await showBefore(link, board);
    const pings = link.stats().pingsSent;
    const duplicates = link.stats().duplicates; // a retransmit racing its ACK may count one before

    hook.armed = true;
    board.reset();
    await until('the firmware to clear the LCD at boot', () => board.lcd.text().join('').trim() === '');
    expect(link.state).toBe('online');
    expect(link.stats().pingsSent).toBe(pings); // the link has not heard of the reset
    board.press('SELECT', { holdMs: 40 });
    await until('the press after the reset', () => inputs.length === 4, 10_000);
    expect(hook.garbled).toBe(1);
    expect(inputs.slice(2).map((e) => e.type === 'button' && `${e.action} ${e.button}`)).toEqual(['down SELECT', 'up SELECT']);
    expect(link.stats().pingsSent).toBeGreaterThan(pings); // the question the duplicate asked
    expect(link.stats().duplicates).toBe(duplicates); // the new boot's events were not taken for old ones
    await until('the LCD to be redrawn', () => board.lcd.text().join('|') === f.rows.join('|'));
  }, 60_000);
});
