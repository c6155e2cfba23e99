/**
 * The bridge app over fake boards (MockBinding-based, test/support): what it
 * does when a board cannot be served, and that a failure inside one
 * device's path is reported, never thrown out of the process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge, type BridgeOptions } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { MismatchError } from '../common/errors.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  FakeBoard.destroyAll();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bridgeFor(boards: FakeBoard[], o: Partial<BridgeOptions> = {}): Promise<{ bridge: Bridge; standIn: StandIn; users: Users }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bd-app-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
  cleanups.push(() => standIn.close());
  const users = new Users({ stateDir });
  const bridge = new Bridge({
    devices: boards.map((b) => ({ port: b.path, device: 'lcd-keypad-shield' })),
    client: new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl }),
    users,
    binding: FakeBinding,
    startMessage: 'hi',
    retryMinMs: 50,
    retryMaxMs: 100,
    linkOptions: { handshakeTimeoutMs: 500 },
    ...o,
  });
  cleanups.push(() => bridge.stop());
  return { bridge, standIn, users };
}

describe('the bridge app', () => {
  it('does not retry a board with other firmware: it says to reflash, and serves the others', async () => {
    const good = new FakeBoard();
    const wrong = new FakeBoard({ fingerprint: '0BADF00D', version: '0.0.9' });
    const { bridge, standIn } = await bridgeFor([good, wrong]);
    const states: string[] = [];
    bridge.on('state', (s) => s.port === wrong.path && states.push(s.state));
    const { online, failed } = await bridge.start();
    expect(online.map((s) => s.entry.port)).toEqual([good.path]);
    expect(failed).toHaveLength(1);
    expect(failed[0].retrying).toBe(false);
    expect(failed[0].error).toBeInstanceOf(MismatchError);
    expect(failed[0].error.message).toContain('botduino firmware flash --device lcd-keypad-shield');
    const seen = states.length;
    await sleep(400);
    expect(states.length).toBe(seen); // no further tries
    await expect.poll(() => standIn.processedMessages()).toEqual(['hi']);
  });

  it('tries a silent board again in the background and serves it once it answers', async () => {
    const late = new FakeBoard();
    late.unplug();
    const { bridge, standIn } = await bridgeFor([late]);
    const problems: string[] = [];
    bridge.on('problem', (p) => problems.push(p.error.message));
    const { online, failed } = await bridge.start();
    expect(online).toEqual([]);
    expect(failed[0].retrying).toBe(true);
    await sleep(300);
    expect(problems).toHaveLength(1); // the same reason is told once, not at every try
    late.plug();
    await expect.poll(() => standIn.processedMessages(), { timeout: 5000 }).toEqual(['hi']);
    expect(bridge.sessions[0].link.state).toBe('online');
  });

  it('reports a failure in a device action as a problem instead of crashing', async () => {
    const board = new FakeBoard();
    const { bridge, users, standIn } = await bridgeFor([board], { ui: { buttons: { LEFT: 'new-conversation' } } });
    const problems: string[] = [];
    bridge.on('problem', (p) => problems.push(p.error.message));
    await bridge.start();
    await expect.poll(() => standIn.processedMessages()).toEqual(['hi']);
    users.rotate = async () => {
      throw new Error('the state file cannot be written (disk full)');
    };
    board.press('LEFT', 'down');
    board.press('LEFT', 'up');
    await expect.poll(() => problems).toEqual([expect.stringContaining('disk full')]);
    // and the device goes on working
    await sleep(100);
    expect(bridge.sessions[0].link.state).toBe('online');
  });

  it('shows a pushed message only on the device whose user it names', async () => {
    const a = new FakeBoard();
    const b = new FakeBoard();
    const { bridge, standIn, users } = await bridgeFor([a, b], {
      webhook: { host: '127.0.0.1', port: 0 },
      ui: { readingTime: { baseMs: 0, perCharMs: 0, minMs: 200, maxMs: 200 } },
    });
    await bridge.start();
    standIn.setWebhookUrl(bridge.webhook!.url);
    await expect.poll(() => standIn.processedMessages()).toEqual(['hi', 'hi']);
    for (const user of standIn.users.keys()) {
      const deviceId = await users.deviceOf(user);
      const port = bridge.sessions.find((s) => s.deviceId === deviceId)!.entry.port;
      const [mine, theirs] = port === a.path ? [a, b] : [b, a];
      await standIn.push(user, `For ${port}`);
      await expect.poll(() => mine.lcd.text().join('|'), { timeout: 5000 }).toContain('Agent:');
      expect(theirs.lcd.text().join('|')).not.toContain(`For ${port}`);
      break;
    }
  });
});
