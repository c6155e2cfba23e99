/**
 * One error family for the bridge: every message says what is wrong and
 * what to do next. `code` is a stable machine-readable name; `exitCode` is
 * what the CLI exits with (see the README's exit codes).
 */
export class BotduinoError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BotduinoError';
  }
}

/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  serial: 4,
  mismatch: 5,
  api: 6,
  toolMissing: 7,
  build: 8,
} as const;

export class ConfigError extends BotduinoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'config', EXIT.config, options);
  }
}
export class SerialError extends BotduinoError {
  constructor(
    message: string,
    readonly code2: string = 'serial',
    options?: { cause?: unknown },
  ) {
    super(message, code2, EXIT.serial, options);
  }
}
export class MismatchError extends BotduinoError {
  constructor(message: string) {
    super(message, 'mismatch', EXIT.mismatch);
  }
}
export class ApiError extends BotduinoError {
  constructor(
    message: string,
    readonly status?: number,
    /** True when the request surely did not reach the server (safe to retry). */
    readonly notSent = false,
    options?: { cause?: unknown },
  ) {
    super(message, 'api', EXIT.api, options);
  }
}
