/**
 * The real hub as a process (`node --import tsx src/main.ts` in apps/hub), on its own database: a
 * fresh database on the server when DATABASE_URL is set, otherwise embedded PGlite under a temp
 * DATA_DIR. It listens on a fixed port chosen once, so a kiosk provisioned against it still finds
 * it after the hub is stopped, killed or restarted. Plus the kiosk agent as a process, and the admin
 * calls a test needs (signup, site, employees with PINs, enrollment tokens, revoke).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@clockface/db-hub';

export const kioskRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const hubRoot = resolve(kioskRoot, '../hub');

export interface HubEvent {
  id: string;
  seq: number;
  employeeId: string;
  type: string;
  method: string;
  hash: string;
  prevHash: string;
  flags: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Environment for a child process: inherited PATH etc., minus DATABASE_URL unless given. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, KIOSK_DATA_DIR: _alsoIgnored, ...rest } = process.env;
  return { ...rest, ...extra };
}

export interface RealHub {
  url: string;
  isRunning(): boolean;
  start(): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL (crash); resolves when the process is gone. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** The hub's rows for one device, by seq. With PGlite the hub must be stopped (one process owns it). */
  readEvents(deviceId: string): Promise<HubEvent[]>;
  /** Runs SQL on the hub's database (hub stopped when on PGlite). */
  sql(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
  output(): string;
}

/** `env`: hub settings on top of the test defaults (e.g. raised registration limits). */
export async function createRealHub(options: { env?: Record<string, string> } = {}): Promise<RealHub> {
  const scratch = mkdtempSync(join(tmpdir(), 'kiosk-real-hub-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const adminUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  let databaseName: string | undefined;
  if (adminUrl) {
    databaseName = `clockface_kiosk_${randomBytes(6).toString('hex')}`;
    const admin = await openDatabase({ url: adminUrl, maxConnections: 1 });
    if (admin.kind === 'postgres') await admin.client.unsafe(`create database ${databaseName}`);
    await admin.close();
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${databaseName}`;
    databaseUrl = parsed.toString();
  }
  let child: ChildProcess | undefined;
  let log = '';

  async function start(): Promise<void> {
    if (child) return;
    const process_ = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: hubRoot,
      env: childEnv({
        PORT: String(port),
        DATA_DIR: join(scratch, 'hub-data'),
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        // The tests drive one kiosk hard; the per-device rate limit is tested on the hub side.
        DEVICE_REQUESTS_PER_MINUTE: '0',
        ...options.env,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = process_;
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub did not start in 90 s:\n${log}`)), 90_000);
      const onData = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
        if (/running at http/.test(log)) {
          clearTimeout(timer);
          resolveStart();
        }
      };
      process_.stdout!.on('data', onData);
      process_.stderr!.on('data', onData);
      process_.once('exit', (code, signal) => {
        log += `\n[hub process exited: code ${code}, signal ${signal}]`;
        clearTimeout(timer);
        if (child === process_) child = undefined;
        reject(new Error(`hub exited with ${code}:\n${log}`));
      });
    });
    log = '';
  }

  async function stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const running = child;
    if (!running) return;
    child = undefined;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => running.once('exit', () => resolveExit()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async function sql(query: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    if (!databaseUrl && child) throw new Error('Stop the hub first: PGlite has a single owner');
    const connection = await openDatabase(
      databaseUrl
        ? { url: databaseUrl, maxConnections: 1 }
        : { dataDir: join(scratch, 'hub-data', 'pglite') },
    );
    try {
      if (connection.kind === 'postgres') {
        return (await connection.client.unsafe(query, params as never[])) as unknown as Record<
          string,
          unknown
        >[];
      }
      return (await connection.client.query<Record<string, unknown>>(query, params)).rows;
    } finally {
      await connection.close();
    }
  }

  return {
    url,
    isRunning: () => child !== undefined,
    start,
    stop,
    sql,
    async readEvents(deviceId) {
      const rows = await sql(
        `select id, seq, employee_id, type, method, hash, prev_hash, flags
           from attendance_events where device_id = $1 order by seq`,
        [deviceId],
      );
      return rows.map((row) => ({
        id: row.id as string,
        seq: Number(row.seq),
        employeeId: row.employee_id as string,
        type: row.type as string,
        method: row.method as string,
        hash: row.hash as string,
        prevHash: row.prev_hash as string,
        flags: row.flags as string[],
      }));
    },
    async dispose() {
      await stop('SIGKILL');
      if (adminUrl && databaseName) {
        const admin = await openDatabase({ url: adminUrl, maxConnections: 1 });
        if (admin.kind === 'postgres')
          await admin.client.unsafe(`drop database if exists ${databaseName} with (force)`);
        await admin.close();
      }
      rmSync(scratch, { recursive: true, force: true });
    },
    output: () => log,
  };
}

