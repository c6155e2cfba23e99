/**
 * Line faults over mock bindings: a fake board and the real DeviceLink, with
 * every key event sent on to the bot through a Channel and the local
 * stand-in over HTTP. 10,000 key events and 2,000 screen updates through a
 * line that drops 1 % of frames and corrupts 1 % of bytes each way, with 5
 * unplug/replug cycles and 5 port glitches on the way. Seeded: a failure
 * reproduces.
 *
 * Must hold: every event reaches the bot exactly once and in order, and the
 * board ends up showing the host's last screen.
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
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { FakeBinding, FakeBoard, prng } from '../support/fake-board.js';
import { frameFaults } from './support/line-faults.js';

const SEED = 20261125;
const EVENTS = 10_000;
const SCREENS = 2_000;
const UNPLUGS = 5;
const GLITCHES = 5;

let bd: StandIn | null = null;
let link: DeviceLink | null = null;
let dir = '';
/** The last message handed to the channel: settled before the state folder goes. */
let lastSend: Promise<unknown> = Promise.resolve();
afterEach(async () => {
  await link?.stop();
  await lastSend;
  FakeBoard.destroyAll();
  await bd?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

const tick = () => new Promise((r) => setTimeout(r, 1));

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

function screen(i: number, rnd: () => number): ScreenFrame {
  const f = blankFrame(20, 4);
  const word = () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rnd() * 26)].repeat(1 + Math.floor(rnd() * 6));
  f.rows = [`update ${i}`, `${word()} ${word()} \xdf${i % 97}`, i % 3 ? 'unchanged row' : `every third ${i}`, word() + '\x01'].map((r) =>
    r.padEnd(20, ' ').slice(0, 20),
  );
  f.glyphs[1] = Uint8Array.of(0, 10, 0, 17, 14, 0, 0, i % 32);
  f.cursor = { mode: i % 2 ? 'line' : 'off', row: 3, col: i % 20 };
  return f;
}

describe('a faulty line under load, over mock bindings', () => {
  it('delivers 10,000 key events to the bot exactly once and ends on the host’s screen, through drops, corruption, unplugs and glitches', async () => {
    const rnd = prng(SEED);
    // Opening the port does not reset this board (no auto-reset), so the events it holds survive a reconnect;
    // unplugging still power-cycles it.
    const board = new FakeBoard({
      cols: 20,
      rows: 4,
      keypad: ['123', '456', '789', '*0#'],
      id: 'fault-1',
      retransmitMs: 25,
      bootMs: 5,
      resetOnOpen: false,
    });
    const toHost = frameFaults({ seed: SEED + 1, dropFrames: 0.01, corruptBytes: 0.01 });
    const toBoard = frameFaults({ seed: SEED + 2, dropFrames: 0.01, corruptBytes: 0.01 });
    board.faults = { toHost, toBoard };

    bd = await startStandIn({ appId: '9', domain: 'https://q7w3e9r1t5.botduino-test.net' });
    // state.json on a RAM disk where there is one: each send rewrites it, and fsync is not what this test is about
    dir = await fs.mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'botduino-fault-'));
    const channel = new Channel({
      deviceId: 'fault-1',
      client: new BotDistriktClient({ appId: bd.appId, domain: bd.domain, baseUrl: bd.baseUrl, retryDelayMs: 5 }),
      users: new Users({ stateDir: dir }),
    });
    link = new DeviceLink({
      path: board.path,
      binding: FakeBinding,
      minRtoMs: 15,
      initialRtoMs: 40,
      pingIntervalMs: 200,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      // the handshake goes through the faulty line too: a HELLO of ~90 bytes arrives intact about 40 % of
      // the time, so it may take a few WHOs
      handshakeTimeoutMs: 10_000,
    });
    let received = 0;
    const failures: string[] = [];
    const pressed: string[] = [];
    link.on('input', (ev) => {
      const n = received++;
      const what = ev.type === 'key' ? ev.key : ev.button;
      lastSend = channel.send({ text: `${n} ${what}` }).then((r) => {
        if (!r.ok) failures.push(r.error.message);
      });
    });
    await link.start();

    const keys = '0123456789*#';
    const unplugAt = new Set(Array.from({ length: UNPLUGS }, (_, i) => Math.round(((i + 1) * EVENTS) / (UNPLUGS + 1))));
    const glitchAt = new Set(Array.from({ length: GLITCHES }, (_, i) => Math.round(((i + 0.5) * EVENTS) / (GLITCHES + 1))));
    let last = screen(0, rnd);
    let screens = 0;
    while (pressed.length < EVENTS) {
      // a person cannot out-press the board's event queue (8 unacknowledged): keep a few in flight
      if (board.pendingEvents >= 6 || pressed.length - received >= 6 || link.state !== 'online') {
        await tick();
        continue;
      }
      const n = pressed.length;
      if (unplugAt.has(n)) {
        unplugAt.delete(n);
        // Pulling the cable loses what the board has not sent yet (its RAM): unplug once it is all through.
        await until('events before an unplug', () => received === pressed.length);
        board.unplug();
        await until('the link to notice the unplug', () => link!.state === 'reconnecting');
        link.show((last = screen(++screens, rnd))); // the host's screen changes meanwhile
        board.plug();
        continue;
      }
      if (glitchAt.has(n)) {
        glitchAt.delete(n);
        board.glitch(); // the port fails with events in flight; the board keeps them
      }
      const k = keys[Math.floor(rnd() * keys.length)];
      if (rnd() < 0.1) {
        const b = Math.floor(rnd() * 5);
        board.press(b);
        pressed.push(['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'][b]);
      } else {
        board.key(k);
        pressed.push(k);
      }
      if (n % 5 === 4 && screens < SCREENS) link.show((last = screen(++screens, rnd)));
      if (n % 50 === 0) await tick();
    }
    while (screens < SCREENS) link.show((last = screen(++screens, rnd)));
    await until('every event at the bot', () => bd!.processedMessages().length >= EVENTS, 120_000);
    await until(
      'the board to show the last screen',
      () => link!.stats().queueDepth === 0 && board.lcd.text().join('|') === last.rows.join('|'),
    );

    expect(toHost.counts.droppedFrames + toBoard.counts.droppedFrames).toBeGreaterThan(100);
    expect(toHost.counts.corruptedBytes + toBoard.counts.corruptedBytes).toBeGreaterThan(1000);
    expect(board.counters.drop).toBe(0);
    expect(failures).toEqual([]);
    const sent = bd.processedMessages();
    expect(sent).toHaveLength(EVENTS); // none lost, none twice
    expect(sent.map((t) => t.split(' ')[0])).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i)));
    expect(sent.map((t) => t.split(' ')[1])).toEqual(pressed); // in order, each once
    expect(link.screen).toEqual(last.rows);
    expect(board.lcd.glyphs[1]).toEqual(last.glyphs[1]);
    expect(board.lcd.cursor).toEqual(last.cursor.mode === 'off' ? { ...board.lcd.cursor, mode: 'off' } : last.cursor);
    expect(screens).toBe(SCREENS);
  }, 180_000);
});
