/**
 * The client's timeouts run on the clock it is given: a message the bot
 * received but never answered ends, when that clock says the time is up, as
 * "may have been sent", without waiting on the wall clock.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import type { Clock } from '../bridge/clock.js';
import { ApiError } from '../common/errors.js';

const DOMAIN = 'https://q7x2m9k4za.botduino-test.net';

/** A clock that moves only when told to. */
class ManualClock implements Clock {
  private t = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time on by `ms`, running the timers that fall due. */
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.t) break;
      this.timers.delete(id);
      timer.fn();
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

let server: http.Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  const s = server;
  server = undefined;
  if (s) await new Promise((r) => s.close(r));
});

/** A bot that takes in the whole message and never answers; resolves `received` with its text. */
async function silentBot(): Promise<{ url: string; received: Promise<string> }> {
  let got: (text: string) => void = () => {};
  const received = new Promise<string>((r) => (got = r));
  server = http.createServer((req) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => got((JSON.parse(body) as { message?: { text?: string } }).message?.text ?? ''));
  });
  server.on('connection', (s) => sockets.push(s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, received };
}

it('a message the bot never answers fails when the given clock reaches the timeout, as "may have been sent", and is not resent', async () => {
  const bot = await silentBot();
  const clock = new ManualClock();
  // an hour on the wall clock: only the manual clock can end this request within the test's time
  const client = new BotDistriktClient({ appId: '1', domain: DOMAIN, baseUrl: bot.url, sendTimeoutMs: 3_600_000, clock });
  const sent = client.sendMessage({ webchat_id: 'bd-0123456789abcdef0123456789abcdef' }, { text: 'hello' });
  const outcome = sent.then(
    () => null,
    (e: unknown) => e,
  );
  expect(await bot.received).toBe('hello');
  clock.advance(3_599_999);
  clock.advance(1);
  const err = await outcome;
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).notSent).toBe(false);
  expect((err as ApiError).message).toMatch(/within 3600 s/);
  expect(clock.pending).toBe(0);
});

it('the pause before retrying a refused connection runs on the given clock too', async () => {
  // a port nobody listens on: every try is refused, nothing is sent
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const clock = new ManualClock();
  const client = new BotDistriktClient({
    appId: '1',
    domain: DOMAIN,
    baseUrl: `http://127.0.0.1:${port}/api`,
    connectAttempts: 2,
    retryDelayMs: 3_600_000,
    clock,
  });
  const outcome = client.sendMessage({ webchat_id: 'bd-0123456789abcdef0123456789abcdef' }, { text: 'hello' }).then(
    () => null,
    (e: unknown) => e,
  );
  // the first try is refused, then the client waits for the clock (the timeout's timer and the pause's)
  while (clock.pending < 2) await new Promise((r) => setImmediate(r));
  clock.advance(3_600_000);
  const err = await outcome;
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).notSent).toBe(true);
});
