/**
 * @module Timesheets: one per employee per pay period (the org's `period_frequency`), created on first
 * action. open → submitted → approved → locked; reopen (submitted/approved → open, `time.approve`) and
 * unlock (locked → open, `timesheets.lock`) take a reason and are audited. A locked timesheet keeps the
 * totals it was locked with; events for it that arrive later are flagged by the projection
 * (`late_event_in_locked_period`), never applied, until an admin unlocks it.
 */
import { AppError } from '@clockface/core';
import type { TCarriedTotals, TPermission } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import {
  enqueueProjection,
  deleteOpenTimesheets,
  ensureTimesheetForUpdate,
  findEmployee,
  findSite,
  findTimesheet,
  listAuditEntries,
  listClosedTimesheets,
  lockTimesheetsForRecut,
  listEmployeeTimesheets,
  listPeriodTimesheets,
  listPeriodTimesheetsForUpdate,
  listTimesheetEntries,
  listTimesheetExceptions,
  listTimesheetWorkDays,
  sumWorkDays,
  updateTimesheet,
  type EmployeeRow,
  type OrganizationRow,
  type TimesheetChanges,
  type TimesheetRow,
  type TimesheetStatus,
  type WorkDayTotals,
} from '@clockface/db-hub/queries';
import {
  getLocalDate,
  getPeriodForDate,
  type PeriodConfig,
  type TimesheetPeriod,
  type Weekday,
} from '@clockface/timekeeping';
import type { ActorContext, HubDeps } from '../deps';
import type { OrgMembership } from '../env';
import { recordAudit } from './audit.service';
import {
  combineCarried,
  computeCarried,
  computeCarriedForEmployees,
  findLockedCarryDestinations,
  toCarriedAdjustment,
  ZERO_CARRIED,
} from './carried-corrections';
import { recomputeEmployee, recomputeEmployees } from './projection.service';
import { assertEmployeeInScope, resolveEmployeeScope, scopeEmployeeFilter } from './visibility.service';

/**
 * Biweekly orgs that never chose an anchor get one that is stable and starts on their week start:
 * the first such weekday on or after Monday 2024-01-01. Changing it later shifts every future period.
 */
const DEFAULT_BIWEEKLY_ANCHOR_MONDAY = '2024-01-01';

