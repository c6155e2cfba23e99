/**
 * The firmware's hand-written C++ is clang-formatted (.clang-format at the
 * root; `npm run format:cpp` writes it). The generated runtime and config
 * headers are left out: they are checked against a fresh generation instead
 * (test/generated.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/import-graph.js';

function handWrittenCpp(): string[] {
  const dir = join(ROOT, 'firmware', 'src');
  return readdirSync(dir)
    .filter((f) => /\.(cpp|h)$/.test(f))
    .map((f) => join('firmware', 'src', f));
}

const hasClangFormat = spawnSync('clang-format', ['--version']).status === 0;

describe('C++ formatting', () => {
  it.skipIf(!hasClangFormat)('every hand-written firmware file is as clang-format writes it', () => {
    const files = handWrittenCpp();
    expect(files).toEqual(expect.arrayContaining(['firmware/src/main.cpp', 'firmware/src/clock.cpp', 'firmware/src/pins.h']));
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
