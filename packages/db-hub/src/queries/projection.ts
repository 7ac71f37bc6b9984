import { sql } from 'drizzle-orm';
import type { Database } from '../client';
import { rowsOf } from './rows';

/**
 * The set-based loads and writes of the projection job. Each load takes many employees at once (one
 * query per kind of input, whatever the batch size), and each write is a handful of multi-row
 * statements fed one JSON document (`jsonb_to_recordset`), so projecting 1,000 employees costs
 * tens of statements, not tens of thousands. Instants come back as UTC ISO strings and dates as
 * `YYYY-MM-DD`, formatted by Postgres, so postgres.js and PGlite return the same values.
 */

/** ISO instant in UTC with milliseconds, the format timekeeping reads and writes. */
const isoUtc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** Who is projected, with the zone and grouping their days are projected and snapshotted under. */
export interface ProjectionSubjectRow {
  employeeId: string;
  departmentId: string | null;
  siteId: string | null;
  /** The home site's zone when it has one, else the org's. */
  timeZone: string;
  weekStart: number;
  status: 'active' | 'terminated';
  terminationDate: string | null;
}

export async function loadProjectionSubjects(
  db: Database,
  params: { orgId: string; employeeIds: readonly string[] },
): Promise<ProjectionSubjectRow[]> {
  if (params.employeeIds.length === 0) return [];
  const result = await db.execute(sql`
    select e.id as "employeeId", e.department_id as "departmentId", e.home_site_id as "siteId",
           coalesce(s.time_zone, o.time_zone) as "timeZone", o.week_start as "weekStart",
           e.status, e.termination_date::text as "terminationDate"
      from employees e
      join organizations o on o.id = e.org_id
      left join sites s on s.org_id = e.org_id and s.id = e.home_site_id
     where e.org_id = ${params.orgId}
       and e.id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.employeeIds)}::jsonb))
  `);
  return rowsOf<ProjectionSubjectRow>(result);
}

/** One employee's half-open instant window `[start, end)` to load events for. */
export interface EventWindow {
  employeeId: string;
  start: string;
  end: string;
}

export interface ProjectionPunchRow {
  id: string;
  employeeId: string;
  type: 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
  occurredAt: string;
  receivedAt: string;
  source: 'kiosk' | 'web' | 'mobile' | 'admin';
  method: 'face' | 'pin' | 'password' | 'admin';
  deviceId: string | null;
  projectId: string | null;
  taskId: string | null;
}

const PUNCH_COLUMNS = sql`
  e.id, e.employee_id as "employeeId", e.type, ${isoUtc('e.occurred_at')} as "occurredAt",
  ${isoUtc('e.received_at')} as "receivedAt", e.source, e.method, e.device_id as "deviceId",
  e.project_id as "projectId", e.task_id as "taskId"`;

/** Every punch in each employee's window, one index range scan per employee in one statement. */
export async function loadPunchesInWindows(
  db: Database,
  params: { orgId: string; windows: readonly EventWindow[] },
): Promise<ProjectionPunchRow[]> {
  if (params.windows.length === 0) return [];
  const result = await db.execute(sql`
    select ${PUNCH_COLUMNS}
      from jsonb_to_recordset(${JSON.stringify(params.windows)}::jsonb)
             as w("employeeId" uuid, start timestamptz, "end" timestamptz)
      join attendance_events e
        on e.org_id = ${params.orgId} and e.employee_id = w."employeeId"
       and e.occurred_at >= w.start and e.occurred_at < w."end"
  `);
  return rowsOf<ProjectionPunchRow>(result);
}

/** Punches by id (the targets of loaded edits that lie outside the window). */
export async function loadPunchesByIds(
  db: Database,
  params: { orgId: string; ids: readonly string[] },
): Promise<ProjectionPunchRow[]> {
  if (params.ids.length === 0) return [];
  const result = await db.execute(sql`
    select ${PUNCH_COLUMNS}
      from attendance_events e
     where e.org_id = ${params.orgId}
       and e.id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.ids)}::jsonb))
  `);
  return rowsOf<ProjectionPunchRow>(result);
}