export function periodConfigOf(
  org: Pick<OrganizationRow, 'weekStart' | 'periodAnchorDate' | 'periodFrequency'>,
): PeriodConfig {
  const weekStart = org.weekStart as Weekday;
  const anchor =
    org.periodAnchorDate ??
    new Date(Date.parse(`${DEFAULT_BIWEEKLY_ANCHOR_MONDAY}T00:00:00Z`) + (weekStart - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
  return { frequency: org.periodFrequency, weekStart, anchorDate: anchor };
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** One stretch of dates cut by one period setting; `from`/`until` inclusive, null = unbounded. */
export interface PeriodSegment {
  from: string | null;
  until: string | null;
  config: PeriodConfig;
}

/**
 * The org's period settings over time: the earlier ones (`period_history`, written when the setting
 * changed after timesheets had been submitted) and the current one after them.
 */
export function periodSegmentsOf(
  org: Pick<OrganizationRow, 'weekStart' | 'periodAnchorDate' | 'periodFrequency' | 'periodHistory'>,
): PeriodSegment[] {
  const segments: PeriodSegment[] = [];
  let from: string | null = null;
  for (const entry of org.periodHistory ?? []) {
    segments.push({
      from,
      until: entry.until,
      config: {
        frequency: entry.frequency,
        weekStart: entry.weekStart as Weekday,
        anchorDate: entry.anchorDate,
      },
    });
    from = addDays(entry.until, 1);
  }
  segments.push({ from, until: null, config: periodConfigOf(org) });
  return segments;
}

/**
 * The timesheet period containing a date: the setting in force on that date cuts it, and a period
 * is clipped where the setting changed (so the first period after a change may be short).
 */
export function orgPeriodForDate(org: OrganizationRow, date: string): TimesheetPeriod {
  const segment = periodSegmentsOf(org).find(
    (candidate) =>
      (candidate.from === null || candidate.from <= date) &&
      (candidate.until === null || date <= candidate.until),
  )!;
  const period = getPeriodForDate(segment.config, date);
  return {
    start: segment.from !== null && period.start < segment.from ? segment.from : period.start,
    end: segment.until !== null && period.end > segment.until ? segment.until : period.end,
  };
}

export const orgNextPeriod = (org: OrganizationRow, period: TimesheetPeriod) =>
  orgPeriodForDate(org, addDays(period.end, 1));

/** Every period overlapping `from`…`to`, in order. */
export function orgListPeriods(org: OrganizationRow, from: string, to: string): TimesheetPeriod[] {
  const out: TimesheetPeriod[] = [];
  for (let period = orgPeriodForDate(org, from); period.start <= to; period = orgNextPeriod(org, period))
    out.push(period);
  return out;
}

/** The period starting on `periodStart`; any other date is refused, naming the right start. */
export function resolvePeriod(org: OrganizationRow, periodStart: string): TimesheetPeriod {
  const period = orgPeriodForDate(org, periodStart);
  if (period.start !== periodStart) {
    throw new AppError('VALIDATION_FAILED', {
      message: `${periodStart} is not the first day of a timesheet period; the period containing it starts on ${period.start}`,
      issues: [{ path: 'periodStart', message: `Use ${period.start}` }],
    });
  }
  return period;
}

/** The zone the projection uses for this employee: their home site's, else the org's. */
export async function employeeTimeZone(tx: Database, org: OrganizationRow, employee: EmployeeRow) {
  if (!employee.homeSiteId) return org.timeZone;
  const site = await findSite(tx, { orgId: org.id, siteId: employee.homeSiteId, includeDeleted: true });
  return site?.timeZone ?? org.timeZone;
}

export function localToday(deps: Pick<HubDeps, 'clock'>, zone: string) {
  return getLocalDate(deps.clock.now().toISOString(), zone);
}

const EMPTY_TOTALS: WorkDayTotals = {
  workedMinutes: 0,
  regularMinutes: 0,
  overtimeMinutes: 0,
  overtime: [],
  paidBreakMinutes: 0,
  unpaidBreakMinutes: 0,
  autoDeductedMinutes: 0,
  lateMinutes: 0,
  earlyLeaveMinutes: 0,
  leaveMinutes: 0,
  paidLeaveMinutes: 0,
  exceptionCount: 0,
};

/** `locked_totals` as stored: the totals at lock time, carried corrections included and also kept apart. */
type LockedTotals = WorkDayTotals & { carried?: TCarriedTotals };

/**
 * Locked timesheets report what they were locked with; everything else the live projection of the
 * period's days plus what corrections carried from locked periods add (`carriedTotals`).
 */
function shownTotals(
  status: TimesheetStatus,
  lockedTotals: unknown,
  projected: WorkDayTotals,
  carried: TCarriedTotals,
): { totals: WorkDayTotals; carriedTotals: TCarriedTotals } {
  if (status === 'locked' && lockedTotals) {
    const { carried: lockedCarried, ...totals } = lockedTotals as LockedTotals;
    return { totals: { ...EMPTY_TOTALS, ...totals }, carriedTotals: lockedCarried ?? ZERO_CARRIED };
  }
  return { totals: combineCarried(projected, carried), carriedTotals: carried };
}

/** What a lock stores: the period's work days plus the corrections carried into it, kept apart too. */
const toLockedTotals = (workDays: WorkDayTotals, carried: TCarriedTotals): LockedTotals => ({
  ...combineCarried(workDays, carried),
  carried,
});

const iso = (value: Date | null) => value?.toISOString() ?? null;

const encodeCursor = (row: { employeeName: string; employeeId: string }) =>
  Buffer.from(JSON.stringify([row.employeeName, row.employeeId])).toString('base64url');
function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { name, id };
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

interface Caller {
  membership: OrgMembership;
  userId: string;
}

export async function listTimesheetsForPeriod(
  tx: Database,
  caller: Caller & { now: Date },
  query: {
    periodStart: string;
    limit: number;
    cursor?: string | undefined;
    status?: TimesheetStatus | undefined;
    departmentId?: string | undefined;
  },
) {
  const org = caller.membership.organization;
  const period = resolvePeriod(org, query.periodStart);
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.read' });
  const rows = await listPeriodTimesheets(tx, {
    orgId: org.id,
    periodStart: period.start,
    periodEnd: period.end,
    employeeIds: scopeEmployeeFilter(scope),
    status: query.status,
    departmentId: query.departmentId,
    limit: query.limit,
    after: decodeCursor(query.cursor),
  });
  const items = rows.slice(0, query.limit);
  const carried = await computeCarriedForEmployees(
    tx,
    org,
    items.filter((row) => row.status !== 'locked').map((row) => row.employeeId),
    period,
    caller.now,
  );
  return {
    items: items.map((row) => ({
      id: row.timesheetId,
      employeeId: row.employeeId,
      employeeName: row.employeeName,
      employeeCode: row.employeeCode,
      periodStart: period.start,
      periodEnd: period.end,
      status: row.status,
      ...shownTotals(
        row.status,
        row.lockedTotals,
        row.totals,
        carried.get(row.employeeId)?.totals ?? ZERO_CARRIED,
      ),
      lateEventCount: row.lateEventCount,
      submittedAt: iso(row.submittedAt),
      approvedAt: iso(row.approvedAt),
      lockedAt: iso(row.lockedAt),
    })),
    nextCursor: rows.length > query.limit ? encodeCursor(items.at(-1)!) : null,
  };
}

async function getScopedEmployee(tx: Database, caller: Caller, employeeId: string, permission: TPermission) {
  const scope = await resolveEmployeeScope(tx, { ...caller, permission });
  assertEmployeeInScope(scope, employeeId);
  const employee = await findEmployee(tx, {
    orgId: caller.membership.orgId,
    employeeId,
    includeDeleted: true,
  });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  return { scope, employee };
}

function eachDate(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= Date.parse(`${to}T00:00:00Z`); day += 86_400_000)
    dates.push(new Date(day).toISOString().slice(0, 10));
  return dates;
}

function toSummary(
  employee: EmployeeRow,
  period: TimesheetPeriod,
  timesheet: TimesheetRow | undefined,
  projected: WorkDayTotals,
  carried: TCarriedTotals,
  lateEventCount: number,
) {
  const status = timesheet?.status ?? 'open';
  return {
    id: timesheet?.id ?? null,
    employeeId: employee.id,
    employeeName: employee.name,
    employeeCode: employee.code,
    periodStart: period.start,
    periodEnd: period.end,
    status,
    ...shownTotals(status, timesheet?.lockedTotals, projected, carried),
    lateEventCount,
    submittedAt: iso(timesheet?.submittedAt ?? null),
    approvedAt: iso(timesheet?.approvedAt ?? null),
    lockedAt: iso(timesheet?.lockedAt ?? null),
  };
}

export async function getEmployeeTimesheet(
  tx: Database,
  caller: Caller,
  employeeId: string,
  periodStart: string,
  now: Date = new Date(),
) {
  const org = caller.membership.organization;
  const { employee } = await getScopedEmployee(tx, caller, employeeId, 'time.read');
  const period = resolvePeriod(org, periodStart);
  const range = { orgId: org.id, employeeId, from: period.start, to: period.end };
  const [timesheet, projected, workDays, entries, exceptions, carried] = [
    await findTimesheet(tx, { orgId: org.id, employeeId, periodStart: period.start }),
    await sumWorkDays(tx, range),
    await listTimesheetWorkDays(tx, range),
    await listTimesheetEntries(tx, range),
    await listTimesheetExceptions(tx, range),
    await computeCarried(tx, org, employeeId, period, now),
  ];
  const history = timesheet
    ? (
        await listAuditEntries(tx, {
          orgId: org.id,
          entityType: 'timesheet',
          entityId: timesheet.id,
          limit: 200,
        })
      )
        .reverse()
        .map((entry) => ({
          action: entry.action,
          actorUserId: entry.actorUserId,
          at: entry.createdAt.toISOString(),
          reason: ((entry.after as { reason?: string } | null)?.reason ?? null) as string | null,
        }))
    : [];
  const dayByDate = new Map(workDays.map((day) => [day.workDate, day]));
  return {
    ...toSummary(
      employee,
      period,
      timesheet,
      projected,
      carried.totals,
      exceptions.filter((exception) => exception.code === 'late_event_in_locked_period').length,
    ),
    projectedTotals: projected,
    days: eachDate(period.start, period.end).map((date) => {
      const day = dayByDate.get(date);
      return {
        date,
        workedMinutes: day?.workedMinutes ?? 0,
        regularMinutes: day?.regularMinutes ?? 0,
        overtimeMinutes: day?.overtimeMinutes ?? 0,
        paidBreakMinutes: day?.paidBreakMinutes ?? 0,
        unpaidBreakMinutes: day?.unpaidBreakMinutes ?? 0,
        leaveMinutes: day?.leaveMinutes ?? 0,
        lateMinutes: day?.lateMinutes ?? 0,
        earlyLeaveMinutes: day?.earlyLeaveMinutes ?? 0,
        exceptionCount: day?.exceptionCount ?? 0,
        entries: entries
          .filter((entry) => entry.workDate === date)
          .map((entry) => ({
            id: entry.id,
            kind: entry.kind,
            status: entry.status,
            start: entry.startAt.toISOString(),
            end: iso(entry.endAt),
            grossMinutes: entry.grossMinutes,
            breakMinutes: entry.breakMinutes,
            projectId: entry.projectId,
            taskId: entry.taskId,
          })),
      };
    }),
    exceptions: exceptions.map((exception) => ({
      id: exception.id,
      workDate: exception.workDate,
      code: exception.code,
      severity: exception.severity,
      minutes: exception.minutes,
      message: exception.message,
      entryId: exception.entryId,
      eventIds: exception.eventIds,
    })),
    carriedAdjustments: carried.items.map(toCarriedAdjustment),
    history,
  };
}

type Transition = 'submit' | 'approve' | 'lock' | 'reopen' | 'unlock';

/** Which statuses each transition leaves from, and where it goes. Anything else is a 409. */
const TRANSITIONS: Record<
  Transition,
  { from: TimesheetStatus[]; to: TimesheetStatus; permission: TPermission }
> = {
  submit: { from: ['open'], to: 'submitted', permission: 'time.approve' },
  approve: { from: ['submitted'], to: 'approved', permission: 'time.approve' },
  lock: { from: ['approved'], to: 'locked', permission: 'timesheets.lock' },
  reopen: { from: ['submitted', 'approved'], to: 'open', permission: 'time.approve' },
  unlock: { from: ['locked'], to: 'open', permission: 'timesheets.lock' },
};

/**
 * Moves one employee's timesheet for one period. `submit` is also open to the employee themself; the
 * others need the permission in the table, for an employee in the caller's scope. Managers cannot
 * approve their own timesheet (admins and owners can: someone has to).
 */
export async function transitionTimesheet(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  caller: Caller,
  params: { employeeId: string; periodStart: string; transition: Transition; note?: string | undefined },
) {
  const org = caller.membership.organization;
  const rule = TRANSITIONS[params.transition];
  const permission = params.transition === 'submit' ? 'time.read' : rule.permission;
  const { scope, employee } = await getScopedEmployee(tx, caller, params.employeeId, permission);
  const period = resolvePeriod(org, params.periodStart);
  const isOwn = scope.ownEmployeeId === employee.id;
  if (params.transition === 'submit' && !isOwn && !caller.membership.permissions.has('time.approve')) {
    throw new AppError('FORBIDDEN', {
      message: 'Only the employee or someone who approves their time can submit this timesheet',
    });
  }
  if (params.transition === 'approve' && isOwn && scope.kind !== 'org') {
    throw new AppError('FORBIDDEN', { message: 'Managers cannot approve their own timesheet' });
  }
  if ((params.transition === 'reopen' || params.transition === 'unlock') && !params.note) {
    throw new AppError('VALIDATION_FAILED', {
      message: `A reason is required to ${params.transition} a timesheet`,
      issues: [{ path: 'reason', message: 'Required' }],
    });
  }
  const now = deps.clock.now();
  if (
    params.transition === 'lock' &&
    period.end >= localToday(deps, await employeeTimeZone(tx, org, employee))
  ) {
    throw new AppError('CONFLICT', {
      message: `The period ${period.start}…${period.end} has not ended yet; lock it after ${period.end}`,
    });
  }
  const before = await ensureTimesheetForUpdate(tx, {
    orgId: org.id,
    employeeId: employee.id,
    periodStart: period.start,
    periodEnd: period.end,
  });
  if (!rule.from.includes(before.status)) {
    throw new AppError('CONFLICT', {
      message: `Cannot ${params.transition} a timesheet that is ${before.status} (allowed from: ${rule.from.join(', ')})`,
    });
  }
  if (params.transition === 'unlock') {
    // Corrections carried out of this period while it was locked are counted in the (locked) periods
    // they were carried to; applied here again they would be paid twice. Unlock those first (latest
    // first), then this one: the corrections then apply here and leave the destination.
    const destinations = await findLockedCarryDestinations(tx, org, employee.id, before);
    if (destinations.length > 0) {
      const names = destinations.map((sheet) => `${sheet.periodStart}…${sheet.periodEnd}`).join(', ');
      throw new AppError('CONFLICT', {
        message: `Cannot unlock ${period.start}…${period.end}: corrections carried out of it are counted in the locked period ${names}; unlock that period first`,
      });
    }
  }
  const changes: TimesheetChanges = { status: rule.to };
  if (params.transition === 'submit')
    Object.assign(changes, { submittedAt: now, submittedByUserId: actor.actorUserId });
  if (params.transition === 'approve')
    Object.assign(changes, { approvedAt: now, approvedByUserId: actor.actorUserId });
  if (params.transition === 'lock') {
    // Project the period now, in this transaction: punches or corrections still queued for the job
    // would otherwise be missing from the totals this lock freezes.
    const projected = await recomputeEmployee(tx, {
      orgId: org.id,
      employeeId: employee.id,
      fromDate: period.start,
      toDate: period.end,
      asOf: now,
    });
    if (projected.failed.length > 0) {
      throw new AppError('CONFLICT', {
        message: `The period cannot be projected, so it cannot be locked: ${projected.failed[0]!.message}`,
      });
    }
    const totals = await sumWorkDays(tx, {
      orgId: org.id,
      employeeId: employee.id,
      from: period.start,
      to: period.end,
    });
    const carried = await computeCarried(tx, org, employee.id, period, now);
    Object.assign(changes, {
      lockedAt: now,
      lockedByUserId: actor.actorUserId,
      lockedTotals: toLockedTotals(totals, carried.totals),
    });
  }
  if (params.transition === 'reopen' || params.transition === 'unlock') {
    Object.assign(changes, {
      submittedAt: null,
      submittedByUserId: null,
      approvedAt: null,
      approvedByUserId: null,
      lockedAt: null,
      lockedByUserId: null,
      lockedTotals: null,
    });
  }
  if (params.note !== undefined) changes.note = params.note;
  const after = await updateTimesheet(tx, { orgId: org.id, timesheetId: before.id, changes });
  if (params.transition === 'unlock') {
    // Late events held back while it was locked now apply: recompute the whole period.
    await enqueueProjection(tx, {
      orgId: org.id,
      employeeId: employee.id,
      fromDate: period.start,
      toDate: period.end,
    });
  }
  await recordAudit(tx, actor, {
    orgId: org.id,
    action: `timesheet.${params.transition === 'submit' ? 'submitted' : params.transition === 'approve' ? 'approved' : `${params.transition}ed`}`,
    entityType: 'timesheet',
    entityId: after.id,
    before: { status: before.status, lockedTotals: before.lockedTotals },
    after: {
      status: after.status,
      employeeId: employee.id,
      periodStart: period.start,
      ...(params.note !== undefined ? { reason: params.note } : {}),
      ...(after.lockedTotals ? { lockedTotals: after.lockedTotals } : {}),
    },
  });
  return getEmployeeTimesheet(tx, caller, employee.id, period.start, now);
}

/** Timesheets of an employee overlapping `from`…`to`, by status, for the correction rules. */
export async function findTimesheetsCovering(
  tx: Database,
  params: { orgId: string; employeeId: string; dates: string[] },
) {
  const sorted = [...params.dates].sort();
  const sheets = await listEmployeeTimesheets(tx, {
    orgId: params.orgId,
    employeeId: params.employeeId,
    fromDate: sorted[0]!,
    toDate: sorted.at(-1)!,
  });
  return sheets.filter((sheet) =>
    sorted.some((date) => sheet.periodStart <= date && date <= sheet.periodEnd),
  );
}

/**
 * The first period after `locked` whose timesheet is not approved or locked: where a correction for a
 * locked period is carried. Looks a few years ahead at most.
 */
export async function findNextOpenPeriod(
  tx: Database,
  org: OrganizationRow,
  employeeId: string,
  locked: TimesheetPeriod,
): Promise<TimesheetPeriod> {
  const later = await listEmployeeTimesheets(tx, { orgId: org.id, employeeId, fromDate: locked.end });
  const closed = new Set(
    later
      .filter((sheet) => sheet.status === 'locked' || sheet.status === 'approved')
      .map((s) => s.periodStart),
  );
  let period = orgNextPeriod(org, orgPeriodForDate(org, locked.end));
  for (let step = 0; step < 400 && closed.has(period.start); step += 1) period = orgNextPeriod(org, period);
  return period;
}

/**
 * Locks every approved timesheet of a period in the caller's scope at once (the payroll run), in one
 * transaction: the period is projected first for all of them, each gets its own `locked_totals` and
 * audit entry. Timesheets not yet approved are left as they are and counted in the answer.
 */
export async function lockPeriod(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  caller: Caller,
  periodStart: string,
) {
  const org = caller.membership.organization;
  const period = resolvePeriod(org, periodStart);
  if (period.end >= localToday(deps, org.timeZone)) {
    throw new AppError('CONFLICT', {
      message: `The period ${period.start}…${period.end} has not ended yet; lock it after ${period.end}`,
    });
  }
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'timesheets.lock' });
  const employeeIds = scopeEmployeeFilter(scope);
  const approved = await listPeriodTimesheetsForUpdate(tx, {
    orgId: org.id,
    periodStart: period.start,
    statuses: ['approved'],
    employeeIds,
  });
  const now = deps.clock.now();
  if (approved.length > 0) {
    const projected = await recomputeEmployees(tx, {
      orgId: org.id,
      ranges: approved.map((sheet) => ({
        employeeId: sheet.employeeId,
        fromDate: period.start,
        toDate: period.end,
      })),
      asOf: now,
    });
    if (projected.failed.length > 0) {
      throw new AppError('CONFLICT', {
        message: `Employee ${projected.failed[0]!.employeeId} cannot be projected, so the period cannot be locked: ${projected.failed[0]!.message}`,
      });
    }
  }
  const carried = await computeCarriedForEmployees(
    tx,
    org,
    approved.map((sheet) => sheet.employeeId),
    period,
    now,
  );
  for (const sheet of approved) {
    const lockedTotals = toLockedTotals(
      await sumWorkDays(tx, {
        orgId: org.id,
        employeeId: sheet.employeeId,
        from: period.start,
        to: period.end,
      }),
      carried.get(sheet.employeeId)?.totals ?? ZERO_CARRIED,
    );
    const after = await updateTimesheet(tx, {
      orgId: org.id,
      timesheetId: sheet.id,
      changes: { status: 'locked', lockedAt: now, lockedByUserId: actor.actorUserId, lockedTotals },
    });
    await recordAudit(tx, actor, {
      orgId: org.id,
      action: 'timesheet.locked',
      entityType: 'timesheet',
      entityId: after.id,
      before: { status: sheet.status },
      after: { status: after.status, employeeId: sheet.employeeId, periodStart: period.start, lockedTotals },
    });
  }
  const everyone = await listPeriodTimesheets(tx, {
    orgId: org.id,
    periodStart: period.start,
    periodEnd: period.end,
    employeeIds,
    limit: 100_000,
  });
  const waiting = everyone.flatMap((row) =>
    row.status === 'open' || row.status === 'submitted'
      ? [{ employeeId: row.employeeId, employeeName: row.employeeName, status: row.status }]
      : [],
  );
  return {
    periodStart: period.start,
    periodEnd: period.end,
    lockedEmployeeIds: approved.map((sheet) => sheet.employeeId),
    notApproved: waiting,
  };
}

