import { and, asc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { timeEntries, timeExceptions, timesheets, workDays } from '../schema/time';
import { rowsOf } from './rows';

export type TimesheetRow = typeof timesheets.$inferSelect;
export type TimesheetStatus = TimesheetRow['status'];
export type WorkDayRow = typeof workDays.$inferSelect;
export type TimeEntryRow = typeof timeEntries.$inferSelect;
export type TimeExceptionRow = typeof timeExceptions.$inferSelect;

export async function findTimesheet(
  db: Database,
  params: { orgId: string; employeeId: string; periodStart: string },
): Promise<TimesheetRow | undefined> {
  const [row] = await db
    .select()
    .from(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        eq(timesheets.employeeId, params.employeeId),
        eq(timesheets.periodStart, params.periodStart),
      ),
    )
    .limit(1);
  return row;
}

/**
 * The timesheet row for a period, created `open` on first use and locked `FOR UPDATE` for the rest of
 * the transaction, so two transitions of the same timesheet run one after the other.
 */
export async function ensureTimesheetForUpdate(
  db: Database,
  params: { orgId: string; employeeId: string; periodStart: string; periodEnd: string },
): Promise<TimesheetRow> {
  await db.insert(timesheets).values(params).onConflictDoNothing();
  const [row] = await db
    .select()
    .from(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        eq(timesheets.employeeId, params.employeeId),
        eq(timesheets.periodStart, params.periodStart),
      ),
    )
    .for('update')
    .limit(1);
  return row!;
}

export type TimesheetChanges = Partial<
  Pick<
    TimesheetRow,
    | 'status'
    | 'submittedAt'
    | 'submittedByUserId'
    | 'approvedAt'
    | 'approvedByUserId'
    | 'lockedAt'
    | 'lockedByUserId'
    | 'lockedTotals'
    | 'note'
  >
>;

export async function updateTimesheet(
  db: Database,
  params: { orgId: string; timesheetId: string; changes: TimesheetChanges },
): Promise<TimesheetRow> {
  const [row] = await db
    .update(timesheets)
    .set(params.changes)
    .where(and(eq(timesheets.orgId, params.orgId), eq(timesheets.id, params.timesheetId)))
    .returning();
  return row!;
}

/** An employee's timesheets whose period ends on or after `fromDate`, oldest first. */
export async function listEmployeeTimesheets(
  db: Database,
  params: { orgId: string; employeeId: string; fromDate: string; toDate?: string | undefined },
): Promise<TimesheetRow[]> {
  return db
    .select()
    .from(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        eq(timesheets.employeeId, params.employeeId),
        gte(timesheets.periodEnd, params.fromDate),
        params.toDate ? lte(timesheets.periodStart, params.toDate) : undefined,
      ),
    )
    .orderBy(asc(timesheets.periodStart));
}

/** Sums over work_days, the shape stored as `locked_totals` and shown on every timesheet. */
export interface WorkDayTotals {
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
}

const TOTAL_COLUMNS = sql`
  coalesce(sum(wd.worked_minutes), 0)::int as "workedMinutes",
  coalesce(sum(wd.regular_minutes), 0)::int as "regularMinutes",
  coalesce(sum(wd.overtime_minutes), 0)::int as "overtimeMinutes",
  coalesce(sum(wd.paid_break_minutes), 0)::int as "paidBreakMinutes",
  coalesce(sum(wd.unpaid_break_minutes), 0)::int as "unpaidBreakMinutes",
  coalesce(sum(wd.auto_deducted_minutes), 0)::int as "autoDeductedMinutes",
  coalesce(sum(wd.late_minutes), 0)::int as "lateMinutes",
  coalesce(sum(wd.early_leave_minutes), 0)::int as "earlyLeaveMinutes",
  coalesce(sum(wd.leave_minutes), 0)::int as "leaveMinutes",
  coalesce(sum(wd.paid_leave_minutes), 0)::int as "paidLeaveMinutes",
  coalesce(sum(wd.exception_count), 0)::int as "exceptionCount"`;

/** Overtime minutes per multiplier over the same work days, as a JSON array sorted by multiplier. */
const overtimeBreakdown = (employeeId: SQL, from: string, to: string, orgId: string) => sql`
  (select coalesce(jsonb_agg(jsonb_build_object('multiplier', x.multiplier, 'minutes', x.minutes) order by x.multiplier), '[]'::jsonb)
     from (select (o->>'multiplier')::float8 as multiplier, sum((o->>'minutes')::int)::int as minutes
             from work_days wo, jsonb_array_elements(wo.overtime) o
            where wo.org_id = ${orgId} and wo.employee_id = ${employeeId}
              and wo.work_date between ${from}::date and ${to}::date
            group by 1) x)`;

export async function sumWorkDays(
  db: Database,
  params: { orgId: string; employeeId: string; from: string; to: string },
): Promise<WorkDayTotals> {
  const result = await db.execute(sql`
    select ${TOTAL_COLUMNS},
           ${overtimeBreakdown(sql`${params.employeeId}::uuid`, params.from, params.to, params.orgId)} as overtime
      from work_days wd
     where wd.org_id = ${params.orgId} and wd.employee_id = ${params.employeeId}
       and wd.work_date between ${params.from}::date and ${params.to}::date`);
  const [row] = rowsOf<WorkDayTotals>(result);
  return { ...row!, overtime: parseJson(row!.overtime) };
}

function parseJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

export interface PeriodTimesheetRow {
  employeeId: string;
  employeeName: string;
  employeeCode: string;
  timesheetId: string | null;
  status: TimesheetStatus;
  submittedAt: Date | null;
  approvedAt: Date | null;
  lockedAt: Date | null;
  lockedTotals: WorkDayTotals | null;
  totals: WorkDayTotals;
  lateEventCount: number;
}

/**
 * Every employee (in `employeeIds`, or the whole org when null) employed during the period, with their
 * timesheet for it (absent = `open`, created on first action) and the projection's totals. Name order,
 * keyset `(name, id)`; one extra row tells whether another page exists.
 */
export async function listPeriodTimesheets(
  db: Database,
  params: {
    orgId: string;
    periodStart: string;
    periodEnd: string;
    employeeIds: string[] | null;
    status?: TimesheetStatus | undefined;
    departmentId?: string | undefined;
    limit: number;
    after?: { name: string; id: string } | undefined;
  },
): Promise<PeriodTimesheetRow[]> {
  if (params.employeeIds?.length === 0) return [];
  const result = await db.execute(sql`
    select e.id as "employeeId", e.name as "employeeName", e.code as "employeeCode",
           t.id as "timesheetId", coalesce(t.status, 'open') as status,
           t.submitted_at as "submittedAt", t.approved_at as "approvedAt", t.locked_at as "lockedAt",
           t.locked_totals as "lockedTotals",
           (select count(*)::int from time_exceptions x
             where x.org_id = e.org_id and x.employee_id = e.id and x.code = 'late_event_in_locked_period'
               and x.work_date between ${params.periodStart}::date and ${params.periodEnd}::date) as "lateEventCount",
           (select jsonb_build_object(
                     'workedMinutes', coalesce(sum(wd.worked_minutes), 0),
                     'regularMinutes', coalesce(sum(wd.regular_minutes), 0),
                     'overtimeMinutes', coalesce(sum(wd.overtime_minutes), 0),
                     'paidBreakMinutes', coalesce(sum(wd.paid_break_minutes), 0),
                     'unpaidBreakMinutes', coalesce(sum(wd.unpaid_break_minutes), 0),
                     'autoDeductedMinutes', coalesce(sum(wd.auto_deducted_minutes), 0),
                     'lateMinutes', coalesce(sum(wd.late_minutes), 0),
                     'earlyLeaveMinutes', coalesce(sum(wd.early_leave_minutes), 0),
                     'leaveMinutes', coalesce(sum(wd.leave_minutes), 0),
                     'paidLeaveMinutes', coalesce(sum(wd.paid_leave_minutes), 0),
                     'exceptionCount', coalesce(sum(wd.exception_count), 0),
                     'overtime', ${overtimeBreakdown(sql`e.id`, params.periodStart, params.periodEnd, params.orgId)})
              from work_days wd
             where wd.org_id = e.org_id and wd.employee_id = e.id
               and wd.work_date between ${params.periodStart}::date and ${params.periodEnd}::date) as totals
      from employees e
      left join timesheets t
        on t.org_id = e.org_id and t.employee_id = e.id and t.period_start = ${params.periodStart}::date
     where e.org_id = ${params.orgId} and e.deleted_at is null
       and (e.hire_date is null or e.hire_date <= ${params.periodEnd}::date)
       and (e.termination_date is null or e.termination_date >= ${params.periodStart}::date)
       ${
         params.employeeIds
           ? sql`and e.id in (${sql.join(
               params.employeeIds.map((id) => sql`${id}::uuid`),
               sql`, `,
             )})`
           : sql``
       }
       ${params.departmentId ? sql`and e.department_id = ${params.departmentId}` : sql``}
       ${params.status ? sql`and coalesce(t.status, 'open') = ${params.status}` : sql``}
       ${params.after ? sql`and (e.name, e.id) > (${params.after.name}, ${params.after.id}::uuid)` : sql``}
     order by e.name, e.id
     limit ${params.limit + 1}`);
  return rowsOf<PeriodTimesheetRow & { submittedAt: Date | string | null }>(result).map((row) => ({
    ...row,
    submittedAt: row.submittedAt === null ? null : new Date(row.submittedAt),
    approvedAt: row.approvedAt === null ? null : new Date(row.approvedAt),
    lockedAt: row.lockedAt === null ? null : new Date(row.lockedAt),
    lockedTotals: row.lockedTotals === null ? null : parseJson(row.lockedTotals),
    totals: parseJson(row.totals),
  }));
}

export async function listTimesheetWorkDays(
  db: Database,
  params: { orgId: string; employeeId: string; from: string; to: string },
): Promise<WorkDayRow[]> {
  return db
    .select()
    .from(workDays)
    .where(
      and(
        eq(workDays.orgId, params.orgId),
        eq(workDays.employeeId, params.employeeId),
        gte(workDays.workDate, params.from),
        lte(workDays.workDate, params.to),
      ),
    )
    .orderBy(asc(workDays.workDate));
}

