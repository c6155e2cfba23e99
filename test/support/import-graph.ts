/**
 * The project's import graph and the rule its arrows follow, checked by
 * test/dependency-rule.test.ts.
 *
 * Rooms, from the top down (an arrow may only point to the same room or
 * down; rooms on one floor do not import each other):
 *
 *   bench, scripts                   tooling: anything but test/
 *   support                          test doubles that bench and tests share
 *   bridge/cli                       the botduino command
 *   bridge/app                       app.ts, config*.ts, control.ts: wires the rest
 *   bridge/relay                     pushes over MQTT for bridges behind a router and
 *                                    fleets; built on botdistrikt's webhook receiver
 *   bridge/{ui,botdistrikt,link,sim} one job each; none imports another
 *   bridge/{lcd,chat}                shared vocabulary: the screen, the ROMs, the
 *                                    device's face; what a bot said
 *   bridge/base                      log.ts, paths.ts, clock.ts
 *   firmware/build                   the AVR build
 *   firmware/generator               schema → C++, device → config header, PlatformIO project
 *   firmware/devices                 the device description and the presets
 *                                    (no firmware/ tooling imports bridge/)
 *   common                           the error family and exit codes
 *   protocol                         the one source of truth; imports nothing else
 *
 * Every import counts: type-only imports, re-exports, and `import('…')` with a
 * literal path, found by TypeScript's own scanner. Besides the rule, the
 * graph of files must have no cycle (type-only cycles included).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

/** The folders whose TypeScript makes up the house (tests are not rooms). */
export const SOURCE_DIRS = [
  'protocol',
  'common',
  'firmware/generator',
  'firmware/devices',
  'firmware/build',
  'bridge',
  'scripts',
  'support',
  'bench',
];

export type Room = string;
const SIBLINGS = ['ui', 'botdistrikt', 'link', 'sim'];
const VOCABULARY = ['lcd', 'chat'];
const BASE = new Set(['bridge/log.ts', 'bridge/paths.ts', 'bridge/clock.ts']);

/** The room a file belongs to. */
export function roomOf(file: string): Room {
  const parts = file.split('/');
  if (parts[0] === 'bridge') {
    if (parts.length === 2) return BASE.has(file) ? 'bridge/base' : 'bridge/app';
    return `bridge/${parts[1]}`;
  }
  if (parts[0] === 'firmware' && parts.length > 2) return `firmware/${parts[1]}`;
  if (parts[0] === 'test') return 'test';
  return parts[0];
}

/** How far down a room stands: an arrow may go to a lower floor or within its own room. */
function floor(room: Room): number {
  if (room === 'protocol') return 0;
  if (room === 'common') return 1;
  if (room === 'firmware/devices') return 2;
  if (room === 'firmware/generator') return 2.3;
  if (room === 'firmware/build') return 2.6;
  if (room === 'bridge/base') return 3;
  if (VOCABULARY.some((v) => room === `bridge/${v}`)) return 4;
  if (SIBLINGS.some((s) => room === `bridge/${s}`)) return 5;
  if (room === 'bridge/relay') return 5.5;
  if (room === 'bridge/app') return 6;
  if (room === 'bridge/cli') return 7;
  if (room === 'support') return 8;
  if (room === 'bench' || room === 'scripts') return 9;
  if (room === 'test') return 10;
  return -1;
}

/** Why the arrow from → to breaks the rule, or null when it follows it. */
export function brokenRule(from: string, to: string): string | null {
  const a = roomOf(from);
  const b = roomOf(to);
  if (a === b) return null;
  const fa = floor(a);
  const fb = floor(b);
  if (fa < 0) return `${from} is in no known room (add its folder to the rule in test/support/import-graph.ts)`;
  if (fb < 0) return `${to} is in no known room`;
  if (b === 'test') return `${a} imports the tests (${to}): test doubles that others use belong in support/`;
  if (a.startsWith('firmware/') && b.startsWith('bridge/')) return `firmware tooling imports the bridge (${to})`;
  if (fa === fb) return `${a} and ${b} stand side by side and must not import each other`;
  if (fb > fa) return `${a} imports ${b}, which stands above it`;
  return null;
}

export interface Arrow {
  from: string;
  to: string;
  typeOnly: boolean;
}

function listTs(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(join(ROOT, dir));
  } catch {
    return;
  }
  for (const name of entries) {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) listTs(rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
}

/** Every TypeScript file of the house, relative to the root. */
export function sourceFiles(dirs = SOURCE_DIRS): string[] {
  const out: string[] = [];
  for (const d of dirs) listTs(d, out);
  return out.sort();
}

/** The arrows from one file's text: its relative imports, resolved to files. */
export function arrowsOf(file: string, text: string): Arrow[] {
  const info = ts.preProcessFile(text, true, true);
  const arrows: Arrow[] = [];
  for (const ref of info.importedFiles) {
    const spec = ref.fileName;
    if (!spec.startsWith('.')) continue;
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
    const line = text.slice(0, ref.pos).split('\n').length;
    const lineText = text.split('\n')[line - 1] ?? '';
    arrows.push({ from: file, to: target, typeOnly: /^\s*(import|export)\s+type\b/.test(lineText) });
  }
  return arrows;
}

/** The whole graph. */
export function importGraph(files = sourceFiles()): Arrow[] {
  return files.flatMap((f) => arrowsOf(f, readFileSync(join(ROOT, f), 'utf8')));
}

/**
 * Imports whose module is named by an expression (`import(mod)`): no tool
 * can see the arrow they make, so the rule cannot check it.
 */
export function hiddenImports(files = sourceFiles()): string[] {
  const out: string[] = [];
  for (const f of files) {
    const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(l)) return;
      if (/\bimport\(\s*[^'"\s)]/.test(l) || /\brequire\(\s*[^'"\s)]/.test(l)) out.push(`${f}:${i + 1}: ${l.trim()}`);
    });
  }
  return out;
}

/** Arrows against the flow, each with why. */
export function violations(arrows: Arrow[]): string[] {
  const out: string[] = [];
  for (const a of arrows) {
    const why = brokenRule(a.from, a.to);
    if (why) out.push(`${a.from} → ${a.to}${a.typeOnly ? ' (type only)' : ''}: ${why}`);
  }
  return out;
}

/** Every cycle of files (strongly connected components of more than one file, or a file importing itself). */
export function cycles(arrows: Arrow[]): string[][] {
  const next = new Map<string, string[]>();
  for (const a of arrows) {
    if (!next.has(a.from)) next.set(a.from, []);
    next.get(a.from)!.push(a.to);
  }
  // Tarjan's algorithm
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return found;
}
