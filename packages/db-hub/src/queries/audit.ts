import { and, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { Database } from '../client';
import { auditLog } from '../schema/audit';

export type AuditEntryRow = typeof auditLog.$inferSelect;
export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, 'id' | 'createdAt'>;

export async function insertAuditEntry(db: Database, entry: NewAuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}

export interface ListAuditEntriesParams {
  orgId: string;
  limit: number;
  cursor?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  actorUserId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Newest first; the cursor is the last id seen (UUIDv7 sorts by time). Fetches one extra row to know if more exist. */
export async function listAuditEntries(
  db: Database,
  params: ListAuditEntriesParams,
): Promise<AuditEntryRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.orgId, params.orgId),
        params.cursor ? lt(auditLog.id, params.cursor) : undefined,
        params.action ? eq(auditLog.action, params.action) : undefined,
        params.entityType ? eq(auditLog.entityType, params.entityType) : undefined,
        params.entityId ? eq(auditLog.entityId, params.entityId) : undefined,
        params.actorUserId ? eq(auditLog.actorUserId, params.actorUserId) : undefined,
        params.from ? gte(auditLog.createdAt, params.from) : undefined,
        params.to ? lte(auditLog.createdAt, params.to) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(params.limit + 1);
}
