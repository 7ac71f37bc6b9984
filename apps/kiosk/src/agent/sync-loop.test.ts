/**
 * The sync worker against a real HTTP server speaking the contract (test/helpers/fake-hub.ts, built
 * on the same verifier and chain code as the hub), with a real SQLite store. The fake hub is kept
 * for what the real one does not do on demand: lose an ack, answer 503 with Retry-After, skew its
 * clock, page a roster with tombstones. The end-to-end proofs against the real hub process are in
 * test/provision.int.test.ts and test/sync.int.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import {
  countEmployees,
  countPunchesByStatus,
  findCursor,
  findDeviceIdentity,
  findKioskSettings,
  listPendingPunches,
  listUnsentSecurityEvents,
} from '@clockface/db-kiosk';
import { genesisHead, verifyChain } from '@clockface/sync-protocol';
import { startFakeHub, type FakeHub } from '../../test/helpers/fake-hub';
import {
  BOB,
  DEVICE_ID,
  ORG_ID,
  TEST_SETTINGS,
  recordTestPunches,
  seedKiosk,
  storeConfig,
} from '../../test/helpers/seed-kiosk';
import type { AgentStore } from './db';
import { getAgentStatus, loadSettings } from './status';
import { createSyncClient, runSyncLoop, type SyncStepResult } from './sync-loop';

let dataDir: string;
let store: AgentStore;
let hub: FakeHub;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-sync-'));
  hub = await startFakeHub();
  const seeded = await seedKiosk(dataDir, { hubUrl: hub.url, audience: hub.audience });
  store = seeded.store;
  hub.devices.set(DEVICE_ID, {
    deviceId: DEVICE_ID,
    orgId: ORG_ID,
    kid: seeded.kid,
    publicJwk: seeded.publicJwk,
    isRevoked: false,
  });
});

afterEach(async () => {
  store.close();
  await hub.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function recordPunches(count: number) {
  recordTestPunches(store, count, 'pin');
}

function client() {
  return createSyncClient({ store, clock: new ManualClock(new Date()), appVersion: 'test' });
}

async function syncUntilIdle(maxCycles = 50): Promise<SyncStepResult[]> {
  const results: SyncStepResult[] = [];
  const sync = client();
  for (let cycle = 0; cycle < maxCycles; cycle += 1) {
    const result = await sync.syncOnce();
    results.push(result);
    if (result.kind !== 'progress') break;
  }
  return results;
}

function expectExactlyOnceInOrder(count: number) {
  const stored = hub.stored.get(DEVICE_ID) ?? [];
  expect(stored).toHaveLength(count);
  expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  expect(new Set(stored.map((event) => event.id)).size).toBe(count);
  expect(verifyChain(stored, { deviceId: DEVICE_ID, head: genesisHead(DEVICE_ID) }).isIntact).toBe(true);
}

describe('sync worker', () => {
  it('keeps punches while the hub is down, then delivers all exactly once, in order', async () => {
    await hub.stop();
    recordPunches(1200);
    const offline = await client().pushOnce();
    expect(offline).toMatchObject({ kind: 'retry', reason: 'network' });
    expect(listPendingPunches(store.db, { limit: 1 })[0]).toMatchObject({
      attempts: 1,
      lastErrorCode: 'HUB_UNREACHABLE',
    });
    expect(getAgentStatus(store, { dataDir, appVersion: 't' }).sync.lastError?.code).toBe('RETRY');

    await hub.start();
    const results = await syncUntilIdle();
    expect(results.at(-1)?.kind).toBe('idle');
    expectExactlyOnceInOrder(1200);
    expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 0, synced: 1200 });
    expect(hub.heartbeats.at(-1)).toMatchObject({ queueDepth: 0, appVersion: 'test' });
  });

  it('resends a batch whose ack was lost; the hub answers duplicate and nothing doubles', async () => {
    recordPunches(30);
    hub.dropNextAck = true;
    expect((await client().pushOnce()).kind).toBe('retry');
    expect(countPunchesByStatus(store.db).pending).toBe(30);
    await syncUntilIdle();
    expectExactlyOnceInOrder(30);
    expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 0, synced: 30 });
  });

  it('pushes a backlog one request at a time in chain order while the next batch is prepared; a lost ack mid-way resends from it', async () => {
    recordPunches(1234);
    hub.eventsDelayMs = 10;
    let inFlight = 0;
    let maxInFlight = 0;
    let requests = 0;
    const sync = createSyncClient({
      store,
      clock: new ManualClock(new Date()),
      appVersion: 'test',
      batchSizeCap: 100,
      // Instrumentation only: the requests go to the fake hub as they are.
      fetch: async (input, init) => {
        inFlight += 1;
        requests += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // The third batch is stored by the hub but its ack is lost.
        if (requests === 3) hub.dropNextAck = true;
        try {
          return await fetch(input, init);
        } finally {
          inFlight -= 1;
        }
      },
    });
    const first = await sync.pushBatches(20);
    // Batches 1 and 2 were acked and applied; batch 3 stays pending, and so does batch 4, which was
    // read and signed ahead but never sent.
    expect(first).toMatchObject({ kind: 'retry', reason: 'network', settledBefore: 200 });
    expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 1034, synced: 200 });
    expect(hub.stored.get(DEVICE_ID)).toHaveLength(300);

    const second = await sync.pushBatches(20);
    expect(second).toMatchObject({ kind: 'progress', settled: 1034, kept: 0 });
    expect(maxInFlight).toBe(1);
    // Batch 3 came back as duplicates; every batch started where the stored chain ended (no gap).
    expectExactlyOnceInOrder(1234);
    expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 0, synced: 1234 });
    expect(getAgentStatus(store, { dataDir, appVersion: 't' }).sync.lastError).toBeNull();
  });

  it('survives a restart between push and ack (a new store and client on the same files)', async () => {
    recordPunches(10);
    hub.dropNextAck = true;
    await client().pushOnce();
    store.close();
    const { openAgentStore } = await import('./db');
    store = openAgentStore(storeConfig(dataDir));
    await syncUntilIdle();
    expectExactlyOnceInOrder(10);
  });

  it('honours 503 with Retry-After and backs off in the loop', async () => {
    recordPunches(3);
    hub.failNext = { count: 2, retryAfterSeconds: 0 };
    const first = await client().pushOnce();
    expect(first).toMatchObject({ kind: 'retry', reason: 'server', retryAfterMs: 0 });
    const controller = new AbortController();
    const seen: SyncStepResult['kind'][] = [];
    await runSyncLoop(client(), {
      signal: controller.signal,
      backoff: { baseMs: 5, capMs: 20 },
      idleIntervalMs: 10,
      onResult: (result) => {
        seen.push(result.kind);
        if (result.kind === 'idle') controller.abort();
      },
    });
    expect(seen[0]).toBe('retry');
    expect(seen.at(-1)).toBe('idle');
    expectExactlyOnceInOrder(3);
  });

  it('measures the offset and retries when the hub says CLOCK_SKEW (JWT-05)', async () => {
    await hub.stop();
    hub = await startFakeHub({ clock: new ManualClock(Date.now() + 10 * 60_000) });
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'kiosk-sync-'));
    const seeded = await seedKiosk(dataDir, { hubUrl: hub.url, audience: hub.audience });
    store = seeded.store;
    hub.devices.set(DEVICE_ID, {
      deviceId: DEVICE_ID,
      orgId: ORG_ID,
      kid: seeded.kid,
      publicJwk: seeded.publicJwk,
      isRevoked: false,
    });
    recordPunches(2);
    expect((await client().pushOnce()).kind).toBe('progress');
    expect(hub.requests.map((request) => request.code ?? request.status)).toEqual(['CLOCK_SKEW', 200]);
    const offset = findDeviceIdentity(store.db)!.clockOffsetMs;
    expect(Math.abs(offset - 10 * 60_000)).toBeLessThan(5_000);
  });

  it('pulls roster pages until hasMore is false, applying tombstones and the cursor', async () => {
    const carol = {
      id: '019a0000-0000-7000-8000-0000000000e3',
      code: '1003',
      displayName: 'Carol',
      isActive: true,
    };
    hub.rosterPages = [
      { employees: [carol], pinHashes: [], templates: [], tombstones: [] },
      {
        employees: [],
        pinHashes: [],
        templates: [],
        tombstones: [{ kind: 'employee', id: BOB.id }],
        settings: { ...TEST_SETTINGS, duplicateWindowSeconds: 90 },
      },
    ];
    expect((await client().pullRosterOnce()).kind).toBe('progress');
    expect(findCursor(store.db, { name: 'roster' })).toBe('page-2');
    expect(countEmployees(store.db)).toBe(2);
    expect(getAgentStatus(store, { dataDir, appVersion: 't' }).settings.values.duplicateWindowSeconds).toBe(
      90,
    );
  });

  it("applies the settings a heartbeat answers with: stored, and the next batch takes the hub's size; bad ones are kept out and reported", async () => {
    const clock = new ManualClock(new Date());
    const sync = createSyncClient({ store, clock, appVersion: 'test' });
    hub.heartbeatSettings = { ...TEST_SETTINGS, duplicateWindowSeconds: 120, batchSize: 7 };
    expect((await sync.sendHeartbeat()).kind).toBe('idle');
    expect(loadSettings(store)).toMatchObject({ duplicateWindowSeconds: 120, batchSize: 7 });
    const receivedAt = findKioskSettings(store.db)!.receivedAt;
    expect(sync.batchSize).toBe(7);
    recordPunches(10);
    expect(await sync.pushOnce()).toMatchObject({ kind: 'progress', settled: 7 });
    expect(hub.stored.get(DEVICE_ID)).toHaveLength(7);

    // The same settings again (keys in another order): nothing is rewritten.
    clock.advance(60_000);
    hub.heartbeatSettings = Object.fromEntries(Object.entries(hub.heartbeatSettings as object).reverse());
    await sync.sendHeartbeat();
    expect(findKioskSettings(store.db)!.receivedAt).toBe(receivedAt);

    // Settings that break the contract: the kiosk keeps its own and tells the hub next time.
    hub.heartbeatSettings = {
      ...TEST_SETTINGS,
      recognition: { ...TEST_SETTINGS.recognition, matchThreshold: 7 },
    };
    expect((await sync.sendHeartbeat()).kind).toBe('idle');
    expect(loadSettings(store)).toMatchObject({ duplicateWindowSeconds: 120, batchSize: 7 });
    expect(listUnsentSecurityEvents(store.db, { limit: 10 }).map((event) => event.kind)).toEqual([
      'settings_rejected',
    ]);
    await sync.sendHeartbeat();
    expect(hub.heartbeats.at(-1)!.securityEvents?.map((event) => event.kind)).toEqual(['settings_rejected']);
  });

  it('on DEVICE_REVOKED wipes the biometric cache and the key, and stops (DEV-04)', async () => {
    recordPunches(2);
    hub.devices.get(DEVICE_ID)!.isRevoked = true;
    const result = await client().syncOnce();
    expect(result).toMatchObject({ kind: 'stopped', reason: 'revoked' });
    expect(countEmployees(store.db)).toBe(0);
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    expect(getAgentStatus(store, { dataDir, appVersion: 't' }).provisioning.status).toBe('revoked');
    expect(countPunchesByStatus(store.db).pending).toBe(2);
    expect(await client().syncOnce()).toMatchObject({ kind: 'stopped', reason: 'revoked' });
  });

  it('a foreign key cannot push: an unknown kid is 401 and stops without wiping', async () => {
    hub.devices.clear();
    recordPunches(1);
    expect(await client().pushOnce()).toMatchObject({ kind: 'stopped', reason: 'unauthorized' });
    expect(countEmployees(store.db)).toBe(2);
  });
});
