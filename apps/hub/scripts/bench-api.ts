/**
 * bench:api — an authenticated, org-scoped list of 50 rows under 50 concurrent connections for 10 s,
 * against the same query behind bare Hono + postgres.js as the ceiling, in the same run.
 *
 *   pnpm bench:api -- --out FILE.json [--duration 10] [--connections 50] [--rounds 1] [--cpu-prof DIR]
 *
 * With --cpu-prof DIR the hub runs under `node --cpu-prof` and leaves its V8 profile (warm-up
 * included) in DIR when it exits; open it in Chrome DevTools or any .cpuprofile viewer.
 *
 * With --rounds N the two are measured alternately N times (hub, ceiling, hub, …) and the report
 * gives the median of each figure, so a burst of load from elsewhere on a shared machine lands on
 * both sides rather than on one.
 *
 * Needs a real Postgres (DATABASE_URL, default the local server); makes and drops its own database.
 * The servers run in their own processes; on a multi-core machine each server is pinned to core 0 and
 * the load generator to core 1, so the two do not steal from each other.
 *
 * On Linux the report also gives the CPU time each request cost, in the server's processes and in
 * the Postgres backends of the bench database (from /proc): on a shared machine those move far less
 * with other people's load than requests per second do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    out: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const hubDir = new URL('..', import.meta.url).pathname;
const tsx = `${hubDir}node_modules/.bin/tsx`;
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const ROWS = 50;
const WARM_UP_S = 6;

function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const command = canPin ? 'taskset' : tsx;
  const fullArgs = canPin ? ['-c', '0', tsx, ...args] : args;
  const child = spawn(command, fullArgs, {
    cwd: hubDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const waitForReady = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (!match) return;
      // From here on the output (a log line per request) is drained unread: keeping and scanning it
      // would cost the load generator's core more and more as the run goes on.
      child.stdout!.off('data', waitForReady);
      child.stdout!.resume();
      resolve({ child, match });
    };
    child.stdout!.on('data', waitForReady);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

interface Measurement {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU microseconds per request in the server's processes and in Postgres (null off Linux). */
  serverCpuUs: number | null;
  postgresCpuUs: number | null;
}

const hasProc = existsSync('/proc/self/stat');
const ticksPerSecond = hasProc
  ? Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100
  : 100;