type PeriodHistoryEntry = OrganizationRow['periodHistory'][number];
type PeriodSettings = Pick<OrganizationRow, 'periodFrequency' | 'periodAnchorDate' | 'weekStart'>;

/** Whether two settings cut every date the same way (a biweekly anchor moved by whole cycles does not). */
function cutsAlike(a: PeriodConfig, b: PeriodConfig): boolean {
  if (a.frequency !== b.frequency) return false;
  if (a.frequency === 'weekly') return a.weekStart === b.weekStart;
  if (a.frequency === 'biweekly') {
    const days =
      (Date.parse(`${a.anchorDate}T00:00:00Z`) - Date.parse(`${b.anchorDate}T00:00:00Z`)) / 86_400_000;
    return days % 14 === 0;
  }
  return true;
}

/**
 * A change of the org's period setting (frequency, biweekly anchor, or the week start of weekly
 * periods), decided the way payroll needs it: timesheets that are submitted, approved or locked keep
 * their dates; the new setting cuts the dates from `effectiveFrom` — by default the day after the
 * last such timesheet ends (the whole timeline when there is none) — and the earlier settings are
 * kept in `period_history` for the dates before it, so no date falls in two periods or in none. The
 * first new period is clipped to start on `effectiveFrom` (a biweekly setting without an anchor
 * starts its cycle there). Open timesheet rows from then on are deleted (a period without a row is
 * open; their figures come from the work days, which stay). An `effectiveFrom` on or before the end
 * of a submitted, approved or locked timesheet is a 409 naming it. Audited as
 * `organization.periods_recut`. Returns the organization columns to write, or undefined when the
 * change does not move any period.
 */
