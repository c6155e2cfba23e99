/**
 * Abuse of the webhook receiver, through the real Bridge with two fake
 * boards: thousands of malformed, oversize, wrong-method and wrong-path
 * (unauthenticated) requests, 50 at a time, to 127.0.0.1 only, with
 * legitimate pushes for each board sent in between.
 *
 * Must hold: every abusive request is refused with a 4xx; the heap after GC
 * grows by no more than a generous bound; every legitimate push still shows
 * on its own board's LCD, and never on the other one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { FakeBinding, FakeBoard, prng } from '../support/fake-board.js';

const ABUSE = 3000;
const CONCURRENCY = 50;
const MAX_BODY = 8192;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Answer {
  status: number | null;
  /** Set when the connection ended without a status (a refused oversize body may see a reset). */
  error?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(port: number, method: string, path: string, body: string | null, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? null }));
        res.on('error', () => resolve({ status: res.statusCode ?? null }));
      },
    );
    req.on('error', (e) => resolve({ status: null, error: e.message }));
    if (body !== null) req.end(body);
    else req.end();
  });
}

type Abuse = { kind: string; method: string; path: (hook: string) => string; body: string | null; headers?: Record<string, string> };

function abuses(rnd: () => number): Abuse[] {
  const big = 'x'.repeat(MAX_BODY + 1 + Math.floor(rnd() * 20_000));
  const junk = () => Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
  return [
    { kind: 'malformed JSON', method: 'POST', path: (h) => h, body: '{"webchat_id": "x", "responses": [' + junk() },
    { kind: 'not an object', method: 'POST', path: (h) => h, body: JSON.stringify([1, 2, 3]) },
    { kind: 'no webchat_id', method: 'POST', path: (h) => h, body: JSON.stringify({ responses: [{ type: 'text', text: 'who?' }] }) },
    { kind: 'empty body', method: 'POST', path: (h) => h, body: '' },
    {
      kind: 'junk as form',
      method: 'POST',
      path: (h) => h,
      body: junk(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    { kind: 'oversize', method: 'POST', path: (h) => h, body: JSON.stringify({ webchat_id: 'x', pad: big }) },
    { kind: 'oversize, chunked', method: 'POST', path: (h) => h, body: big, headers: { 'transfer-encoding': 'chunked' } },
    {
      kind: 'wrong path',
      method: 'POST',
      path: () => `/botduino/${Math.floor(rnd() * 1e9).toString(36)}`,
      body: JSON.stringify({ webchat_id: 'x', responses: [] }),
    },
    { kind: 'no secret', method: 'POST', path: () => '/botduino/', body: '{}' },
    { kind: 'root', method: 'GET', path: () => '/', body: null },
    { kind: 'wrong method', method: 'GET', path: (h) => h, body: null },
    { kind: 'traversal', method: 'POST', path: (h) => `${h}/../../etc/passwd`, body: '{}' },
  ];
}

describe('the webhook under abuse', () => {
  it('refuses thousands of bad requests with 4xx, keeps its memory, and still delivers real pushes to the right board', async () => {
    const rnd = prng(4242);
    const stateDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'botduino-fault-hook-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true, maxRetries: 5 }));
    const bd = await startStandIn({ appId: '21', domain: 'https://p0o9i8u7y6.botduino-test.net' });
    cleanups.push(() => bd.close());
    const boards = [new FakeBoard({ id: 'hook-a' }), new FakeBoard({ id: 'hook-b' })];
    cleanups.push(() => FakeBoard.destroyAll());
    const bridge = new Bridge({
      devices: boards.map((b) => ({ port: b.path })),
      binding: FakeBinding,
      client: new BotDistriktClient({ appId: bd.appId, domain: bd.domain, baseUrl: bd.baseUrl }),
      users: new Users({ stateDir }),
      startMessage: 'hi',
      ui: { readingTime: { baseMs: 0, perCharMs: 0, minMs: 150, maxMs: 150 } },
      webhook: { host: '127.0.0.1', port: 0, maxBody: MAX_BODY },
    });
    cleanups.push(() => bridge.stop());
    const { online } = await bridge.start();
    expect(online).toHaveLength(2);
    await expect.poll(() => bd.processedMessages().length, { timeout: 5000 }).toBe(2); // both registered and welcomed
    const hook = bridge.webhook!;
    bd.setWebhookUrl(hook.url);
    const ids = await Promise.all(online.map((s) => s.channel!.webchatId()));

    // what each LCD shows over time
    const seen = boards.map(() => new Set<string>());
    const watch = setInterval(() => boards.forEach((b, i) => seen[i].add(b.lcd.text().join('|'))), 10);
    cleanups.push(() => clearInterval(watch));

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const kinds = abuses(rnd);
    const statuses = new Map<string, Set<number | string>>();
    const pushes: { board: number; marker: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ABUSE) {
        const n = next++;
        if (n % 300 === 150) {
          const board = pushes.length % 2;
          const marker = `${'AB'[board]} no ${pushes.length}`;
          pushes.push({ board, marker });
          const rec = await bd.push(ids[board], marker, 'human', 'agent-1');
          expect(rec.status).toBe(200);
          continue;
        }
        const a = kinds[n % kinds.length];
        const ans = await request(hook.port, a.method, a.path(hook.path), a.body, a.headers);
        const set = statuses.get(a.kind) ?? new Set();
        set.add(ans.status ?? `reset: ${ans.error}`);
        statuses.set(a.kind, set);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

    for (const [kind, set] of statuses) {
      for (const s of set) {
        if (typeof s === 'number') expect(s, kind).toBeGreaterThanOrEqual(400);
        if (typeof s === 'number') expect(s, kind).toBeLessThan(500);
        // only a refused oversize body may be cut off before its 413 is read
        else expect(kind, `${kind}: ${s}`).toMatch(/oversize/);
      }
      expect(
        [...set].some((s) => typeof s === 'number'),
        `${kind} got an answer`,
      ).toBe(true);
    }
    expect(heapGrowth).toBeLessThan(40 * 1024 * 1024);

    for (const p of pushes) {
      await expect.poll(() => [...seen[p.board]].some((t) => t.includes(p.marker)), { timeout: 10_000 }).toBe(true);
      expect([...seen[1 - p.board]].some((t) => t.includes(p.marker))).toBe(false);
    }
    expect(pushes.length).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