/** utime + stime (clock ticks) and parent of a process, or undefined once it is gone. */
function readStat(pid: number): { ticks: number; parent: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU ticks of `root` and all its descendants (tsx runs the server as a child process). */
function treeTicks(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    ticks.set(pid, stat.ticks);
    children.set(stat.parent, [...(children.get(stat.parent) ?? []), pid]);
  }
  let total = 0;
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop()!;
    total += ticks.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each figure's median over the rounds (with one round, that round). */
function medianOf(runs: Measurement[]): Measurement {
  const medianOrNull = (values: (number | null)[]) =>
    values.every((value) => value !== null) ? median(values as number[]) : null;
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    serverCpuUs: medianOrNull(runs.map((run) => run.serverCpuUs)),
    postgresCpuUs: medianOrNull(runs.map((run) => run.postgresCpuUs)),
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** What one request costs in CPU, measured around a load run. */
function cpuMeter(serverPid: number, backendPids: () => Promise<number[]>) {
  return async () => {
    if (!hasProc) return async () => ({ serverCpuUs: null, postgresCpuUs: null });
    const serverBefore = treeTicks(serverPid);
    const backendsBefore = new Map((await backendPids()).map((pid) => [pid, readStat(pid)?.ticks ?? 0]));
    return async (requests: number) => {
      const serverTicks = treeTicks(serverPid) - serverBefore;
      let backendTicks = 0;
      // A backend opened during the run counts from zero.
      for (const pid of await backendPids())
        backendTicks += (readStat(pid)?.ticks ?? 0) - (backendsBefore.get(pid) ?? 0);
      const perRequest = (ticks: number) => Math.round(((ticks / ticksPerSecond) * 1e6) / requests);
      return { serverCpuUs: perRequest(serverTicks), postgresCpuUs: perRequest(backendTicks) };
    };
  };
}

async function load(
  url: string,
  token: string | undefined,
  meter: ReturnType<typeof cpuMeter>,
): Promise<Measurement> {
  const stop = await meter();
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ...(await stop(result.requests.total)),
  };
}

async function main() {
  if (canPin) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const name = `clockface_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const children: ChildProcess[] = [];
  try {
    const hub = await start(
      // tsx hands node's own flags to the node it runs the server in.
      [
        ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`] : []),
        'src/main.ts',
      ],
      {
        DATABASE_URL: url.toString(),
        PORT: '0',
        HOST: '127.0.0.1',
        RUN_JOBS: 'false',
        LOG_LEVEL: 'info',
        DATA_DIR: `/tmp/${name}`,
      },
      /running at (http:\/\/localhost:\d+)/,
    );
    children.push(hub.child);
    const hubUrl = hub.match[1]!.replace('localhost', '127.0.0.1');
    const post = async (path: string, body: unknown, token?: string) => {
      const response = await fetch(`${hubUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const signup = await post('/api/auth/signup', {
      organizationName: 'Bench Org',
      name: 'Bench',
      email: 'bench@example.com',
      password: 'benchmark password 1',
    });
    const token = signup.tokens.accessToken as string;
    const orgId = signup.organization.id as string;
    for (let index = 0; index < ROWS; index++)
      await post(
        `/api/orgs/${orgId}/sites`,
        { name: `Site ${String(index).padStart(2, '0')}`, address: `Street ${index}` },
        token,
      );
    // A second org's rows in the same table, so the org filter has something to filter.
    const other = await post('/api/auth/signup', {
      organizationName: 'Other Org',
      name: 'Other',
      email: 'other@example.com',
      password: 'benchmark password 2',
    });
    for (let index = 0; index < ROWS; index++)
      await post(
        `/api/orgs/${other.organization.id}/sites`,
        { name: `Other ${index}` },
        other.tokens.accessToken,
      );

    const ceilingServer = await start(
      ['scripts/bench-ceiling.ts', url.toString(), orgId],
      {},
      /listening (\d+)/,
    );
    children.push(ceilingServer.child);
    const ceilingUrl = `http://127.0.0.1:${ceilingServer.match[1]}/sites`;
    // The hub's own statement (Postgres writes the JSON) behind the same bare server: like for like.
    const sameSqlUrl = `http://127.0.0.1:${ceilingServer.match[1]}/sites.json`;
    const hubListUrl = `${hubUrl}/api/orgs/${orgId}/sites`;

    // Sanity: both answer the same 50 rows.
    const [hubRows, ceilingRows, sameSqlRows] = await Promise.all([
      fetch(hubListUrl, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.json() as Promise<{ items: unknown[] }>,
      ),
      fetch(ceilingUrl).then((r) => r.json() as Promise<{ items: unknown[] }>),
      fetch(sameSqlUrl).then((r) => r.json() as Promise<{ items: unknown[] }>),
    ]);
    if (
      hubRows.items.length !== ROWS ||
      ceilingRows.items.length !== ROWS ||
      sameSqlRows.items.length !== ROWS
    )
      throw new Error('the two endpoints do not return the same 50 rows');

    // Warm both (JIT, connection pools), then measure; the ceiling last so the hub is not measured on a cold pool.
    // Long enough for V8 to have optimised the hub's longer request path even on a busy machine: with
    // 2 s, a first round measured at load 13 cost the hub half again as much CPU per request as the second.
    await autocannon({
      url: hubListUrl,
      connections,
      duration: WARM_UP_S,
      headers: { authorization: `Bearer ${token}` },
    });
    await autocannon({ url: ceilingUrl, connections, duration: WARM_UP_S });
    await autocannon({ url: sameSqlUrl, connections, duration: WARM_UP_S });
    // Both servers' backends are in the bench database; the idle side's cost nothing meanwhile.
    const backendPids = async () =>
      (
        await admin<
          { pid: number }[]
        >`select pid from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`
      ).map((row) => row.pid);
    const hubMeter = cpuMeter(hub.child.pid!, backendPids);
    const ceilingMeter = cpuMeter(ceilingServer.child.pid!, backendPids);
    const loadBefore = loadavg()[0]!;
    const hubRuns: Measurement[] = [];
    const ceilingRuns: Measurement[] = [];
    const sameSqlRuns: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      hubRuns.push(await load(hubListUrl, token, hubMeter));
      ceilingRuns.push(await load(ceilingUrl, undefined, ceilingMeter));
      sameSqlRuns.push(await load(sameSqlUrl, undefined, ceilingMeter));
    }
    const sameSql = medianOf(sameSqlRuns);
    const measured = medianOf(hubRuns);
    const ceiling = medianOf(ceilingRuns);
    const report = {
      benchmark: 'api',
      endpoint: 'GET /api/orgs/:orgId/sites (authenticated, org-scoped, RLS, 50 rows)',
      connections,
      duration_s: duration,
      rounds,
      pinned: canPin ? 'servers on core 0, load generator on core 1' : 'not pinned',
      load_average_1m: { before: round2(loadBefore), after: round2(loadavg()[0]!) },
      requests_per_s: Math.round(measured.requestsPerSecond),
      p50_ms: measured.p50,
      p99_ms: measured.p99,
      ceiling_requests_per_s: Math.round(ceiling.requestsPerSecond),
      ceiling_p50_ms: ceiling.p50,
      ceiling_p99_ms: ceiling.p99,
      cpu_us_per_request: {
        hub: measured.serverCpuUs,
        hub_postgres: measured.postgresCpuUs,
        ceiling: ceiling.serverCpuUs,
        ceiling_postgres: ceiling.postgresCpuUs,
      },
      ratio: round3(
        median(hubRuns.map((run, index) => run.requestsPerSecond / ceilingRuns[index]!.requestsPerSecond)),
      ),
      // The hub's list runs a different statement from the plain select above (Postgres writes the
      // JSON); this ceiling runs that very statement, so the hub's request path alone is compared.
      ceiling_same_sql: {
        requests_per_s: Math.round(sameSql.requestsPerSecond),
        p50_ms: sameSql.p50,
        p99_ms: sameSql.p99,
        cpu_us_per_request: { server: sameSql.serverCpuUs, postgres: sameSql.postgresCpuUs },
      },
      ratio_same_sql: round3(
        median(hubRuns.map((run, index) => run.requestsPerSecond / sameSqlRuns[index]!.requestsPerSecond)),
      ),
      ...(rounds > 1 && {
        runs: hubRuns.map((run, index) => ({
          requests_per_s: Math.round(run.requestsPerSecond),
          p99_ms: run.p99,
          ceiling_requests_per_s: Math.round(ceilingRuns[index]!.requestsPerSecond),
          ceiling_p99_ms: ceilingRuns[index]!.p99,
          cpu_us_per_request: {
            hub: run.serverCpuUs,
            hub_postgres: run.postgresCpuUs,
            ceiling: ceilingRuns[index]!.serverCpuUs,
            ceiling_postgres: ceilingRuns[index]!.postgresCpuUs,
          },
        })),
      }),
      targets: { ratio: 0.5, p99_ms: 50 },
    };
    const json = JSON.stringify(report, null, 2);
    if (values.out) {
      // Relative to where the command was run (pnpm runs scripts from the package folder).
      const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${json}\n`);
    }
    process.stdout.write(`${json}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
