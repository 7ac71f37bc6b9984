/**
 * @module Reports: hours (by employee, department, site, project or task), overtime, attendance and
 * "who is in now", narrowed to the employees the caller may see (visibility.service.ts). Figures come
 * from the projection tables, so a report is as fresh as the last projection of the days it covers.
 */
import type {
  TAttendanceReportQuery,
  THoursReport,
  THoursReportQuery,
  TOvertimeReportQuery,
  TPermission,
} from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  findDepartment,
  findEmployee,
  findSite,
  hasProject,
  countEntryEmployees,
  findTask,
  isEntryFilter,
  listTaskSubtreeIds,
  listAttendanceTotals,
  listDayTotals,
  listDepartmentSubtreeIds,
  listEntryTotals,
  listPresentEmployees,
  type DayTotalsRow,
  type OvertimeMinutesRow,
  type ReportFilter,
} from '@clockface/db-hub/queries';
import type { OrgMembership } from '../env';
import { canSeeEmployee, resolveEmployeeScope, scopeEmployeeFilter } from './visibility.service';

/** An open entry older than this is shown as overdue in "who is in" (timekeeping's maxOpenEntryMinutes default). */
const OVERDUE_AFTER_MS = 16 * 3_600_000;

export interface ReportCaller {
  membership: OrgMembership;
  userId: string;
}

interface FilterInput {
  from: string;
  to: string;
  departmentId?: string | undefined;
  siteId?: string | undefined;
  employeeId?: string | undefined;
  projectId?: string | undefined;
  taskId?: string | undefined;
}

/**
 * The caller's scope plus the filters, checked: a department, site, project or task that is not this
 * org's, or a task of another project than `projectId`, is a validation error (another org's ids fail
 * exactly like unknown ids); an employee outside the caller's scope is 404, as everywhere time is
 * read. A task filter covers the task and its subtasks.
 */
export async function resolveReportFilter(
  tx: Database,
  caller: ReportCaller,
  input: FilterInput,
  permission: TPermission,
): Promise<ReportFilter> {
  const orgId = caller.membership.orgId;
  const scope = await resolveEmployeeScope(tx, { ...caller, permission });
  const issues: { path: string; message: string }[] = [];
  if (
    input.departmentId &&
    !(await findDepartment(tx, { orgId, departmentId: input.departmentId, includeDeleted: true }))
  )
    issues.push({ path: 'departmentId', message: 'No such department' });
  if (input.siteId && !(await findSite(tx, { orgId, siteId: input.siteId, includeDeleted: true })))
    issues.push({ path: 'siteId', message: 'No such site' });
  if (input.projectId && !(await hasProject(tx, { orgId, projectId: input.projectId })))
    issues.push({ path: 'projectId', message: 'No such project' });
  if (input.taskId) {
    const task = await findTask(tx, { orgId, taskId: input.taskId, includeDeleted: true });
    if (!task) issues.push({ path: 'taskId', message: 'No such task' });
    else if (input.projectId && task.projectId !== input.projectId)
      issues.push({ path: 'taskId', message: 'This task belongs to another project' });
  }
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'Some filters do not exist', issues });
  if (input.employeeId) {
    const employee = await findEmployee(tx, { orgId, employeeId: input.employeeId, includeDeleted: true });
    if (!employee || !canSeeEmployee(scope, input.employeeId)) {
      throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
    }
  }
  return {
    orgId,
    from: input.from,
    to: input.to,
    departmentIds: input.departmentId
      ? await listDepartmentSubtreeIds(tx, { orgId, departmentId: input.departmentId })
      : undefined,
    siteId: input.siteId,
    employeeId: input.employeeId,
    employeeIds: scopeEmployeeFilter(scope),
    projectId: input.projectId,
    taskIds: input.taskId ? await listTaskSubtreeIds(tx, { orgId, taskId: input.taskId }) : undefined,
  };
}

function addOvertime(into: Map<number, number>, tiers: readonly OvertimeMinutesRow[]) {
  for (const tier of tiers) into.set(tier.multiplier, (into.get(tier.multiplier) ?? 0) + tier.minutes);
}

const overtimeList = (byMultiplier: Map<number, number>) =>
  [...byMultiplier].sort(([a], [b]) => a - b).map(([multiplier, minutes]) => ({ multiplier, minutes }));

