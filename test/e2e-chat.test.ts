/**
 * The whole walk on the simulated board: the committed firmware image runs in
 * avr8js, the real Bridge talks to it over the sim serial binding, the bot is
 * the local stand-in over real HTTP, and pushes come through the real webhook
 * receiver. Everything is checked where a person would look: the virtual LCD
 * and what reached the bot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { createPresetBoard, registerSimBoard, runnerFor, simClock, unregisterSimBoard, type SimBoard } from '../bridge/sim/index.js';
import type { UIOptions } from '../bridge/ui/options.js';
import { frameToText } from '../bridge/lcd/text-view.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
/** Short reading times so that pages turn quickly; everything else as shipped. */
const QUICK_UI: UIOptions = { readingTime: { baseMs: 0, perCharMs: 0, minMs: 400, maxMs: 400 } };

interface Rig {
  board: SimBoard;
  bridge: Bridge;
  standIn: StandIn;
  /** The LCD as a person reads it, rows joined by "|". */
  lcd(): string;
  /** Waits until the LCD shows `what` (a substring, or a test of the text). */
  see(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Taps a button or key and waits for the LCD to change (or a moment to pass). */
  tap(name: string): Promise<void>;
  /** Moves the mark with DOWN to the option starting with `title` and chooses it with `select`. */
  choose(title: string, select?: string): Promise<void>;
  /** Waits `ms` of the board's time. */
  pause(ms: number): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
let n = 0;

/**
 * A bridge and a simulated board. The bridge's timers (multi-tap, reading time, the link's) run on the
 * board's own time, and so do the test's waits: `slowdown` runs the board at a fraction of real speed and
 * nothing changes but how long the test takes.
 */
async function rig(
  preset: string,
  o: { ui?: UIOptions; startMessage?: string; sendTimeoutMs?: number; pushDelayMs?: number; slowdown?: number } = {},
): Promise<Rig> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bd-e2e-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const board = createPresetBoard(preset);
  if (o.slowdown) runnerFor(board, { slowdown: o.slowdown });
  const clock = simClock(board);
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const path = `sim:e2e-chat-${n++}`;
  registerSimBoard(path, board);
  cleanups.push(() => unregisterSimBoard(path));
  const standIn = await startStandIn({ appId: '42', domain: DOMAIN, pushDelayMs: o.pushDelayMs ?? 300 });
  cleanups.push(() => standIn.close());
  const client = new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl, sendTimeoutMs: o.sendTimeoutMs });
  const bridge = new Bridge({
    devices: [{ port: path, device: preset }],
    client,
    users: new Users({ stateDir }),
    startMessage: o.startMessage ?? 'hi',
    ui: { ...QUICK_UI, ...o.ui },
    webhook: { host: '127.0.0.1', port: 0 },
    clock,
  });
  cleanups.push(() => bridge.stop());
  const { online } = await bridge.start();
  expect(online).toHaveLength(1);
  standIn.setWebhookUrl(bridge.webhook!.url);

  const lcd = () => frameToText(board.lcd.frame(), board.lcd.rom).join('|');
  const changed = (before: string, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clock.clearTimeout(t);
        board.off('change', check);
        resolve();
      };
      const check = () => {
        if (lcd() !== before) done();
      };
      const t = clock.setTimeout(done, ms);
      board.on('change', check);
    });
  const see = (what: string | RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const test = () => (typeof what === 'string' ? lcd().includes(what) : what.test(lcd()));
      const check = () => {
        if (!test()) return;
        clearTimeout(t);
        board.off('change', check);
        resolve(lcd());
      };
      const t = setTimeout(() => {
        board.off('change', check);
        reject(new Error(`the LCD never showed ${String(what)}; it shows "${lcd()}"`));
      }, timeoutMs);
      board.on('change', check);
      check();
    });
  const tap = async (name: string) => {
    const before = lcd();
    board.press(name, { holdMs: 60 });
    await changed(before, 1500);
    await pause(150);
  };
  const choose = async (title: string, select = 'SELECT') => {
    const marked = new RegExp(`\\d→${title.slice(0, 6)}`);
    for (let i = 0; i < 8 && !marked.test(lcd()); i++) await tap('DOWN');
    expect(lcd()).toMatch(marked);
    board.press(select, { holdMs: 60 });
  };
  return { board, bridge, standIn, lcd, see, tap, choose, pause };
}

