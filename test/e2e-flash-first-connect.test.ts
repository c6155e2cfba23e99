/** `firmware flash` asking for the port while the bridge is still in its first connect. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { controlRequest } from '../bridge/control.js';
import { createPresetBoard, registerSimBoard, unregisterSimBoard } from '../bridge/sim/index.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a flash during the first connect', () => {
  it('leaves the board waiting for the upload to end (the bridge does not give up on it) and takes it back on resume', async () => {
    const board = createPresetBoard('lcd-keypad-shield');
    const path = 'sim:flash-first-connect';
    registerSimBoard(path, board);
    cleanups.push(() => unregisterSimBoard(path));
    const dir = mkdtempSync(join(tmpdir(), 'bd-flash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
    cleanups.push(() => standIn.close());
    const bridge = new Bridge({
      devices: [{ port: path }],
      client: new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl }),
      users: new Users({ stateDir: join(dir, 'state') }),
      controlDir: dir,
    });
    cleanups.push(() => bridge.stop());

    const started = bridge.start();
    await expect.poll(() => controlRequest(dir, { op: 'ping' }), { timeout: 10_000 }).toMatchObject({ ok: true });
    expect(bridge.sessions[0]!.link.state).not.toBe('online');
    expect(await controlRequest(dir, { op: 'release', port: path })).toEqual({ ok: true });
    const { online, failed } = await started;
    expect(online).toEqual([]);
    expect(failed.map((f) => f.retrying)).toEqual([true]);

    expect(await controlRequest(dir, { op: 'resume', port: path })).toEqual({ ok: true });
    await expect.poll(() => bridge.sessions[0]!.link.state, { timeout: 15_000 }).toBe('online');
  }, 40_000);
});
