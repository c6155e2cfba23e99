/**
 * One BotDistrikt user per device: a webchat_id from a cryptographic random
 * source (128 bits), kept in state.json so a restart continues the same
 * conversation. Kiosks can start a fresh user after idle time or on request.
 *
 *   const users = new Users({ stateDir });
 *   const u = await users.get('uno-1');     // created and saved on first use
 *   await users.rotate('uno-1');            // a new conversation
 */
import { randomBytes } from 'node:crypto';
import { addSecret } from '../log.js';
import { StateFile, type DeviceUser } from './state.js';

export interface UsersOptions {
  /** Directory of state.json; default $XDG_STATE_HOME/botduino or ~/.local/state/botduino. */
  stateDir?: string;
  /** Start a fresh user when the device was idle this many minutes; 0 = never (default 0). */
  idleMinutes?: number;
  /** Share one state file with the webhook (default: a StateFile in stateDir). */
  state?: StateFile;
  /** The clock; default Date.now. */
  now?: () => number;
}

/** A new unguessable webchat_id: "bd-" + 32 hex digits (128 random bits). */
export function newWebchatId(): string {
  return 'bd-' + randomBytes(16).toString('hex');
}

export class Users {
  readonly state: StateFile;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(opts: UsersOptions = {}) {
    this.state = opts.state ?? new StateFile(opts.stateDir);
    this.idleMs = (opts.idleMinutes ?? 0) * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** The device's user, created on first use, or fresh after the kiosk idle time. */
  async get(deviceId: string): Promise<DeviceUser & { fresh: boolean }> {
    return this.state.edit<DeviceUser & { fresh: boolean }>((s) => {
      const cur = s.devices[deviceId];
      const t = this.now();
      if (cur && !(this.idleMs > 0 && t - cur.lastActiveAt >= this.idleMs)) {
        addSecret(cur.webchatId);
        return { value: { ...cur, fresh: false }, write: 'none' };
      }
      const next: DeviceUser = { webchatId: newWebchatId(), createdAt: t, lastActiveAt: t };
      addSecret(next.webchatId);
      s.devices[deviceId] = next;
      return { value: { ...next, fresh: true }, write: 'now' };
    });
  }

  /** Starts a new conversation: a fresh user for the device. */
  async rotate(deviceId: string): Promise<DeviceUser> {
    return this.state.edit((s) => {
      const t = this.now();
      const next: DeviceUser = { webchatId: newWebchatId(), createdAt: t, lastActiveAt: t };
      addSecret(next.webchatId);
      s.devices[deviceId] = next;
      return { value: { ...next }, write: 'now' };
    });
  }

  /** Remembers the bot_user returned by a registration (so a restart does not register again). */
  async setRegistered(deviceId: string, webchatId: string, user: Record<string, unknown>): Promise<void> {
    await this.state.edit((s) => {
      const cur = s.devices[deviceId];
      if (!cur || cur.webchatId !== webchatId) return { value: undefined, write: 'none' };
      cur.user = structuredClone(user);
      // BotDistrikt may hand out its own id: follow it, so pushes find the device.
      if (typeof user.webchat_id === 'string' && user.webchat_id && user.webchat_id !== webchatId) {
        addSecret(user.webchat_id);
        cur.webchatId = user.webchat_id;
      }
      return { value: undefined, write: 'now' };
    });
  }

  /** Forgets the registration (after BotDistrikt answered 401/404 for this user). */
  async clearRegistered(deviceId: string): Promise<void> {
    await this.state.edit((s) => {
      const cur = s.devices[deviceId];
      if (!cur?.user) return { value: undefined, write: 'none' };
      delete cur.user;
      return { value: undefined, write: 'now' };
    });
  }

  /** Marks activity now (a message sent or received); written to disk within a second, and on flush/close. */
  async touch(deviceId: string): Promise<void> {
    await this.state.edit((s) => {
      const cur = s.devices[deviceId];
      if (!cur) return { value: undefined, write: 'none' };
      cur.lastActiveAt = this.now();
      return { value: undefined, write: 'activity', touched: [deviceId] };
    });
  }

  /** Which device a webchat_id belongs to (for webhook pushes). */
  async deviceOf(webchatId: string): Promise<string | undefined> {
    return this.state.view((s) => {
      for (const id in s.devices) if (s.devices[id].webchatId === webchatId) return id;
      return undefined;
    });
  }

  /** Writes the activity times still waiting (call before the process ends). */
  flush(): Promise<void> {
    return this.state.flush();
  }
}
