import { and, asc, eq, gt, gte, inArray, lte } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceEvents } from '../schema/attendance';

export type AttendanceEventRow = typeof attendanceEvents.$inferSelect;
export type NewAttendanceEvent = typeof attendanceEvents.$inferInsert;

/** What the ingest needs to tell a duplicate from a conflict. */
export async function findAttendanceEventsByIds(db: Database, params: { orgId: string; ids: string[] }) {
  if (params.ids.length === 0) return [];
  return db
    .select({
      id: attendanceEvents.id,
      deviceId: attendanceEvents.deviceId,
      seq: attendanceEvents.seq,
      hash: attendanceEvents.hash,
    })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.orgId, params.orgId), inArray(attendanceEvents.id, params.ids)));
}

/** A device's chain links with seq in [fromSeq, toSeq] (the batch and its two neighbours). */
export async function listDeviceChainLinks(
  db: Database,
  params: { orgId: string; deviceId: string; fromSeq: number; toSeq: number },
) {
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
        gte(attendanceEvents.seq, params.fromSeq),
        lte(attendanceEvents.seq, params.toSeq),
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

/**
 * Inserts punches, skipping any whose id (or device position) already exists; returns the ids
 * actually inserted. Never overwrites: the table is append-only.
 */
export async function insertAttendanceEvents(db: Database, rows: NewAttendanceEvent[]) {
  if (rows.length === 0) return new Set<string>();
  const inserted = await db
    .insert(attendanceEvents)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: attendanceEvents.id });
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
