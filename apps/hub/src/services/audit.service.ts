import type { Database } from '@clockface/db-hub';
import { insertAuditEntry, listAuditEntries, type AuditEntryRow } from '@clockface/db-hub/queries';
import type { ActorContext } from '../deps';

export interface AuditChange {
  orgId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Records one mutation. Call it inside the same transaction as the change, so the log and the data
 * cannot disagree.
 */
export async function recordAudit(tx: Database, actor: ActorContext, change: AuditChange): Promise<void> {
  await insertAuditEntry(tx, {
    orgId: change.orgId,
    actorUserId: actor.actorUserId,
    actorType: actor.actorType,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    before: stripSecrets(change.before),
    after: stripSecrets(change.after),
    requestId: actor.requestId,
    ip: actor.ip,
  });
}

const SECRET_KEYS = new Set(['passwordHash', 'tokenHash', 'pinHash', 'password', 'token']);

/** Audit rows keep what changed, never secrets or their hashes. */
function stripSecrets(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value instanceof Date) return value.toISOString();
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !SECRET_KEYS.has(key))
      .map(([key, inner]) => [key, stripSecrets(inner)]),
  );
}

export async function listAuditLog(
  tx: Database,
  params: Parameters<typeof listAuditEntries>[1],
): Promise<{ items: AuditEntryRow[]; nextCursor: string | null }> {
  const rows = await listAuditEntries(tx, params);
  const items = rows.slice(0, params.limit);
  return { items, nextCursor: rows.length > params.limit ? (items.at(-1)?.id ?? null) : null };
}
