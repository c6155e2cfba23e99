/**
 * What a failed send means for the device: a setup the user must fix, a
 * bot that cannot be reached (tried again by itself), or a message that
 * may have reached the bot (retried only when the person asks). Also the
 * log line that says what to check.
 */
import { ApiError, type BotduinoError } from '../common/errors.js';
import { isConnectFailure } from './botdistrikt/errors.js';
import type { SendFailure } from './ui/outbox.js';

/** Answers no retry can fix (after the client's one re-registration). */
const SETUP_STATUSES = new Set([400, 401, 403, 404, 422]);

export function sendFailure(error: BotduinoError, notSent: boolean): SendFailure {
  const status = error instanceof ApiError ? error.status : undefined;
  if (status !== undefined && SETUP_STATUSES.has(status)) return { kind: 'setup', cause: setupCause(status) };
  // nothing left this machine (refused, no DNS, no route): sending it again cannot make it arrive twice
  if (notSent && status === undefined && isConnectFailure(error.cause)) return { kind: 'offline' };
  return { kind: 'not-sent' };
}

/** A short cause for the LCD's second line (16 columns). */
function setupCause(status: number): string {
  if (status === 401 || status === 403) return `${status}: domain/app`;
  if (status === 404) return '404: app id';
  return `${status}: msg refused`;
}

/** The log line for a setup error: what BotDistrikt said, and where to look. */
export function setupAdvice(error: BotduinoError): string {
  const probe = /botduino probe/.test(error.message) ? '' : ' Run `botduino probe` to see each request and answer.';
  return `Check setup: ${error.message}${probe} (a retry cannot fix this; fix the botdistrikt section of the configuration and restart)`;
}
