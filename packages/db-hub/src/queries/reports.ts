/**
 * Report and export reads. Hours, overtime and attendance aggregate the projection tables
 * (work_days, time_entries, time_exceptions), never the raw punches; "who is in" reads
 * attendance_states; only the punch log reads the punches themselves. Sums are cast to float8 so
 * both drivers return plain numbers (exact below 2^53); dates and instants are cast to text so both
 * return the same strings.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { rowsOf } from './rows';

/** The filters every report takes; `employeeIds` is the caller's visibility scope (null: whole org). */
export interface ReportFilter {
  orgId: string;
  from: string;
  /** Inclusive. */
  to: string;
  /** Already expanded to the department and its sub-departments. */
  departmentIds?: string[] | undefined;
  siteId?: string | undefined;
  employeeId?: string | undefined;
  employeeIds: string[] | null;
  /** Only time on this project (reports and exports then read time entries, not work days). */
  projectId?: string | undefined;
  /** Only time on these tasks: a task and its subtasks, already expanded. */
  taskIds?: string[] | undefined;
}

/** Whether a filter narrows to a project or task (figures then come from time entries). */
export const isEntryFilter = (filter: ReportFilter) =>
  filter.projectId !== undefined || filter.taskIds !== undefined;

/** The project and task conditions on a time_entries alias `te` (empty without those filters). */
function entryConditions(filter: ReportFilter): SQL {
  const parts: SQL[] = [];
  if (filter.projectId) parts.push(sql`and te.project_id = ${filter.projectId}`);
  if (filter.taskIds) parts.push(sql`and te.task_id = any(${uuidArray(filter.taskIds)})`);
  return sql.join(parts, sql` `);
}

/** A uuid[] parameter; ids are validated uuids (zod or the database), so no quoting is needed. */
const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

const UTC_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
/** An instant as the API's ISO string, independent of the session zone. */
const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', ${sql.raw(UTC_ISO)})`;

/** Conditions on a work_days alias `wd` (department and site as they were on each day). */
function workDayConditions(filter: ReportFilter): SQL {
  const parts: SQL[] = [
    sql`wd.org_id = ${filter.orgId}`,
    sql`wd.work_date between ${filter.from}::date and ${filter.to}::date`,
  ];
  if (filter.departmentIds) parts.push(sql`wd.department_id = any(${uuidArray(filter.departmentIds)})`);
  if (filter.siteId) parts.push(sql`wd.site_id = ${filter.siteId}`);
  if (filter.employeeId) parts.push(sql`wd.employee_id = ${filter.employeeId}`);
  if (filter.employeeIds) parts.push(sql`wd.employee_id = any(${uuidArray(filter.employeeIds)})`);
  return sql.join(parts, sql` and `);
}

/** Name and code of a group id (`t.group_id`), looked up once per group, not per row. */
function groupLabels(orgId: string, groupBy: ReportGroup) {
  const lookup = (table: string, column: string) =>
    sql`(select g.${sql.raw(column)} from ${sql.raw(table)} g where g.org_id = ${orgId} and g.id = t.group_id)`;
  switch (groupBy) {
    case 'employee':
      return {
        name: lookup('employees', 'name'),
        code: lookup('employees', 'code'),
        project: sql`null::uuid`,
      };
    case 'department':
      return {
        name: lookup('departments', 'name'),
        code: lookup('departments', 'code'),
        project: sql`null::uuid`,
      };
    case 'site':
      return { name: lookup('sites', 'name'), code: sql`null::text`, project: sql`null::uuid` };
    case 'project':
      return { name: lookup('projects', 'name'), code: lookup('projects', 'code'), project: sql`t.group_id` };
    case 'task':
      return { name: lookup('tasks', 'name'), code: sql`null::text`, project: lookup('tasks', 'project_id') };
  }
}

export type ReportGroup = 'employee' | 'department' | 'site' | 'project' | 'task';

const DAY_GROUP_KEYS = {
  employee: sql`wd.employee_id`,
  department: sql`wd.department_id`,
  site: sql`wd.site_id`,
};

export interface OvertimeMinutesRow {
  multiplier: number;
  minutes: number;
}

