import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allGeneratedFiles } from './generated.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let changed = 0;
for (const f of await allGeneratedFiles()) {
  const abs = resolve(root, f.path);
  let old: string | undefined;
  try {
    old = readFileSync(abs, 'utf8');
  } catch {
    old = undefined;
  }
  if (old === f.content) continue;
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, f.content);
  changed++;
  console.log(`wrote ${f.path}`);
}
console.log(changed ? `${changed} generated file(s) updated` : 'generated files are up to date');
