/**
 * The bot API failing for a while, through the real Bridge (a fake board on
 * a mock binding, the local stand-in over HTTP): connection refused, 5xx
 * answers and timeouts. Must hold: what the retry rules allow to keep is
 * kept — a refused connection is retried by itself ("Bot offline") and the
 * message arrives once; a 5xx or a timeout is not sent again by itself, the
 * LCD says "Not sent — SELECT to retry", and the retry press sends it once
 * more; a refused setup says "Check setup" and offers no retry.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  board: FakeBoard;
  bd: StandIn;
  lcd(): string;
  /** Times the bot processed `text`. */
  processed(text: string): number;
  /** Requests that reached the stand-in for `text`, processed or not. */
  arrived(text: string): number;
  /** Sends the channel reported as failed so far. */
  failed(): number;
}

async function rig(o: { startFails?: boolean } = {}): Promise<Rig> {
  const bd = await startStandIn({ appId: '11', domain: 'https://m2n4b6v8c0.botduino-test.net' });
  cleanups.push(() => bd.close());
  if (o.startFails) bd.inject({ kind: 'status', status: 503 }, { times: 1 });
  const stateDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'botduino-fault-api-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true, maxRetries: 5 }));
  const board = new FakeBoard({ id: 'api-1' });
  cleanups.push(() => FakeBoard.destroyAll());
  const bridge = new Bridge({
    devices: [{ port: board.path }],
    binding: FakeBinding,
    client: new BotDistriktClient({
      appId: bd.appId,
      domain: bd.domain,
      baseUrl: bd.baseUrl,
      sendTimeoutMs: 800,
      retryDelayMs: 150,
      connectAttempts: 3,
    }),
    users: new Users({ stateDir }),
    startMessage: 'hi',
    ui: {
      buttons: { RIGHT: { send: 'first try' }, LEFT: { send: 'second try' }, UP: { send: 'third try' } },
      offlineRetryMs: 300,
      offlineRetryMaxMs: 600,
    },
  });
  cleanups.push(() => bridge.stop());
  const { online } = await bridge.start();
  expect(online).toHaveLength(1);
  await expect.poll(() => online[0].channel).toBeTruthy();
  let failures = 0;
  online[0].channel!.on('failed', () => failures++);
  const text = (t: string) => (r: { body: unknown; path: string }) =>
    /\/message\/?$/.test(r.path) && ((r.body as { message?: { text?: string } })?.message?.text ?? '') === t;
  const r: Rig = {
    board,
    bd,
    lcd: () => board.lcd.text().join('|'),
    processed: (t) => bd.processedMessages().filter((m) => m === t).length,
    arrived: (t) => bd.requests.filter(text(t)).length,
    failed: () => failures,
  };
  if (o.startFails) return r;
  await expect.poll(() => r.processed('hi')).toBe(1); // the welcome
  await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Hello!/);
  return r;
}

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('when the bot API fails for a while', () => {
  it('retries a refused connection by itself and delivers the message once', async () => {
    const r = await rig();
    await r.bd.refuse();
    r.board.press('RIGHT');
    await pause(200); // the first attempt or two find nobody listening
    expect(r.arrived('first try')).toBe(0);
    await r.bd.accept();
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: first/);
    expect(r.processed('first try')).toBe(1);
    expect(r.arrived('first try')).toBe(1);
  });

  it('resends the start message when it failed and SELECT is pressed (no endless spinner)', async () => {
    const r = await rig({ startFails: true });
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Not sent.*SELECT to retry/);
    expect(r.processed('hi')).toBe(0);
    r.board.press('SELECT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Hello!/);
    expect(r.processed('hi')).toBe(1);
  });

  it('shows "Bot offline" while the bot stays unreachable, keeps trying by itself, and shows the answer when it is back', async () => {
    const r = await rig();
    await r.bd.refuse();
    r.board.press('RIGHT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Bot offline.*retrying/);
    expect(r.arrived('first try')).toBe(0);
    await r.bd.accept();
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: first/); // no key pressed
    expect(r.processed('first try')).toBe(1);
    expect(r.arrived('first try')).toBe(1);
  });

  it('shows "Check setup" when BotDistrikt refuses the app id, offers no retry, and sends nothing more by itself', async () => {
    const r = await rig();
    r.bd.inject({ kind: 'status', status: 404 }, { times: 10 });
    r.board.press('LEFT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Check setup.*404: app id/);
    expect(r.lcd()).not.toMatch(/retry/);
    const arrived = r.arrived('second try');
    await pause(500);
    expect(r.arrived('second try')).toBe(arrived);
    r.board.press('SELECT'); // dismisses; nothing is resent
    await expect.poll(r.lcd, { timeout: 5000 }).not.toMatch(/Check setup/);
    await pause(300);
    expect(r.arrived('second try')).toBe(arrived);
  });

  it('does not resend after a 5xx by itself; shows "not sent"; the retry press delivers it once', async () => {
    const r = await rig();
    r.bd.inject({ kind: 'status', status: 503 }, { times: 1 });
    r.board.press('LEFT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Not sent.*SELECT to retry/);
    await pause(500);
    expect(r.arrived('second try')).toBe(1); // the failed one, not repeated
    expect(r.processed('second try')).toBe(0);
    r.board.press('SELECT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: second/);
    expect(r.processed('second try')).toBe(1);
    expect(r.arrived('second try')).toBe(2);
  });

  it('does not resend after a timeout by itself (the bot may have it); the retry press sends it exactly once more', async () => {
    const r = await rig();
    r.bd.inject({ kind: 'slow', ms: 1500 }, { times: 1 });
    r.board.press('UP');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Not sent.*SELECT to retry/);
    await pause(1000); // the slow answer comes and goes
    expect(r.arrived('third try')).toBe(1);
    r.board.press('SELECT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: third/);
    expect(r.arrived('third try')).toBe(2);
    expect(r.processed('third try')).toBe(2); // the timed-out one reached the bot, as a timeout allows
  });

  it('shows "not sent" through a run of 5xx answers and keeps the conversation going after it', async () => {
    const r = await rig();
    r.bd.inject({ kind: 'status', status: 502 }, { times: 3 });
    for (let i = 0; i < 3; i++) {
      r.board.press(i === 0 ? 'RIGHT' : 'SELECT');
      await expect.poll(r.failed, { timeout: 5000 }).toBe(i + 1);
      await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/Not sent.*SELECT to retry/);
      expect(r.arrived('first try')).toBe(i + 1);
    }
    r.board.press('SELECT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: first/);
    expect(r.processed('first try')).toBe(1);
    expect(r.arrived('first try')).toBe(4);
    r.board.press('LEFT');
    await expect.poll(r.lcd, { timeout: 5000 }).toMatch(/You said: second/);
    expect(r.processed('second try')).toBe(1);
  });
});