export async function recutPeriods(
  tx: Database,
  actor: ActorContext,
  before: OrganizationRow,
  changes: Partial<PeriodSettings>,
  requestedFrom: string | undefined,
): Promise<{ periodHistory: PeriodHistoryEntry[]; periodAnchorDate?: string | null } | undefined> {
  const next: PeriodSettings = {
    periodFrequency: changes.periodFrequency ?? before.periodFrequency,
    periodAnchorDate:
      changes.periodAnchorDate !== undefined ? changes.periodAnchorDate : before.periodAnchorDate,
    weekStart: changes.weekStart ?? before.weekStart,
  };
  if (requestedFrom === undefined && cutsAlike(periodConfigOf(before), periodConfigOf(next)))
    return undefined;
  await lockTimesheetsForRecut(tx);
  const history = before.periodHistory ?? [];
  const closed = await listClosedTimesheets(tx, { orgId: before.id, from: requestedFrom ?? null });
  let from: string | null;
  if (requestedFrom !== undefined) {
    const conflict = closed[0];
    if (conflict) {
      const employee = await findEmployee(tx, {
        orgId: before.id,
        employeeId: conflict.employeeId,
        includeDeleted: true,
      });
      throw new AppError('CONFLICT', {
        message:
          `The ${conflict.status} timesheet of ${employee?.name ?? conflict.employeeId} for ` +
          `${conflict.periodStart}…${conflict.periodEnd} overlaps the new periods from ${requestedFrom}. ` +
          `Reopen it first, or let the new periods start after ${closed.at(-1)!.periodEnd}.`,
        issues: [{ path: 'periodEffectiveFrom', message: `Must be after ${closed.at(-1)!.periodEnd}` }],
      });
    }
    from = requestedFrom;
  } else {
    const lastClosedEnd = closed.at(-1)?.periodEnd;
    const lastHistoryEnd = history.at(-1)?.until;
    const after = [lastClosedEnd, lastHistoryEnd]
      .filter((date): date is string => date !== undefined)
      .sort()
      .at(-1);
    from = after === undefined ? null : addDays(after, 1);
  }
  const periodAnchorDate =
    next.periodFrequency === 'biweekly' && next.periodAnchorDate === null && from !== null ? from : undefined;
  const periodHistory: PeriodHistoryEntry[] =
    from === null
      ? []
      : periodSegmentsOf(before).flatMap((segment) =>
          segment.from === null || segment.from < from
            ? [
                {
                  until: segment.until !== null && segment.until < from ? segment.until : addDays(from, -1),
                  frequency: segment.config.frequency,
                  weekStart: segment.config.weekStart ?? 1,
                  anchorDate: segment.config.anchorDate!,
                },
              ]
            : [],
        );
  const recut = await deleteOpenTimesheets(tx, { orgId: before.id, from });
  const settingOf = (settings: PeriodSettings) => ({
    periodFrequency: settings.periodFrequency,
    periodAnchorDate: settings.periodAnchorDate,
    weekStart: settings.weekStart,
  });
  await recordAudit(tx, actor, {
    orgId: before.id,
    action: 'organization.periods_recut',
    entityType: 'organization',
    entityId: before.id,
    before: { ...settingOf(before), periodHistory: history },
    after: {
      ...settingOf(next),
      ...(periodAnchorDate !== undefined ? { periodAnchorDate } : {}),
      effectiveFrom: from,
      periodHistory,
      recutOpenTimesheets: recut.map((sheet) => ({
        id: sheet.id,
        employeeId: sheet.employeeId,
        periodStart: sheet.periodStart,
        periodEnd: sheet.periodEnd,
      })),
    },
  });
  return { periodHistory, ...(periodAnchorDate !== undefined ? { periodAnchorDate } : {}) };
}