describe('chat on the simulated LCD keypad shield', () => {
  it('shows the welcome, sends a chosen option to the bot exactly once, and shows the answer', async () => {
    const r = await rig('lcd-keypad-shield');
    await r.see('Hello! I am the');
    await r.see('Weather');
    await r.choose('Joke');
    await r.see('Why did the LCD');
    expect(r.standIn.processedMessages()).toEqual(['hi', 'Joke']);
    const sent = r.standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => (q.body as { message: unknown }).message);
    expect(sent[1]).toMatchObject({ payload: 'JOKE' });
  });

  it('sends the text bound to a button and shows the echo', async () => {
    const r = await rig('lcd-keypad-shield', { ui: { buttons: { LEFT: { send: 'ping me' } } } });
    await r.see('Weather');
    r.board.press('LEFT', { holdMs: 60 });
    await r.see('You said: ping');
    expect(r.standIn.processedMessages()).toEqual(['hi', 'ping me']);
  });

  it("shows a live agent's pushed message, marked as the agent's", async () => {
    const r = await rig('lcd-keypad-shield', { pushDelayMs: 300 });
    await r.see('Weather');
    await r.choose('Talk to');
    await r.see('Connecting you');
    await r.see('Agent:');
    await r.see(/Agent: ?Hi, this/);
    expect(r.standIn.pushes.map((p) => [p.source, p.status])).toEqual([['human', 200]]);
  });

  it('shows "not sent" when the bot answers 500, and a retry press delivers the message once', async () => {
    const r = await rig('lcd-keypad-shield', { ui: { buttons: { LEFT: { send: 'ping me' } } } });
    await r.see('Weather');
    r.standIn.inject({ kind: 'status', status: 500 });
    r.board.press('LEFT', { holdMs: 60 });
    await r.see('Not sent');
    await r.see('SELECT to retry');
    expect(r.standIn.processedMessages()).toEqual(['hi']);
    r.board.press('SELECT', { holdMs: 60 });
    await r.see('You said: ping');
    expect(r.standIn.processedMessages()).toEqual(['hi', 'ping me']);
  });

  it('shows "not sent" when the bot answers after the send timeout, does not resend by itself, and retries on a press', async () => {
    const r = await rig('lcd-keypad-shield', { ui: { buttons: { LEFT: { send: 'ping me' } } }, sendTimeoutMs: 1500 });
    await r.see('Weather');
    r.standIn.inject({ kind: 'slow', ms: 4000 });
    r.board.press('LEFT', { holdMs: 60 });
    await r.see('Not sent');
    await r.see('to retry');
    await new Promise((res) => setTimeout(res, 1000));
    // the bot may have seen it (it answered too late): botduino does not send it again on its own
    expect(r.standIn.processedMessages()).toEqual(['hi', 'ping me']);
    r.board.press('SELECT', { holdMs: 60 });
    await r.see('You said: ping');
    expect(r.standIn.processedMessages()).toEqual(['hi', 'ping me', 'ping me']);
  });

  it('shows "Check setup / 404: app id" when BotDistrikt refuses the app id, with no retry and nothing resent', async () => {
    const r = await rig('lcd-keypad-shield', { ui: { buttons: { LEFT: { send: 'ping me' } } } });
    await r.see('Weather');
    r.standIn.inject({ kind: 'status', status: 404 }, { times: 5 });
    r.board.press('LEFT', { holdMs: 60 });
    await r.see('  Check setup   |  404: app id   '); // the whole screen, not one drawn halfway
    const arrived = r.standIn.requests.length;
    await new Promise((res) => setTimeout(res, 1000));
    expect(r.standIn.requests.length).toBe(arrived);
    expect(r.standIn.processedMessages()).toEqual(['hi']);
  });

  it('shows "Bot offline / retrying in Ns" while the bot is unreachable and shows the answer when it is back, no key pressed', async () => {
    const r = await rig('lcd-keypad-shield', { ui: { buttons: { LEFT: { send: 'ping me' } }, offlineRetryMs: 1000 } });
    await r.see('Weather');
    await r.standIn.refuse();
    r.board.press('LEFT', { holdMs: 60 });
    await r.see(/^ {2}Bot offline {3}\| retrying in \ds $/);
    await r.standIn.accept();
    await r.see('You said: ping', 15_000);
    expect(r.standIn.processedMessages()).toEqual(['hi', 'ping me']);
  });
});

describe('chat on the simulated 20×4 I2C LCD with a keypad', () => {
  async function typesHi(slowdown?: number) {
    const r = await rig('i2c-lcd-keypad', { startMessage: 'menu', ui: { multiTapMs: 600 }, slowdown });
    await r.see('Hello! I am the', 15_000 * (slowdown ?? 1));
    expect(r.lcd().split('|')).toHaveLength(4);
    expect(r.lcd().split('|')[0]).toHaveLength(20);
    await r.see('Weather', 15_000 * (slowdown ?? 1));
    await r.tap('*'); // digits choose the menu's options: * starts typing instead
    for (const k of ['4', '4']) await r.tap(k);
    await r.pause(900);
    for (const k of ['4', '4', '4']) await r.tap(k);
    await r.pause(900);
    await r.see('hi', 15_000 * (slowdown ?? 1));
    const before = r.standIn.processedMessages().length;
    r.board.press('#', { holdMs: 60 });
    await r.see('Hello! I am the', 15_000 * (slowdown ?? 1));
    await r.pause(300);
    expect(r.standIn.processedMessages()).toEqual(['menu', 'hi']);
    expect(before).toBe(1);
  }

  it('types "hi" by multi-tap, sends it with #, and shows the answer on 20×4', () => typesHi());

  // The bridge's 600 ms multi-tap timer and the test's waits run on the board's time: a board far slower than
  // real time (a loaded machine) types the same word.
  it('types "hi" by multi-tap with the board at a tenth of real speed', () => typesHi(10), 180_000);

  it('starts a new conversation with NEW: a fresh user, and the welcome again', async () => {
    const r = await rig('i2c-lcd-keypad', { startMessage: 'menu' });
    await r.see('Hello! I am the');
    const firstUser = r.standIn.requests.find((q) => q.path.endsWith('/message'))!.headers.authorization;
    await r.tap('NEW');
    await r.see('Hello! I am the');
    for (let i = 0; i < 100 && r.standIn.processedMessages().length < 2; i++) await new Promise((res) => setTimeout(res, 50));
    expect(r.standIn.processedMessages()).toEqual(['menu', 'menu']);
    const users = r.standIn.requests.filter((q) => q.path.endsWith('/message')).map((q) => q.headers.authorization);
    expect(users[1]).not.toBe(firstUser);
  });
});
