/**
 * bench:reports — an org of 1,000 employees with a year of punches (~1,000,000 attendance events):
 * how long ingest + projection take, and how fast the month hours report by department and "who is
 * in now" answer through the real app (Hono routing, auth, org scope, RLS, service, query).
 *
 *   pnpm bench:reports -- --out FILE.json [--employees 1000] [--runs 30]
 *
 * Needs a real Postgres (DATABASE_URL, default the local server); makes its own database and drops
 * it afterwards (--keep keeps it for EXPLAIN). Punches are stored the way the kiosk ingest stores them
 * (insertAttendanceEvents: one unnest statement per 500-event batch, org-scoped, the feed trigger
 * filling the projection queue and attendance states), then projected by the projection job's
 * drainProjectionQueue. Hash chains and signatures are not part of this path (bench:sync measures them).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '@clockface/core';
import { openDatabase, migrateDatabase, withOrgScope } from '@clockface/db-hub';
import { insertAttendanceEvents, rowsOf, type NewAttendanceEvent } from '@clockface/db-hub/queries';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../src/config';
import { startRuntime } from '../src/runtime';
import { drainProjectionQueue } from '../src/services/projection.service';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    out: { type: 'string' },
    employees: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const EMPLOYEES = Number(values.employees);
const RUNS = Number(values.runs);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TIME_ZONE = 'Europe/Berlin';
const DEPARTMENTS = 10;
const SITES = 3;
/** The kiosk ingest's batch size (sync contract). */
const BATCH = 500;
/** The year of punches: 2025-11-01 … 2026-10-31, wholly in the past so every day is final. */
const YEAR_FROM = '2025-11-01';
const YEAR_TO = '2026-10-31';
const MONTH = { from: '2026-10-01', to: '2026-10-31' };

/** Deterministic so two runs seed the same org (mulberry32). */
function createRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = createRandom(20261122);
const between = (low: number, high: number) => low + random() * (high - low);

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);

/** The UTC instant of a Berlin wall-clock time (CET/CEST by the EU rule: last Sundays of March and October, 01:00 UTC). */
function berlinInstant(date: string, minutesOfDay: number): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutesOfDay * MS_PER_MINUTE;
  const year = Number(date.slice(0, 4));
  const lastSunday = (month: number) => {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
  };
  const summer = wall - 3_600_000 >= lastSunday(2) && wall - 7_200_000 < lastSunday(9);
  return wall - (summer ? 7_200_000 : 3_600_000);
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;