export interface DayTotalsRow {
  groupId: string | null;
  groupName: string | null;
  groupCode: string | null;
  employeeCount: number;
  workedMinutes: number;
  regularMinutes: number;
  overtimeMinutes: number;
  overtime: OvertimeMinutesRow[];
  paidBreakMinutes: number;
  unpaidBreakMinutes: number;
  leaveMinutes: number;
  paidLeaveMinutes: number;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const parseJson = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/**
 * Work-day totals per employee, department or site over a date range, with overtime by multiplier,
 * and the distinct employees over all groups (someone who moved department counts once): one range
 * scan of `work_days_org_date_idx`.
 */
export async function listDayTotals(
  db: Database,
  params: ReportFilter & { groupBy: keyof typeof DAY_GROUP_KEYS },
): Promise<{ rows: DayTotalsRow[]; employeeCount: number }> {
  const label = groupLabels(params.orgId, params.groupBy);
  const result = await db.execute(sql`
    with days as materialized (
      select ${DAY_GROUP_KEYS[params.groupBy]} as group_id, wd.employee_id, wd.worked_minutes,
             wd.regular_minutes, wd.overtime_minutes, wd.overtime, wd.paid_break_minutes,
             wd.unpaid_break_minutes, wd.leave_minutes, wd.paid_leave_minutes
        from work_days wd
       where ${workDayConditions(params)}
    ),
    t as (
      select group_id,
             count(distinct employee_id)::float8 as employee_count,
             sum(worked_minutes)::float8 as worked_minutes,
             sum(regular_minutes)::float8 as regular_minutes,
             sum(overtime_minutes)::float8 as overtime_minutes,
             sum(paid_break_minutes)::float8 as paid_break_minutes,
             sum(unpaid_break_minutes)::float8 as unpaid_break_minutes,
             sum(leave_minutes)::float8 as leave_minutes,
             sum(paid_leave_minutes)::float8 as paid_leave_minutes
        from days group by group_id
    ),
    tiers as (
      select group_id,
             json_agg(json_build_object('multiplier', multiplier, 'minutes', minutes) order by multiplier) as overtime
        from (select group_id, (tier->>'multiplier')::float8 as multiplier,
                     sum((tier->>'minutes')::int)::float8 as minutes
                from days cross join lateral jsonb_array_elements(days.overtime) as tier
               where days.overtime_minutes > 0
               group by group_id, multiplier) as per_tier
       group by group_id
    )
    select t.group_id as "groupId", ${label.name} as "groupName", ${label.code} as "groupCode",
           employee_count as "employeeCount", worked_minutes as "workedMinutes",
           regular_minutes as "regularMinutes", overtime_minutes as "overtimeMinutes",
           paid_break_minutes as "paidBreakMinutes", unpaid_break_minutes as "unpaidBreakMinutes",
           leave_minutes as "leaveMinutes", paid_leave_minutes as "paidLeaveMinutes",
           coalesce(o.overtime, '[]') as overtime,
           (select count(distinct employee_id) from days)::float8 as "totalEmployeeCount"
      from t
      -- Joined on a non-null key so Postgres can hash it ("no department" is a group too).
      left join tiers o on coalesce(o.group_id, ${NIL_UUID}::uuid) = coalesce(t.group_id, ${NIL_UUID}::uuid)
     order by 2 nulls last, 1`);
  const rows = rowsOf<DayTotalsRow & { totalEmployeeCount: number }>(result);
  return {
    rows: rows.map(({ totalEmployeeCount: _total, ...row }) => ({
      ...row,
      overtime: parseJson(row.overtime),
    })),
    employeeCount: rows[0]?.totalEmployeeCount ?? 0,
  };
}

/** Distinct employees with a time entry in the range (on the project, when one is given). */
export async function countEntryEmployees(db: Database, params: ReportFilter): Promise<number> {
  const result = await db.execute(
    sql`select count(distinct te.employee_id)::float8 as count
          from time_entries te
          join work_days wd
            on wd.org_id = te.org_id and wd.employee_id = te.employee_id and wd.work_date = te.work_date
         where ${workDayConditions(params)} ${entryConditions(params)}`,
  );
  return rowsOf<{ count: number }>(result)[0]?.count ?? 0;
}

export interface EntryTotalsRow {
  groupId: string | null;
  groupName: string | null;
  groupCode: string | null;
  projectId: string | null;
  employeeCount: number;
  minutes: number;
}

const ENTRY_GROUP_KEYS: Record<ReportGroup, SQL> = {
  employee: sql`te.employee_id`,
  department: sql`wd.department_id`,
  site: sql`wd.site_id`,
  project: sql`te.project_id`,
  task: sql`te.task_id`,
};

/**
 * Time-entry minutes (gross less overlaps and recorded breaks) grouped by project, task, employee,
 * department or site; department and site are those of the entry's work day.
 */
export async function listEntryTotals(
  db: Database,
  params: ReportFilter & { groupBy: ReportGroup },
): Promise<EntryTotalsRow[]> {
  const label = groupLabels(params.orgId, params.groupBy);
  const result = await db.execute(sql`
    with t as (
      select ${ENTRY_GROUP_KEYS[params.groupBy]} as group_id,
             count(distinct te.employee_id)::float8 as employee_count,
             sum(greatest(te.gross_minutes - te.overlap_minutes - te.break_minutes, 0))::float8 as minutes
        from time_entries te
        join work_days wd
          on wd.org_id = te.org_id and wd.employee_id = te.employee_id and wd.work_date = te.work_date
       where ${workDayConditions(params)}
         and te.org_id = ${params.orgId}
         and te.work_date between ${params.from}::date and ${params.to}::date
         ${entryConditions(params)}
       group by 1
    )
    select t.group_id as "groupId", ${label.name} as "groupName", ${label.code} as "groupCode",
           ${label.project} as "projectId", t.employee_count as "employeeCount", t.minutes
      from t
     order by 2 nulls last, 1`);
  return rowsOf<EntryTotalsRow>(result);
}

export interface AttendanceTotalsRow {
  employeeId: string;
  employeeCode: string;
  employeeName: string;
  departmentId: string | null;
  daysWorked: number;
  scheduledShifts: number;
  lateCount: number;
  lateMinutes: number;
  earlyLeaveCount: number;
  earlyLeaveMinutes: number;
  absentCount: number;
  missingPunchCount: number;
}

/** Exception codes that mean a punch is missing (a manager has to add it). */
const MISSING_PUNCH_CODES = ['missing_clock_out', 'missing_clock_in', 'missing_break_end'];

/** Per employee: days worked, lateness, early leave, absences and missing punches in the range. */
export async function listAttendanceTotals(
  db: Database,
  params: ReportFilter,
): Promise<AttendanceTotalsRow[]> {
  const result = await db.execute(sql`
    with days as (
      select wd.employee_id,
             count(*) filter (where wd.gross_minutes > 0)::float8 as days_worked,
             sum(wd.scheduled_shift_count)::float8 as scheduled_shifts
        from work_days wd
       where ${workDayConditions(params)}
       group by wd.employee_id
    ),
    exceptions as (
      select x.employee_id,
             count(*) filter (where x.code = 'late_arrival')::float8 as late_count,
             coalesce(sum(x.minutes) filter (where x.code = 'late_arrival'), 0)::float8 as late_minutes,
             count(*) filter (where x.code = 'early_leave')::float8 as early_count,
             coalesce(sum(x.minutes) filter (where x.code = 'early_leave'), 0)::float8 as early_minutes,
             count(*) filter (where x.code = 'absent')::float8 as absent_count,
             count(*) filter (where x.code = any(${`{${MISSING_PUNCH_CODES.join(',')}}`}::text[]))::float8 as missing_count
        from time_exceptions x
       where x.org_id = ${params.orgId}
         and x.work_date between ${params.from}::date and ${params.to}::date
         and x.employee_id in (select employee_id from days)
       group by x.employee_id
    )
    select e.id as "employeeId", e.code as "employeeCode", e.name as "employeeName",
           e.department_id as "departmentId", days.days_worked as "daysWorked",
           days.scheduled_shifts as "scheduledShifts",
           coalesce(x.late_count, 0) as "lateCount", coalesce(x.late_minutes, 0) as "lateMinutes",
           coalesce(x.early_count, 0) as "earlyLeaveCount", coalesce(x.early_minutes, 0) as "earlyLeaveMinutes",
           coalesce(x.absent_count, 0) as "absentCount", coalesce(x.missing_count, 0) as "missingPunchCount"
      from days
      join employees e on e.org_id = ${params.orgId} and e.id = days.employee_id
      left join exceptions x on x.employee_id = days.employee_id
     order by e.name, e.id`);
  return rowsOf<AttendanceTotalsRow>(result);
}

export interface PresentEmployeeRow {
  employeeId: string;
  employeeCode: string;
  employeeName: string;
  departmentId: string | null;
  departmentName: string | null;
  siteId: string | null;
  siteName: string | null;
  state: 'in' | 'on_break';
  since: string;
}

/** Everyone whose latest state is in or on break, by site then name (`attendance_states_present_idx`). */
export async function listPresentEmployees(
  db: Database,
  params: {
    orgId: string;
    siteId?: string | undefined;
    departmentIds?: string[] | undefined;
    employeeIds: string[] | null;
  },
): Promise<PresentEmployeeRow[]> {
  const conditions: SQL[] = [sql`a.org_id = ${params.orgId}`, sql`a.state <> 'out'`];
  if (params.siteId) conditions.push(sql`a.site_id = ${params.siteId}`);
  if (params.departmentIds) conditions.push(sql`e.department_id = any(${uuidArray(params.departmentIds)})`);
  if (params.employeeIds) conditions.push(sql`a.employee_id = any(${uuidArray(params.employeeIds)})`);
  const result = await db.execute(sql`
    select a.employee_id as "employeeId", e.code as "employeeCode", e.name as "employeeName",
           e.department_id as "departmentId", d.name as "departmentName",
           a.site_id as "siteId", s.name as "siteName", a.state, ${isoText(sql`a.since`)} as since
      from attendance_states a
      join employees e on e.org_id = a.org_id and e.id = a.employee_id and e.deleted_at is null
      left join departments d on d.org_id = a.org_id and d.id = e.department_id
      left join sites s on s.org_id = a.org_id and s.id = a.site_id
     where ${sql.join(conditions, sql` and `)}
     order by s.name nulls last, e.name, e.id`);
  return rowsOf<PresentEmployeeRow>(result);
}

export interface PayrollRow {
  employeeId: string;
  employeeCode: string;
  employeeName: string;
  departmentName: string | null;
  periodStart: string;
  periodEnd: string;
  workedMinutes: number;
  regularMinutes: number;
  overtimeMinutes: number;
  overtime: OvertimeMinutesRow[];
  paidBreakMinutes: number;
  unpaidBreakMinutes: number;
  paidLeaveMinutes: number;
  unpaidLeaveMinutes: number;
}

/**
 * One row per employee per period (periods are inclusive local date ranges, in order, not
 * overlapping), for employees after `afterEmployee` in (code, id) order, at most `limit` employees:
 * the payroll export pages through an org this way so memory stays bounded.
 */
export async function listPayrollRows(
  db: Database,
  params: ReportFilter & {
    periods: { start: string; end: string }[];
    afterEmployee?: { code: string; id: string } | undefined;
    limit: number;
  },
): Promise<PayrollRow[]> {
  const starts = `{${params.periods.map((period) => period.start).join(',')}}`;
  const ends = `{${params.periods.map((period) => period.end).join(',')}}`;
  const after = params.afterEmployee;
  const result = await db.execute(sql`
    with page as (
      select e.id, e.code, e.name, e.department_id
        from employees e
       where e.org_id = ${params.orgId}
         ${after ? sql`and (e.code, e.id) > (${after.code}, ${after.id}::uuid)` : sql``}
         and exists (select 1 from work_days wd where wd.employee_id = e.id and ${workDayConditions(params)})
       order by e.code, e.id
       limit ${params.limit}
    ),
    periods as (
      select p.period_start, p.period_end
        from unnest(${starts}::date[], ${ends}::date[]) as p(period_start, period_end)
    ),
    days as materialized (
      select wd.*, periods.period_start, periods.period_end
        from work_days wd
        join periods on wd.work_date between periods.period_start and periods.period_end
       where ${workDayConditions(params)} and wd.employee_id in (select id from page)
    ),
    t as (
      select employee_id, period_start, period_end,
             sum(worked_minutes)::float8 as worked, sum(regular_minutes)::float8 as regular,
             sum(overtime_minutes)::float8 as overtime_total,
             sum(paid_break_minutes)::float8 as paid_break, sum(unpaid_break_minutes)::float8 as unpaid_break,
             sum(paid_leave_minutes)::float8 as paid_leave,
             sum(leave_minutes - paid_leave_minutes)::float8 as unpaid_leave
        from days group by employee_id, period_start, period_end
    ),
    tiers as (
      select employee_id, period_start,
             json_agg(json_build_object('multiplier', multiplier, 'minutes', minutes) order by multiplier) as overtime
        from (select employee_id, period_start, (tier->>'multiplier')::float8 as multiplier,
                     sum((tier->>'minutes')::int)::float8 as minutes
                from days cross join lateral jsonb_array_elements(days.overtime) as tier
               where days.overtime_minutes > 0
               group by employee_id, period_start, multiplier) as per_tier
       group by employee_id, period_start
    )
    select page.id as "employeeId", page.code as "employeeCode", page.name as "employeeName",
           (select d.name from departments d where d.org_id = ${params.orgId} and d.id = page.department_id)
             as "departmentName",
           t.period_start::text as "periodStart", t.period_end::text as "periodEnd",
           t.worked as "workedMinutes", t.regular as "regularMinutes", t.overtime_total as "overtimeMinutes",
           t.paid_break as "paidBreakMinutes", t.unpaid_break as "unpaidBreakMinutes",
           t.paid_leave as "paidLeaveMinutes", t.unpaid_leave as "unpaidLeaveMinutes",
           coalesce(o.overtime, '[]') as overtime
      from t
      join page on page.id = t.employee_id
      left join tiers o on o.employee_id = t.employee_id and o.period_start = t.period_start
     order by page.code, page.id, t.period_start`);
  return rowsOf<PayrollRow>(result).map((row) => ({ ...row, overtime: parseJson(row.overtime) }));
}

/**
 * The payroll rows of a project or task filter: per employee per period, the worked minutes of their
 * time entries on it (gross less overlaps and recorded breaks, as the hours report counts them). Day
 * level figures (regular, overtime, breaks, leave) are not known per project: they are null.
 */
export async function listEntryPayrollRows(
  db: Database,
  params: ReportFilter & {
    periods: { start: string; end: string }[];
    afterEmployee?: { code: string; id: string } | undefined;
    limit: number;
  },
): Promise<EntryPayrollRow[]> {
  const starts = `{${params.periods.map((period) => period.start).join(',')}}`;
  const ends = `{${params.periods.map((period) => period.end).join(',')}}`;
  const after = params.afterEmployee;
  const entries = sql`time_entries te
        join work_days wd
          on wd.org_id = te.org_id and wd.employee_id = te.employee_id and wd.work_date = te.work_date`;
  const onEntries = sql`${workDayConditions(params)} and te.org_id = ${params.orgId}
         and te.work_date between ${params.from}::date and ${params.to}::date ${entryConditions(params)}`;
  const result = await db.execute(sql`
    with page as (
      select e.id, e.code, e.name, e.department_id
        from employees e
       where e.org_id = ${params.orgId}
         ${after ? sql`and (e.code, e.id) > (${after.code}, ${after.id}::uuid)` : sql``}
         and exists (select 1 from ${entries} where ${onEntries} and te.employee_id = e.id)
       order by e.code, e.id
       limit ${params.limit}
    ),
    periods as (
      select p.period_start, p.period_end
        from unnest(${starts}::date[], ${ends}::date[]) as p(period_start, period_end)
    ),
    t as (
      select te.employee_id, periods.period_start, periods.period_end,
             sum(greatest(te.gross_minutes - te.overlap_minutes - te.break_minutes, 0))::float8 as worked
        from ${entries}
        join periods on te.work_date between periods.period_start and periods.period_end
       where ${onEntries} and te.employee_id in (select id from page)
       group by 1, 2, 3
    )
    select page.id as "employeeId", page.code as "employeeCode", page.name as "employeeName",
           (select d.name from departments d where d.org_id = ${params.orgId} and d.id = page.department_id)
             as "departmentName",
           t.period_start::text as "periodStart", t.period_end::text as "periodEnd", t.worked as "workedMinutes"
      from t join page on page.id = t.employee_id
     order by page.code, page.id, t.period_start`);
  return rowsOf<EntryPayrollRow>(result);
}

export type EntryPayrollRow = Pick<
  PayrollRow,
  | 'employeeId'
  | 'employeeCode'
  | 'employeeName'
  | 'departmentName'
  | 'periodStart'
  | 'periodEnd'
  | 'workedMinutes'
>;

/** A task and every task below it (deleted ones included: their time is still reportable). */
export async function listTaskSubtreeIds(
  db: Database,
  params: { orgId: string; taskId: string },
): Promise<string[]> {
  const result = await db.execute(sql`
    with recursive tree as (
      select id from tasks where org_id = ${params.orgId} and id = ${params.taskId}
      union
      select t.id from tasks t join tree on t.parent_id = tree.id where t.org_id = ${params.orgId}
    )
    select id from tree`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

/** The overtime multipliers that occur in a range: the payroll export's columns, known before its first row. */
export async function listOvertimeMultipliers(db: Database, params: ReportFilter): Promise<number[]> {
  const result = await db.execute(sql`
    select distinct (tier->>'multiplier')::float8 as multiplier
      from work_days wd cross join lateral jsonb_array_elements(wd.overtime) as tier
     where ${workDayConditions(params)} and wd.overtime_minutes > 0
     order by 1`);
  return rowsOf<{ multiplier: number }>(result).map((row) => row.multiplier);
}

export interface PunchLogRow {
  id: string;
  kind: 'punch' | 'adjustment';
  employeeCode: string;
  employeeName: string;
  departmentName: string | null;
  type: string;
  /** The instant (punch time, manual entry start, or for edits/deletes the time they take effect). */
  at: string;
  /** Wall-clock `YYYY-MM-DD HH:MM:SS` in the zone asked for. */
  localAt: string;
  /** Manual entries: their end, local wall-clock. */
  localEnd: string | null;
  source: string | null;
  method: string | null;
  deviceName: string | null;
  siteName: string | null;
  flags: string[];
  reason: string | null;
  targetId: string | null;
}

/**
 * Every punch and every adjustment of the range in time order, `limit` rows after the keyset
 * position (at, id); the punch log export pages through a year this way.
 * Instants are selected as `[from 00:00, to + 1 day 00:00)` in `timeZone`.
 */
export async function listPunchLog(
  db: Database,
  params: Omit<ReportFilter, 'from' | 'to'> & {
    startAt: string;
    endAt: string;
    timeZone: string;
    /** With a project or task filter: the work dates whose entries decide which punches belong to it. */
    entryDates?: { from: string; to: string } | undefined;
    after?: { at: string; id: string } | undefined;
    limit: number;
  },
): Promise<PunchLogRow[]> {
  const { orgId, after, limit } = params;
  // Whose records: applied inside each branch, before its limit, so a page is only short at the end.
  const people = (column: SQL) => {
    const parts: SQL[] = [];
    if (params.employeeId) parts.push(sql`${column} = ${params.employeeId}`);
    if (params.employeeIds) parts.push(sql`${column} = any(${uuidArray(params.employeeIds)})`);
    if (params.departmentIds) {
      parts.push(sql`${column} in (select id from employees
                                    where org_id = ${orgId} and department_id = any(${uuidArray(params.departmentIds)}))`);
    }
    return parts.length > 0 ? sql`and ${sql.join(parts, sql` and `)}` : sql``;
  };
  // The keyset as a range on the indexed instant plus the tie-break, so each page starts where the
  // last ended instead of re-reading the range from its start.
  const from = after ? after.at : params.startAt;
  const adjustedAt = sql`coalesce(ad.occurred_at, ad.start_at, ad.effective_at)`;
  const local = (column: SQL) =>
    sql`to_char(${column} at time zone ${params.timeZone}, 'YYYY-MM-DD HH24:MI:SS')`;
  // A project or task filter keeps the punches and corrections its time entries are made of (a
  // clock-out carries no project), the punches and manual entries recorded on it, and corrections
  // of those.
  const dates = params.entryDates ?? { from: '1900-01-01', to: '1900-01-01' };
  const onProject = (projectColumn: SQL, taskColumn: SQL) =>
    sql.join(
      [
        params.projectId ? sql`${projectColumn} = ${params.projectId}` : sql`true`,
        params.taskIds ? sql`${taskColumn} = any(${uuidArray(params.taskIds)})` : sql`true`,
      ],
      sql` and `,
    );
  const isFiltered = params.projectId !== undefined || params.taskIds !== undefined;
  const projectEvents = sql`(select unnest(te.id || te.event_ids)
        from time_entries te
       where te.org_id = ${orgId} and te.work_date between ${dates.from}::date and ${dates.to}::date
         and ${onProject(sql`te.project_id`, sql`te.task_id`)})`;
  const result = await db.execute(sql`
    with ${isFiltered ? sql`project_events as materialized (${projectEvents}),` : sql``} log as (
      (select ev.id, 'punch' as kind, ev.employee_id, ev.type, ev.occurred_at as at,
              null::timestamptz as end_at, ev.source, ev.method, ev.device_id, ev.site_id, ev.flags,
              ev.reason, null::uuid as target_id
         from attendance_events ev
        where ev.org_id = ${orgId}
          and ev.occurred_at >= ${from}::timestamptz and ev.occurred_at < ${params.endAt}::timestamptz
          ${after ? sql`and (ev.occurred_at, ev.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
          ${params.siteId ? sql`and ev.site_id = ${params.siteId}` : sql``}
          ${people(sql`ev.employee_id`)}
          ${
            isFiltered
              ? sql`and ((${onProject(sql`ev.project_id`, sql`ev.task_id`)})
                         or ev.id in (select * from project_events))`
              : sql``
          }
        order by ev.occurred_at, ev.id
        limit ${limit})
      union all
      (select ad.id, 'adjustment', ad.employee_id, ad.kind || coalesce(':' || ad.punch_type, ''),
              ${adjustedAt}, ad.end_at, 'admin', 'admin', null, null, ad.flags, ad.reason, ad.target_id
         from time_adjustments ad
        where ad.org_id = ${orgId}
          and ${adjustedAt} >= ${from}::timestamptz and ${adjustedAt} < ${params.endAt}::timestamptz
          ${after ? sql`and (${adjustedAt}, ad.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
          ${params.siteId ? sql`and false` : sql``}
          ${people(sql`ad.employee_id`)}
          ${
            isFiltered
              ? sql`and ((${onProject(sql`ad.project_id`, sql`ad.task_id`)}) or ad.id in (select * from project_events)
                         or ad.target_id in (select * from project_events))`
              : sql``
          }
        order by 5, 1
        limit ${limit})
    )
    select log.id, log.kind, e.code as "employeeCode", e.name as "employeeName",
           d.name as "departmentName", log.type, ${isoText(sql`log.at`)} as at,
           ${local(sql`log.at`)} as "localAt", ${local(sql`log.end_at`)} as "localEnd",
           log.source, log.method, dv.name as "deviceName", s.name as "siteName", log.flags,
           log.reason, log.target_id as "targetId"
      from log
      join employees e on e.org_id = ${orgId} and e.id = log.employee_id
      left join departments d on d.org_id = ${orgId} and d.id = e.department_id
      left join devices dv on dv.org_id = ${orgId} and dv.id = log.device_id
      left join sites s on s.org_id = ${orgId} and s.id = log.site_id
     order by log.at, log.id
     limit ${limit}`);
  return rowsOf<PunchLogRow>(result).map((row) => ({ ...row, flags: parseJson(row.flags) ?? [] }));
}

/** Whether a project id belongs to the org (deleted projects included: their history is reportable). */
export async function hasProject(
  db: Database,
  params: { orgId: string; projectId: string },
): Promise<boolean> {
  const result = await db.execute(
    sql`select 1 from projects where org_id = ${params.orgId} and id = ${params.projectId} limit 1`,
  );
  return rowsOf(result).length > 0;
}
