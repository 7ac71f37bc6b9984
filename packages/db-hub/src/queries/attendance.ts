import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceEvents } from '../schema/attendance';

export type AttendanceEventRow = typeof attendanceEvents.$inferSelect;
export type NewAttendanceEvent = typeof attendanceEvents.$inferInsert;

/** What the ingest needs to tell a duplicate from a conflict. */
export async function findAttendanceEventsByIds(db: Database, params: { orgId: string; ids: string[] }) {
  if (params.ids.length === 0) return [];
  return (
    db
      .select({
        id: attendanceEvents.id,
        deviceId: attendanceEvents.deviceId,
        seq: attendanceEvents.seq,
        hash: attendanceEvents.hash,
      })
      .from(attendanceEvents)
      // One array parameter instead of an IN list of up to 500.
      .where(
        and(
          eq(attendanceEvents.orgId, params.orgId),
          sql`${attendanceEvents.id} = any(${arrayLiteral(params.ids)}::uuid[])`,
        ),
      )
  );
}

/** A device's stored chain links at the given positions (a batch's seqs and their neighbours). */
export async function listDeviceChainLinks(
  db: Database,
  params: { orgId: string; deviceId: string; seqs: number[] },
) {
  if (params.seqs.length === 0) return [];
  return db
    .select({
      id: attendanceEvents.id,
      seq: attendanceEvents.seq,
      hash: attendanceEvents.hash,
      prevHash: attendanceEvents.prevHash,
    })
    .from(attendanceEvents)
    .where(
      and(
        eq(attendanceEvents.orgId, params.orgId),
        eq(attendanceEvents.deviceId, params.deviceId),
        // Exact positions, not a range: a batch with seq 1 and seq 10^15 must not read the whole chain.
        sql`${attendanceEvents.seq} = any(${arrayLiteral(params.seqs)}::bigint[])`,
      ),
    )
    .orderBy(asc(attendanceEvents.seq));
}

/** Links after a seq in order, to move the device's head over events that arrived out of order. */
export async function listDeviceChainAfter(
  db: Database,
  params: { orgId: string; deviceId: string; afterSeq: number; limit: number },
) {
  return db
    .select({ seq: attendanceEvents.seq, hash: attendanceEvents.hash, prevHash: attendanceEvents.prevHash })
    .from(attendanceEvents)
    .where(
      and(
        eq(attendanceEvents.orgId, params.orgId),
        eq(attendanceEvents.deviceId, params.deviceId),
        gt(attendanceEvents.seq, params.afterSeq),
      ),
    )
    .orderBy(asc(attendanceEvents.seq))
    .limit(params.limit);
}

/** A Postgres array literal, every element quoted, so any text is carried exactly. */
function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  return `{${values
    .map((value) =>
      value === null || value === undefined
        ? 'NULL'
        : `"${String(value).replace(/[\\"]/g, (character) => `\\${character}`)}"`,
    )
    .join(',')}}`;
}

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);

/**
 * Inserts punches, skipping any whose id (or device position) already exists; returns the ids
 * actually inserted. Never overwrites: the table is append-only.
 *
 * One statement over `unnest` of one array per column: 21 parameters whatever the batch size, where
 * a VALUES list of 500 rows has 10,000 and took ~10× longer to build, send and plan (sync ingest
 * hot path). Flags travel comma-joined (they are snake_case words) because unnest flattens 2-D arrays.
 */
export async function insertAttendanceEvents(db: Database, rows: NewAttendanceEvent[]) {
  if (rows.length === 0) return new Set<string>();
  const column = <T>(pick: (row: NewAttendanceEvent) => T) => rows.map(pick);
  const result = await db.execute(sql`
    insert into attendance_events (id, org_id, employee_id, device_id, site_id, seq, type, source, method,
      occurred_at, device_time, clock_offset_ms, received_at, monotonic_ms, run_id, score, liveness,
      model_id, prev_hash, hash, flags, recorded_by, reason)
    select id, org_id, employee_id, device_id, site_id, seq, type, source, method,
      occurred_at, device_time, clock_offset_ms, received_at, monotonic_ms, run_id, score, liveness,
      model_id, prev_hash, hash, string_to_array(flags, ','), recorded_by, reason
    from unnest(
      ${arrayLiteral(column((row) => row.id))}::uuid[],
      ${arrayLiteral(column((row) => row.orgId))}::uuid[],
      ${arrayLiteral(column((row) => row.employeeId))}::uuid[],
      ${arrayLiteral(column((row) => row.deviceId))}::uuid[],
      ${arrayLiteral(column((row) => row.siteId))}::uuid[],
      ${arrayLiteral(column((row) => row.seq))}::bigint[],
      ${arrayLiteral(column((row) => row.type))}::text[],
      ${arrayLiteral(column((row) => row.source))}::text[],
      ${arrayLiteral(column((row) => row.method))}::text[],
      ${arrayLiteral(column((row) => iso(row.occurredAt)))}::timestamptz[],
      ${arrayLiteral(column((row) => iso(row.deviceTime)))}::timestamptz[],
      ${arrayLiteral(column((row) => row.clockOffsetMs))}::integer[],
      ${arrayLiteral(column((row) => iso(row.receivedAt)))}::timestamptz[],
      ${arrayLiteral(column((row) => row.monotonicMs))}::bigint[],
      ${arrayLiteral(column((row) => row.runId))}::uuid[],
      ${arrayLiteral(column((row) => row.score))}::double precision[],
      ${arrayLiteral(column((row) => row.liveness))}::double precision[],
      ${arrayLiteral(column((row) => row.modelId))}::text[],
      ${arrayLiteral(column((row) => row.prevHash))}::text[],
      ${arrayLiteral(column((row) => row.hash))}::text[],
      ${arrayLiteral(column((row) => (row.flags ?? []).join(',')))}::text[],
      ${arrayLiteral(column((row) => row.recordedBy))}::uuid[],
      ${arrayLiteral(column((row) => row.reason))}::text[]
    ) as input(id, org_id, employee_id, device_id, site_id, seq, type, source, method,
      occurred_at, device_time, clock_offset_ms, received_at, monotonic_ms, run_id, score, liveness,
      model_id, prev_hash, hash, flags, recorded_by, reason)
    on conflict do nothing
    returning id`);
  const inserted = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    id: string;
  }[];
  return new Set(inserted.map((row) => row.id));
}

export async function listEmployeeAttendanceEvents(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<AttendanceEventRow[]> {
  return db
    .select()
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.orgId, params.orgId), eq(attendanceEvents.employeeId, params.employeeId)))
    .orderBy(asc(attendanceEvents.occurredAt), asc(attendanceEvents.id));
}
