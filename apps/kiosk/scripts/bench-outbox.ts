/**
 * The kiosk half of bench:sync — prints JSON:
 * - punch_write_per_s: punches decided, chained and committed through punch.service (face path,
 *   synchronous=FULL, one IMMEDIATE transaction per punch, i.e. durable before "recorded");
 * - drain_events_per_s: a backlog of `--backlog` rows (1,000,000) in the outbox, drained in batches.
 *   Without `--hub` the drain is local only: read the batch, sign it, serialise the request body,
 *   apply an all-accepted ack. With `--hub URL --token TOKEN` it is end to end: the kiosk is
 *   provisioned with the token (a real registration) and the agent's own sync client pushes every
 *   batch to the hub and applies the hub's acks, one request at a time (its local work pipelined
 *   around the request), as `kiosk-agent run` does.
 *
 * Usage: pnpm --filter @clockface/kiosk bench:outbox [-- --backlog 1000000 --punches 5000 --out FILE.json]
 *        [--hub http://127.0.0.1:8787 --token ENROLLMENT_TOKEN]   (bench:sync passes these)
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock, systemClock, uuidv7 } from '@clockface/core';
import {
  countPunchesByStatus,
  findChainHead,
  findDevicePrivateKey,
  listEmployees,
  preparePunchInsert,
  upsertEmployees,
} from '@clockface/db-kiosk';
import { appendToChain, genesisHead, verifyBatchSignature } from '@clockface/sync-protocol';
import { loadConfig } from '../src/agent/config';
import { openAgentStore, requireDataKey, requireIdentity, type AgentStore } from '../src/agent/db';
import { applyBatchAck, buildNextBatch } from '../src/agent/outbox';
import { createPunchService } from '../src/agent/punch.service';
import { provisionKiosk } from '../src/agent/provisioning';
import { MAX_BATCHES_PER_CYCLE, createSyncClient } from '../src/agent/sync-loop';
import { DEVICE_ID, ORG_ID, TEST_SETTINGS, seedKiosk } from '../test/helpers/seed-kiosk';

// pnpm passes a literal `--` through; drop it.
const argv = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
const { values } = parseArgs({
  args: argv,
  options: {
    backlog: { type: 'string', default: '1000000' },
    punches: { type: 'string', default: '5000' },
    'batch-size': { type: 'string', default: '500' },
    hub: { type: 'string' },
    token: { type: 'string' },
    out: { type: 'string' },
  },
});
const backlog = Number(values.backlog);
const punchCount = Math.min(Number(values.punches), backlog);
const batchSize = Number(values['batch-size']);
const hubUrl = values.hub;
if (hubUrl && !values.token) throw new Error('--hub needs --token (an enrollment token of the hub)');

const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
const log = (message: string) => process.stderr.write(`${message}\n`);
const EMPLOYEES = 1000;

interface BenchKiosk {
  store: AgentStore;
  deviceId: string;
  kid: string;
  privateKey: KeyObject;
  employeeIds: string[];
}

/** A kiosk registered with the hub (its roster pulled from there), or a seeded one for the local drain. */
async function openKiosk(): Promise<BenchKiosk> {
  if (hubUrl) {
    const config = loadConfig({ dataDir }, {});
    await provisionKiosk({ config, hubUrl, token: values.token!, name: 'bench drain', clock: systemClock });
    const store = openAgentStore(config);
    const identity = requireIdentity(store);
    const employeeIds = listEmployees(store.db, { limit: EMPLOYEES }).map((employee) => employee.id);
    if (employeeIds.length === 0) throw new Error('The hub sent no employees for this kiosk');
    return {
      store,
      deviceId: identity.deviceId,
      kid: identity.kid,
      privateKey: findDevicePrivateKey(identity, requireDataKey(store).key)!,
      employeeIds,
    };
  }
  const { store, privateKey, kid } = await seedKiosk(dataDir, {
    settings: { ...TEST_SETTINGS, duplicateWindowSeconds: 0 },
  });
  const employeeIds = Array.from({ length: EMPLOYEES }, () => uuidv7());
  upsertEmployees(store.db, {
    orgId: ORG_ID,
    at: new Date(),
    employees: employeeIds.map((id, index) => ({
      id,
      code: `E${index}`,
      displayName: `Employee ${index}`,
      isActive: true,
    })),
  });
  return { store, deviceId: DEVICE_ID, kid, privateKey, employeeIds };
}

/** Drains the outbox without a hub: what the kiosk itself spends per batch. */
function drainLocally(kiosk: BenchKiosk) {
  const publicKey = createPublicKey(kiosk.privateKey);
  let drained = 0;
  let batches = 0;
  let bodyBytes = 0;
  for (;;) {
    const batch = buildNextBatch(kiosk.store, {
      deviceId: kiosk.deviceId,
      kid: kiosk.kid,
      privateKey: kiosk.privateKey,
      limit: batchSize,
    });
    if (!batch) break;
    bodyBytes += Buffer.byteLength(JSON.stringify(batch));
    if (batches === 0 && !verifyBatchSignature(batch, publicKey))
      throw new Error('Expected a valid batch signature');
    applyBatchAck(
      kiosk.store,
      {
        serverTime: new Date().toISOString(),
        results: batch.events.map((event) => ({ id: event.id, status: 'accepted' })),
      },
      new Date(),
    );
    drained += batch.events.length;
    batches += 1;
    if (batches % 200 === 0) log(`drain: ${drained} events`);
  }
  return { drained, batches, bodyBytes };
}

