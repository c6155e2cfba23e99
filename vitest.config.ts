import { defineConfig } from 'vitest/config';
import { fastTestFiles } from './test/support/test-groups.js';

// BOTDUINO_TEST=fast (npm run test:fast): the unit part only; see test/support/test-groups.ts
const fast = process.env.BOTDUINO_TEST === 'fast';

export default defineConfig({
  test: {
    include: fast ? fastTestFiles(import.meta.dirname) : ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
