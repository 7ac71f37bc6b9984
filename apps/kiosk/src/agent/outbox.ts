/**
 * The local half of the sync loop: read the next pending batch in seq order, sign it, and apply the
 * hub's per-event ack. The HTTP half (sync-loop.ts) comes with the hub's device API. Both halves
 * keep the outbox crash-safe: rows change state only when an ack is applied, in one transaction, so
 * a crash before that resends the same events, which the hub acks as duplicates.
 */
import type { KeyObject } from 'node:crypto';
import {
  MAX_EVENTS_PER_BATCH,
  type TBatchAck,
  type TEventBatch,
  type TPunchEvent,
} from '@clockface/contracts/sync';
import {
  listPendingPunchEvents,
  markPunchKept,
  markPunchesSynced,
  recordSyncSuccess,
  type PunchRecord,
} from '@clockface/db-kiosk';
import { createEventBatch, partitionAck } from '@clockface/sync-protocol';
import type { AgentStore } from './db';

/** Rebuilds the wire event from its row: the same fields, so it re-hashes to the stored hash. */
export function toPunchEvent(row: PunchRecord): TPunchEvent {
  return {
    id: row.id,
    deviceId: row.deviceId,
    seq: row.seq,
    employeeId: row.employeeId,
    type: row.type,
    method: row.method,
    deviceTime: row.deviceTime,
    monotonicMs: row.monotonicMs,
    runId: row.runId,
    score: row.score,
    liveness: row.liveness,
    modelId: row.modelId,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/**
 * Signs the next batch: the oldest pending punches, or (`afterSeq`, the last seq of a batch still in
 * flight) the pending ones after it, so the sync loop can prepare a batch while the previous one is
 * on the wire. The rows are read straight into wire events (no per-row copy).
 */
export function buildNextBatch(
  store: AgentStore,
  options: { deviceId: string; kid: string; privateKey: KeyObject; limit?: number; afterSeq?: number },
): TEventBatch | undefined {
  const events: TPunchEvent[] = listPendingPunchEvents(store.db, {
    afterSeq: options.afterSeq ?? 0,
    limit: Math.min(options.limit ?? MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH),
  });
  if (events.length === 0) return undefined;
  return createEventBatch({
    deviceId: options.deviceId,
    kid: options.kid,
    privateKey: options.privateKey,
    events,
  });
}

/**
 * Applies a batch ack atomically; returns how many rows were settled and kept.
 *
 * With `isSyncSuccess` (the sync loop), sync_status records the success in the same transaction.
 *
 * Written without the fsync a punch gets (synchronous=NORMAL for this one transaction; WAL keeps it
 * safe from a process crash): an ack lost to a power cut loses no punch, the batch is sent again
 * and the hub answers `duplicate`. That saves one fsync per batch while draining a backlog.
 */
export function applyBatchAck(
  store: AgentStore,
  ack: TBatchAck,
  at: Date,
  options: { isSyncSuccess?: boolean } = {},
): { settled: number; kept: number } {
  const { settledIds, kept } = partitionAck(ack);
  const synchronous = store.sqlite.pragma('synchronous', { simple: true }) as number;
  store.sqlite.pragma('synchronous = NORMAL');
  try {
    return applyAckRows(store, settledIds, kept, at, options.isSyncSuccess === true);
  } finally {
    store.sqlite.pragma(`synchronous = ${synchronous}`);
  }
}

function applyAckRows(
  store: AgentStore,
  settledIds: string[],
  kept: ReturnType<typeof partitionAck>['kept'],
  at: Date,
  isSyncSuccess: boolean,
): { settled: number; kept: number } {
  return store.db.transaction(
    (tx) => {
      const settled = markPunchesSynced(tx, { ids: settledIds, at });
      // The sync loop's "last success" rides in the same transaction: no commit (and fsync) of its own.
      if (isSyncSuccess) recordSyncSuccess(tx, { at });
      for (const result of kept) {
        markPunchKept(tx, {
          id: result.id,
          status: result.status === 'conflict' ? 'conflict' : 'rejected',
          code: result.code ?? null,
          message: result.message ?? null,
          at,
        });
      }
      return { settled, kept: kept.length };
    },
    { behavior: 'immediate' },
  );
}