export interface ProjectionAdjustmentRow {
  id: string;
  employeeId: string;
  kind: 'manual_entry' | 'edit' | 'delete';
  targetId: string | null;
  startAt: string | null;
  endAt: string | null;
  breakMinutes: number | null;
  occurredAt: string | null;
  punchType: 'clock_in' | 'clock_out' | 'break_start' | 'break_end' | null;
  projectId: string | null;
  taskId: string | null;
  actorUserId: string | null;
  reason: string;
  recordedAt: string;
}

const ADJUSTMENT_COLUMNS = sql`
  a.id, a.employee_id as "employeeId", a.kind, a.target_id as "targetId",
  ${isoUtc('a.start_at')} as "startAt", ${isoUtc('a.end_at')} as "endAt", a.break_minutes as "breakMinutes",
  ${isoUtc('a.occurred_at')} as "occurredAt", a.punch_type as "punchType", a.project_id as "projectId",
  a.task_id as "taskId", a.actor_user_id as "actorUserId", a.reason, ${isoUtc('a.recorded_at')} as "recordedAt"`;

/**
 * Adjustments that can change each window: by `effective_at` (the earliest instant an adjustment
 * touches), and also by the instant it moves a punch or entry to, so an edit that moves an earlier
 * punch into the window is not missed.
 */
export async function loadAdjustmentsInWindows(
  db: Database,
  params: { orgId: string; windows: readonly EventWindow[] },
): Promise<ProjectionAdjustmentRow[]> {
  if (params.windows.length === 0) return [];
  const result = await db.execute(sql`
    select ${ADJUSTMENT_COLUMNS}
      from jsonb_to_recordset(${JSON.stringify(params.windows)}::jsonb)
             as w("employeeId" uuid, start timestamptz, "end" timestamptz)
      join time_adjustments a
        on a.org_id = ${params.orgId} and a.employee_id = w."employeeId"
       and ((a.effective_at >= w.start and a.effective_at < w."end")
         or (a.occurred_at >= w.start and a.occurred_at < w."end")
         or (a.start_at >= w.start and a.start_at < w."end"))
  `);
  return rowsOf<ProjectionAdjustmentRow>(result);
}

/** Adjustments by id: manual entries targeted by loaded edits, and adjustments of those. */
export async function loadAdjustmentsByIds(
  db: Database,
  params: { orgId: string; ids: readonly string[] },
): Promise<ProjectionAdjustmentRow[]> {
  if (params.ids.length === 0) return [];
  const result = await db.execute(sql`
    select ${ADJUSTMENT_COLUMNS}
      from time_adjustments a
     where a.org_id = ${params.orgId}
       and (a.id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.ids)}::jsonb))
         or a.target_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.ids)}::jsonb)))
  `);
  return rowsOf<ProjectionAdjustmentRow>(result);
}

export interface ApprovedLeaveRow {
  employeeId: string;
  leaveTypeId: string;
  startDate: string;
  endDate: string;
  minutesPerDay: number | null;
  isPaid: boolean;
  defaultDayMinutes: number;
}

/** Approved leave overlapping `from..to` (inclusive local dates) for the employees. */
export async function loadApprovedLeave(
  db: Database,
  params: { orgId: string; employeeIds: readonly string[]; from: string; to: string },
): Promise<ApprovedLeaveRow[]> {
  if (params.employeeIds.length === 0) return [];
  const result = await db.execute(sql`
    select r.employee_id as "employeeId", r.leave_type_id as "leaveTypeId",
           r.start_date::text as "startDate", r.end_date::text as "endDate",
           r.minutes_per_day as "minutesPerDay", t.is_paid as "isPaid",
           t.default_day_minutes as "defaultDayMinutes"
      from leave_requests r
      join leave_types t on t.org_id = r.org_id and t.id = r.leave_type_id
     where r.org_id = ${params.orgId}
       and r.employee_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.employeeIds)}::jsonb))
       and r.status = 'approved'
       and r.start_date <= ${params.to}::date and r.end_date >= ${params.from}::date
  `);
  return rowsOf<ApprovedLeaveRow>(result);
}

export interface LockedPeriodRow {
  employeeId: string;
  start: string;
  end: string;
  lockedAt: string;
}

