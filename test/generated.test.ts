import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allGeneratedFiles } from '../scripts/generated.js';

describe('generated files', async () => {
  const files = await allGeneratedFiles();
  it('are produced', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(`${f.path} matches a fresh \`npm run generate\``, () => {
      let committed: string;
      try {
        committed = readFileSync(resolve(__dirname, '..', f.path), 'utf8');
      } catch {
        throw new Error(`${f.path} is missing: run npm run generate and commit it`);
      }
      expect(committed, `${f.path} is stale: run npm run generate and commit it`).toBe(f.content);
    });
  }
});
