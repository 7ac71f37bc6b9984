// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Packages that run anywhere (browser, kiosk renderer, Node): no I/O, no Node built-ins. */
const UNIVERSAL_PACKAGES = [
  'packages/core/**/*.ts',
  'packages/contracts/**/*.ts',
  'packages/timekeeping/**/*.ts',
];

/** Layering rules from ../shared/STYLE.md ("who may import whom"), enforced per folder. */
const layering = [
  {
    // One block per file set with every pattern it needs: when two blocks match a file, the later
    // block's no-restricted-imports replaces the earlier one's instead of adding to it.
    files: UNIVERSAL_PACKAGES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'drizzle-orm', 'drizzle-orm/*'], message: 'Universal packages do no I/O.' },
            {
              group: ['@clockface/db-*', '@clockface/face', '@clockface/sync-protocol'],
              message: 'Layering: see STYLE.md.',
            },
            {
              group: ['@clockface/hub', '@clockface/kiosk', '@clockface/console'],
              message: 'Packages never import apps.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/**/*.ts'],
    ignores: UNIVERSAL_PACKAGES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@clockface/hub', '@clockface/kiosk', '@clockface/console'],
              message: 'Packages never import apps.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'apps/hub/src/routes/**/*.ts',
      'apps/hub/src/services/**/*.ts',
      'apps/hub/src/middleware/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['drizzle-orm/pg-core'],
              message: 'Only db-hub builds tables; call its query functions.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/kiosk/src/agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The agent runs headless: no Electron.' }] },
      ],
    },
  },
  {
    // The Electron shell's main process and shared contract: the store and the face engine live in
    // the agent's utility process, reached by messages (STYLE.md: kiosk main never imports db-kiosk or face).
    files: ['apps/kiosk/src/electron/main/**/*.ts', 'apps/kiosk/src/electron/shared/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@clockface/db-*', '@clockface/face', '@clockface/sync-protocol', 'better-sqlite3'],
              message: 'Layering: the store and the face engine run in the agent process (STYLE.md).',
            },
            {
              group: ['**/agent/*', '!**/agent/key-files', '!**/agent/config'],
              message:
                'Main talks to the agent by messages; only agent/key-files and agent/config are shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // A sandboxed preload can require only electron (it is bundled into one file anyway).
    files: ['apps/kiosk/src/electron/preload/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '@clockface/*', '**/agent/*'],
              message: 'The preload is sandboxed: electron and shared/ only.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      'drizzle/**',
      '**/coverage/**',
      '**/test-results/**',
      '**/playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Use node:crypto (randomBytes/randomInt) for anything that could be a secret.',
        },
      ],
    },
  },
  {
    // config.ts is the only reader of process.env in each runtime (STYLE.md, Configuration).
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['**/config.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config.ts and pass it in.' },
      ],
    },
  },
  ...layering,
);
