import { uuidv7 } from '@clockface/core';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceEvents } from '../schema/attendance';
import { projects, tasks } from '../schema/projects';
import { timeAdjustments } from '../schema/time';
import type { AttendanceEventRow } from './attendance';
import { rowsOf } from './rows';

export type AdjustmentRow = typeof timeAdjustments.$inferSelect;
export type NewAdjustment = Omit<typeof timeAdjustments.$inferInsert, 'id'>;

/** Appends one correction (the table is append-only for the app role: never updated). */
export async function insertAdjustment(db: Database, values: NewAdjustment): Promise<AdjustmentRow> {
  const [row] = await db
    .insert(timeAdjustments)
    .values({ ...values, id: uuidv7() })
    .returning();
  return row!;
}

/** A punch added by a manager (a forgotten clock-out…): a punch-log row with source `admin`. */
export async function insertAdminPunch(
  db: Database,
  params: {
    orgId: string;
    employeeId: string;
    type: AttendanceEventRow['type'];
    occurredAt: Date;
    receivedAt: Date;
    recordedBy: string;
    reason: string;
    projectId?: string | null | undefined;
    taskId?: string | null | undefined;
    flags?: string[];
  },
): Promise<AttendanceEventRow> {
  const [row] = await db
    .insert(attendanceEvents)
    .values({
      id: uuidv7(),
      orgId: params.orgId,
      employeeId: params.employeeId,
      type: params.type,
      source: 'admin',
      method: 'admin',
      occurredAt: params.occurredAt,
      receivedAt: params.receivedAt,
      recordedBy: params.recordedBy,
      reason: params.reason,
      projectId: params.projectId ?? null,
      taskId: params.taskId ?? null,
      flags: params.flags ?? [],
    })
    .returning();
  return row!;
}

/**
 * What an edit or delete may target: a punch, or a manual entry (an adjustment of kind manual_entry),
 * with every later edit and delete of it in the order the projection applies them (recorded_at, id).
 */
export async function findAdjustmentTarget(db: Database, params: { orgId: string; targetId: string }) {
  const [punch] = await db
    .select()
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.orgId, params.orgId), eq(attendanceEvents.id, params.targetId)))
    .limit(1);
  const [manual] = punch
    ? []
    : await db
        .select()
        .from(timeAdjustments)
        .where(
          and(
            eq(timeAdjustments.orgId, params.orgId),
            eq(timeAdjustments.id, params.targetId),
            eq(timeAdjustments.kind, 'manual_entry'),
          ),
        )
        .limit(1);
  if (!punch && !manual) return undefined;
  const corrections = await db
    .select()
    .from(timeAdjustments)
    .where(
      and(
        eq(timeAdjustments.orgId, params.orgId),
        eq(timeAdjustments.targetId, params.targetId),
        inArray(timeAdjustments.kind, ['edit', 'delete']),
      ),
    )
    .orderBy(asc(timeAdjustments.recordedAt), asc(timeAdjustments.id));
  return punch
    ? { kind: 'punch' as const, punch, corrections }
    : { kind: 'manual_entry' as const, manual: manual!, corrections };
}

export async function findAdjustment(db: Database, params: { orgId: string; adjustmentId: string }) {
  const [row] = await db
    .select()
    .from(timeAdjustments)
    .where(and(eq(timeAdjustments.orgId, params.orgId), eq(timeAdjustments.id, params.adjustmentId)))
    .limit(1);
  return row;
}

/** A live project of the org (deleted ones cannot take new time). */
export async function findLiveProjectRef(db: Database, params: { orgId: string; projectId: string }) {
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(
      and(eq(projects.orgId, params.orgId), eq(projects.id, params.projectId), isNull(projects.deletedAt)),
    )
    .limit(1);
  return row;
}

/** A live task of the org, with the project it belongs to. */
export async function findLiveTaskRef(db: Database, params: { orgId: string; taskId: string }) {
  const [row] = await db
    .select({ id: tasks.id, projectId: tasks.projectId })
    .from(tasks)
    .where(and(eq(tasks.orgId, params.orgId), eq(tasks.id, params.taskId), isNull(tasks.deletedAt)))
    .limit(1);
  return row;
}

export interface OverlappingEntry {
  id: string;
  startAt: Date;
  endAt: Date | null;
  status: string;
}

/**
 * Entries of an employee that share time with `[start, end)`: the projected ones (an open entry runs
 * until further notice; one missing its clock-out counts only its start, having no end to overlap
 * with), plus manual entries recorded but not projected yet, so two quick corrections cannot both
 * claim the same hour before the projection job runs.
 */