/** JSON over HTTP against the hub, as the console would call it. */
export async function hubRequest(
  hub: Pick<RealHub, 'url'>,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const send = () =>
    fetch(`${hub.url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(30_000),
    });
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    // After a hub was killed, a pooled keep-alive socket to the dead process can fail once
    // ("other side closed"). A GET is safe to send again; anything else is the caller's business.
    if (method !== 'GET') throw error;
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    response = await send();
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

async function expectStatus(
  response: Promise<{ status: number; body: Record<string, unknown> }>,
  status: number,
): Promise<Record<string, unknown>> {
  const result = await response;
  if (result.status !== status)
    throw new Error(`expected ${status}, got ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
}

export interface HubOrg {
  orgId: string;
  accessToken: string;
  siteId: string;
  employees: { id: string; code: string; pin: string }[];
}

/** Signs up an org owner, creates a site and employees with PINs who work at that site. */
export async function createOrg(hub: Pick<RealHub, 'url'>, employeeCount = 2): Promise<HubOrg> {
  const signup = await expectStatus(
    hubRequest(hub, 'POST', '/api/auth/signup', {
      body: {
        organizationName: `Kiosk Test ${randomUUID().slice(0, 8)}`,
        name: 'Pat Owner',
        email: `owner.${randomUUID()}@example.com`,
        password: 'a kiosk test password',
      },
    }),
    201,
  );
  const orgId = (signup.organization as { id: string }).id;
  const accessToken = (signup.tokens as { accessToken: string }).accessToken;
  const site = await expectStatus(
    hubRequest(hub, 'POST', `/api/orgs/${orgId}/sites`, {
      token: accessToken,
      body: { name: 'Front door', timeZone: 'Europe/Berlin' },
    }),
    201,
  );
  const siteId = site.id as string;
  const employees: HubOrg['employees'] = [];
  for (let index = 0; index < employeeCount; index += 1) {
    const code = String(1001 + index);
    const pin = String(4711 + index);
    const created = await expectStatus(
      hubRequest(hub, 'POST', `/api/orgs/${orgId}/employees`, {
        token: accessToken,
        body: { code, name: `Employee ${code}`, homeSiteId: siteId, pin },
      }),
      201,
    );
    employees.push({ id: created.id as string, code, pin });
  }
  return { orgId, accessToken, siteId, employees };
}

export async function createEnrollmentToken(
  hub: Pick<RealHub, 'url'>,
  org: HubOrg,
  options: { maxUses?: number } = {},
): Promise<{ token: string; tokenId: string }> {
  const created = await expectStatus(
    hubRequest(hub, 'POST', `/api/orgs/${org.orgId}/enrollment-tokens`, {
      token: org.accessToken,
      body: { siteId: org.siteId, label: 'Kiosk test', maxUses: options.maxUses ?? 1 },
    }),
    201,
  );
  return { token: created.token as string, tokenId: created.id as string };
}

export async function revokeDevice(hub: Pick<RealHub, 'url'>, org: HubOrg, deviceId: string): Promise<void> {
  await expectStatus(
    hubRequest(hub, 'POST', `/api/orgs/${org.orgId}/devices/${deviceId}/revoke`, {
      token: org.accessToken,
    }),
    200,
  );
}

export async function getDevice(
  hub: Pick<RealHub, 'url'>,
  org: HubOrg,
  deviceId: string,
): Promise<Record<string, unknown>> {
  return expectStatus(
    hubRequest(hub, 'GET', `/api/orgs/${org.orgId}/devices/${deviceId}`, { token: org.accessToken }),
    200,
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kiosk-agent …` as a child process (`node --import tsx`, one process), bounded by a timeout. */
export function runAgentCli(args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/agent/cli.ts', ...args], {
      cwd: kioskRoot,
      env: childEnv({ KIOSK_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kiosk-agent ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** `kiosk-agent run` as a long-running child process. */
export function startAgentProcess(
  dataDir: string,
  framesDir: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/agent/cli.ts',
      'run',
      '--data-dir',
      dataDir,
      '--frames',
      framesDir,
      '--fps',
      '1',
    ],
    {
      cwd: kioskRoot,
      env: childEnv({ KIOSK_LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'a condition',
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs));
  }
}
