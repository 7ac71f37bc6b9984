/**
 * Local half of bench:sync — prints JSON:
 * - punch_write_per_s: punches decided, chained and committed through punch.service (face path,
 *   synchronous=FULL, one IMMEDIATE transaction per punch, i.e. durable before "recorded");
 * - drain_events_per_s: the outbox read → signed batch of 500 → JSON body → ack applied
 *   (rows marked synced in one transaction per batch), from a backlog of `--backlog` rows (1,000,000).
 * The hub half (ingest over HTTP into Postgres) comes with the hub's sync endpoints.
 *
 * Usage: pnpm --filter @clockface/kiosk bench:outbox [-- --backlog 1000000 --punches 5000 --out FILE.json]
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock, systemClock, uuidv7 } from '@clockface/core';
import {
  countPunchesByStatus,
  findChainHead,
  preparePunchInsert,
  upsertEmployees,
} from '@clockface/db-kiosk';
import { appendToChain, genesisHead, verifyBatchSignature } from '@clockface/sync-protocol';
import { applyBatchAck, buildNextBatch } from '../src/agent/outbox';
import { createPunchService } from '../src/agent/punch.service';
import { DEVICE_ID, ORG_ID, TEST_SETTINGS, seedKiosk } from '../test/helpers/seed-kiosk';

// pnpm passes a literal `--` through; drop it.
const argv = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
const { values } = parseArgs({
  args: argv,
  options: {
    backlog: { type: 'string', default: '1000000' },
    punches: { type: 'string', default: '5000' },
    'batch-size': { type: 'string', default: '500' },
    out: { type: 'string' },
  },
});
const backlog = Number(values.backlog);
const punchCount = Number(values.punches);
const batchSize = Number(values['batch-size']);

const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
const log = (message: string) => process.stderr.write(`${message}\n`);

try {
  const { store, privateKey, kid } = await seedKiosk(dataDir, {
    settings: { ...TEST_SETTINGS, duplicateWindowSeconds: 0 },
  });
  const EMPLOYEES = 1000;
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
      employeeId: employeeIds[index % EMPLOYEES]!,
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

  // 2. Build the backlog: the same rows punch.service writes, inserted in large transactions.
  const seedStart = performance.now();
  const clock = new ManualClock('2026-11-01T00:00:00Z');
  let head = findChainHead(store.db) ?? genesisHead(DEVICE_ID);
  const runId = uuidv7();
  const toInsert = backlog - punchCount;
  const SEED_TX_ROWS = 20_000;
  const insertPunch = preparePunchInsert(store.db);
  for (let done = 0; done < toInsert; done += SEED_TX_ROWS) {
    store.db.transaction(() => {
      for (let index = done; index < Math.min(toInsert, done + SEED_TX_ROWS); index += 1) {
        clock.advance(1000);
        const event = appendToChain(head, {
          id: uuidv7(),
          deviceId: DEVICE_ID,
          employeeId: employeeIds[index % EMPLOYEES]!,
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

  // 3. Drain: read the oldest batch, sign it, serialise it as the request body, apply an all-accepted ack.
  const publicKey = createPublicKey(privateKey);
  let drained = 0;
  let batches = 0;
  let bodyBytes = 0;
  const drainStart = performance.now();
  for (;;) {
    const batch = buildNextBatch(store, { deviceId: DEVICE_ID, kid, privateKey, limit: batchSize });
    if (!batch) break;
    bodyBytes += Buffer.byteLength(JSON.stringify(batch));
    if (batches === 0 && !verifyBatchSignature(batch, publicKey))
      throw new Error('Expected a valid batch signature');
    applyBatchAck(
      store,
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
  const drainMs = performance.now() - drainStart;
  const after = countPunchesByStatus(store.db);
  store.close();
  const dbBytes = statSync(join(dataDir, 'kiosk.db')).size;

  const result = {
    punch_write_per_s: Math.round(punchCount / (punchMs / 1000)),
    punch_write_count: punchCount,
    punch_write_ms_p50: Number(latencies[Math.floor(latencies.length * 0.5)]!.toFixed(3)),
    punch_write_ms_p99: Number(latencies[Math.floor(latencies.length * 0.99)]!.toFixed(3)),
    backlog: pendingBefore,
    backlog_seed_s: Number((seedMs / 1000).toFixed(1)),
    drain_events_per_s: Math.round(drained / (drainMs / 1000)),
    drain_s: Number((drainMs / 1000).toFixed(1)),
    drain_batch_size: batchSize,
    drain_batches: batches,
    drain_avg_body_bytes: Math.round(bodyBytes / Math.max(1, batches)),
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