function sumDayTotals(rows: readonly DayTotalsRow[], employeeCount: number) {
  const overtime = new Map<number, number>();
  const sum = (pick: (row: DayTotalsRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  for (const row of rows) addOvertime(overtime, row.overtime);
  return {
    workedMinutes: sum((row) => row.workedMinutes),
    regularMinutes: sum((row) => row.regularMinutes),
    overtimeMinutes: sum((row) => row.overtimeMinutes),
    overtime: overtimeList(overtime),
    paidBreakMinutes: sum((row) => row.paidBreakMinutes),
    unpaidBreakMinutes: sum((row) => row.unpaidBreakMinutes),
    leaveMinutes: sum((row) => row.leaveMinutes),
    paidLeaveMinutes: sum((row) => row.paidLeaveMinutes),
    employeeCount,
  };
}

/** Entry-based figures: only worked time is known per entry; the day-level columns are null. */
function entryFigures(minutes: number, employeeCount: number) {
  return {
    workedMinutes: minutes,
    regularMinutes: null,
    overtimeMinutes: null,
    overtime: [],
    paidBreakMinutes: null,
    unpaidBreakMinutes: null,
    leaveMinutes: null,
    paidLeaveMinutes: null,
    employeeCount,
  };
}

export async function getHoursReport(
  tx: Database,
  caller: ReportCaller,
  query: THoursReportQuery,
): Promise<THoursReport> {
  const filter = await resolveReportFilter(tx, caller, query, 'reports.read');
  const { from, to, groupBy } = query;
  if (groupBy === 'project' || groupBy === 'task' || isEntryFilter(filter)) {
    const entryFilter = filter;
    const rows = await listEntryTotals(tx, { ...entryFilter, groupBy });
    // Distinct over all groups: someone on two projects counts once in the total.
    const employeeCount =
      rows.length <= 1 ? (rows[0]?.employeeCount ?? 0) : await countEntryEmployees(tx, entryFilter);
    return {
      from,
      to,
      groupBy,
      rows: rows.map((row) => ({
        groupId: row.groupId,
        groupName: row.groupName,
        groupCode: row.groupCode,
        projectId: row.projectId,
        ...entryFigures(row.minutes, row.employeeCount),
      })),
      totals: entryFigures(
        rows.reduce((total, row) => total + row.minutes, 0),
        employeeCount,
      ),
    };
  }
  const { rows, employeeCount } = await listDayTotals(tx, { ...filter, groupBy });
  return {
    from,
    to,
    groupBy,
    rows: rows.map((row) => ({ ...row, projectId: null })),
    totals: sumDayTotals(rows, employeeCount),
  };
}

export async function getOvertimeReport(tx: Database, caller: ReportCaller, query: TOvertimeReportQuery) {
  const filter = await resolveReportFilter(tx, caller, query, 'reports.read');
  const rows = (await listDayTotals(tx, { ...filter, groupBy: query.groupBy })).rows.filter(
    (row) => row.overtimeMinutes > 0,
  );
  const overtime = new Map<number, number>();
  for (const row of rows) addOvertime(overtime, row.overtime);
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    rows: rows.map((row) => ({
      groupId: row.groupId,
      groupName: row.groupName,
      groupCode: row.groupCode,
      workedMinutes: row.workedMinutes,
      overtimeMinutes: row.overtimeMinutes,
      overtime: row.overtime,
    })),
    totals: {
      overtimeMinutes: rows.reduce((total, row) => total + row.overtimeMinutes, 0),
      overtime: overtimeList(overtime),
    },
  };
}

export async function getAttendanceReport(tx: Database, caller: ReportCaller, query: TAttendanceReportQuery) {
  const filter = await resolveReportFilter(tx, caller, query, 'reports.read');
  return { from: query.from, to: query.to, rows: await listAttendanceTotals(tx, filter) };
}

export async function getWhoIsIn(
  tx: Database,
  caller: ReportCaller,
  query: { siteId?: string | undefined; departmentId?: string | undefined },
  now: Date,
) {
  const orgId = caller.membership.orgId;
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'reports.read' });
  const issues: { path: string; message: string }[] = [];
  if (query.siteId && !(await findSite(tx, { orgId, siteId: query.siteId, includeDeleted: true })))
    issues.push({ path: 'siteId', message: 'No such site' });
  if (
    query.departmentId &&
    !(await findDepartment(tx, { orgId, departmentId: query.departmentId, includeDeleted: true }))
  )
    issues.push({ path: 'departmentId', message: 'No such department' });
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'Some filters do not exist', issues });
  const people = await listPresentEmployees(tx, {
    orgId,
    siteId: query.siteId,
    departmentIds: query.departmentId
      ? await listDepartmentSubtreeIds(tx, { orgId, departmentId: query.departmentId })
      : undefined,
    employeeIds: scopeEmployeeFilter(scope),
  });
  const sites = new Map<string | null, { siteId: string | null; siteName: string | null; count: number }>();
  for (const person of people) {
    const site = sites.get(person.siteId) ?? { siteId: person.siteId, siteName: person.siteName, count: 0 };
    site.count += 1;
    sites.set(person.siteId, site);
  }
  return {
    asOf: now.toISOString(),
    total: people.length,
    sites: [...sites.values()],
    people: people.map((person) => ({
      ...person,
      isOverdue: now.getTime() - Date.parse(person.since) > OVERDUE_AFTER_MS,
    })),
  };
}
