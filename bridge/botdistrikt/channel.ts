/**
 * One device's conversation with the bot: makes sure the device's user is
 * registered (once, remembered across restarts), sends what the person
 * typed or chose, and reports what the UI needs. It knows nothing of the
 * serial link or the LCD.
 *
 *   const ch = new Channel({ deviceId: 'uno-1', client, users });
 *   ch.on('thinking', () => …);                 // show "…"
 *   ch.on('replies', ({ replies }) => …);       // render them
 *   ch.on('failed', ({ error, notSent }) => …); // sorted by send-failure.ts: check setup, bot offline, not sent
 *   await ch.send({ text: 'hi' });
 *
 * Events: 'thinking' { message }, 'replies' { replies, raw }, 'failed'
 * { error, notSent, message }, 'rotated' { webchatId }. ('failed' rather
 * than 'error', so a missing listener never crashes the bridge.)
 */
import { EventEmitter } from 'node:events';
import { ApiError, BotduinoError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { BotDistriktClient, BotUser, Outgoing } from './client.js';
import type { BotReply } from '../chat/replies.js';
import type { Users } from './users.js';

export interface ChannelOptions {
  /** The device this conversation belongs to (its state.json key). */
  deviceId: string;
  client: BotDistriktClient;
  users: Users;
  /** Allow rotate() ("new conversation" from the device); default true. */
  newConversation?: boolean;
  /** Default: silent. */
  logger?: Logger;
}

export type SendOutcome = { ok: true; replies: BotReply[]; raw: unknown } | { ok: false; error: BotduinoError; notSent: boolean };

export interface ChannelEvents {
  thinking: [{ message: Outgoing }];
  replies: [{ replies: BotReply[]; raw: unknown }];
  failed: [{ error: BotduinoError; notSent: boolean; message: Outgoing }];
  rotated: [{ webchatId: string }];
}

export class Channel extends EventEmitter<ChannelEvents> {
  readonly deviceId: string;
  private readonly client: BotDistriktClient;
  private readonly users: Users;
  private readonly allowRotate: boolean;
  private readonly log: Logger;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: ChannelOptions) {
    super();
    this.deviceId = opts.deviceId;
    this.client = opts.client;
    this.users = opts.users;
    this.allowRotate = opts.newConversation ?? true;
    this.log = opts.logger ?? silentLogger;
  }

  /** Sends one message; messages of a device go out one at a time, in order. Never rejects. */
  send(message: Outgoing): Promise<SendOutcome> {
    const run = this.queue.then(() => this.sendNow(message));
    this.queue = run;
    return run;
  }

  /** Starts a new conversation (a fresh BotDistrikt user); false when kiosk.newConversation is off. */
  async rotate(): Promise<boolean> {
    if (!this.allowRotate) return false;
    const run = this.queue.then(() => this.users.rotate(this.deviceId));
    this.queue = run.catch(() => undefined);
    const next = await run;
    this.log.info('started a new conversation');
    this.emit('rotated', { webchatId: next.webchatId });
    return true;
  }

  /** The device's current webchat_id (creating the user if needed), for routing pushes. */
  async webchatId(): Promise<string> {
    return (await this.users.get(this.deviceId)).webchatId;
  }

  private async sendNow(message: Outgoing): Promise<SendOutcome> {
    this.emit('thinking', { message });
    try {
      const user = await this.ensureRegistered();
      const result = await this.client.sendMessage(user, message);
      if (result.reregistered) await this.users.setRegistered(this.deviceId, result.user.webchat_id, result.user);
      await this.users.touch(this.deviceId);
      this.emit('replies', { replies: result.replies, raw: result.raw });
      return { ok: true, replies: result.replies, raw: result.raw };
    } catch (err) {
      const error =
        err instanceof BotduinoError
          ? err
          : new ApiError(`Sending your message failed: ${err instanceof Error ? err.message : String(err)}.`, undefined, false, {
              cause: err,
            });
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        await this.users.clearRegistered(this.deviceId).catch(() => undefined);
      }
      const notSent = error instanceof ApiError ? error.notSent : true;
      this.log.warn(error.message);
      this.emit('failed', { error, notSent, message });
      return { ok: false, error, notSent };
    }
  }

  private async ensureRegistered(): Promise<BotUser> {
    const cur = await this.users.get(this.deviceId);
    if (cur.user && typeof cur.user.webchat_id === 'string') return cur.user as BotUser;
    const user = await this.client.registerUser({ webchatId: cur.webchatId });
    await this.users.setRegistered(this.deviceId, cur.webchatId, user);
    this.log.info(`registered this device with ${this.client.serviceName}`);
    return user;
  }
}
