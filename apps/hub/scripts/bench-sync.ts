/**
 * bench:sync — how fast punches get from kiosks into the hub's Postgres.
 *
 *   pnpm bench:sync -- --out FILE.json [--backlog 1000000] [--devices 8] [--batches 20] [--rounds 2]
 *                      [--profile DIR]   (V8 CPU profiles of the hub and the draining kiosk)
 *
 * 1. Ingest: `--devices` kiosks (8) push signed batches of 500 at once through the real endpoint
 *    (POST /api/sync/events) of a real hub process; each device sends its batches in order, one at a
 *    time, as the kiosk's sync loop does. Every event must come back `accepted`.
 * 2. Ceiling: the same number of rows, same columns, same table (indexes, foreign keys), inserted
 *    directly with postgres.js by as many concurrent connections: one `insert … select from unnest(…)
 *    on conflict do nothing` per batch of 500 and nothing else (no auth, no checks, no transaction
 *    around it).
 *    Ingest and ceiling alternate for `--rounds` rounds after a warm-up; the best round of each counts
 *    (the machine is shared, so the best is the least disturbed) and every round is in the JSON.
 * 3. Drain: apps/kiosk/scripts/bench-outbox.ts as a child process, provisioned against the same hub
 *    (a real registration), with a `--backlog` of punches (1,000,000) in its SQLite outbox, drained end
 *    to end by the agent's sync client: batch read and signed, POSTed, ack applied. `--backlog 0` skips it.
 *
 * Needs a real Postgres (DATABASE_URL, default the local server); makes and drops its own database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SYNC_PATHS, SYNC_PROTOCOL_VERSION, type TPunchEvent } from '@clockface/contracts/sync';
import { uuidv7 } from '@clockface/core';
import {
  appendToChain,
  createEventBatch,
  deviceKeyId,
  genesisHead,
  mintDeviceToken,
  type ChainHead,
} from '@clockface/sync-protocol';
import postgres from 'postgres';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    out: { type: 'string' },
    devices: { type: 'string', default: '8' },
    /** Batches of 500 per device per round. */
    batches: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    backlog: { type: 'string', default: '1000000' },
    /** Writes V8 CPU profiles of the hub and the draining kiosk (.cpuprofile) into this folder. */
    profile: { type: 'string' },
  },
});
const DEVICES = Number(values.devices);
const BATCHES = Number(values.batches);
const ROUNDS = Number(values.rounds);
const BACKLOG = Number(values.backlog);
const PROFILE_ARGS = values.profile
  ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env.INIT_CWD ?? process.cwd(), values.profile)]
  : [];
const BATCH_SIZE = 500;
const EMPLOYEES = 200;
/** Warm-up batches per device before the measured rounds (JIT, pools, plan caches). */
const WARMUP_BATCHES = 2;

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const hubDir = new URL('..', import.meta.url).pathname;
const kioskDir = resolve(hubDir, '../kiosk');
const log = (message: string) => process.stderr.write(`[bench:sync] ${message}\n`);

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

