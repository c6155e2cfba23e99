/**
 * The firmware's hand-written C++ (firmware/src, and the protocol runtime's
 * fixed part firmware/runtime/bd_runtime.inc) is clang-formatted
 * (.clang-format at the root; `npm run format:cpp` writes it). The generated
 * runtime and config headers are left out: they are checked against a fresh generation instead
 * (test/generated.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/import-graph.js';

function handWrittenCpp(): string[] {
  const found = (folder: string, pattern: RegExp) =>
    readdirSync(join(ROOT, 'firmware', folder))
      .filter((f) => pattern.test(f))
      .map((f) => join('firmware', folder, f));
  return [...found('src', /\.(cpp|h)$/), ...found('runtime', /\.inc$/)];
}

const hasClangFormat = spawnSync('clang-format', ['--version']).status === 0;

describe('C++ formatting', () => {
  it.skipIf(!hasClangFormat)('every hand-written firmware file is as clang-format writes it', () => {
    const files = handWrittenCpp();
    expect(files).toEqual(
      expect.arrayContaining(['firmware/src/main.cpp', 'firmware/src/clock.cpp', 'firmware/src/pins.h', 'firmware/runtime/bd_runtime.inc']),
    );
    const r = spawnSync('clang-format', ['--dry-run', '--Werror', ...files], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr, 'run `npm run format:cpp`').toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasClangFormat)('notices a file that is not', () => {
    const r = spawnSync('clang-format', ['--dry-run', '--Werror', '--assume-filename=x.cpp'], {
      cwd: ROOT,
      input: 'int  f( ){return 1;}\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
  });
});
