/**
 * The outbox: the one owner of a device's status (idle, thinking, offline,
 * not sent, check setup) and of the message a retry resends. Whatever is
 * sent (typed, chosen, or the start message) goes through it; the bridge
 * reports how each send ended, and the outbox decides what follows:
 *
 *  - delivered → idle;
 *  - setup → "Check setup" with a short cause; no retry can fix it;
 *  - offline (the bot could not be reached, so the message surely never
 *    left this machine) → tried again by itself, after a growing wait;
 *  - not-sent (a 5xx, a timeout: it may have reached the bot) → waits for
 *    the person to retry.
 */
import type { QuickReply, ReplyButton } from '../chat/replies.js';
import { Timer, type Clock } from '../clock.js';

/** What the person (or the bridge, for the start message) asked to send. */
export type Sendable =
  | { type: 'send'; text: string }
  /** An option was chosen: `text` is what to send (the payload, or what was typed for a phone/email quick reply). */
  | { type: 'choose'; option: QuickReply | ReplyButton; text: string };

/** The state of the link to the bot, as the screen shows it. */
export type UIStatus = 'idle' | 'thinking' | 'offline' | 'error' | 'not-sent' | 'setup';

/** How a send failed, as far as what to show and whether to resend goes. */
export type SendFailure =
  /** Refused for a reason no retry fixes (app id, domain, message shape): `cause` fits a line of the LCD. */
  | { kind: 'setup'; cause: string }
  /** Nothing answered before the message left (connection refused, DNS): safe to send again. */
  | { kind: 'offline' }
  /** It may have reached the bot (5xx, timeout): only the person decides to send it again. */
  | { kind: 'not-sent'; detail?: string };

export interface OutboxOptions {
  offlineRetryMs: number;
  offlineRetryMaxMs: number;
}

export class Outbox {
  status: UIStatus = 'idle';
  /** A line under the status (a cause), if any. */
  detail: string | undefined;
  /** When the next try of an unreachable bot is due (clock ms), or null. */
  retryAt: number | null = null;
  /** The message a retry resends. */
  private pending: Sendable | null = null;
  private wait: number;
  private readonly timer: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly opts: OutboxOptions,
    /** Hands a message to the bridge to send. */
    private readonly emit: (m: Sendable) => void,
    /** The status changed. */
    private readonly changed: () => void,
  ) {
    this.timer = new Timer(clock);
    this.wait = opts.offlineRetryMs;
  }

  /** Sends `m`; it is then the message a retry resends. */
  send(m: Sendable): void {
    this.pending = m;
    this.wait = this.opts.offlineRetryMs;
    this.resend();
  }

  /** Sends the pending message again (a retry press, or the offline timer). */
  retry(): boolean {
    if (!this.pending) return false;
    this.resend();
    return true;
  }

  /** The bot answered message `m` (default: the pending one). An answer to an earlier message leaves the pending one pending. */
  delivered(m: Sendable | null = this.pending): void {
    if (m !== this.pending) return;
    this.pending = null;
    this.wait = this.opts.offlineRetryMs;
    this.set('idle');
  }

  /** Sending `m` (default: the pending one) failed. The failure of a message sent again since, or replaced by another, changes nothing. */
  failed(f: SendFailure, m: Sendable | null = this.pending): void {
    if (m !== this.pending || this.status !== 'thinking') return;
    if (f.kind === 'setup') {
      this.pending = null;
      this.set('setup', f.cause);
    } else if (f.kind === 'offline' && this.pending) {
      const wait = this.wait;
      this.wait = Math.min(wait * 2, this.opts.offlineRetryMaxMs);
      this.set('offline', undefined, wait);
      this.timer.start(wait, () => this.retry());
    } else this.set('not-sent', f.kind === 'not-sent' ? f.detail : undefined);
  }

  /** Forgets the pending message and stops trying (a new conversation). */
  clear(): void {
    this.pending = null;
    this.set('idle');
  }

  /** Sets what the screen shows (also for a status not tied to a send: a dismissed box, an error). */
  set(status: UIStatus, detail?: string, retryInMs?: number): void {
    this.timer.stop();
    this.retryAt = retryInMs === undefined ? null : this.clock.now() + retryInMs;
    this.status = status;
    this.detail = detail;
    this.changed();
  }

  dispose(): void {
    this.timer.stop();
  }

  private resend(): void {
    this.set('thinking');
    this.emit(this.pending!);
  }
}
