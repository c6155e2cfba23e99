/**
 * Line faults with the real firmware: the committed lcd-keypad-shield image
 * on the simulated board, the real DeviceLink, and a Channel to the local
 * stand-in. A few hundred button events and a hundred screen updates
 * through a line that drops 1 % of frames and corrupts 1 % of bytes each
 * way, with two unplug/replug cycles. Seeded.
 *
 * Must hold: every event reaches the bot exactly once, in order, and the
 * virtual LCD ends up showing the host's last screen.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Channel } from '../bridge/botdistrikt/channel.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { DeviceLink } from '../bridge/link/link.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { prng } from '../support/fake-board.js';
import { simLineFaults } from './support/line-faults.js';

const SEED = 8086;
const PRESSES = 150; // a down and an up each: 300 events
const SCREENS = 100;
const PATH = 'sim:fault-line';
const BUTTONS = ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'];

let bd: StandIn | null = null;
let link: DeviceLink | null = null;
let dir = '';
/** The last message handed to the channel: settled before the state folder goes. */
let lastSend: Promise<unknown> = Promise.resolve();
afterEach(async () => {
  await link?.stop();
  await lastSend;
  unregisterSimBoard(PATH);
  await bd?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function screen(i: number): ScreenFrame {
  const f = blankFrame(16, 2);
  f.rows = [`screen ${i}`.padEnd(16), `${'=+-*'[i % 4].repeat(i % 17)}`.padEnd(16)];
  return f;
}

describe('a faulty line with the real firmware on the simulated board', () => {
  it('delivers every button event to the bot exactly once and ends on the host’s screen, through drops, corruption and unplugs', async () => {
    const rnd = prng(SEED);
    const board = createPresetBoard('lcd-keypad-shield');
    const faults = simLineFaults({ seed: SEED, dropFrames: 0.01, corruptBytes: 0.01 });
    board.serial.fault = faults;
    registerSimBoard(PATH, board, { run: 'realtime' }); // leaves the event loop to the HTTP side between slices

    bd = await startStandIn({ appId: '3', domain: 'https://z8x6c4v2b0.botduino-test.net' });
    dir = await fs.mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'botduino-fault-sim-'));
    const channel = new Channel({
      deviceId: 'sim-1',
      client: new BotDistriktClient({ appId: bd.appId, domain: bd.domain, baseUrl: bd.baseUrl, retryDelayMs: 5 }),
      users: new Users({ stateDir: dir }),
    });
    link = new DeviceLink({ path: PATH, binding: SimBinding, baudRate: 250000, reconnectMinMs: 20, reconnectMaxMs: 200, minRtoMs: 30 });
    const got: string[] = [];
    link.on('input', (ev) => {
      const text = `${got.length} ${ev.action} ${ev.type === 'button' ? ev.button : ev.key}`;
      got.push(text.slice(text.indexOf(' ') + 1));
      lastSend = channel.send({ text });
    });
    await link.start();

    const want: string[] = [];
    let last = screen(0);
    let screens = 0;
    for (let i = 0; i < PRESSES; i++) {
      if (i === 50 || i === 100) {
        // pulling the cable loses what the board has not sent yet: unplug when it is all through
        await until('events before an unplug', () => got.length === want.length);
        board.unplug();
        await until('the link to notice', () => link!.state === 'reconnecting');
        link.show((last = screen(++screens)));
        board.plug();
        await until('the link to come back', () => link!.state === 'online');
      }
      // one finger: the buttons share one analog ladder, so a press waits for the last one's release to arrive
      await until('the last press to arrive', () => got.length === want.length && link!.state === 'online');
      const name = BUTTONS[Math.floor(rnd() * BUTTONS.length)];
      board.press(name, { holdMs: 30 + Math.floor(rnd() * 30) });
      want.push(`down ${name}`, `up ${name}`);
      if (screens < SCREENS - 2 && i % 3 === 0) link.show((last = screen(++screens)));
    }
    while (screens < SCREENS) link.show((last = screen(++screens)));
    await until('every event at the bot', () => bd!.processedMessages().length >= want.length, 60_000);
    await until(
      'the LCD to show the last screen',
      () => link!.stats().queueDepth === 0 && board.lcd.codeRows().join('|') === last.rows.join('|'),
    );

    expect(faults.counts.droppedFrames).toBeGreaterThan(5);
    expect(faults.counts.corruptedBytes).toBeGreaterThan(50);
    expect(got).toEqual(want);
    const sent = bd.processedMessages();
    expect(sent).toHaveLength(want.length); // none lost, none twice
    expect(sent.map((t) => t.slice(t.indexOf(' ') + 1))).toEqual(want);
    expect(link.screen).toEqual(last.rows);
    expect(board.lcd.text()).toEqual(last.rows);
  }, 150_000);
});