/** Locked timesheets overlapping `from..to` for the employees. */
export async function loadLockedPeriods(
  db: Database,
  params: { orgId: string; employeeIds: readonly string[]; from: string; to: string },
): Promise<LockedPeriodRow[]> {
  if (params.employeeIds.length === 0) return [];
  const result = await db.execute(sql`
    select t.employee_id as "employeeId", t.period_start::text as start, t.period_end::text as "end",
           ${isoUtc('t.locked_at')} as "lockedAt"
      from timesheets t
     where t.org_id = ${params.orgId}
       and t.employee_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(params.employeeIds)}::jsonb))
       and t.status = 'locked' and t.locked_at is not null
       and t.period_start <= ${params.to}::date and t.period_end >= ${params.from}::date
  `);
  return rowsOf<LockedPeriodRow>(result);
}

/** One employee's inclusive local date range being rewritten. */
export interface ProjectedRange {
  employeeId: string;
  fromDate: string;
  toDate: string;
}

export interface WorkDayWrite {
  employeeId: string;
  workDate: string;
  departmentId: string | null;
  siteId: string | null;
  grossMinutes: number;
  workedMinutes: number;
  regularMinutes: number;
  overtimeMinutes: number;
  overtime: { multiplier: number; minutes: number }[];
  paidBreakMinutes: number;
  unpaidBreakMinutes: number;
  autoDeductedMinutes: number;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  leaveMinutes: number;
  paidLeaveMinutes: number;
  exceptionCount: number;
  scheduledShiftCount: number;
}

export interface TimeEntryWrite {
  id: string;
  employeeId: string;
  workDate: string;
  kind: 'punch' | 'manual';
  status: 'complete' | 'open' | 'missing_clock_out';
  startAt: string;
  endAt: string | null;
  roundedStartAt: string;
  roundedEndAt: string | null;
  grossMinutes: number;
  overlapMinutes: number;
  breakMinutes: number;
  shiftTemplateId: string | null;
  projectId: string | null;
  taskId: string | null;
  eventIds: string[];
}

export interface TimeExceptionWrite {
  id: string;
  employeeId: string;
  workDate: string;
  code: string;
  severity: 'info' | 'warning' | 'error';
  minutes: number | null;
  message: string;
  entryId: string | null;
  eventIds: string[];
}

/**
 * Replaces the projected days, entries and exceptions of each employee's range with the given rows:
 * three deletes and three inserts whatever the number of employees. Call it inside a transaction
 * so readers see the old or the new projection, never a mix.
 *
 * An entry keeps its id (the clock-in's) when a late edit moves it to another work day, possibly
 * outside the range being rewritten, hence the upsert on entries.
 */
