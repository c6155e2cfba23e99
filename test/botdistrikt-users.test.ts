import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStateDir, StateFile } from '../bridge/botdistrikt/state.js';
import { newWebchatId, Users } from '../bridge/botdistrikt/users.js';
import { ConfigError } from '../common/errors.js';
import { createLogger } from '../bridge/log.js';

let dir: string;
beforeEach(async () => {
  dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'botduino-users-')), 'state');
});
afterEach(async () => {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

describe('BotDistrikt users per device', () => {
  it('makes unguessable webchat ids (128 random bits)', () => {
    const ids = new Set(Array.from({ length: 200 }, newWebchatId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^bd-[0-9a-f]{32}$/);
  });

  it('keeps one user per device across restarts', async () => {
    const a = await new Users({ stateDir: dir }).get('uno-1');
    const again = await new Users({ stateDir: dir }).get('uno-1');
    const other = await new Users({ stateDir: dir }).get('mega-2');
    expect(a.fresh).toBe(true);
    expect(again.fresh).toBe(false);
    expect(again.webchatId).toBe(a.webchatId);
    expect(other.webchatId).not.toBe(a.webchatId);
  });

  it('writes state.json with mode 0600 in a 0700 directory, and leaves no temp files', async () => {
    await new Users({ stateDir: dir }).get('uno-1');
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['state.json']);
  });

  it('remembers the registration, follows an id BotDistrikt replaced, and forgets it on request', async () => {
    const users = new Users({ stateDir: dir });
    const u = await users.get('uno-1');
    await users.setRegistered('uno-1', u.webchatId, { webchat_id: 'webchat.zz99', first_name: 'Guest' });
    const after = await new Users({ stateDir: dir }).get('uno-1');
    expect(after.webchatId).toBe('webchat.zz99');
    expect(after.user).toMatchObject({ first_name: 'Guest' });
    expect(await users.deviceOf('webchat.zz99')).toBe('uno-1');
    await users.clearRegistered('uno-1');
    expect((await users.get('uno-1')).user).toBeUndefined();
  });

  it('starts a fresh user on "new conversation"', async () => {
    const users = new Users({ stateDir: dir });
    const a = await users.get('kiosk');
    const b = await users.rotate('kiosk');
    expect(b.webchatId).not.toBe(a.webchatId);
    expect((await users.get('kiosk')).webchatId).toBe(b.webchatId);
  });

  it('starts a fresh user after the kiosk idle time, not before', async () => {
    let now = 1_000_000;
    const users = new Users({ stateDir: dir, idleMinutes: 5, now: () => now });
    const a = await users.get('kiosk');
    now += 4 * 60_000;
    await users.touch('kiosk');
    now += 4 * 60_000;
    expect((await users.get('kiosk')).webchatId).toBe(a.webchatId);
    now += 5 * 60_000;
    const b = await users.get('kiosk');
    expect(b.fresh).toBe(true);
    expect(b.webchatId).not.toBe(a.webchatId);
  });

  it('keeps every change when many happen at once', async () => {
    const users = new Users({ stateDir: dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => users.get(`dev-${i}`)));
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8'));
    expect(Object.keys(state.devices)).toHaveLength(20);
  });

  it('says what to do when state.json is damaged', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'state.json'), '{ not json');
    const err = await new StateFile(dir).read().catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      /not valid JSON \(cut short or edited by hand\)\. Fix it, or delete it: each device then registers a new BotDistrikt user/,
    );
  });

  it('lives in $XDG_STATE_HOME/botduino, else ~/.local/state/botduino', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/botduino');
    expect(defaultStateDir({})).toBe(path.join(os.homedir(), '.local', 'state', 'botduino'));
  });

  it('masks webchat ids in every log line once known', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', color: false, write: (l) => lines.push(l) });
    const u = await new Users({ stateDir: dir }).get('uno-1');
    log.info(`user is ${u.webchatId}`);
    expect(lines[0]).not.toContain(u.webchatId);
  });
});
