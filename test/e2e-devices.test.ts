/**
 * Several boards and a kiosk, end to end on simulated boards: one failing
 * board never affects another, a board plugged in late is picked up, and an
 * idle kiosk starts over with the welcome for a fresh user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge, type BridgeOptions } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { controlRequest } from '../bridge/control.js';
import { SerialError } from '../common/errors.js';
import { createPresetBoard, registerSimBoard, unregisterSimBoard } from '../bridge/sim/index.js';
import { frameToText } from '../bridge/lcd/text-view.js';
import { answeredRate } from '../bridge/link/baud.js';
import { SimBoard } from '../bridge/sim/board.js';
import { loadDevice } from '../firmware/devices/index.js';
import { fixtureHex } from './fixtures/sim/support.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
let n = 0;

const lcd = (b: SimBoard) => frameToText(b.lcd.frame(), b.lcd.rom).join('|');
function see(board: SimBoard, text: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!lcd(board).includes(text)) return;
      clearTimeout(t);
      board.off('change', check);
      resolve();
    };
    const t = setTimeout(() => {
      board.off('change', check);
      reject(new Error(`the LCD never showed "${text}"; it shows "${lcd(board)}"`));
    }, timeoutMs);
    board.on('change', check);
    check();
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(
  boards: SimBoard[],
  o: Partial<BridgeOptions> & { idleMinutes?: number } = {},
): Promise<{ bridge: Bridge; standIn: StandIn; paths: string[] }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bd-e2e-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const paths = boards.map((b) => {
    const path = `sim:e2e-dev-${n++}`;
    registerSimBoard(path, b);
    cleanups.push(() => unregisterSimBoard(path));
    return path;
  });
  const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
  cleanups.push(() => standIn.close());
  const bridge = new Bridge({
    devices: paths.map((port) => ({ port })),
    client: new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl }),
    users: new Users({ stateDir, idleMinutes: o.idleMinutes }),
    startMessage: 'hi',
    ui: { readingTime: { baseMs: 0, perCharMs: 0, minMs: 400, maxMs: 400 }, buttons: { LEFT: { send: 'ping me' } } },
    retryMinMs: 200,
    retryMaxMs: 400,
    ...o,
  });
  cleanups.push(() => bridge.stop());
  return { bridge, standIn, paths };
}

describe('several boards on one bridge', () => {
  it('finds each board’s line rate when none is configured: one at the default 250000, one flashed earlier at 115200', async () => {
    const now = createPresetBoard('lcd-keypad-shield');
    expect(now.device.baud).toBe(250000);
    const old = new SimBoard({
      device: { ...loadDevice('lcd-keypad-shield'), baud: 115200 },
      hex: fixtureHex('lcd-keypad-shield-115200'),
      source: 'lcd-keypad-shield-115200.hex',
    });
    const { bridge, standIn, paths } = await setup([now, old]);
    // each board's welcome, watched from the start: a board that shows it while the other is still
    // being found pages on to the options (reading time) before this test would look at it
    const welcomes = [now, old].map((b) => see(b, 'Weather', 30_000));
    await bridge.start();
    await Promise.all(welcomes);
    expect(paths.map((p) => answeredRate(p))).toEqual([250000, 115200]);
    for (const b of [now, old]) {
      b.press('LEFT', { holdMs: 60 });
      await see(b, 'You said: ping');
    }
    expect(standIn.processedMessages().sort()).toEqual(['hi', 'hi', 'ping me', 'ping me']);
    // the old board's firmware heard the 250000 tries garbled; the new one only while its bootloader (115200) ran
    expect(old.serial.stats.garbled).toBeGreaterThan(0);
  });

  it('serves a board while another is unplugged, and picks the other up when it is plugged in', async () => {
    const a = createPresetBoard('lcd-keypad-shield');
    const b = createPresetBoard('lcd-keypad-shield');
    b.unplug();
    const { bridge, standIn, paths } = await setup([a, b]);
    const problems: string[] = [];
    bridge.on('problem', (p) => problems.push(`${p.port}: ${p.error.message}`));
    const { online, failed } = await bridge.start();
    expect(online.map((s) => s.entry.port)).toEqual([paths[0]]);
    expect(failed.map((f) => [f.session.entry.port, f.retrying])).toEqual([[paths[1], true]]);
    expect(problems.join('\n')).toMatch(/Is the board plugged in/);

    await see(a, 'Weather');
    a.press('LEFT', { holdMs: 60 });
    await see(a, 'You said: ping');

    b.plug();
    await see(b, 'Weather');
    b.press('LEFT', { holdMs: 60 });
    await see(b, 'You said: ping');
    // two devices, two users, each message once
    expect(standIn.processedMessages().sort()).toEqual(['hi', 'hi', 'ping me', 'ping me']);
    expect(new Set(standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => q.headers.authorization)).size).toBe(2);
  });

  it('keeps serving one board while the other is unplugged mid-conversation, and a link error is reported, not thrown', async () => {
    const a = createPresetBoard('lcd-keypad-shield');
    const b = createPresetBoard('i2c-lcd-keypad');
    const { bridge, standIn } = await setup([a, b]);
    const problems: string[] = [];
    bridge.on('problem', (p) => problems.push(p.error.message));
    const { online } = await bridge.start();
    expect(online).toHaveLength(2);
    await see(a, 'Weather');
    await see(b, 'Weather');

    b.unplug();
    bridge.sessions[1].link.emit('error', new SerialError('Lost the board (test).', 'port-lost'));
    expect(problems).toContain('Lost the board (test).');
    a.press('LEFT', { holdMs: 60 });
    await see(a, 'You said: ping');
    expect(standIn.processedMessages()).toContain('ping me');

    b.plug();
    await see(b, 'Weather');
  });

  it('refuses a simulated port that names no preset, without a retry, and serves the others', async () => {
    const a = createPresetBoard('lcd-keypad-shield');
    const { bridge } = await setup([a]);
    const other = new Bridge({ ...(bridge as unknown as { opts: BridgeOptions }).opts, devices: [{ port: 'sim:no-such-board' }] });
    cleanups.push(() => other.stop());
    const { online, failed } = await other.start();
    expect(online).toEqual([]);
    expect(failed[0].retrying).toBe(false);
    expect(failed[0].error.exitCode).toBe(4);
    expect(failed[0].error.message).toMatch(/sim:no-such-board.*preset/);
  });
});

describe('firmware uploads', () => {
  it('lets go of a port when `firmware flash` asks, and takes the board back after, in the same conversation', async () => {
    const a = createPresetBoard('lcd-keypad-shield');
    const controlDir = mkdtempSync(join(tmpdir(), 'bd-ctl-'));
    cleanups.push(() => rmSync(controlDir, { recursive: true, force: true }));
    const { bridge, standIn, paths } = await setup([a], { controlDir });
    await bridge.start();
    await see(a, 'Weather');
    const states: string[] = [];
    bridge.on('state', (s) => states.push(s.state));

    expect(await controlRequest(controlDir, { op: 'release', port: paths[0] })).toEqual({ ok: true });
    expect(bridge.sessions[0].link.state).toBe('closed');
    expect(await controlRequest(controlDir, { op: 'release', port: '/dev/ttyNOT-MINE' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/does not hold/),
    });
    expect(await controlRequest(controlDir, { op: 'resume', port: paths[0] })).toEqual({ ok: true });
    await expect.poll(() => bridge.sessions[0].link.state, { timeout: 10_000 }).toBe('online');
    expect(states).toEqual(['closed', 'connecting', 'online']);

    a.press('LEFT', { holdMs: 60 });
    await see(a, 'You said: ping');
    expect(standIn.processedMessages()).toEqual(['hi', 'ping me']);
    expect(new Set(standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => q.headers.authorization)).size).toBe(1);
  });
});

describe('a kiosk', () => {
  it('starts over with the welcome for a fresh user after the idle time, once the conversation was used', async () => {
    const a = createPresetBoard('lcd-keypad-shield');
    const idleMinutes = 2 / 60; // two seconds
    const { bridge, standIn } = await setup([a], { idleMinutes });
    await bridge.start();
    await see(a, 'Weather');
    a.press('LEFT', { holdMs: 60 });
    await see(a, 'You said: ping');
    const before = standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => q.headers.authorization);
    expect(new Set(before).size).toBe(1);

    await see(a, 'Hello! I am the', 10_000);
    await see(a, 'Weather');
    expect(standIn.processedMessages()).toEqual(['hi', 'ping me', 'hi']);
    const after = standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => q.headers.authorization);
    expect(after[2]).not.toBe(after[0]);

    // an unused welcome is left alone: no new user for nobody
    await sleep(2600);
    expect(standIn.processedMessages()).toEqual(['hi', 'ping me', 'hi']);
  });
});
