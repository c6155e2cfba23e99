/**
 * Scenarios for `botduino simulate --json` / `--script`: timed presses and
 * releases of the simulated board's buttons and keypad keys, one JSON
 * object per line. Times are simulated milliseconds since the board booted.
 *
 *   {"at": 1500, "press": "SELECT"}             press at 1.5 s
 *   {"after": 120, "release": "SELECT"}         release 120 ms after the previous step
 *   {"at": 3000, "tap": "5", "holdMs": 80}      press and release a key
 *   {"after": 400, "type": "hi"}                multi-tap text on the keypad (then wait for the commit)
 *   {"after": 5000}                             just wait
 *
 * Lines starting with `#` or `//` are comments, and `//` after a step starts one.
 */
import { z } from 'zod';
import { ConfigError } from '../../common/errors.js';
import { TEXT_KEYS } from '../ui/compose.js';

const Timing = { at: z.number().nonnegative().optional(), after: z.number().nonnegative().optional() };
export const StepSchema = z.union([
  z.object({ ...Timing, press: z.string().min(1) }).strict(),
  z.object({ ...Timing, release: z.string().min(1) }).strict(),
  z.object({ ...Timing, tap: z.string().min(1), holdMs: z.number().positive().max(10_000).optional() }).strict(),
  z.object({ ...Timing, type: z.string().min(1) }).strict(),
  z.object({ ...Timing }).strict(),
]);
export type Step = z.infer<typeof StepSchema>;

/** A step with its absolute time resolved. */
export type TimedStep = Step & { t: number };

export function parseScenario(text: string, source = 'scenario'): TimedStep[] {
  const steps: TimedStep[] = [];
  let t = 0;
  text.split('\n').forEach((raw, i) => {
    const line = withoutComment(raw).trim();
    if (!line || line.startsWith('#')) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new ConfigError(
        `${source} line ${i + 1}: not JSON (${(e as Error).message}). Each line is one object, e.g. {"at": 1000, "tap": "SELECT"}.`,
      );
    }
    const r = StepSchema.safeParse(v);
    if (!r.success)
      throw new ConfigError(
        `${source} line ${i + 1}: ${line}\n  expected one of press, release, tap (with optional holdMs), type, with "at" (ms since boot) or "after" (ms after the previous step).`,
      );
    const s = r.data;
    if (s.at !== undefined && s.after !== undefined) throw new ConfigError(`${source} line ${i + 1}: give "at" or "after", not both.`);
    if (s.at !== undefined) {
      if (s.at < t)
        throw new ConfigError(`${source} line ${i + 1}: "at": ${s.at} is before the previous step (${t} ms); steps run in order.`);
      t = s.at;
    } else t += s.after ?? 0;
    steps.push({ ...s, t });
    // the next "after" counts from the end of the typing
    if ('type' in s) {
      try {
        t += typingMs(s.type);
      } catch (e) {
        throw new ConfigError(`${source} line ${i + 1}: ${(e as Error).message}`);
      }
    }
  });
  return steps;
}

/** The line without a `//` comment (outside JSON strings). */
function withoutComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** Each key press of a "type" step, and the pause after each letter for the composer to take it. */
export const TYPE_PRESS_MS = 200;
export const TYPE_LETTER_MS = 1300;

/** How long a "type" step takes: its presses and the pause after each letter. */
export function typingMs(text: string): number {
  return multiTapKeys(text).reduce((ms, group) => ms + group.length * TYPE_PRESS_MS + TYPE_LETTER_MS, 0);
}

/** Keys to press for multi-tap `text` on a 4×3 phone keypad (lower case, digits, space). */
export function multiTapKeys(text: string): string[][] {
  const map = TEXT_KEYS; // the composer's own table: a scenario types what the composer reads
  const groups: string[][] = [];
  for (const ch of text.toLowerCase()) {
    const key = Object.keys(map).find((k) => map[k].includes(ch));
    if (!key) throw new ConfigError(`"${ch}" cannot be typed by multi-tap on the keypad; use letters, digits, space and .,?!'-`);
    groups.push(Array(map[key].indexOf(ch) + 1).fill(key));
  }
  return groups;
}