export async function replaceProjectedTime(
  db: Database,
  params: {
    orgId: string;
    ranges: readonly ProjectedRange[];
    days: readonly WorkDayWrite[];
    entries: readonly TimeEntryWrite[];
    exceptions: readonly TimeExceptionWrite[];
    computedAt: string;
  },
): Promise<void> {
  if (params.ranges.length === 0) return;
  const { orgId } = params;
  const ranges = sql`jsonb_to_recordset(${JSON.stringify(params.ranges)}::jsonb)
    as r("employeeId" uuid, "fromDate" date, "toDate" date)`;
  for (const table of ['work_days', 'time_entries', 'time_exceptions']) {
    await db.execute(sql`
      delete from ${sql.identifier(table)} t using ${ranges}
       where t.org_id = ${orgId} and t.employee_id = r."employeeId"
         and t.work_date between r."fromDate" and r."toDate"
    `);
  }
  if (params.days.length > 0) {
    await db.execute(sql`
      insert into work_days (org_id, employee_id, work_date, department_id, site_id, gross_minutes,
        worked_minutes, regular_minutes, overtime_minutes, overtime, paid_break_minutes,
        unpaid_break_minutes, auto_deducted_minutes, late_minutes, early_leave_minutes, leave_minutes,
        paid_leave_minutes, exception_count, scheduled_shift_count, computed_at)
      select ${orgId}, d."employeeId", d."workDate", d."departmentId", d."siteId", d."grossMinutes",
             d."workedMinutes", d."regularMinutes", d."overtimeMinutes", d.overtime, d."paidBreakMinutes",
             d."unpaidBreakMinutes", d."autoDeductedMinutes", d."lateMinutes", d."earlyLeaveMinutes",
             d."leaveMinutes", d."paidLeaveMinutes", d."exceptionCount", d."scheduledShiftCount",
             ${params.computedAt}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(params.days)}::jsonb) as d("employeeId" uuid,
             "workDate" date, "departmentId" uuid, "siteId" uuid, "grossMinutes" int, "workedMinutes" int,
             "regularMinutes" int, "overtimeMinutes" int, overtime jsonb, "paidBreakMinutes" int,
             "unpaidBreakMinutes" int, "autoDeductedMinutes" int, "lateMinutes" int,
             "earlyLeaveMinutes" int, "leaveMinutes" int, "paidLeaveMinutes" int, "exceptionCount" int,
             "scheduledShiftCount" int)
    `);
  }
  if (params.entries.length > 0) {
    await db.execute(sql`
      insert into time_entries (org_id, id, employee_id, work_date, kind, status, start_at, end_at,
        rounded_start_at, rounded_end_at, gross_minutes, overlap_minutes, break_minutes,
        shift_template_id, project_id, task_id, event_ids)
      select ${orgId}, x.id, x."employeeId", x."workDate", x.kind, x.status, x."startAt", x."endAt",
             x."roundedStartAt", x."roundedEndAt", x."grossMinutes", x."overlapMinutes", x."breakMinutes",
             x."shiftTemplateId", x."projectId", x."taskId", x."eventIds"
        from jsonb_to_recordset(${JSON.stringify(params.entries)}::jsonb) as x(id uuid, "employeeId" uuid,
             "workDate" date, kind text, status text, "startAt" timestamptz, "endAt" timestamptz,
             "roundedStartAt" timestamptz, "roundedEndAt" timestamptz, "grossMinutes" int,
             "overlapMinutes" int, "breakMinutes" int, "shiftTemplateId" uuid, "projectId" uuid,
             "taskId" uuid, "eventIds" uuid[])
      on conflict (org_id, id) do update set
        employee_id = excluded.employee_id, work_date = excluded.work_date, kind = excluded.kind,
        status = excluded.status, start_at = excluded.start_at, end_at = excluded.end_at,
        rounded_start_at = excluded.rounded_start_at, rounded_end_at = excluded.rounded_end_at,
        gross_minutes = excluded.gross_minutes, overlap_minutes = excluded.overlap_minutes,
        break_minutes = excluded.break_minutes, shift_template_id = excluded.shift_template_id,
        project_id = excluded.project_id, task_id = excluded.task_id, event_ids = excluded.event_ids
    `);
  }
  if (params.exceptions.length > 0) {
    await db.execute(sql`
      insert into time_exceptions (org_id, employee_id, id, work_date, code, severity, minutes, message,
        entry_id, event_ids)
      select ${orgId}, x."employeeId", x.id, x."workDate", x.code, x.severity, x.minutes, x.message,
             x."entryId", x."eventIds"
        from jsonb_to_recordset(${JSON.stringify(params.exceptions)}::jsonb) as x("employeeId" uuid,
             id text, "workDate" date, code text, severity text, minutes int, message text,
             "entryId" uuid, "eventIds" uuid[])
      on conflict (org_id, employee_id, id) do update set
        work_date = excluded.work_date, code = excluded.code, severity = excluded.severity,
        minutes = excluded.minutes, message = excluded.message, entry_id = excluded.entry_id,
        event_ids = excluded.event_ids
    `);
  }
}

/** A claimed queue row: `version` is the row version read, so a request that came in since is kept. */
export interface ClaimedProjection {
  orgId: string;
  employeeId: string;
  fromDate: string;
  toDate: string;
  version: string;
}

/**
 * Claims up to `limit` queued projections, oldest first, for the current transaction: each employee
 * is held by a transaction-scoped advisory lock, so two workers never project the same employee at
 * once (a worker skips employees another holds, like SKIP LOCKED). The queue rows themselves are not
 * locked, so punches keep arriving (and widening the rows) while the work runs; finish with
 * `completeClaimedProjections` in the same transaction. Runs as the owner role: it spans orgs.
 */
