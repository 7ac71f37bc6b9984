import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZEventBatch, type TBatchAck } from '@clockface/contracts/sync';
import { countPunchesByStatus, findPunch } from '@clockface/db-kiosk';
import { genesisHead, verifyBatchSignature, verifyChain, type ChainHead } from '@clockface/sync-protocol';
import { DEVICE_ID, recordTestPunches, seedKiosk, storeConfig } from '../../test/helpers/seed-kiosk';
import { openAgentStore, type AgentStore } from './db';
import { applyBatchAck, buildNextBatch } from './outbox';

let dataDir: string;
let store: AgentStore;
let signer: { privateKey: KeyObject; kid: string };

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-outbox-'));
  const seeded = await seedKiosk(dataDir);
  store = seeded.store;
  signer = { privateKey: seeded.privateKey, kid: seeded.kid };
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function recordPunches(count: number) {
  recordTestPunches(store, count, 'face');
}

function ackAll(events: { id: string }[], status: 'accepted' | 'duplicate' = 'accepted'): TBatchAck {
  return { serverTime: new Date().toISOString(), results: events.map((event) => ({ id: event.id, status })) };
}

describe('outbox', () => {
  it('drains 1,200 punches in signed batches of 500 that verify across batch boundaries', () => {
    recordPunches(1200);
    const publicKey = createPublicKey(signer.privateKey);
    let head: ChainHead = genesisHead(DEVICE_ID);
    const sizes: number[] = [];
    for (
      let batch = buildNextBatch(store, { deviceId: DEVICE_ID, ...signer });
      batch;
      batch = buildNextBatch(store, { deviceId: DEVICE_ID, ...signer })
    ) {
      expect(ZEventBatch.parse(batch)).toEqual(batch);
      expect(verifyBatchSignature(batch, publicKey)).toBe(true);
      const verification = verifyChain(batch.events, { deviceId: DEVICE_ID, head });
      expect(verification.isIntact).toBe(true);
      head = verification.head;
      sizes.push(batch.events.length);
      applyBatchAck(store, ackAll(batch.events), new Date());
      // The ack is written without an fsync; the punches after it get theirs again (FULL = 2).
      expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    }
    expect(sizes).toEqual([500, 500, 200]);
    expect(head.seq).toBe(1200);
    expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 0, synced: 1200 });
  });

  it('keeps rejected and conflicting events with their reason, settles duplicates, and resends nothing twice', () => {
    recordPunches(4);
    const batch = buildNextBatch(store, { deviceId: DEVICE_ID, ...signer })!;
    const [a, b, c, d] = batch.events.map((event) => event.id) as [string, string, string, string];
    const result = applyBatchAck(
      store,
      {
        serverTime: new Date().toISOString(),
        results: [
          { id: a, status: 'accepted' },
          { id: b, status: 'duplicate' },
          { id: c, status: 'rejected', code: 'EMPLOYEE_NOT_IN_ORG', message: 'Employee is not in this org' },
          { id: d, status: 'conflict', code: 'EVENT_CONFLICT' },
        ],
      },
      new Date(),
    );
    expect(result).toEqual({ settled: 2, kept: 2 });
    expect(findPunch(store.db, { id: c })).toMatchObject({
      status: 'rejected',
      lastErrorCode: 'EMPLOYEE_NOT_IN_ORG',
    });
    expect(findPunch(store.db, { id: d })).toMatchObject({ status: 'conflict' });
    expect(buildNextBatch(store, { deviceId: DEVICE_ID, ...signer })).toBeUndefined();
  });

  it('resumes exactly where it stopped: an ack lost in a crash resends the same batch', () => {
    recordPunches(3);
    const first = buildNextBatch(store, { deviceId: DEVICE_ID, ...signer, limit: 2 })!;
    // "Crash" before the ack is applied: reopen the store from the file.
    store.close();
    store = openAgentStore(storeConfig(dataDir));
    const again = buildNextBatch(store, { deviceId: DEVICE_ID, ...signer, limit: 2 })!;
    expect(again.events).toEqual(first.events);
    applyBatchAck(store, ackAll(again.events, 'duplicate'), new Date());
    expect(
      buildNextBatch(store, { deviceId: DEVICE_ID, ...signer })!.events.map((event) => event.seq),
    ).toEqual([3]);
  });
});
