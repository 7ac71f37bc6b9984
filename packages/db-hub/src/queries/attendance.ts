import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceEvents } from '../schema/attendance';
import { rowsOf } from './rows';

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

/**
 * Links after a seq in order: to move the device's head over events that arrived out of order, and
 * (from the head's seq) to see whether anything is stored past the head. Raw SQL: once per batch.
 */
export async function listDeviceChainAfter(
  db: Database,
  params: { orgId: string; deviceId: string; afterSeq: number; limit: number },
): Promise<{ id: string; seq: number; hash: string | null; prevHash: string | null }[]> {
  const rows = rowsOf<{ id: string; seq: string | number; hash: string | null; prev_hash: string | null }>(
    await db.execute(sql`
      select id, seq, hash, prev_hash from attendance_events
      where org_id = ${params.orgId} and device_id = ${params.deviceId} and seq > ${params.afterSeq}
      order by seq limit ${params.limit}`),
  );
  return rows.map((row) => ({ id: row.id, seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash }));
}

/**
 * What is stored at and past a device's head (at most two links), with the device row version the
 * read saw: sent right behind the lock of the device row (one round trip), it runs after the lock
 * is granted, and equal row versions prove it saw the chain the lock holder sees.
 */
export async function findDeviceChainNearHead(
  db: Database,
  params: { orgId: string; deviceId: string },
): Promise<{
  rowVersion: string;
  links: { id: string; seq: number; hash: string | null; prevHash: string | null }[];
}> {
  const rows = rowsOf<{
    row_version: string;
    id: string | null;
    seq: string | number | null;
    hash: string | null;
    prev_hash: string | null;
  }>(
    await db.execute(sql`
      select d.xmin::text as row_version, link.id, link.seq, link.hash, link.prev_hash
      from devices d
      left join lateral (
        select id, seq, hash, prev_hash from attendance_events
        where org_id = d.org_id and device_id = d.id and seq >= d.last_seq
        order by seq limit 2
      ) link on true
      where d.org_id = ${params.orgId} and d.id = ${params.deviceId}`),
  );
  return {
    rowVersion: rows[0]?.row_version ?? '',
    links: rows
      .filter((row) => row.id !== null)
      .map((row) => ({ id: row.id!, seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash })),
  };
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A Postgres array literal, every element quoted, so any text is carried exactly. Hot path of the
 * sync ingest (tens of thousands of values a second): the escaping replace runs only on the rare
 * value that holds a quote or backslash.
 */
function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  let out = '{';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (index > 0) out += ',';
    if (value === null || value === undefined) {
      out += 'NULL';
      continue;
    }
    const text = String(value);
    out += NEEDS_ESCAPE.test(text)
      ? `"${text.replace(/[\\"]/g, (character) => `\\${character}`)}"`
      : `"${text}"`;
  }
  return `${out}}`;
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
  return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
}

/** A kiosk punch as the sync ingest stores it; the columns shared by the whole batch come apart. */
export interface KioskPunchRow {
  id: string;
  employeeId: string;
  seq: number;
  type: 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
  method: 'face' | 'pin' | 'admin';
  /** Device wall-clock time as sent (ISO 8601 UTC with ms). */
  deviceTime: string;
  monotonicMs: number;
  runId: string;
  score: number | null;
  liveness: number | null;
  modelId: string | null;
  prevHash: string;
  hash: string;
  /** Review flags (snake_case words). */
  flags: string[];
}

/**
 * Inserts one device's punches, skipping any whose id (or device position) already exists; returns
 * the ids actually inserted. Never overwrites.
 *
 * The sync ingest's hot path: one statement over `unnest` of one array per varying column, while
 * org, device, site, source, receive time and clock offset are single parameters, and
 * `occurred_at = device_time + offset` is computed by Postgres. That keeps a batch of 500 at about
 * 170 KB on the wire instead of about 260 KB for a row-by-row copy of every column.
 */
export async function insertKioskPunches(
  db: Database,
  params: {
    orgId: string;
    deviceId: string;
    siteId: string | null;
    receivedAt: Date;
    /** Hub − device, ms; stored per row and added to device_time for occurred_at. */
    clockOffsetMs: number;
    punches: readonly KioskPunchRow[];
    /** Which ids were inserted; without it only how many (no 500 rows to send back and parse). */
    shouldReturnIds: boolean;
  },
): Promise<{ count: number; ids: Set<string> | undefined }> {
  const { punches } = params;
  if (punches.length === 0) return { count: 0, ids: params.shouldReturnIds ? new Set() : undefined };
  const column = <T extends string | number | null>(pick: (row: KioskPunchRow) => T) =>
    arrayLiteral(punches.map(pick));
  const result = await db.execute(sql`
    insert into attendance_events (id, org_id, employee_id, device_id, site_id, seq, type, source, method,
      occurred_at, device_time, clock_offset_ms, received_at, monotonic_ms, run_id, score, liveness,
      model_id, prev_hash, hash, flags)
    select id, ${params.orgId}::uuid, employee_id, ${params.deviceId}::uuid, ${params.siteId}::uuid, seq,
      type, 'kiosk', method, device_time + ${params.clockOffsetMs}::integer * interval '1 millisecond',
      device_time, ${params.clockOffsetMs}::integer, ${params.receivedAt.toISOString()}::timestamptz,
      monotonic_ms, run_id, score, liveness, model_id, prev_hash, hash,
      string_to_array(flags, ',')
    from unnest(
      ${column((row) => row.id)}::uuid[],
      ${column((row) => row.employeeId)}::uuid[],
      ${column((row) => row.seq)}::bigint[],
      ${column((row) => row.type)}::text[],
      ${column((row) => row.method)}::text[],
      ${column((row) => row.deviceTime)}::timestamptz[],
      ${column((row) => row.monotonicMs)}::bigint[],
      ${column((row) => row.runId)}::uuid[],
      ${column((row) => row.score)}::double precision[],
      ${column((row) => row.liveness)}::double precision[],
      ${column((row) => row.modelId)}::text[],
      ${column((row) => row.prevHash)}::text[],
      ${column((row) => row.hash)}::text[],
      ${column((row) => row.flags.join(','))}::text[]
    ) as input(id, employee_id, seq, type, method, device_time, monotonic_ms, run_id, score, liveness,
      model_id, prev_hash, hash, flags)
    on conflict do nothing
    ${params.shouldReturnIds ? sql`returning id` : sql``}`);
  if (!params.shouldReturnIds) return { count: affectedRows(result), ids: undefined };
  const ids = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
  return { count: ids.size, ids };
}

/** Rows a raw INSERT/UPDATE changed: postgres.js reports `count`, PGlite `affectedRows`. */
function affectedRows(result: unknown): number {
  const { count, affectedRows: affected } = result as { count?: number; affectedRows?: number };
  return count ?? affected ?? 0;
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
