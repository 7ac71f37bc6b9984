import { and, asc, eq, gt, gte, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { rowsOf } from './rows';
import { employees } from '../schema/employees';

/**
 * Kiosk roster deltas page over `employees.roster_xid` (the id of the transaction that last changed
 * the row, set by a trigger), not over `updated_at`: a transaction that started earlier but commits
 * after a delta was read has an id at or above that read's snapshot xmin, so carrying the smallest
 * xmin seen into the next cursor never skips it. The price is that a row can be sent twice, which
 * applying a delta tolerates.
 */
export interface RosterPosition {
  xid: number;
  id: string;
}

export interface ListRosterChangesParams {
  orgId: string;
  /** The device's site: employees of that site and those with no home site. Null: the whole org. */
  siteId: string | null;
  /** Rows changed by transactions with an id at or above this. 0 = everything. */
  sinceXid: number;
  /** Keyset position within this round. */
  after: RosterPosition | null;
  /** First sync: only rows the kiosk should hold, no tombstones. */
  isLiveOnly: boolean;
  limit: number;
}

export async function listRosterChanges(db: Database, params: ListRosterChangesParams) {
  const conditions: (SQL | undefined)[] = [
    eq(employees.orgId, params.orgId),
    params.sinceXid > 0 ? gte(employees.rosterXid, params.sinceXid) : undefined,
    params.after
      ? or(
          gt(employees.rosterXid, params.after.xid),
          and(eq(employees.rosterXid, params.after.xid), gt(employees.id, params.after.id)),
        )
      : undefined,
  ];
  if (params.isLiveOnly) {
    conditions.push(eq(employees.status, 'active'), isNull(employees.deletedAt));
    if (params.siteId) {
      conditions.push(or(eq(employees.homeSiteId, params.siteId), isNull(employees.homeSiteId)));
    }
  }
  return db
    .select({
      id: employees.id,
      code: employees.code,
      name: employees.name,
      status: employees.status,
      deletedAt: employees.deletedAt,
      homeSiteId: employees.homeSiteId,
      pinHash: employees.pinHash,
      rosterXid: employees.rosterXid,
    })
    .from(employees)
    .where(and(...conditions))
    .orderBy(asc(employees.rosterXid), asc(employees.id))
    .limit(params.limit);
}

/** The oldest transaction id still running, as this transaction's snapshot sees it. */
export async function currentSnapshotXmin(db: Database): Promise<number> {
  const result = await db.execute(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`);
  return Number(rowsOf<{ xmin: string }>(result)[0]!.xmin);
}

/**
 * The employees of an org among `ids`, with what the ingest checks (live, site). Raw SQL with one
 * array parameter: it runs for every batch the sync ingest takes.
 */
export async function findEmployeesForPunches(
  db: Database,
  params: { orgId: string; ids: string[] },
): Promise<{ id: string; status: string; deletedAt: Date | null; homeSiteId: string | null }[]> {
  if (params.ids.length === 0) return [];
  const rows = rowsOf<{
    id: string;
    status: string;
    deleted_at: Date | string | null;
    home_site_id: string | null;
  }>(
    // An array literal of UUIDs (the wire schema checked them); anything else fails the cast.
    await db.execute(sql`
      select id, status, deleted_at, home_site_id from employees
      where org_id = ${params.orgId} and id = any(${`{${params.ids.join(',')}}`}::uuid[])`),
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
    homeSiteId: row.home_site_id,
  }));
}
