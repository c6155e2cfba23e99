/**
 * Builds and runs the host C++ harnesses for the protocol tests. Binaries
 * are cached under .tmp/cpp-cache/, keyed by a hash of the sources, flags
 * and compiler, so only the first run after a change pays for compiling.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RUNTIME = resolve(ROOT, 'firmware/runtime');
export const CPP = resolve(ROOT, 'test/cpp');
const CACHE = resolve(ROOT, '.tmp/cpp-cache');

export interface Build {
  /** Compiler command. */
  compiler: string;
  /** Source files to compile and link. */
  sources: string[];
  /** Flags for compiling and linking. */
  flags: string[];
  /** Name of the binary inside the cache folder. */
  name: string;
}

/** Compiles (unless cached) and returns the binary's path; throws with the compiler's output on failure. */
export function build(b: Build): string {
  const h = createHash('sha256').update(JSON.stringify([b.compiler, b.flags]));
  for (const f of [...b.sources, resolve(RUNTIME, 'bd_protocol.h'), resolve(RUNTIME, 'bd_runtime.inc'), resolve(CPP, 'bd_harness.h')])
    h.update(readFileSync(f));
  const dir = resolve(CACHE, h.digest('hex').slice(0, 16));
  const bin = resolve(dir, b.name);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(b.compiler, [...b.flags, '-I', RUNTIME, '-I', CPP, ...b.sources, '-o', bin + '.part'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${b.compiler} failed to build ${b.name}:\n${r.stderr}${r.error ?? ''}`);
  renameSync(bin + '.part', bin);
  return bin;
}

/** The conformance runner: all kinds both ways (the host's view), or the device's default build. */
export function conformanceRunner(allKinds: boolean): string {
  return build({
    compiler: 'g++',
    sources: [resolve(CPP, 'harness.cpp'), resolve(RUNTIME, 'bd_protocol.cpp')],
    flags: ['-std=gnu++11', '-O1', '-Wall', '-Wextra', '-Werror', ...(allKinds ? ['-DBD_ALL_KINDS'] : [])],
    name: allKinds ? 'harness-all' : 'harness-device',
  });
}

export type CppResult =
  | { ok: true; seq: number; reliable: boolean; dispatched: boolean; msg: Record<string, unknown>; line: string | null }
  | { ok: false; reason: string; seq: number };

/** Decodes each line (latin1, one char per byte) with the C++ runtime; `line` in results is the re-encoding, latin1. */
export function runCpp(bin: string, lines: string[]): CppResult[] {
  const input = lines.map((l) => Buffer.from(l, 'latin1').toString('hex') + '\n').join('');
  const out = execFileSync(bin, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const results = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CppResult);
  if (results.length !== lines.length) throw new Error(`the C++ harness answered ${results.length} of ${lines.length} lines`);
  for (const r of results) if (r.ok && r.line !== null) r.line = Buffer.from(r.line, 'hex').toString('latin1');
  return results;
}

/** Runs a compiler on `args` and returns its exit status and output (for the warning and version-lock checks). */
export function compile(compiler: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(compiler, args, { encoding: 'utf8' });
  return { status: r.status, output: (r.stdout ?? '') + (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
