/**
 * Which test files `npm run test:fast` leaves out: the ones that start a
 * simulated board, a Mosquitto broker, a child process or a firmware build,
 * and the fault suites (many seconds of injected faults each). What is left
 * is the unit part, well under 30 s. `npm test` runs every file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SLOW_IMPORTS =
  /bridge\/sim\/|support\/mosquitto|bridge\/cli\/main\.js|node:child_process|firmware\/build\/|fixtures\/sim|from '\.\.\/bench\//;

/** Whether a test file, by its name and source, belongs to the slow part. */
export function isSlow(name: string, source: string): boolean {
  return /^fault-/.test(name) || SLOW_IMPORTS.test(source);
}

/** The test files of the fast part, as paths from the project root. */
export function fastTestFiles(root: string): string[] {
  const dir = join(root, 'test');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && !isSlow(f, readFileSync(join(dir, f), 'utf8')))
    .map((f) => `test/${f}`);
}
