/** The CLI as a real child process (tsx), against a real SQLite store seeded in a temp dir. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, seedKiosk } from '../../test/helpers/seed-kiosk';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = join(appRoot, 'node_modules/.bin/tsx');
let dataDir: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      tsx,
      ['src/agent/cli.ts', ...args],
      { cwd: appRoot, env: { ...process.env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolvePromise({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-cli-'));
  const { store } = await seedKiosk(dataDir);
  store.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kiosk-agent CLI', () => {
  it('punch records, then answers a duplicate, then refuses a wrong PIN', async () => {
    const first = await cli(['punch', '--data-dir', dataDir, '--code', ADA.code, '--pin', ADA.pin]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^Recorded: Ada: clocked in at \d\d:\d\d \(punch [0-9a-f-]{36}, seq 1\)/);

    const again = await cli(['punch', '--data-dir', dataDir, '--code', ADA.code, '--pin', '-'], {
      stdin: `${ADA.pin}\n`,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Not recorded: Ada: already clocked in at \d\d:\d\d/);

    const wrong = await cli(['punch', '--data-dir', dataDir, '--code', ADA.code, '--pin', '0000']);
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr.trim()).toBe('error: INVALID_CREDENTIALS: Employee number or PIN is wrong');
  });

  it('status, provision, bad usage and an unprovisioned store each answer clearly', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kiosk-cli-empty-'));
    try {
      const [status, human, provision, badType, unprovisioned] = await Promise.all([
        cli(['status', '--json'], { env: { KIOSK_DATA_DIR: dataDir } }),
        cli(['status', '--data-dir', dataDir]),
        cli([
          'provision',
          '--data-dir',
          dataDir,
          '--hub',
          'https://hub.example',
          '--token',
          `-${'a'.repeat(42)}`,
        ]),
        cli(['punch', '--data-dir', dataDir, '--code', ADA.code, '--pin', ADA.pin, '--type', 'lunch']),
        cli(['punch', '--data-dir', empty, '--code', ADA.code, '--pin', ADA.pin]),
      ]);
      expect(status.code).toBe(0);
      const parsed = JSON.parse(status.stdout) as {
        provisioning: { status: string };
        outbox: { pending: number };
      };
      expect(parsed.provisioning.status).toBe('provisioned');
      expect(parsed.outbox.pending).toBe(1);
      expect(human.stdout).toContain('outbox:       1 pending');
      expect(human.stdout).toContain('provisioned:  yes — "Test kiosk"');

      expect(provision.code).toBe(1);
      // A token starting with "-" (base64url) is still the token. Refused before the hub is contacted (hub.example does not exist): nothing changes on the kiosk.
      expect(provision.stderr).toMatch(
        /^error: ALREADY_PROVISIONED: This kiosk is already provisioned as "Test kiosk" .*Run again with --force/,
      );

      expect(badType.code).toBe(2);
      expect(badType.stderr).toContain(
        'Expected --type clock_in|clock_out|break_start|break_end, got "lunch"',
      );

      expect(unprovisioned.code).toBe(1);
      expect(unprovisioned.stderr).toMatch(/^error: NOT_PROVISIONED: This kiosk is not provisioned/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('run replays frames headless and stops after --max-frames', async () => {
    const framesDir = mkdtempSync(join(tmpdir(), 'kiosk-cli-frames-'));
    try {
      writeFileSync(join(framesDir, 'a.jpg'), 'x');
      const run = await cli([
        'run',
        '--data-dir',
        dataDir,
        '--frames',
        framesDir,
        '--fps',
        '100',
        '--max-frames',
        '4',
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Kiosk agent running for "Test kiosk"');
      expect(run.stdout).toContain('Stopped after 4 frames (0 punches recorded).');
    } finally {
      rmSync(framesDir, { recursive: true, force: true });
    }
  });
});