export async function listTimesheetEntries(
  db: Database,
  params: { orgId: string; employeeId: string; from: string; to: string },
): Promise<TimeEntryRow[]> {
  return db
    .select()
    .from(timeEntries)
    .where(
      and(
        eq(timeEntries.orgId, params.orgId),
        eq(timeEntries.employeeId, params.employeeId),
        gte(timeEntries.workDate, params.from),
        lte(timeEntries.workDate, params.to),
      ),
    )
    .orderBy(asc(timeEntries.startAt));
}

export async function listTimesheetExceptions(
  db: Database,
  params: { orgId: string; employeeId: string; from: string; to: string; codes?: string[] },
): Promise<TimeExceptionRow[]> {
  return db
    .select()
    .from(timeExceptions)
    .where(
      and(
        eq(timeExceptions.orgId, params.orgId),
        eq(timeExceptions.employeeId, params.employeeId),
        gte(timeExceptions.workDate, params.from),
        lte(timeExceptions.workDate, params.to),
        params.codes ? inArray(timeExceptions.code, params.codes) : undefined,
      ),
    )
    .orderBy(asc(timeExceptions.workDate), asc(timeExceptions.id));
}

/** The period's timesheets in `statuses` (employees in `employeeIds`, or all when null), locked FOR UPDATE. */
export async function listPeriodTimesheetsForUpdate(
  db: Database,
  params: { orgId: string; periodStart: string; statuses: TimesheetStatus[]; employeeIds: string[] | null },
): Promise<TimesheetRow[]> {
  if (params.employeeIds?.length === 0) return [];
  return db
    .select()
    .from(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        eq(timesheets.periodStart, params.periodStart),
        inArray(timesheets.status, params.statuses),
        params.employeeIds ? inArray(timesheets.employeeId, params.employeeIds) : undefined,
      ),
    )
    .orderBy(asc(timesheets.employeeId))
    .for('update');
}

/**
 * The dates corrections were carried to (`carried_to:<date>` flags on adjustments and admin punches)
 * within `from`…`to`, per employee (in `employeeIds`, or all when null). A carried correction counts
 * in the period containing that date, so it still counts exactly once after the org's periods are
 * re-cut.
 */
export async function listCarriedTargets(
  db: Database,
  params: { orgId: string; employeeIds: string[] | null; from: string; to: string },
): Promise<{ employeeId: string; carriedTo: string }[]> {
  if (params.employeeIds?.length === 0) return [];
  const people = (column: SQL) =>
    params.employeeIds ? sql`and ${column} = any(${`{${params.employeeIds.join(',')}}`}::uuid[])` : sql``;
  const inRange = sql`f like 'carried_to:%'
    and substr(f, 12)::date between ${params.from}::date and ${params.to}::date`;
  const result = await db.execute(sql`
    select distinct employee_id as "employeeId", substr(f, 12) as "carriedTo"
      from (select ad.employee_id, unnest(ad.flags) as f
              from time_adjustments ad
             where ad.org_id = ${params.orgId} and cardinality(ad.flags) > 0 ${people(sql`ad.employee_id`)}
            union all
            select ev.employee_id, unnest(ev.flags)
              from attendance_events ev
             where ev.org_id = ${params.orgId} and ev.source = 'admin' and cardinality(ev.flags) > 0
               and ev.occurred_at < ${params.to}::date + 2
               ${people(sql`ev.employee_id`)}) flagged
     where ${inRange}
     order by 1, 2`);
  return rowsOf<{ employeeId: string; carriedTo: string }>(result);
}

/**
 * Holds off every new or changing timesheet row until the transaction ends (a change of the org's
 * period setting re-cuts them: a submit racing it would land in a period that no longer exists).
 * The period setting changes rarely, so a short table lock is the simple, certain way.
 */
export async function lockTimesheetsForRecut(db: Database): Promise<void> {
  await db.execute(sql`lock table timesheets in share row exclusive mode`);
}

/** The org's submitted, approved or locked timesheets ending on or after `from` (all when null), by end. */
export async function listClosedTimesheets(
  db: Database,
  params: { orgId: string; from: string | null },
): Promise<TimesheetRow[]> {
  return db
    .select()
    .from(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        inArray(timesheets.status, ['submitted', 'approved', 'locked']),
        params.from ? gte(timesheets.periodEnd, params.from) : undefined,
      ),
    )
    .orderBy(asc(timesheets.periodEnd), asc(timesheets.employeeId));
}

/** Deletes the org's open timesheet rows ending on or after `from` (all when null); returns them. */
export async function deleteOpenTimesheets(
  db: Database,
  params: { orgId: string; from: string | null },
): Promise<TimesheetRow[]> {
  return db
    .delete(timesheets)
    .where(
      and(
        eq(timesheets.orgId, params.orgId),
        eq(timesheets.status, 'open'),
        params.from ? gte(timesheets.periodEnd, params.from) : undefined,
      ),
    )
    .returning();
}