async function main() {
  const name = `clockface_bench_reports_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection = await openDatabase({ url: url.toString(), maxConnections: 4 });
  const dataDir = mkdtempSync(join(tmpdir(), 'clockface-bench-reports-'));
  try {
    await migrateDatabase(connection);
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PUBLIC_URL: 'http://hub.bench',
      RUN_JOBS: 'false',
      LOG_LEVEL: 'silent',
    });
    const runtime = await startRuntime(config, { clock: systemClock, connection, withJobs: false });
    const db = runtime.deps.db;
    const signup = await runtime.app.request('/api/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        organizationName: 'Bench Works',
        name: 'Bench Owner',
        email: 'owner@bench.example',
        password: 'a long enough passphrase',
      }),
    });
    const owner = (await signup.json()) as { organization: { id: string } };
    const orgId = owner.organization.id;

    // Structure, people and kiosks, straight into the tables (seeding, not measured).
    const seed = await withOrgScope(db, orgId, async (tx) => {
      await tx.execute(sql`update organizations set time_zone = ${TIME_ZONE} where id = ${orgId}`);
      const departmentIds: string[] = [];
      for (let index = 0; index < DEPARTMENTS; index += 1) {
        const id = uuidv7();
        departmentIds.push(id);
        // Departments 8 and 9 sit under 0 and 1: sub-department filters have something to expand.
        const parentId = index >= 8 ? departmentIds[index - 8]! : null;
        await tx.execute(
          sql`insert into departments (id, org_id, parent_id, name, code) values (${id}, ${orgId}, ${parentId}, ${`Department ${index + 1}`}, ${`D${index + 1}`})`,
        );
      }
      const siteIds: string[] = [];
      const deviceIds: string[] = [];
      for (let index = 0; index < SITES; index += 1) {
        const siteId = uuidv7();
        const deviceId = uuidv7();
        siteIds.push(siteId);
        deviceIds.push(deviceId);
        await tx.execute(
          sql`insert into sites (id, org_id, name, time_zone) values (${siteId}, ${orgId}, ${`Site ${index + 1}`}, ${TIME_ZONE})`,
        );
        await tx.execute(sql`
          insert into devices (id, org_id, site_id, name, kid, public_jwk, registered_at)
          values (${deviceId}, ${orgId}, ${siteId}, ${`Kiosk ${index + 1}`}, ${`bench-kid-${deviceId}`},
                  ${JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') })}::jsonb,
                  ${'2025-10-01T00:00:00Z'}::timestamptz)`);
      }
      const employees: { id: string; site: number; isNight: boolean }[] = [];
      for (let index = 0; index < EMPLOYEES; index += 1) {
        employees.push({ id: uuidv7(), site: index % SITES, isNight: index % 10 === 9 });
      }
      for (let start = 0; start < employees.length; start += 500) {
        const chunk = employees.slice(start, start + 500);
        await tx.execute(sql`
          insert into employees (id, org_id, code, name, department_id, home_site_id, hire_date)
          select * from unnest(
            ${`{${chunk.map((e) => e.id).join(',')}}`}::uuid[],
            ${`{${chunk.map(() => orgId).join(',')}}`}::uuid[],
            ${`{${chunk.map((_e, i) => `E${String(start + i + 1).padStart(5, '0')}`).join(',')}}`}::text[],
            ${`{${chunk.map((_e, i) => `"Employee ${start + i + 1}"`).join(',')}}`}::text[],
            ${`{${chunk.map((_e, i) => departmentIds[(start + i) % DEPARTMENTS]).join(',')}}`}::uuid[],
            ${`{${chunk.map((e) => siteIds[e.site]).join(',')}}`}::uuid[],
            ${`{${chunk.map(() => '2020-01-01').join(',')}}`}::date[])`);
      }
      return { siteIds, deviceIds, employees };
    });

    // A year of punches, day by day; each kiosk sends its own batches of 500, the three kiosks at
    // once (as they sync independently), each kiosk's batches in order.
    const seqs = seed.deviceIds.map(() => 0);
    const pending: NewAttendanceEvent[][] = seed.deviceIds.map(() => []);
    const now = Date.now();
    const send = (rows: NewAttendanceEvent[]) =>
      withOrgScope(db, orgId, (tx) => insertAttendanceEvents(tx, rows)).then(() => undefined);
    const flushFull = () =>
      Promise.all(
        pending.map(async (rows) => {
          while (rows.length >= BATCH) await send(rows.splice(0, BATCH));
        }),
      );
    const flushAll = () =>
      Promise.all(pending.map((rows) => (rows.length > 0 ? send(rows.splice(0)) : undefined)));
    const punch = (
      employee: (typeof seed.employees)[number],
      type: NewAttendanceEvent['type'],
      at: number,
    ) => {
      const deviceIndex = employee.site;
      seqs[deviceIndex]! += 1;
      const occurredAt = new Date(at);
      pending[deviceIndex]!.push({
        id: uuidv7({ msecs: at }),
        orgId,
        employeeId: employee.id,
        deviceId: seed.deviceIds[deviceIndex]!,
        siteId: seed.siteIds[deviceIndex]!,
        seq: seqs[deviceIndex]!,
        type,
        source: 'kiosk',
        method: random() < 0.97 ? 'face' : 'pin',
        occurredAt,
        deviceTime: occurredAt,
        clockOffsetMs: 0,
        receivedAt: new Date(at + between(1_000, 60_000)),
        monotonicMs: Math.floor(at / 10),
        runId: seed.deviceIds[deviceIndex]!,
        score: round(between(0.6, 0.95), 4),
        liveness: round(between(0.8, 1), 4),
        modelId: 'fr_feature',
        flags: [],
      });
    };

    const started = performance.now();
    for (let date = YEAR_FROM; date <= YEAR_TO; date = addDays(date, 1)) {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      for (const employee of seed.employees) {
        if (random() < 0.03) continue; // sick, holiday or absent
        const startMinute = employee.isNight ? 22 * 60 + between(-20, 20) : 8 * 60 + between(-40, 40);
        const lengthMinutes = between(480, 600);
        const inAt = berlinInstant(date, startMinute);
        const outAt = inAt + lengthMinutes * MS_PER_MINUTE;
        const breakAt = inAt + between(220, 280) * MS_PER_MINUTE;
        const breakEndAt = breakAt + between(25, 50) * MS_PER_MINUTE;
        punch(employee, 'clock_in', inAt);
        punch(employee, 'break_start', breakAt);
        if (random() > 0.005) punch(employee, 'break_end', breakEndAt);
        if (random() > 0.01) punch(employee, 'clock_out', outAt); // a forgotten clock-out now and then
      }
      await flushFull();
    }
    // Today: a third of the people are in (some on a break) for "who is in now".
    for (const employee of seed.employees) {
      if (random() > 0.35) continue;
      const inAt = now - between(30, 360) * MS_PER_MINUTE;
      punch(employee, 'clock_in', inAt);
      if (random() < 0.15) punch(employee, 'break_start', Math.min(now - 60_000, inAt + 20 * MS_PER_MINUTE));
    }
    await flushAll();
    const ingestMs = performance.now() - started;
    // Two drain loops, as two job workers would run on this 2-core machine (claims are advisory-locked).
    const drains = await Promise.all(
      [0, 1].map(() =>
        drainProjectionQueue(db, { now: () => new Date() }, { timeBudgetMs: 30 * 60_000, batchSize: 50 }),
      ),
    );
    const projectMs = performance.now() - started - ingestMs;
    const wallSeconds = (performance.now() - started) / 1000;

    const counts = rowsOf<{ events: number; days: number; entries: number; present: number }>(
      await withOrgScope(db, orgId, (tx) =>
        tx.execute(sql`select (select count(*) from attendance_events)::int as events,
                              (select count(*) from work_days)::int as days,
                              (select count(*) from time_entries)::int as entries,
                              (select count(*) from attendance_states where state <> 'out')::int as present`),
      ),
    )[0]!;

    // What autovacuum does after a bulk load (not timed): fresh statistics, and attendance_states
    // without the dead row versions of a year of upserts.
    await db.execute(sql`vacuum analyze`);

    // Access tokens live 10 minutes and seeding takes longer: log in again for the timed part.
    const login = await runtime.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@bench.example', password: 'a long enough passphrase' }),
    });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as { tokens: { accessToken: string } }).tokens.accessToken;

    async function time(path: string) {
      const samples: number[] = [];
      for (let run = 0; run < RUNS + 3; run += 1) {
        const begin = performance.now();
        const response = await runtime.app.request(path, { headers: { authorization: `Bearer ${token}` } });
        const body = await response.text();
        const elapsed = performance.now() - begin;
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`);
        if (run >= 3) samples.push(elapsed); // the first three warm the plan and connection caches
      }
      samples.sort((a, b) => a - b);
      return { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
    }
    const monthReport = await time(
      `/api/orgs/${orgId}/reports/hours?from=${MONTH.from}&to=${MONTH.to}&groupBy=department`,
    );
    const whoIsIn = await time(`/api/orgs/${orgId}/reports/who-is-in`);

    /** One streamed export, read to the end: its size and how long it took (a single run). */
    async function download(path: string) {
      const begin = performance.now();
      const response = await runtime.app.request(path, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of response.body!) {
        bytes += chunk.byteLength;
        for (const byte of chunk) if (byte === 10) lines += 1;
      }
      const ms = Math.round(performance.now() - begin);
      // CSV: every line after the header is a row.
      return path.includes('format=csv')
        ? { ms, megabytes: round(bytes / 1e6, 1), rows: lines - 1 }
        : { ms, megabytes: round(bytes / 1e6, 1) };
    }
    const year = `from=${YEAR_FROM}&to=${YEAR_TO}`;
    const punchLogYearCsv = await download(`/api/orgs/${orgId}/exports/punches?${year}&format=csv`);
    const payrollYearXlsx = await download(`/api/orgs/${orgId}/exports/payroll?${year}&format=xlsx`);

    const result = {
      employees: EMPLOYEES,
      events: counts.events,
      ingest_and_project_s: round(wallSeconds, 1),
      ingest_s: round(ingestMs / 1000, 1),
      project_s: round(projectMs / 1000, 1),
      work_days: counts.days,
      time_entries: counts.entries,
      projection_failed: drains.reduce((total, drain) => total + drain.failed, 0),
      present_now: counts.present,
      month_report_by_department_ms: monthReport,
      who_is_in_ms: whoIsIn,
      punch_log_year_csv: punchLogYearCsv,
      payroll_year_xlsx: payrollYearXlsx,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      runs: RUNS,
      note: 'through app.request (no socket); one 2-core machine shared with other work, so figures are noisy',
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (values.out) {
      mkdirSync(dirname(resolve(values.out)), { recursive: true });
      writeFileSync(resolve(values.out), json);
    }
    process.stdout.write(json);
    await runtime.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (values.keep) {
      process.stderr.write(`kept database ${name}\n`);
    } else {
      await connection.close().catch(() => undefined);
      await admin.unsafe(`drop database if exists ${name} with (force)`);
    }
    await admin.end();
  }
}

await main();
