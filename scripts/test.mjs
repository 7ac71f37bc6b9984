#!/usr/bin/env node
// The whole test suite, as README's Quick start and .ci/run run it:
// lint + format check, typecheck, vitest (unit and integration), Playwright (e2e).
// Ends with one plain line `N passed, N failed` totalled over every suite, which CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'clockface-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(title, command, args, env = process.env) {
  console.log(`\n━━ ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return result.status ?? 1;
}

/** A check that is not a test runner (lint, typecheck) counts as one test. */
function check(title, command, args) {
  if (run(title, command, args) === 0) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(title);
  }
}

/** Runs vitest with a JSON report and adds its counts to the totals. */
function vitest(title, files, env = process.env) {
  const report = join(scratch, `${title.replace(/\W+/g, '-')}.json`);
  const status = run(
    title,
    'pnpm',
    [
      'exec',
      'vitest',
      'run',
      ...files,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    env,
  );
  if (existsSync(report)) {
    const results = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += results.numPassedTests;
    totals.failed += results.numFailedTests;
    totals.skipped += results.numPendingTests + results.numTodoTests;
    // A file that fails to load has no failed tests but is a failure all the same.
    const brokenFiles = results.testResults.filter(
      (file) => file.status === 'failed' && file.assertionResults.length === 0,
    );
    totals.failed += brokenFiles.length;
    if (results.numFailedTests > 0 || brokenFiles.length > 0) failures.push(title);
  } else if (status !== 0) {
    totals.failed += 1;
    failures.push(`${title} (no report)`);
  }
}

check('lint', 'pnpm', ['exec', 'eslint', '.', '--max-warnings=0']);
check('format', 'pnpm', ['exec', 'prettier', '--check', '.', '--log-level', 'warn']);
check('typecheck', 'pnpm', ['-r', '--no-bail', '--reporter-hide-prefix', 'typecheck']);

vitest('vitest', []);

// The hub runs on a real Postgres in production and on embedded PGlite by default: when the suite
// above ran against a server, run the identity and isolation tests once more on PGlite.
if (process.env.DATABASE_URL) {
  const { DATABASE_URL: _server, ...withoutServer } = process.env;
  vitest(
    'hub on PGlite',
    ['auth', 'tenancy', 'bad-input'].map((name) => `apps/hub/test/integration/${name}.int.test.ts`),
    withoutServer,
  );
}

if (existsSync(join(root, 'e2e/playwright.config.ts'))) {
  const playwrightReport = join(scratch, 'playwright.json');
  const status = run('e2e', 'pnpm', ['--filter', '@clockface/e2e', 'exec', 'playwright', 'test'], {
    ...process.env,
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  });
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
    if (stats.unexpected > 0) failures.push('e2e');
  } else if (status !== 0) {
    totals.failed += 1;
    failures.push('e2e (no report)');
  }
}

rmSync(scratch, { recursive: true, force: true });
if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
