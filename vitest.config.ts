import { defineConfig } from 'vitest/config';

// One config for the whole workspace: unit tests sit beside their code (`x.test.ts`), integration
// tests under `<pkg>/test/`. Playwright owns `*.spec.ts` (e2e/), so the two never collect each other's files.
export default defineConfig({
  test: {
    include: ['{apps,packages}/*/{src,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.spec.ts', '**/dist/**'],
    // Real databases and real model loads: generous limits, never used as performance assertions.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
