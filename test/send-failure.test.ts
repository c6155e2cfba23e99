/**
 * What each failed send shows on the device: a refused setup ("Check
 * setup"), an unreachable bot ("Bot offline", tried again by itself), or a
 * message that may have arrived ("Not sent", retried only on a key press).
 */
import { describe, expect, it } from 'vitest';
import { type ApiError } from '../common/errors.js';
import { httpError, networkError } from '../bridge/botdistrikt/errors.js';
import { sendFailure, setupAdvice } from '../bridge/send-failure.js';

const ctx = { what: 'Sending your message', host: 'api.botdistrikt.com', timeoutMs: 15_000 };
const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const dns = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('what a failed send shows', () => {
  it.each<[string, ApiError, unknown]>([
    ['401', httpError(ctx, 401, 'application/json', '{}'), { kind: 'setup', cause: '401: domain/app' }],
    ['403', httpError(ctx, 403, 'application/json', '{}'), { kind: 'setup', cause: '403: domain/app' }],
    ['404', httpError(ctx, 404, 'application/json', '{}'), { kind: 'setup', cause: '404: app id' }],
    ['422', httpError(ctx, 422, 'application/json', '{}'), { kind: 'setup', cause: '422: msg refused' }],
    ['connection refused', networkError(ctx, refused, false), { kind: 'offline' }],
    ['DNS failure', networkError(ctx, dns, false), { kind: 'offline' }],
    ['500', httpError(ctx, 500, 'text/plain', 'oops'), { kind: 'not-sent' }],
    ['503', httpError(ctx, 503, 'text/plain', ''), { kind: 'not-sent' }],
    ['a timeout', networkError(ctx, timeout, true), { kind: 'not-sent' }],
    ['a connection closed mid-request', networkError(ctx, reset, true), { kind: 'not-sent' }],
  ])('%s', (_name, error, want) => {
    expect(sendFailure(error, error.notSent)).toEqual(want);
  });

  it('fits each setup cause on a 16-column line', () => {
    for (const s of [400, 401, 403, 404, 422]) {
      const f = sendFailure(httpError(ctx, s, 'application/json', '{}'), true);
      expect(f.kind === 'setup' && f.cause.length).toBeLessThanOrEqual(16);
    }
  });

  it('logs what to check and points to botduino probe', () => {
    const line = setupAdvice(httpError(ctx, 404, 'application/json', '{}'));
    expect(line).toMatch(/^Check setup: .*answered 404.*Check the app id.*botduino probe/);
    expect(line).toMatch(/a retry cannot fix this/);
  });
});
