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

function run(title, command, args, env = {}) {
  console.log(`\n━━ ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
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

check('lint', 'pnpm', ['exec', 'eslint', '.', '--max-warnings=0']);
check('format', 'pnpm', ['exec', 'prettier', '--check', '.', '--log-level', 'warn']);
check('typecheck', 'pnpm', ['-r', '--no-bail', '--reporter-hide-prefix', 'typecheck']);

const vitestReport = join(scratch, 'vitest.json');
const vitestStatus = run('vitest', 'pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  // A file that fails to load has no failed tests but is a failure all the same.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  );
  totals.failed += brokenFiles.length;
  if (report.numFailedTests > 0 || brokenFiles.length > 0) failures.push('vitest');
} else if (vitestStatus !== 0) {
  totals.failed += 1;
  failures.push('vitest (no report)');
}

if (existsSync(join(root, 'e2e/playwright.config.ts'))) {
  const playwrightReport = join(scratch, 'playwright.json');
  const status = run('e2e', 'pnpm', ['--filter', '@clockface/e2e', 'exec', 'playwright', 'test'], {
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
