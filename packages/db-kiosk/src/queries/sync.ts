import { eq, inArray, isNull } from 'drizzle-orm';
import { uuidv7 } from '@clockface/core';
import type { KioskDbOrTx } from '../open';
import { kioskSettings, securityEvents, syncCursors, syncStatus } from '../schema/index';

export function findCursor(db: KioskDbOrTx, params: { name: string }): string | undefined {
  return db.select().from(syncCursors).where(eq(syncCursors.name, params.name)).get()?.value;
}

export function saveCursor(db: KioskDbOrTx, params: { name: string; value: string; at: Date }): void {
  const values = { name: params.name, value: params.value, updatedAt: params.at.toISOString() };
  db.insert(syncCursors).values(values).onConflictDoUpdate({ target: syncCursors.name, set: values }).run();
}

export type SyncStatus = typeof syncStatus.$inferSelect;

export function findSyncStatus(db: KioskDbOrTx): SyncStatus | undefined {
  return db.select().from(syncStatus).where(eq(syncStatus.id, 1)).get();
}

export function recordSyncSuccess(db: KioskDbOrTx, params: { at: Date }): void {
  const at = params.at.toISOString();
  const values = {
    id: 1,
    lastAttemptAt: at,
    lastSuccessAt: at,
    lastErrorCode: null,
    lastErrorMessage: null,
    consecutiveFailures: 0,
  };
  db.insert(syncStatus).values(values).onConflictDoUpdate({ target: syncStatus.id, set: values }).run();
}

export function recordSyncFailure(
  db: KioskDbOrTx,
  params: { at: Date; code: string; message: string },
): void {
  const current = findSyncStatus(db);
  const values = {
    id: 1,
    lastAttemptAt: params.at.toISOString(),
    lastSuccessAt: current?.lastSuccessAt ?? null,
    lastErrorCode: params.code,
    lastErrorMessage: params.message.slice(0, 500),
    consecutiveFailures: (current?.consecutiveFailures ?? 0) + 1,
  };
  db.insert(syncStatus).values(values).onConflictDoUpdate({ target: syncStatus.id, set: values }).run();
}

/** The hub's last settings as stored JSON (validate with ZKioskSettings); undefined until the first push. */
export function findKioskSettings(db: KioskDbOrTx): { settings: unknown; receivedAt: string } | undefined {
  const row = db.select().from(kioskSettings).where(eq(kioskSettings.id, 1)).get();
  return row ? { settings: JSON.parse(row.settings) as unknown, receivedAt: row.receivedAt } : undefined;
}

export function saveKioskSettings(db: KioskDbOrTx, params: { settings: unknown; at: Date }): void {
  const values = { id: 1, settings: JSON.stringify(params.settings), receivedAt: params.at.toISOString() };
  db.insert(kioskSettings).values(values).onConflictDoUpdate({ target: kioskSettings.id, set: values }).run();
}

export type SecurityEventRecord = typeof securityEvents.$inferSelect;

/** Queues a security event for the hub's next heartbeat (e.g. `pin_locked`, `crypt_decrypt_fail`). */
export function insertSecurityEvent(
  db: KioskDbOrTx,
  params: {
    kind: string;
    at: Date;
    employeeId?: string | null;
    details?: Record<string, string | number | boolean | null>;
  },
): string {
  const id = uuidv7();
  db.insert(securityEvents)
    .values({
      id,
      kind: params.kind,
      occurredAt: params.at.toISOString(),
      employeeId: params.employeeId ?? null,
      details: params.details ? JSON.stringify(params.details) : null,
    })
    .run();
  return id;
}

export function listUnsentSecurityEvents(db: KioskDbOrTx, params: { limit: number }): SecurityEventRecord[] {
  return db.select().from(securityEvents).where(isNull(securityEvents.sentAt)).limit(params.limit).all();
}

export function listSecurityEvents(db: KioskDbOrTx, params: { kind?: string }): SecurityEventRecord[] {
  const query = db.select().from(securityEvents);
  return params.kind ? query.where(eq(securityEvents.kind, params.kind)).all() : query.all();
}

/** The hub acknowledged these security events (in a heartbeat); they are not sent again. */
export function markSecurityEventsSent(db: KioskDbOrTx, params: { ids: string[]; at: Date }): void {
  if (params.ids.length === 0) return;
  db.update(securityEvents)
    .set({ sentAt: params.at.toISOString() })
    .where(inArray(securityEvents.id, params.ids))
    .run();
}