/**
 * Drains the outbox into the hub through the agent's sync client, as `kiosk-agent run` pushes: up
 * to 20 batches per cycle, one request at a time, the next batch read and signed and the previous
 * ack applied while a request is on the wire.
 */
async function drainToHub(kiosk: BenchKiosk) {
  const client = createSyncClient({
    store: kiosk.store,
    clock: systemClock,
    appVersion: 'bench',
    batchSizeCap: batchSize,
  });
  let drained = 0;
  let batches = 0;
  for (;;) {
    const result = await client.pushBatches(MAX_BATCHES_PER_CYCLE);
    if (result.kind === 'idle') break;
    if (result.kind !== 'progress' || result.kept > 0)
      throw new Error(`push after batch ${batches}: ${JSON.stringify(result)}`);
    drained += result.settled;
    batches += Math.ceil(result.settled / batchSize);
    if (batches % 200 === 0) log(`drain: ${drained} events on the hub`);
  }
  return { drained, batches, bodyBytes: undefined };
}

try {
  const kiosk = await openKiosk();
  const { store, employeeIds } = kiosk;

  // 1. Durable punches through the punch service.
  const punches = createPunchService({
    store,
    clock: systemClock,
    monotonicMs: () => performance.now(),
    runId: uuidv7(),
    settings: () => ({ ...TEST_SETTINGS, duplicateWindowSeconds: 0 }),
  });
  const latencies: number[] = [];
  const punchStart = performance.now();
  for (let index = 0; index < punchCount; index += 1) {
    const started = performance.now();
    punches.recordPunch({
      employeeId: employeeIds[index % employeeIds.length]!,
      method: 'face',
      score: 0.8123,
      liveness: 0.97,
      modelId: 'test-model@1',
    });
    latencies.push(performance.now() - started);
  }
  const punchMs = performance.now() - punchStart;
  latencies.sort((a, b) => a - b);
  log(`punch.service: ${punchCount} punches in ${punchMs.toFixed(0)} ms`);

  // 2. Build the backlog: the same rows punch.service writes, inserted in large transactions. Two
  //    seconds apart (no punch burst), ending now: a kiosk that was offline for a while.
  const seedStart = performance.now();
  const toInsert = backlog - punchCount;
  const clock = new ManualClock(new Date(Date.now() - toInsert * 2000));
  let head = findChainHead(store.db) ?? genesisHead(kiosk.deviceId);
  const runId = uuidv7();
  const SEED_TX_ROWS = 20_000;
  const insertPunch = preparePunchInsert(store.db);
  for (let done = 0; done < toInsert; done += SEED_TX_ROWS) {
    store.db.transaction(() => {
      for (let index = done; index < Math.min(toInsert, done + SEED_TX_ROWS); index += 1) {
        clock.advance(2000);
        const event = appendToChain(head, {
          id: uuidv7(),
          deviceId: kiosk.deviceId,
          employeeId: employeeIds[index % employeeIds.length]!,
          type: index % 2 === 0 ? 'clock_in' : 'clock_out',
          method: 'face',
          deviceTime: clock.now().toISOString(),
          monotonicMs: index,
          runId,
          score: 0.8123,
          liveness: 0.97,
          modelId: 'test-model@1',
        });
        insertPunch({ ...event, status: 'pending' });
        head = { seq: event.seq, hash: event.hash };
      }
    });
    if ((done / SEED_TX_ROWS) % 10 === 0) log(`backlog: ${done + punchCount} rows`);
  }
  const seedMs = performance.now() - seedStart;
  const pendingBefore = countPunchesByStatus(store.db).pending;
  log(`backlog: ${pendingBefore} pending rows in ${(seedMs / 1000).toFixed(1)} s`);

  // 3. Drain.
  const drainStart = performance.now();
  const { drained, batches, bodyBytes } = hubUrl ? await drainToHub(kiosk) : drainLocally(kiosk);
  const drainMs = performance.now() - drainStart;
  const after = countPunchesByStatus(store.db);
  store.close();
  const dbBytes = statSync(join(dataDir, 'kiosk.db')).size;

  const result = {
    punch_write_per_s: Math.round(punchCount / (punchMs / 1000)),
    punch_write_count: punchCount,
    punch_write_ms_p50: Number((latencies[Math.floor(latencies.length * 0.5)] ?? 0).toFixed(3)),
    punch_write_ms_p99: Number((latencies[Math.floor(latencies.length * 0.99)] ?? 0).toFixed(3)),
    backlog: pendingBefore,
    backlog_seed_s: Number((seedMs / 1000).toFixed(1)),
    drain: hubUrl ? 'end to end: sync client → hub → ack applied' : 'local: read, sign, serialise, ack',
    drain_events_per_s: Math.round(drained / (drainMs / 1000)),
    drain_s: Number((drainMs / 1000).toFixed(1)),
    drain_batch_size: batchSize,
    drain_batches: batches,
    ...(bodyBytes === undefined
      ? {}
      : { drain_avg_body_bytes: Math.round(bodyBytes / Math.max(1, batches)) }),
    pending_after: after.pending,
    synced_after: after.synced,
    db_bytes: dbBytes,
    sqlite: { journal_mode: 'wal', synchronous: 'FULL' },
    node: process.version,
  };
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  if (values.out) writeFileSync(values.out, `${json}\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