function startHub(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...PROFILE_ARGS, '--import', 'tsx', 'src/main.ts'], {
    cwd: hubDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (/running at http/.test(output)) resolveStart(child);
    };
    child.stdout!.on('data', onData);
    // Warnings and errors of the hub stay visible.
    child.stderr!.on('data', (chunk: Buffer) => {
      onData(chunk);
      process.stderr.write(chunk);
    });
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code}:\n${output}`)));
  });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bench reads arbitrary JSON

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Json> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Json;
}

interface BenchDevice {
  deviceId: string;
  orgId: string;
  siteId: string;
  kid: string;
  audience: string;
  privateKey: KeyObject;
  head: ChainHead;
}

async function registerDevice(base: string, enrollmentToken: string, name: string): Promise<BenchDevice> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicJwk = {
    kty: 'OKP' as const,
    crv: 'Ed25519' as const,
    x: publicKey.export({ format: 'jwk' }).x!,
  };
  const result = await call(base, 'POST', SYNC_PATHS.register, {
    enrollmentToken,
    name,
    publicJwk,
    appVersion: 'bench',
    protocolVersion: SYNC_PROTOCOL_VERSION,
  });
  if (result.kid !== (await deviceKeyId(publicJwk))) throw new Error('the hub registered another key');
  return {
    deviceId: result.deviceId,
    orgId: result.orgId,
    siteId: result.siteId,
    kid: result.kid,
    audience: result.audience,
    privateKey,
    head: genesisHead(result.deviceId),
  };
}

/** The next `count` events of a device's chain: face punches a second apart, employees in turn. */
function nextEvents(device: BenchDevice, employeeIds: string[], count: number, start: Date): TPunchEvent[] {
  const runId = randomUUID();
  const events: TPunchEvent[] = [];
  for (let index = 0; index < count; index += 1) {
    const event = appendToChain(device.head, {
      id: uuidv7(),
      deviceId: device.deviceId,
      employeeId: employeeIds[(device.head.seq + index) % employeeIds.length]!,
      type: (device.head.seq + index) % 2 === 0 ? 'clock_in' : 'clock_out',
      method: 'face',
      deviceTime: new Date(start.getTime() + (device.head.seq + 1) * 1000).toISOString(),
      monotonicMs: device.head.seq * 1000,
      runId,
      score: 0.8123,
      liveness: 0.97,
      modelId: 'arcface-r100@1',
    });
    device.head = { seq: event.seq, hash: event.hash };
    events.push(event);
  }
  return events;
}

/** Per device, `batches` signed request bodies, serialised up front so the load generator stays light. */
function prepareBodies(device: BenchDevice, employeeIds: string[], batches: number, start: Date): string[] {
  return Array.from({ length: batches }, () =>
    JSON.stringify(
      createEventBatch({
        deviceId: device.deviceId,
        kid: device.kid,
        privateKey: device.privateKey,
        events: nextEvents(device, employeeIds, BATCH_SIZE, start),
      }),
    ),
  );
}

interface RoundResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  batchMsP50: number;
  batchMsP99: number;
  /**
   * CPU time per batch of 500 (user + system), less sensitive to a busy machine than the rates:
   * the hub process's for ingest, this process's (postgres.js) for the direct inserts.
   */
  hubCpuMsPerBatch?: number | null;
  clientCpuMsPerBatch?: number | null;
  postgresCpuMsPerBatch?: number | null;
}

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system) a local process has used; null when it is not on this machine. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** CPU of the hub process and of each Postgres backend serving the bench database (local server only). */
async function cpuSnapshot(admin: postgres.Sql, database: string, hubPid: number | undefined) {
  const backends = await admin`select pid from pg_stat_activity where datname = ${database}`;
  return {
    hub: hubPid === undefined ? null : cpuSeconds(hubPid),
    postgres: new Map(backends.map((row) => [row.pid as number, cpuSeconds(row.pid as number)])),
  };
}

/**
 * Runs a round and adds the CPU it used per batch: the hub's (or, for the ceiling, this process's)
 * and the Postgres backends' (a backend that started during the round counts from zero; one that
 * ended is missed, which the pools' long-lived connections make rare).
 */
async function measured(
  admin: postgres.Sql,
  database: string,
  process_: { pid: number | undefined; label: 'hubCpuMsPerBatch' | 'clientCpuMsPerBatch' },
  batches: number,
  round: () => Promise<RoundResult>,
): Promise<RoundResult> {
  const clientPid = process_.pid;
  const before = await cpuSnapshot(admin, database, clientPid);
  const result = await round();
  const after = await cpuSnapshot(admin, database, clientPid);
  const perBatch = (seconds: number | null) =>
    seconds === null ? null : Math.round((seconds * 1000 * 10) / batches) / 10;
  let postgresSeconds: number | null = 0;
  for (const [pid, seconds] of after.postgres) {
    const start = before.postgres.get(pid) ?? 0;
    postgresSeconds =
      seconds === null || start === null || postgresSeconds === null
        ? null
        : postgresSeconds + seconds - start;
  }
  return {
    ...result,
    [process_.label]: perBatch(before.hub === null || after.hub === null ? null : after.hub - before.hub),
    postgresCpuMsPerBatch: perBatch(postgresSeconds),
  };
}

function summarise(events: number, startedAt: number, latencies: number[]): RoundResult {
  const seconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * quantile))]! * 10) / 10;
  return {
    events,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(events / seconds),
    batchMsP50: at(0.5),
    batchMsP99: at(0.99),
  };
}

/** Every device pushes its bodies in order, all devices at once; every event must be accepted. */
async function ingestRound(base: string, devices: BenchDevice[], bodies: string[][]): Promise<RoundResult> {
  const latencies: number[] = [];
  const url = `${base}${SYNC_PATHS.events}`;
  const startedAt = performance.now();
  await Promise.all(
    devices.map(async (device, index) => {
      for (const body of bodies[index]!) {
        const sentAt = performance.now();
        const token = await mintDeviceToken({
          privateKey: device.privateKey,
          deviceId: device.deviceId,
          kid: device.kid,
          audience: device.audience,
          method: 'POST',
          url,
        });
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        const ack = (await response.json()) as Json;
        if (response.status !== 200) throw new Error(`push: ${response.status} ${JSON.stringify(ack)}`);
        const notAccepted = (ack.results as { status: string; code?: string }[]).filter(
          (result) => result.status !== 'accepted',
        );
        if (notAccepted.length > 0 || ack.results.length !== BATCH_SIZE)
          throw new Error(`push: not all accepted: ${JSON.stringify(notAccepted.slice(0, 3))}`);
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  return summarise(devices.length * bodies[0]!.length * BATCH_SIZE, startedAt, latencies);
}

/** The same columns the hub writes for a kiosk punch, one array per column. */
function ceilingColumns(device: BenchDevice, events: TPunchEvent[], receivedAt: string) {
  return [
    events.map((event) => event.id),
    events.map(() => device.orgId),
    events.map((event) => event.employeeId),
    events.map(() => device.deviceId),
    events.map(() => device.siteId),
    events.map((event) => event.seq),
    events.map((event) => event.type),
    events.map(() => 'kiosk'),
    events.map((event) => event.method),
    events.map((event) => event.deviceTime),
    events.map((event) => event.deviceTime),
    events.map(() => 0),
    events.map(() => receivedAt),
    events.map((event) => event.monotonicMs),
    events.map((event) => event.runId),
    events.map((event) => event.score),
    events.map((event) => event.liveness),
    events.map((event) => event.modelId),
    events.map((event) => event.prevHash),
    events.map((event) => event.hash),
  ];
}

const CEILING_INSERT = `
  insert into attendance_events (id, org_id, employee_id, device_id, site_id, seq, type, source, method,
    occurred_at, device_time, clock_offset_ms, received_at, monotonic_ms, run_id, score, liveness,
    model_id, prev_hash, hash)
  select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[],
    $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::integer[],
    $13::timestamptz[], $14::bigint[], $15::uuid[], $16::float8[], $17::float8[], $18::text[],
    $19::text[], $20::text[])
  on conflict do nothing`;

async function ceilingRound(
  sql: postgres.Sql,
  devices: BenchDevice[],
  batches: TPunchEvent[][][],
): Promise<RoundResult> {
  const latencies: number[] = [];
  const startedAt = performance.now();
  await Promise.all(
    devices.map(async (device, index) => {
      for (const events of batches[index]!) {
        const sentAt = performance.now();
        const result = await sql.unsafe(
          CEILING_INSERT,
          ceilingColumns(device, events, new Date().toISOString()) as never[],
        );
        if (result.count !== events.length)
          throw new Error(`ceiling: inserted ${result.count} of ${events.length}`);
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  return summarise(devices.length * batches[0]!.length * BATCH_SIZE, startedAt, latencies);
}

/** The kiosk's own bench (apps/kiosk/scripts/bench-outbox.ts) draining into this hub. */
async function drain(base: string, enrollmentToken: string, scratch: string): Promise<Json> {
  const out = join(scratch, 'drain.json');
  const child = spawn(
    process.execPath,
    [
      ...PROFILE_ARGS,
      '--import',
      'tsx',
      'scripts/bench-outbox.ts',
      '--backlog',
      String(BACKLOG),
      '--punches',
      String(Math.min(1000, BACKLOG)),
      '--hub',
      base,
      '--token',
      enrollmentToken,
      '--out',
      out,
    ],
    {
      cwd: kioskDir,
      env: { ...process.env, KIOSK_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  if (code !== 0) throw new Error(`bench-outbox exited with ${code}`);
  return JSON.parse(readFileSync(out, 'utf8')) as Json;
}

async function main() {
  const name = `clockface_bench_sync_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const serverVersion = (await admin`show server_version`)[0]!.server_version as string;
  await admin.unsafe(`create database ${name}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${name}`;
  const scratch = mkdtempSync(join(tmpdir(), 'clockface-bench-sync-'));
  let hub: ChildProcess | undefined;
  let direct: postgres.Sql | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    hub = await startHub({
      DATABASE_URL: databaseUrl.toString(),
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      DATA_DIR: join(scratch, 'hub-data'),
      RUN_JOBS: 'false',
      LOG_LEVEL: 'warn',
      // A draining kiosk sends batch after batch; the per-device limit (60/min) would cap it at 500 events/s.
      DEVICE_REQUESTS_PER_MINUTE: '0',
    });
    log(`hub at ${base}, database ${name}`);

    const signup = await call(base, 'POST', '/api/auth/signup', {
      organizationName: 'Bench Org',
      name: 'Bench Owner',
      email: 'bench@example.com',
      password: 'benchmark password 1',
    });
    const orgId = signup.organization.id as string;
    const owner = signup.tokens.accessToken as string;
    const site = await call(
      base,
      'POST',
      `/api/orgs/${orgId}/sites`,
      { name: 'Depot', timeZone: 'UTC' },
      owner,
    );
    const employeeIds: string[] = [];
    for (let index = 0; index < EMPLOYEES; index += 1) {
      const employee = await call(
        base,
        'POST',
        `/api/orgs/${orgId}/employees`,
        { code: `E${1000 + index}`, name: `Employee ${index}`, homeSiteId: site.id },
        owner,
      );
      employeeIds.push(employee.id as string);
    }
    // One token per kiosk: a token allows 10 registration attempts per 15 minutes.
    const newToken = async () =>
      (
        await call(
          base,
          'POST',
          `/api/orgs/${orgId}/enrollment-tokens`,
          { siteId: site.id, maxUses: 1 },
          owner,
        )
      ).token as string;
    const ingestDevices: BenchDevice[] = [];
    const ceilingDevices: BenchDevice[] = [];
    for (let index = 0; index < DEVICES; index += 1) {
      ingestDevices.push(await registerDevice(base, await newToken(), `Ingest ${index}`));
      ceilingDevices.push(await registerDevice(base, await newToken(), `Ceiling ${index}`));
    }

    // Punches of the last hour, so none is flagged as being in the future or before registration.
    const start = new Date(Date.now() - 3_600_000);
    log(`preparing ${(WARMUP_BATCHES + ROUNDS * BATCHES) * DEVICES * BATCH_SIZE} signed events per side`);
    const ingestBodies = (batches: number) =>
      ingestDevices.map((device) => prepareBodies(device, employeeIds, batches, start));
    const ceilingBatches = (batches: number) =>
      ceilingDevices.map((device) =>
        Array.from({ length: batches }, () => nextEvents(device, employeeIds, BATCH_SIZE, start)),
      );
    const warmupBodies = ingestBodies(WARMUP_BATCHES);
    const warmupRows = ceilingBatches(WARMUP_BATCHES);
    const roundBodies = Array.from({ length: ROUNDS }, () => ingestBodies(BATCHES));
    const roundRows = Array.from({ length: ROUNDS }, () => ceilingBatches(BATCHES));

    // The hub's default pool size, so only the request path differs.
    direct = postgres(databaseUrl.toString(), { max: 20, onnotice: () => {} });
    await ingestRound(base, ingestDevices, warmupBodies);
    await ceilingRound(direct, ceilingDevices, warmupRows);
    const batchesPerRound = DEVICES * BATCHES;
    const ingestRounds: RoundResult[] = [];
    const ceilingRounds: RoundResult[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      ingestRounds.push(
        await measured(admin, name, { pid: hub.pid, label: 'hubCpuMsPerBatch' }, batchesPerRound, () =>
          ingestRound(base, ingestDevices, roundBodies[round]!),
        ),
      );
      log(`round ${round + 1} ingest: ${JSON.stringify(ingestRounds.at(-1))}`);
      ceilingRounds.push(
        await measured(admin, name, { pid: process.pid, label: 'clientCpuMsPerBatch' }, batchesPerRound, () =>
          ceilingRound(direct!, ceilingDevices, roundRows[round]!),
        ),
      );
      log(`round ${round + 1} direct: ${JSON.stringify(ceilingRounds.at(-1))}`);
    }
    const best = (rounds: RoundResult[]) =>
      rounds.reduce((winner, round) => (round.eventsPerSecond > winner.eventsPerSecond ? round : winner));
    const ingest = best(ingestRounds);
    const ceiling = best(ceilingRounds);

    // Exactly once: every pushed event is in the table once, and each device's head is its last seq.
    const [stored] = await direct`
      select count(*)::int as events, count(distinct id)::int as ids from attendance_events
      where device_id = any(${ingestDevices.map((device) => device.deviceId)}::uuid[])`;
    const expected = (WARMUP_BATCHES + ROUNDS * BATCHES) * BATCH_SIZE * DEVICES;
    if (stored!.events !== expected || stored!.ids !== expected)
      throw new Error(`expected ${expected} stored events, found ${JSON.stringify(stored)}`);
    const heads = await direct`
      select id, last_seq from devices where id = any(${ingestDevices.map((device) => device.deviceId)}::uuid[])`;
    for (const device of ingestDevices) {
      const row = heads.find((candidate) => candidate.id === device.deviceId);
      if (Number(row?.last_seq) !== device.head.seq)
        throw new Error(`device ${device.deviceId}: head not at ${device.head.seq}`);
    }

    let drained: Json | undefined;
    if (BACKLOG > 0) {
      const drainToken = await newToken();
      log(`drain: a kiosk with ${BACKLOG} punches in its outbox`);
      drained = await drain(base, drainToken, scratch);
    }

    const report = {
      benchmark: 'sync',
      ingest_events_per_s: ingest.eventsPerSecond,
      direct_insert_events_per_s: ceiling.eventsPerSecond,
      ingest_ratio: Math.round((ingest.eventsPerSecond / ceiling.eventsPerSecond) * 1000) / 1000,
      drain_events_per_s: drained?.drain_events_per_s ?? null,
      backlog: drained?.backlog ?? 0,
      targets: { ingest_events_per_s: 20_000, ingest_ratio: 0.5, drain_events_per_s: 10_000 },
      ingest: {
        devices: DEVICES,
        batch_size: BATCH_SIZE,
        batches_per_device_per_round: BATCHES,
        events_per_round: DEVICES * BATCHES * BATCH_SIZE,
        batch_ms_p50: ingest.batchMsP50,
        batch_ms_p99: ingest.batchMsP99,
        rounds: ingestRounds,
      },
      direct_insert: {
        connections: DEVICES,
        pool: 20,
        batch_ms_p50: ceiling.batchMsP50,
        rounds: ceilingRounds,
      },
      drain: drained ?? null,
      load_average_after: loadavg().map((value) => Math.round(value * 100) / 100),
      postgres: serverVersion,
      node: process.version,
    };
    const json = JSON.stringify(report, null, 2);
    if (values.out) {
      // Relative to where the command was typed (pnpm runs scripts from the package folder).
      const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${json}\n`);
    }
    process.stdout.write(`${json}\n`);
  } finally {
    await direct?.end();
    if (hub && hub.exitCode === null) {
      const exited = new Promise((resolveExit) => hub!.once('exit', resolveExit));
      hub.kill('SIGTERM');
      await exited;
    }
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