export async function findOverlappingEntries(
  db: Database,
  params: { orgId: string; employeeId: string; start: Date; end: Date; excludeIds: string[] },
): Promise<OverlappingEntry[]> {
  const exclude = params.excludeIds.length > 0 ? params.excludeIds : ['00000000-0000-0000-0000-000000000000'];
  const excluded = sql.join(
    exclude.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const start = params.start.toISOString();
  const end = params.end.toISOString();
  const result = await db.execute(sql`
    select id, start_at as "startAt", end_at as "endAt", status
      from time_entries
     where org_id = ${params.orgId} and employee_id = ${params.employeeId}
       and start_at < ${end}::timestamptz
       and case
             when end_at is not null then end_at > ${start}::timestamptz
             when status = 'open' then true
             else start_at >= ${start}::timestamptz
           end
       and id not in (${excluded})
    union all
    select a.id, a.start_at, a.end_at, 'complete'
      from time_adjustments a
     where a.org_id = ${params.orgId} and a.employee_id = ${params.employeeId}
       and a.kind = 'manual_entry'
       and a.start_at < ${end}::timestamptz and a.end_at > ${start}::timestamptz
       and a.id not in (${excluded})
       and not exists (select 1 from time_entries e where e.org_id = a.org_id and e.id = a.id)
       and not exists (select 1 from time_adjustments x
                        where x.org_id = a.org_id and x.target_id = a.id and x.kind in ('edit', 'delete'))
     order by 2
     limit 5`);
  return rowsOf<{ id: string; startAt: Date | string; endAt: Date | string | null; status: string }>(
    result,
  ).map((row) => ({
    id: row.id,
    startAt: new Date(row.startAt),
    endAt: row.endAt === null ? null : new Date(row.endAt),
    status: row.status,
  }));
}

/** One row of an employee's correction log: an adjustment, or a punch added by an admin. */
export interface CorrectionLogRow {
  source: 'adjustment' | 'punch';
  id: string;
  employeeId: string;
  kind: 'manual_entry' | 'edit' | 'delete' | 'punch';
  targetId: string | null;
  startAt: Date | null;
  endAt: Date | null;
  breakMinutes: number | null;
  occurredAt: Date | null;
  punchType: string | null;
  projectId: string | null;
  taskId: string | null;
  effectiveAt: Date;
  reason: string;
  actorUserId: string | null;
  modificationRequestId: string | null;
  flags: string[];
  recordedAt: Date;
}

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const toDateOrNull = (value: Date | string | null) => (value === null ? null : toDate(value));

function toCorrectionLogRow(row: Record<string, unknown>): CorrectionLogRow {
  return {
    ...(row as unknown as CorrectionLogRow),
    startAt: toDateOrNull(row.startAt as string | null),
    endAt: toDateOrNull(row.endAt as string | null),
    occurredAt: toDateOrNull(row.occurredAt as string | null),
    effectiveAt: toDate(row.effectiveAt as string),
    recordedAt: toDate(row.recordedAt as string),
    flags: (row.flags as string[] | null) ?? [],
  };
}

const CORRECTION_LOG = sql`
  select 'adjustment' as source, id, kind, target_id as "targetId", start_at as "startAt", end_at as "endAt",
         break_minutes as "breakMinutes", occurred_at as "occurredAt", punch_type as "punchType",
         project_id as "projectId", task_id as "taskId", effective_at as "effectiveAt", reason,
         actor_user_id as "actorUserId", modification_request_id as "modificationRequestId", flags,
         recorded_at as "recordedAt", org_id as "orgId", employee_id as "employeeId"
    from time_adjustments
  union all
  select 'punch', id, 'punch', null, null, null, null, occurred_at, type, project_id, task_id, occurred_at,
         coalesce(reason, ''), recorded_by, null, flags, received_at, org_id, employee_id
    from attendance_events
   where source = 'admin'`;

/**
 * An employee's corrections, newest first: adjustments and admin-added punches in one log. Keyset
 * position `(recordedAt, id)` of the previous page's last row; one extra row tells whether more exist.
 */
export async function listCorrectionLog(
  db: Database,
  params: {
    orgId: string;
    employeeId: string;
    limit: number;
    after?: { recordedAt: string; id: string } | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
  },
): Promise<CorrectionLogRow[]> {
  const result = await db.execute(sql`
    select * from (${CORRECTION_LOG}) log
     where "orgId" = ${params.orgId} and "employeeId" = ${params.employeeId}
       ${params.from ? sql`and "effectiveAt" >= ${params.from.toISOString()}::timestamptz` : sql``}
       ${params.to ? sql`and "effectiveAt" < ${params.to.toISOString()}::timestamptz` : sql``}
       ${
         params.after
           ? sql`and ("recordedAt", id) < (${params.after.recordedAt}::timestamptz, ${params.after.id}::uuid)`
           : sql``
       }
     order by "recordedAt" desc, id desc
     limit ${params.limit + 1}`);
  return rowsOf<Record<string, unknown>>(result).map(toCorrectionLogRow);
}

/** Corrections flagged `carried_to:<periodStart>`: made for a locked period, carried into this one. */
export async function listCarriedCorrections(
  db: Database,
  params: { orgId: string; employeeId: string; periodStart: string },
): Promise<CorrectionLogRow[]> {
  const flag = `carried_to:${params.periodStart}`;
  const result = await db.execute(sql`
    select * from (${CORRECTION_LOG}) log
     where "orgId" = ${params.orgId} and "employeeId" = ${params.employeeId}
       and ${flag} = any(flags)
     order by "recordedAt", id`);
  return rowsOf<Record<string, unknown>>(result).map(toCorrectionLogRow);
}

/** The work dates of projected entries built from `eventId` (a punch or a manual entry's id). */
export async function findEntryWorkDatesOfEvent(
  db: Database,
  params: { orgId: string; employeeId: string; eventId: string },
): Promise<{ id: string; workDate: string; startAt: Date; endAt: Date | null; status: string }[]> {
  const result = await db.execute(sql`
    select id, work_date::text as "workDate", start_at as "startAt", end_at as "endAt", status
      from time_entries
     where org_id = ${params.orgId} and employee_id = ${params.employeeId}
       and (id = ${params.eventId}::uuid or ${params.eventId}::uuid = any(event_ids))`);
  return rowsOf<{
    id: string;
    workDate: string;
    startAt: Date | string;
    endAt: Date | string | null;
    status: string;
  }>(result).map((row) => ({ ...row, startAt: toDate(row.startAt), endAt: toDateOrNull(row.endAt) }));
}
