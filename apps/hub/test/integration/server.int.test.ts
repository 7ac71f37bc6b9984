/**
 * The hub as an operator runs it: a real process from `tsx src/main.ts`, the CLI as a child process,
 * on embedded PGlite with no configuration, and on the real server when DATABASE_URL is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const hubDir = new URL('../..', import.meta.url).pathname;
// node --import tsx, not the tsx CLI: the CLI runs the script in a second process and relays
// signals, which blurs the exit code and the SIGTERM handling under test.
const node = process.execPath;
const withTsx = (script: string, ...args: string[]) => ['--import', 'tsx', script, ...args];
const scratch = mkdtempSync(join(tmpdir(), 'clockface-server-test-'));
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const database of databases) await database.drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Environment for a child hub: inherited PATH etc., minus any DATABASE_URL unless given. */
function childEnv(extra: Record<string, string>) {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'warn', NODE_ENV: 'development', ...extra };
}

async function startHub(env: Record<string, string>) {
  const child = spawn(node, withTsx('src/main.ts'), {
    cwd: hubDir,
    env: childEnv({ PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}:\n${output}`)));
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { url, stop };
}

async function exerciseHub(url: string) {
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', db: 'ok' });
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      organizationName: 'Process Test',
      name: 'Pat',
      email: `pat.${Date.now()}@example.com`,
      password: 'a process test password',
    }),
  });
  expect(signup.status).toBe(201);
}

describe('the hub process', () => {
  it('starts with no configuration on embedded PGlite, keeps data across restarts, and stops on SIGTERM', async () => {
    const dataDir = join(scratch, 'pglite-data');
    const first = await startHub({ DATA_DIR: dataDir });
    await exerciseHub(first.url);
    expect(await first.stop()).toBe(0);

    const second = await startHub({ DATA_DIR: dataDir });
    const health = await fetch(`${second.url}/health`);
    expect(health.status).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it.runIf(process.env.DATABASE_URL)('starts on a real Postgres with DATABASE_URL', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const hub = await startHub({ DATABASE_URL: database.url!, DATA_DIR: join(scratch, 'pg-secrets') });
    await exerciseHub(hub.url);
    expect(await hub.stop()).toBe(0);
  });

  it('refuses to start with bad configuration, naming each problem', () => {
    const result = spawnSync(node, withTsx('src/main.ts'), {
      cwd: hubDir,
      env: childEnv({ PORT: 'x', NODE_ENV: 'production' }),
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/DATABASE_URL: is required in production/);
  });
});

describe('the management CLI', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    spawnSync(node, withTsx('src/cli.ts', ...args), { cwd: hubDir, env: childEnv(env), encoding: 'utf8' });

  it('migrates, creates a super-admin who can use the platform routes, and seeds a demo org', async () => {
    const env = { DATA_DIR: join(scratch, 'cli-data') };
    expect(cli(['migrate'], env).status).toBe(0);
    const created = cli(
      [
        'create-superadmin',
        '--email',
        'root@example.com',
        '--name',
        'Root',
        '--password',
        'a long superadmin password',
      ],
      env,
    );
    expect(created.stdout).toContain('Super-admin root@example.com created');
    const seeded = cli(['seed-demo'], env);
    expect(seeded.status).toBe(0);
    expect(seeded.stdout).toContain('Demo organisation "Demo Bakery" created');
    expect(cli(['seed-demo'], env).stdout).toContain('already exists');

    const hub = await startHub(env);
    const login = await fetch(`${hub.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@example.com', password: 'a long superadmin password' }),
    });
    const { tokens } = (await login.json()) as { tokens: { accessToken: string } };
    const orgs = await fetch(`${hub.url}/api/admin/organizations`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(orgs.status).toBe(200);
    expect(((await orgs.json()) as { items: { name: string }[] }).items.map((org) => org.name)).toContain(
      'Demo Bakery',
    );

    const demo = await fetch(`${hub.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.clockface.local', password: 'demo password 2026' }),
    });
    expect(demo.status).toBe(200);
    expect(await hub.stop()).toBe(0);
  }, 180_000);

  it('explains bad arguments and unknown commands', () => {
    const bad = cli(['create-superadmin', '--email', 'nope'], { DATA_DIR: join(scratch, 'cli-bad') });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--email: expected an email address');
    const unknown = cli(['frobnicate'], {});
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });
});
