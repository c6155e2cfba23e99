/**
 * Logs on stderr, with secrets masked: the custom domain and every
 * `webchat_id` are registered here when they become known, and every line
 * passes through `mask` before it is written.
 */
const secrets = new Map<string, string>();
/** The registered secrets, longest first; rebuilt only when one is added. */
let sorted: string[] | null = null;

/** Shows only enough of a secret to tell two apart: "a9…ik". */
export function maskValue(value: string): string {
  const v = value.replace(/^https?:\/\//, '');
  if (v.length <= 6) return '…';
  return v.slice(0, 2) + '…' + v.slice(-2);
}

/** Registers a value that must never appear in a log line. */
export function addSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  if (secrets.has(value)) return;
  sorted = null;
  secrets.set(value, maskValue(value));
  const bare = value.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (bare !== value && bare.length >= 4) secrets.set(bare, maskValue(bare));
}

/** How many values are registered (the list is bounded: only what this process owns). */
export function secretCount(): number {
  return secrets.size;
}

export function clearSecrets(): void {
  secrets.clear();
  sorted = null;
}

const publicValues = new Set<string>();

/**
 * Registers a value that contains a secret but is meant to be read and
 * copied (a suggested random domain under a guessable one): mask() leaves it whole.
 */
export function addPublic(value: string): void {
  if (value) publicValues.add(value);
}

/** Replaces every registered secret in `text`, longest first; values registered with addPublic stay whole. */
export function mask(text: string): string {
  if (!secrets.size) return text;
  for (const p of publicValues) if (text.includes(p)) return text.split(p).map(mask).join(p);
  sorted ??= [...secrets.keys()].sort((a, b) => b.length - a.length);
  for (const k of sorted) if (text.includes(k)) text = text.split(k).join(secrets.get(k)!);
  return text;
}

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** A logger whose lines start with `[scope]`. */
  child(scope: string): Logger;
}

export interface LoggerOptions {
  /** Least level written; default "info". */
  level?: Level;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
  /** Colour the level; default: stderr is a TTY and NO_COLOR is unset. */
  color?: boolean;
  scope?: string;
}

export function useColor(stream: { isTTY?: boolean } = process.stderr): boolean {
  return !!stream.isTTY && !process.env.NO_COLOR;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const write = opts.write ?? ((l: string) => process.stderr.write(l + '\n'));
  const color = opts.color ?? useColor();
  const paint: Record<string, string> = { debug: '\x1b[2m', info: '', warn: '\x1b[33m', error: '\x1b[31m' };
  const make = (scope?: string): Logger => {
    const emit = (lv: Exclude<Level, 'silent'>, msg: string) => {
      if (ORDER[lv] < ORDER[level]) return;
      const text = mask(`${lv}${scope ? ` [${scope}]` : ''} ${msg}`);
      write(color && paint[lv] ? paint[lv] + text + '\x1b[0m' : text);
    };
    return {
      debug: (m) => emit('debug', m),
      info: (m) => emit('info', m),
      warn: (m) => emit('warn', m),
      error: (m) => emit('error', m),
      child: (s) => make(scope ? `${scope}/${s}` : s),
    };
  };
  return make(opts.scope);
}

/** A logger that writes nothing (tests, libraries used without one). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
