/**
 * Every example in README.md runs as written, so the README cannot drift
 * from the program.
 *
 * THE CONVENTION. Each fenced code block in README.md has, on the line right
 * before its opening ```, a marker saying how it is tested:
 *
 *   <!-- readme-test: scenario PRESET -->    a scenario: `botduino simulate --preset PRESET --script <it>` exits 0
 *   <!-- readme-test: snapshots -->          LCD snapshots: each line's rows appear, in this order, in the output of
 *                                            the scenario block above it (`t` is not compared: the bridge runs on the wall clock)
 *   <!-- readme-test: config -->             a botduino.json: it loads and validates
 *   <!-- readme-test: device -->             a device description: it validates
 *   <!-- readme-test: cli -->                `[npx] botduino …` lines (a trailing `# comment` is dropped): each exits 0,
 *                                            with nothing on stdin, a fresh state folder and no channel configured
 *   <!-- readme-test: probe-report SHAPE --> the text of `botduino probe` against test/support/probe-bot.ts accepting
 *                                            SHAPE, app id 12345, domain https://k3j9x0a1qz.your-site.com; the local
 *                                            address reads as https://flow.botdistrikt.com/api
 *   <!-- readme-test: monitor ARGS -->       the first lines of `botduino monitor ARGS`; the clock times and the PONG's
 *                                            uptime (its `up=`, its raw field and the CRC) are not compared
 *   <!-- readme-test: elsewhere FILE -->     tested by FILE (which must exist)
 *   <!-- readme-test: none REASON -->        not an example (a diagram, a file tree) or needs what a test cannot
 *                                            have (root, a board); the reason is required
 *
 * A block without a marker, or with an unknown kind, fails this test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../bridge/botdistrikt/probe.js';
import { main } from '../bridge/cli/main.js';
import { loadConfig } from '../bridge/config.js';
import { parseDevice } from '../firmware/devices/index.js';
import { bot, closeBot } from './support/probe-bot.js';

const root = resolve(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'botduino-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Block {
  line: number;
  kind: string;
  args: string[];
  body: string;
}

function blocks(): { found: Block[]; unmarked: number[] } {
  const lines = readme.split('\n');
  const found: Block[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) j++;
    const body = lines
      .slice(i + 1, j)
      .map((l) => l.slice(indent))
      .join('\n');
    const marker = /^\s*<!-- readme-test: (\S+)(.*?) -->\s*$/.exec(lines[i - 1] ?? '');
    if (!marker) unmarked.push(i + 1);
    else found.push({ line: i + 1, kind: marker[1]!, args: marker[2]!.trim().split(/\s+/).filter(Boolean), body });
    i = j;
  }
  return { found, unmarked };
}

let n = 0;
function env(): NodeJS.ProcessEnv {
  const dir = join(tmp, `run-${n++}`);
  return {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    BOTDUINO_STATE_DIR: join(dir, 'state'),
    BOTDUINO_WEBHOOK_PORT: '0',
    NO_COLOR: '1',
  };
}

async function cli(args: string[], o: { signal?: AbortSignal; onStdout?: (all: string) => void } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: env(),
    stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
    signal: o.signal,
    stdout: { write: (s: string) => ((stdout += s), o.onStdout?.(stdout), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  });
  return { code, stdout, stderr };
}

const KINDS = ['scenario', 'snapshots', 'config', 'device', 'cli', 'probe-report', 'monitor', 'elsewhere', 'none'];
const { found, unmarked } = blocks();

describe('README examples', () => {
  it('every code block carries a readme-test marker of a known kind', () => {
    expect(unmarked, 'code blocks without a marker (README line numbers)').toEqual([]);
    expect(found.filter((b) => !KINDS.includes(b.kind)).map((b) => `${b.line}: ${b.kind}`)).toEqual([]);
    expect(
      found.filter((b) => b.kind === 'none' && !b.args.length).map((b) => b.line),
      'a "none" needs a reason',
    ).toEqual([]);
  });

  let lastSnapshots: string[][] = [];
  for (const b of found) {
    const name = `line ${b.line}: ${b.kind} ${b.args.join(' ')}`.trim();
    switch (b.kind) {
      case 'scenario':
        it(
          name,
          async () => {
            const file = join(tmp, `scenario-${b.line}.jsonl`);
            writeFileSync(file, b.body + '\n');
            const r = await cli(['simulate', '--preset', b.args[0]!, '--script', file]);
            expect(r.code, r.stderr).toBe(0);
            lastSnapshots = r.stdout
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .map((l) => (JSON.parse(l) as { rows: string[] }).rows);
          },
          120_000,
        );
        break;
      case 'snapshots':
        it(name, () => {
          let at = 0;
          for (const l of b.body.split('\n').filter(Boolean)) {
            const rows = (JSON.parse(l) as { rows: string[] }).rows;
            const k = lastSnapshots.findIndex((s, i) => i >= at && JSON.stringify(s) === JSON.stringify(rows));
            expect(k, `${l}\nnot among (in order):\n${lastSnapshots.map((s) => JSON.stringify(s)).join('\n')}`).toBeGreaterThanOrEqual(0);
            at = k + 1;
          }
        });
        break;
      case 'config':
        it(name, () => {
          const file = join(tmp, `config-${b.line}.json`);
          writeFileSync(file, b.body);
          expect(() => loadConfig({ file, env: {} })).not.toThrow();
        });
        break;
      case 'device':
        it(name, () => {
          expect(() => parseDevice(JSON.parse(b.body), `README line ${b.line}`)).not.toThrow();
        });
        break;
      case 'cli':
        for (const raw of b.body.split('\n').filter((l) => l.trim())) {
          const command = raw.replace(/\s+#.*$/, '').trim();
          it(`${name}: ${command}`, async () => {
            const words = command.replace(/^npx\s+/, '').split(/\s+/);
            expect(words[0]).toBe('botduino');
            const r = await cli(words.slice(1));
            expect(r.code, r.stderr).toBe(0);
          }, 120_000);
        }
        break;
      case 'probe-report':
        it(name, async () => {
          const base = await bot({ accept: b.args[0]! });
          try {
            const r = await probe({ appId: '12345', domain: 'https://k3j9x0a1qz.your-site.com', baseUrl: base });
            expect(r.text.split(base).join('https://flow.botdistrikt.com/api').trim()).toBe(b.body.trim());
          } finally {
            await closeBot();
          }
        });
        break;
      case 'monitor':
        it(
          name,
          async () => {
            const want = b.body.split('\n').filter(Boolean);
            const ac = new AbortController();
            const r = await cli(['monitor', ...b.args], {
              signal: ac.signal,
              onStdout: (all) => {
                if (all.split('\n').length > want.length) ac.abort();
              },
            });
            expect(r.code, r.stderr).toBe(0);
            const got = r.stdout.split('\n').slice(0, want.length);
            expect(got.map(normalizeMonitor)).toEqual(want.map(normalizeMonitor));
          },
          60_000,
        );
        break;
      case 'elsewhere':
        it(name, () => {
          expect(existsSync(join(root, b.args[0]!))).toBe(true);
        });
        break;
      default:
        break;
    }
  }
});

function normalizeMonitor(line: string): string {
  return line
    .replace(/^\d\d:\d\d:\d\d\.\d{3} /, 'HH:MM:SS.mmm ')
    .replace(/(rx PONG(?: \d+){11}) \d+ (\w) (\d+)\*[0-9A-F]{4}$/, '$1 UP $2 $3*CRC')
    .replace(/ up=\d+ /, ' up=UP ');
}