export async function claimProjections(
  db: Database,
  params: { limit: number; orgId?: string | undefined },
): Promise<ClaimedProjection[]> {
  // The candidates are materialised first, so the lock function runs exactly once per candidate
  // and every lock taken belongs to a returned row.
  const result = await db.execute(sql`
    with candidates as materialized (
      select org_id, employee_id, from_date, to_date, xmin::text as version
        from projection_queue
       ${params.orgId ? sql`where org_id = ${params.orgId}` : sql``}
       order by requested_at
       limit ${params.limit}
    )
    select org_id as "orgId", employee_id as "employeeId", from_date::text as "fromDate",
           to_date::text as "toDate", version
      from candidates
     where pg_try_advisory_xact_lock(${PROJECTION_LOCK_CLASS}, hashtext(employee_id::text))
  `);
  return rowsOf<ClaimedProjection>(result);
}

/** Distinguishes projection locks from any other advisory lock in the database. */
const PROJECTION_LOCK_CLASS = 7301;

/**
 * Removes the claimed rows that nobody changed since the claim (same row version). A row widened by
 * a punch that arrived meanwhile stays queued for the next round, and a row being widened right now
 * (locked by an ingest) is skipped rather than waited for, so the drain never blocks an ingest.
 */
export async function completeClaimedProjections(
  db: Database,
  claimed: readonly ClaimedProjection[],
): Promise<number> {
  if (claimed.length === 0) return 0;
  const result = await db.execute(sql`
    with done as (
      select q.org_id, q.employee_id
        from projection_queue q
        join jsonb_to_recordset(${JSON.stringify(claimed)}::jsonb)
               as c("orgId" uuid, "employeeId" uuid, version text)
          on q.org_id = c."orgId" and q.employee_id = c."employeeId" and q.xmin::text = c.version
       order by q.org_id, q.employee_id
         for update of q skip locked
    )
    delete from projection_queue q using done
     where q.org_id = done.org_id and q.employee_id = done.employee_id
    returning q.employee_id
  `);
  return rowsOf(result).length;
}

/** Every live employee of an org, or of every org, for a full recomputation. */
export async function listProjectableEmployees(
  db: Database,
  params: { orgId?: string | undefined },
): Promise<{ orgId: string; employeeId: string }[]> {
  const result = await db.execute(sql`
    select org_id as "orgId", id as "employeeId"
      from employees
     where deleted_at is null ${params.orgId ? sql`and org_id = ${params.orgId}` : sql``}
     order by org_id, id
  `);
  return rowsOf(result);
}

/**
 * Whether any projection is queued, in any org, or punches wait to be folded into the queue
 * (`foldPunchesIntoProjectionQueue`): the job's poll; owner role.
 */
export async function hasQueuedProjections(db: Database): Promise<boolean> {
  const result = await db.execute(sql`
    select exists (select 1 from projection_queue)
        or exists (select 1 from projection_fold_watermark w
                     join attendance_events e
                       on e.ingest_xid >= pg_snapshot_xmin(w.folded_snapshot)
                      and not pg_visible_in_snapshot(e.ingest_xid, w.folded_snapshot)) as "hasWork"`);
  return rowsOf<{ hasWork: boolean }>(result)[0]?.hasWork === true;
}

/**
 * Each org's first and last punch as local dates in the org's zone, widened by a day each side
 * (sites in other zones): the span a full recomputation covers.
 */
export async function listEventSpans(
  db: Database,
  params: { orgId?: string | undefined },
): Promise<{ orgId: string; fromDate: string; toDate: string }[]> {
  const result = await db.execute(sql`
    select o.id as "orgId",
           ((min(e.occurred_at) at time zone o.time_zone)::date - 1)::text as "fromDate",
           ((max(e.occurred_at) at time zone o.time_zone)::date + 1)::text as "toDate"
      from organizations o
      join attendance_events e on e.org_id = o.id
     ${params.orgId ? sql`where o.id = ${params.orgId}` : sql``}
     group by o.id, o.time_zone
  `);
  return rowsOf(result);
}
