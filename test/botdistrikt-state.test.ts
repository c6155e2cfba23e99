import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFile, type State } from '../bridge/botdistrikt/state.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { ConfigError } from '../common/errors.js';

const run = promisify(execFile);
const stateModule = path.resolve(import.meta.dirname, '../bridge/botdistrikt/state.ts');

let dir: string;
beforeEach(async () => {
  dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'botduino-state-')), 'state');
});
afterEach(async () => {
  await new StateFile(dir).close().catch(() => undefined);
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

async function onDisk(): Promise<State> {
  return JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as State;
}

/** Another botduino process (e.g. `botduino webhook-url`) changing state.json with its own StateFile. */
async function otherProcess(script: string): Promise<void> {
  const code = `import { StateFile } from ${JSON.stringify(stateModule)}; const state = new StateFile(${JSON.stringify(dir)}); ${script}`;
  await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: path.resolve(import.meta.dirname, '..') });
}

async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('the state file', () => {
  it('has a new user, a registration and a new conversation on disk as soon as the call returns', async () => {
    const users = new Users({ stateDir: dir });
    const u = await users.get('uno-1');
    expect((await onDisk()).devices['uno-1'].webchatId).toBe(u.webchatId);
    await users.setRegistered('uno-1', u.webchatId, { webchat_id: u.webchatId, first_name: 'Guest' });
    expect((await onDisk()).devices['uno-1'].user).toMatchObject({ first_name: 'Guest' });
    const next = await users.rotate('uno-1');
    expect((await onDisk()).devices['uno-1'].webchatId).toBe(next.webchatId);
    await users.clearRegistered('uno-1');
    expect((await onDisk()).devices['uno-1'].user).toBeUndefined();
  });

  it('has the webhook secret on disk as soon as it is made', async () => {
    const secret = await new StateFile(dir).update((s) => {
      s.webhook = { secret: 'k3j9-secret' };
      return s.webhook.secret;
    });
    expect((await onDisk()).webhook?.secret).toBe(secret);
  });

  it('writes activity times on flush, and by itself shortly after', async () => {
    let now = 1_000_000;
    const users = new Users({ state: new StateFile(dir, { coalesceMs: 50 }), now: () => now });
    await users.get('uno-1');
    now += 60_000;
    await users.touch('uno-1');
    await users.flush();
    expect((await onDisk()).devices['uno-1'].lastActiveAt).toBe(now);

    now += 60_000;
    await users.touch('uno-1');
    await until('the activity time on disk', async () => (await onDisk()).devices['uno-1'].lastActiveAt === now);
  });

  it('writes activity times when the bridge closes the state file, and a restart sees them', async () => {
    let now = 5_000_000;
    const state = new StateFile(dir);
    const users = new Users({ state, now: () => now });
    for (let i = 0; i < 8; i++) await users.get(`dev-${i}`);
    now += 30_000;
    await Promise.all(Array.from({ length: 8 }, (_, i) => users.touch(`dev-${i}`)));
    await state.close();
    const disk = await onDisk();
    for (let i = 0; i < 8; i++) expect(disk.devices[`dev-${i}`].lastActiveAt).toBe(now);
    // a fresh reader (as after a restart) sees the same
    const restarted = await new StateFile(dir).read();
    expect(restarted.devices['dev-3'].lastActiveAt).toBe(now);
  });

  it('keeps the 0600 file in a 0700 folder and leaves no temp files after many changes at once', async () => {
    const users = new Users({ stateDir: dir });
    await Promise.all(Array.from({ length: 64 }, (_, i) => users.get(`dev-${i}`)));
    await Promise.all(Array.from({ length: 64 }, (_, i) => users.touch(`dev-${i}`)));
    await users.flush();
    expect(Object.keys((await onDisk()).devices)).toHaveLength(64);
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['state.json']);
  });

  it('shares one state between every StateFile of the same folder in a process', async () => {
    const a = new Users({ stateDir: dir });
    const b = new Users({ stateDir: dir });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).get(`dev-${i}`)));
    expect(Object.keys((await onDisk()).devices)).toHaveLength(10);
    expect(await b.deviceOf(results[3].webchatId)).toBe('dev-3');
  });

  it('does not lose the webhook secret another process made while the bridge runs', async () => {
    let now = 1_000_000;
    const users = new Users({ stateDir: dir, now: () => now });
    await users.get('uno-1');
    now += 1000;
    await users.touch('uno-1'); // waiting to be written
    await otherProcess(`await state.update((s) => { s.webhook = { secret: 'made-by-webhook-url' }; });`);
    now += 1000;
    await users.touch('uno-1');
    await users.get('mega-2'); // a new user: written now, on top of the other process's change
    await users.flush();
    const disk = await onDisk();
    expect(disk.webhook?.secret).toBe('made-by-webhook-url');
    expect(Object.keys(disk.devices).sort()).toEqual(['mega-2', 'uno-1']);
    expect(disk.devices['uno-1'].lastActiveAt).toBe(now);
    expect(await new StateFile(dir).view((s) => s.webhook?.secret)).toBe('made-by-webhook-url');
  });

  it('keeps activity times not yet written when another process changes the file', async () => {
    let now = 2_000_000;
    const users = new Users({ stateDir: dir, now: () => now });
    const u = await users.get('uno-1');
    now += 90_000;
    await users.touch('uno-1');
    await otherProcess(`await state.update((s) => { s.devices['kiosk-9'] = { webchatId: 'bd-other', createdAt: 1, lastActiveAt: 1 }; });`);
    await users.flush();
    const disk = await onDisk();
    expect(disk.devices['kiosk-9'].webchatId).toBe('bd-other');
    expect(disk.devices['uno-1']).toMatchObject({ webchatId: u.webchatId, lastActiveAt: now });
  });

  it('says what to do when state.json is damaged while the bridge runs', async () => {
    const users = new Users({ stateDir: dir });
    await users.get('uno-1');
    await fs.writeFile(path.join(dir, 'state.json'), '{ not json');
    const err = await users.get('uno-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /state file .*state\.json is not valid JSON \(cut short or edited by hand\)\. Fix it, or delete it: each device then registers a new BotDistrikt user/,
    );
  });
});
