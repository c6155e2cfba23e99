import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectors } from '../firmware/generator/protocol.js';
import { KINDS } from '../protocol/index.js';
import { build, compile, ROOT, RUNTIME } from './cpp/build.js';

const SECONDS = 20;

describe('fuzzing the generated C++ decoder (libFuzzer, address and undefined sanitizers)', () => {
  it('clang is installed', () => {
    const r = compile('clang++', ['--version']);
    expect(r.status, 'install clang (Debian: apt-get install clang) to fuzz the decoder').toBe(0);
  });

  it(`runs ${SECONDS} s seeded with the shared vectors without a crash, a sanitizer report or a non-canonical accept`, () => {
    const bin = build({
      compiler: 'clang++',
      sources: [resolve(ROOT, 'test/fuzz/fuzz_decode.cpp'), resolve(RUNTIME, 'bd_protocol.cpp')],
      flags: [
        '-g',
        '-O1',
        '-fsanitize=fuzzer,address,undefined',
        '-fno-sanitize-recover=undefined',
        '-DBD_ALL_KINDS',
        '-Wall',
        '-Wextra',
        '-Werror',
      ],
      name: 'fuzz_decode',
    });
    const work = resolve(ROOT, '.tmp/fuzz');
    const corpus = resolve(work, 'corpus');
    rmSync(corpus, { recursive: true, force: true });
    mkdirSync(corpus, { recursive: true });
    const v = vectors();
    const seeds = [...v.valid, ...v.invalid].map((x) => x.line);
    seeds.forEach((line, i) => {
      const bytes = Buffer.from(line, 'latin1');
      writeFileSync(resolve(corpus, `raw-${i}`), Buffer.concat([Buffer.from([0]), bytes]));
      const star = line.lastIndexOf('*');
      if (star > 0) writeFileSync(resolve(corpus, `body-${i}`), Buffer.concat([Buffer.from([1]), bytes.subarray(0, star)]));
    });
    const dict = [...KINDS, ' ', '"', '\\', '\\00', '\\FF', '*', '255', '65535', '4294967295', '\r\n']
      .map(
        (t) =>
          '"' +
          [...t]
            .map((c) => (c >= ' ' && c <= '~' && c !== '"' && c !== '\\' ? c : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')))
            .join('') +
          '"',
      )
      .join('\n');
    writeFileSync(resolve(work, 'protocol.dict'), dict + '\n');

    const r = spawnSync(
      bin,
      [
        `-max_total_time=${SECONDS}`,
        `-dict=${resolve(work, 'protocol.dict')}`,
        `-artifact_prefix=${work}/`,
        '-print_final_stats=1',
        corpus,
      ],
      {
        encoding: 'utf8',
        timeout: (SECONDS + 30) * 1000,
      },
    );
    const log = r.stderr ?? '';
    expect(r.status, `the fuzzer found a problem (the input is saved under .tmp/fuzz/):\n${log.slice(-4000)}`).toBe(0);
    expect(log).toMatch(/Done \d+ runs/);
    const runs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? 0);
    expect(runs).toBeGreaterThan(10_000);
  });
});
