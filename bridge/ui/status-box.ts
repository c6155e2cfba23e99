/**
 * The status box: the one or two lines the screen shows over the message
 * for a status (bot offline with its countdown, not sent with the retry
 * key, check setup with its cause, a bot error), and the timers that
 * keep it moving (spinner, countdown).
 */
import { Timer, type Clock } from '../clock.js';
import type { Labels } from './options.js';
import type { UIStatus } from './outbox.js';

/** Whether a status takes the bottom rows of the screen. */
export function showsBox(status: UIStatus): boolean {
  return status === 'offline' || status === 'error' || status === 'not-sent' || status === 'setup';
}

export interface BoxState {
  status: UIStatus;
  detail: string | undefined;
  /** When the next try is due (clock ms), for the countdown. */
  retryAt: number | null;
}

/** The lines of the box, or null when the status has none. `retryKey`: what the device calls its retry key ("SELECT", "#"). */
export function boxLines(s: BoxState, labels: Labels, retryKey: string | null, now: number): string[] | null {
  switch (s.status) {
    case 'offline': {
      if (s.detail) return [labels.offline, s.detail];
      const left = s.retryAt === null ? 0 : Math.ceil((s.retryAt - now) / 1000);
      return [labels.offline, left > 0 ? labels.retryingIn.replace('{s}', String(left)) : labels.retrying];
    }
    case 'error':
      return [labels.error, s.detail ?? ''];
    case 'setup':
      return [labels.checkSetup, s.detail ?? ''];
    case 'not-sent':
      return [labels.notSent, labels.pressToRetry.replace('{key}', retryKey ?? 'Press')];
    default:
      return null;
  }
}

/** The timers of a status: the "thinking" spinner's steps, and the countdown's seconds while offline. */
export class StatusTicker {
  /** Step of the spinner. */
  step = 0;
  private readonly spinTimer: Timer;
  private readonly countdown: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly spinnerMs: number,
    /** Called on each tick that changes the screen. */
    private readonly onTick: () => void,
  ) {
    this.spinTimer = new Timer(clock);
    this.countdown = new Timer(clock);
  }

  /** Starts or stops the timers for `status`. */
  update(status: UIStatus, retryAt: number | null): void {
    if (status === 'thinking') {
      if (!this.spinTimer.running) this.spin();
    } else this.spinTimer.stop();
    this.countdown.stop();
    if (retryAt !== null) this.tick(retryAt);
  }

  stop(): void {
    this.spinTimer.stop();
    this.countdown.stop();
  }

  private spin(): void {
    this.spinTimer.start(this.spinnerMs, () => {
      this.step++;
      this.spin();
      this.onTick();
    });
  }

  /** Ticks on each whole second left until `retryAt`. */
  private tick(retryAt: number): void {
    const left = retryAt - this.clock.now();
    if (left <= 0) return;
    this.countdown.start(left % 1000 || 1000, () => {
      this.tick(retryAt);
      this.onTick();
    });
  }
}
