/**
 * A board that resets under the link (a brownout) while its HELLO is lost
 * on the line: the PONGs carry the new boot counter, and the link must take
 * that as the reset — redraw the LCD and expect the board's events from
 * seq 1 again, instead of acknowledging them as duplicates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../bridge/log.js';
import { DeviceLink } from '../bridge/link/link.js';
import type { InputEvent } from '../bridge/link/types.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

const links: DeviceLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

function frame(rows: string[], cols = 16): ScreenFrame {
  return { ...blankFrame(cols, rows.length), rows: rows.map((r) => r.padEnd(cols).slice(0, cols)) };
}

describe('a board that resets and whose HELLO is lost', () => {
  it('is noticed by the boot counter in its PONG: the LCD is redrawn and its next press is delivered', async () => {
    // Only WHO gets a HELLO out of this board: the one it sends at boot never arrives.
    const board = new FakeBoard({ helloAtBoot: false });
    const logged: string[] = [];
    const logger = createLogger({ level: 'info', color: false, write: (l) => logged.push(l) });
    const link = new DeviceLink({ path: board.path, binding: FakeBinding, pingIntervalMs: 50, handshakeTimeoutMs: 2000, logger });
    links.push(link);
    const inputs: InputEvent[] = [];
    let onlines = 0;
    link.on('input', (ev) => inputs.push(ev));
    link.on('online', () => onlines++);
    await link.start();

    // Enough events that the board's seq is far from 1 (1 would be "next" by luck).
    for (let i = 0; i < 6; i++) board.press('UP', i % 2 ? 'up' : 'down');
    await expect.poll(() => inputs.length).toBe(6);
    const f = frame(['Before the', 'brownout']);
    link.show(f);
    await expect.poll(() => board.lcd.text()).toEqual(f.rows);
    const onlinesBefore = onlines;

    board.reset(); // blank LCD, new boot counter, seq back to 1, no HELLO
    expect(board.lcd.text()).toEqual(['', ''].map((r) => r.padEnd(16)));
    await expect.poll(() => board.lcd.text(), { timeout: 5000 }).toEqual(f.rows);
    expect(onlines).toBe(onlinesBefore + 1); // the app hears of it as it would of a fresh HELLO
    expect(link.caps?.boot).toBe(board.boot);
    expect(link.stats().device?.boot).toBe(board.boot);

    board.press('SELECT');
    await expect.poll(() => inputs.length, { timeout: 5000 }).toBe(7);
    expect(inputs[6]).toMatchObject({ type: 'button', action: 'down', button: 'SELECT' });
    expect(link.stats().duplicates).toBe(0);
    expect(link.state).toBe('online');
    await new Promise((r) => setTimeout(r, 200)); // a few more PONGs of the new boot
    expect(logged.filter((l) => l.includes('board reset'))).toEqual([
      `info [link ${board.path}] board reset (boot ${board.boot}): redrawing`,
    ]);
  });
});
