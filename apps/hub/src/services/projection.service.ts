/**
 * @module Turns punches into time: loads what timekeeping's projection needs for many employees at
 * once (punches and adjustments in each projection window, shifts, rules, approved leave, locked
 * timesheets, zone and week start), projects each employee, and rewrites work_days, time_entries and
 * time_exceptions for exactly the requested dates in one transaction.
 *
 * Every change that affects time enqueues the employee (projection_queue; punches reach it through
 * the drain's fold of newly stored punches), and the projection job drains the queue with
 * `drainProjectionQueue`. Code that changes
 * time and wants the result at once (an approved correction) calls `recomputeEmployee` itself.
 */
import { AppError } from '@clockface/core';
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  claimProjections,
  completeClaimedProjections,
  foldPunchesIntoProjectionQueue,
  listEventSpans,
  listProjectableEmployees,
  loadAdjustmentsByIds,
  loadAdjustmentsInWindows,
  loadApprovedLeave,
  loadLockedPeriods,
  loadProjectionSubjects,
  loadPunchesByIds,
  loadPunchesInWindows,
  replaceProjectedTime,
  type ClaimedProjection,
  type ProjectedRange,
  type ProjectionAdjustmentRow,
  type ProjectionPunchRow,
  type ProjectionSubjectRow,
  type TimeEntryWrite,
  type TimeExceptionWrite,
  type WorkDayWrite,
} from '@clockface/db-hub/queries';
import {
  DEFAULT_RULES,
  getProjectionWindow,
  projectEmployeeDays,
  startOfWeek,
  type AttendanceEvent,
  type LeaveDay,
  type LocalDate,
  type LockedPeriod,
  type Projection,
  type ProjectionInput,
  type ShiftAssignment,
  type Weekday,
} from '@clockface/timekeeping';
import type { Logger } from 'pino';
import { loadResolvedRules } from './policies.service';
import { loadShiftAssignments } from './schedules.service';

export interface RecomputeEmployeeParams {
  orgId: string;
  employeeId: string;
  /** Inclusive local dates (the employee's zone). */
  fromDate: string;
  toDate: string;
  /** The projection's "now" (open vs missing clock-out, absences): pass `deps.clock.now()`. */
  asOf: Date | string;
}

export interface RecomputeEmployeesParams {
  orgId: string;
  /** One inclusive local date range per employee; an employee listed twice is projected over both. */
  ranges: readonly ProjectedRange[];
  asOf: Date | string;
  /**
   * Widen each range to whole overtime weeks. The drain does: a late Monday punch can move Friday's
   * weekly overtime, and the week's events are loaded anyway.
   */
  wholeWeeks?: boolean;
}

export interface RecomputeResult {
  employees: number;
  days: number;
  entries: number;
  exceptions: number;
  /** Employees whose data the projection refused (malformed input); their rows were left as they were. */
  failed: { employeeId: string; message: string }[];
}

/** The longest range one recomputation takes: a year and a bit, so a yearly report fits. */
export const MAX_RECOMPUTE_DAYS = 400;

/**
 * Recomputes one employee's local dates `fromDate..toDate` (inclusive) and rewrites their work days,
 * entries and exceptions for exactly those dates, in one transaction. Works inside an org-scoped
 * transaction (`c.var.orgScope`) or as the owner role (the job).
 *
 * @example
 * await recomputeEmployee(tx, { orgId, employeeId, fromDate: '2026-03-02', toDate: '2026-03-08', asOf: deps.clock.now() });
 */
export async function recomputeEmployee(
  db: Database,
  params: RecomputeEmployeeParams,
): Promise<RecomputeResult> {
  return recomputeEmployees(db, {
    orgId: params.orgId,
    ranges: [{ employeeId: params.employeeId, fromDate: params.fromDate, toDate: params.toDate }],
    asOf: params.asOf,
  });
}

/**
 * The batch form: every input is loaded with one query per kind for all employees, and the results
 * are written with one multi-row statement per table.
 */
export async function recomputeEmployees(
  db: Database,
  params: RecomputeEmployeesParams,
): Promise<RecomputeResult> {
  const ranges = mergeRanges(params.ranges);
  const asOf = toIso(params.asOf);
  const inputs = await loadProjectionInputs(db, {
    orgId: params.orgId,
    ranges,
    asOf,
    wholeWeeks: params.wholeWeeks ?? false,
  });
  const days: WorkDayWrite[] = [];
  const entries: TimeEntryWrite[] = [];
  const exceptions: TimeExceptionWrite[] = [];
  const written: ProjectedRange[] = [];
  const failed: RecomputeResult['failed'] = [];
  for (const { input, subject } of inputs) {
    let projection: Projection;
    try {
      projection = projectEmployeeDays(input);
    } catch (error) {
      // One employee's malformed history must not stop everyone else's projection.
      failed.push({ employeeId: input.employeeId, message: errorMessage(error) });
      continue;
    }
    written.push({ employeeId: input.employeeId, fromDate: input.range.from, toDate: input.range.to });
    collectWrites(projection, subject, { days, entries, exceptions });
  }
  await db.transaction(async (tx) => {
    await replaceProjectedTime(tx as unknown as Database, {
      orgId: params.orgId,
      ranges: written,
      days,
      entries,
      exceptions,
      computedAt: asOf,
    });
  });
  return {
    employees: written.length,
    days: days.length,
    entries: entries.length,
    exceptions: exceptions.length,
    failed,
  };
}

/**
 * Projects one employee over `fromDate..toDate` from the stored events without writing anything:
 * what the per-employee time view shows (always current, breaks included), and what a preview of a
 * correction would give. Undefined when the employee does not exist in the org.
 */
export async function projectEmployee(
  db: Database,
  params: RecomputeEmployeeParams,
): Promise<Projection | undefined> {
  const [prepared] = await loadProjectionInputs(db, {
    orgId: params.orgId,
    ranges: [{ employeeId: params.employeeId, fromDate: params.fromDate, toDate: params.toDate }],
    asOf: toIso(params.asOf),
    wholeWeeks: false,
  });
  return prepared ? projectEmployeeDays(prepared.input) : undefined;
}

/**
 * What `projectEmployee` would project, before projecting it: the caller may change the events or
 * the locked periods (the timesheets' carried-correction figures project a locked period with and
 * without them). Undefined when the employee does not exist in the org.
 */
export async function loadEmployeeProjectionInput(
  db: Database,
  params: RecomputeEmployeeParams,
): Promise<ProjectionInput | undefined> {
  const [prepared] = await loadProjectionInputs(db, {
    orgId: params.orgId,
    ranges: [{ employeeId: params.employeeId, fromDate: params.fromDate, toDate: params.toDate }],
    asOf: toIso(params.asOf),
    wholeWeeks: false,
  });
  return prepared?.input;
}

interface PreparedInput {
  input: ProjectionInput;
  subject: ProjectionSubjectRow;
}

async function loadProjectionInputs(
  db: Database,
  params: { orgId: string; ranges: readonly ProjectedRange[]; asOf: string; wholeWeeks: boolean },
): Promise<PreparedInput[]> {
  const { orgId, asOf } = params;
  for (const range of params.ranges) assertRange(range);
  if (params.ranges.length === 0) return [];
  const subjects = new Map(
    (await loadProjectionSubjects(db, { orgId, employeeIds: params.ranges.map((r) => r.employeeId) })).map(
      (subject) => [subject.employeeId, subject],
    ),
  );
  const ranges = params.ranges.flatMap((range) => {
    const subject = subjects.get(range.employeeId);
    if (!subject) return [];
    if (!params.wholeWeeks) return [range];
    const weekStart = subject.weekStart as Weekday;
    return [
      {
        employeeId: range.employeeId,
        fromDate: startOfWeek(range.fromDate, weekStart),
        toDate: addDays(startOfWeek(range.toDate, weekStart), 6),
      },
    ];
  });
  if (ranges.length === 0) return [];

  const windows = ranges.map((range) => {
    const subject = subjects.get(range.employeeId)!;
    const window = getProjectionWindow(
      { from: range.fromDate, to: range.toDate },
      subject.weekStart as Weekday,
      subject.timeZone,
    );
    return { employeeId: range.employeeId, start: window.start, end: window.end };
  });
  const employeeIds = ranges.map((range) => range.employeeId);
  // Local dates that cover every window in any zone: the week around the range plus a day each side,
  // and a day more for zones up to ±14 h away from the one the window was computed in.
  const datesFrom = addDays(minOf(ranges.map((r) => r.fromDate)), -9);
  const datesTo = addDays(maxOf(ranges.map((r) => r.toDate)), 9);

  const [punches, adjustments, leave, locked, schedules, rules] = await Promise.all([
    loadPunchesInWindows(db, { orgId, windows }),
    loadAdjustmentsInWindows(db, { orgId, windows }),
    loadApprovedLeave(db, { orgId, employeeIds, from: datesFrom, to: datesTo }),
    loadLockedPeriods(db, { orgId, employeeIds, from: datesFrom, to: datesTo }),
    loadShiftAssignments(db, { orgId, employeeIds, from: datesFrom, to: datesTo }),
    loadResolvedRules(db, { orgId, employeeIds }),
  ]);
  const { extraPunches, extraAdjustments } = await loadMissingTargets(db, orgId, punches, adjustments);

  const eventsByEmployee = groupBy([
    ...dedupeById([...punches, ...extraPunches]).map((row) => [row.employeeId, toPunchEvent(row)] as const),
    ...dedupeById([...adjustments, ...extraAdjustments]).map(
      (row) => [row.employeeId, toAdjustmentEvent(row)] as const,
    ),
  ]);
  const leaveByEmployee = groupBy(leave.map((row) => [row.employeeId, row] as const));
  const lockedByEmployee = groupBy(
    locked.map(
      (row) => [row.employeeId, { start: row.start, end: row.end, lockedAt: row.lockedAt }] as const,
    ),
  );

  return ranges.map((range) => {
    const subject = subjects.get(range.employeeId)!;
    const shifts = schedules.get(range.employeeId) ?? [];
    const input: ProjectionInput = {
      employeeId: range.employeeId,
      timeZone: subject.timeZone,
      weekStart: subject.weekStart as Weekday,
      range: { from: range.fromDate, to: range.toDate },
      asOf,
      events: eventsByEmployee.get(range.employeeId) ?? [],
      shifts,
      rules: rules.get(range.employeeId) ?? DEFAULT_RULES,
      leave: toLeaveDays(leaveByEmployee.get(range.employeeId) ?? [], shifts, datesFrom, datesTo),
      lockedPeriods: (lockedByEmployee.get(range.employeeId) ?? []) as LockedPeriod[],
    };
    return { input, subject };
  });
}

/**
 * Edits and deletes can target a punch or manual entry outside the window (a punch moved into it):
 * load those targets, and every other adjustment of them, so the projection sees the whole story.
 */
async function loadMissingTargets(
  db: Database,
  orgId: string,
  punches: readonly ProjectionPunchRow[],
  adjustments: readonly ProjectionAdjustmentRow[],
) {
  const known = new Set<string>([...punches.map((p) => p.id), ...adjustments.map((a) => a.id)]);
  const missing = [
    ...new Set(adjustments.flatMap((a) => (a.targetId && !known.has(a.targetId) ? [a.targetId] : []))),
  ];
  if (missing.length === 0) return { extraPunches: [], extraAdjustments: [] };
  const [extraPunches, extraAdjustments] = await Promise.all([
    loadPunchesByIds(db, { orgId, ids: missing }),
    loadAdjustmentsByIds(db, { orgId, ids: missing }),
  ]);
  return { extraPunches, extraAdjustments };
}

/**
 * Approved leave as one LeaveDay per working date, by the rule leave requests are charged with
 * (leave.service.ts), so the timesheet and the balance agree: for an employee with a schedule, each
 * scheduled date counts its shift length (break included; no shift, no leave), for one without,
 * Monday to Friday count the type's default day. A part day (`minutes_per_day`) counts that many
 * minutes per working date, at most the shift.
 */
function toLeaveDays(
  rows: readonly {
    leaveTypeId: string;
    startDate: string;
    endDate: string;
    minutesPerDay: number | null;
    isPaid: boolean;
    defaultDayMinutes: number;
  }[],
  shifts: readonly ShiftAssignment[],
  from: LocalDate,
  to: LocalDate,
): LeaveDay[] {
  const shiftMinutesByDate = new Map<string, number>();
  for (const { date, shift } of shifts)
    shiftMinutesByDate.set(
      date,
      (shiftMinutesByDate.get(date) ?? 0) + shiftLengthMinutes(shift.startTime, shift.endTime),
    );
  const hasSchedule = shifts.length > 0;
  const days: LeaveDay[] = [];
  for (const row of rows) {
    const first = row.startDate > from ? row.startDate : from;
    const last = row.endDate < to ? row.endDate : to;
    for (let date = first; date <= last; date = addDays(date, 1)) {
      const dayMinutes = hasSchedule
        ? (shiftMinutesByDate.get(date) ?? 0)
        : isWeekday(date)
          ? row.defaultDayMinutes
          : 0;
      const minutes =
        row.minutesPerDay === null || dayMinutes === 0
          ? dayMinutes
          : hasSchedule
            ? Math.min(row.minutesPerDay, dayMinutes)
            : row.minutesPerDay;
      if (minutes > 0) days.push({ date, minutes, isPaid: row.isPaid, leaveTypeId: row.leaveTypeId });
    }
  }
  return days;
}

/** Monday to Friday: the working days of an employee without a schedule. */
function isWeekday(date: LocalDate): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day >= 1 && day <= 5;
}

function shiftLengthMinutes(startTime: string, endTime: string): number {
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const length = toMinutes(endTime) - toMinutes(startTime);
  return length > 0 ? length : length + 24 * 60;
}

function toPunchEvent(row: ProjectionPunchRow): AttendanceEvent {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    source: row.source,
    method: row.method,
    deviceId: row.deviceId,
    projectId: row.projectId,
    taskId: row.taskId,
  };
}

/** An adjustment whose author's account was deleted keeps its effect; the projection needs some actor. */
const UNKNOWN_ACTOR = 'deleted-user';

function toAdjustmentEvent(row: ProjectionAdjustmentRow): AttendanceEvent {
  const common = {
    id: row.id,
    actorId: row.actorUserId ?? UNKNOWN_ACTOR,
    reason: row.reason,
    recordedAt: row.recordedAt,
  };
  if (row.kind === 'manual_entry') {
    return {
      ...common,
      type: 'manual_entry',
      start: row.startAt!,
      end: row.endAt!,
      ...(row.breakMinutes !== null ? { breakMinutes: row.breakMinutes } : {}),
      projectId: row.projectId,
      taskId: row.taskId,
    };
  }
  if (row.kind === 'delete') return { ...common, type: 'delete', targetId: row.targetId! };
  return {
    ...common,
    type: 'edit',
    targetId: row.targetId!,
    ...(row.occurredAt !== null ? { occurredAt: row.occurredAt } : {}),
    ...(row.punchType !== null ? { punchType: row.punchType } : {}),
    ...(row.startAt !== null ? { start: row.startAt } : {}),
    ...(row.endAt !== null ? { end: row.endAt } : {}),
    ...(row.breakMinutes !== null ? { breakMinutes: row.breakMinutes } : {}),
  };
}

function collectWrites(
  projection: Projection,
  subject: ProjectionSubjectRow,
  out: { days: WorkDayWrite[]; entries: TimeEntryWrite[]; exceptions: TimeExceptionWrite[] },
): void {
  const employeeId = projection.employeeId;
  for (const day of projection.days) {
    out.days.push({
      employeeId,
      workDate: day.date,
      departmentId: subject.departmentId,
      siteId: subject.siteId,
      grossMinutes: day.grossMinutes,
      workedMinutes: day.workedMinutes,
      regularMinutes: day.regularMinutes,
      overtimeMinutes: day.overtimeMinutes,
      overtime: day.overtime,
      paidBreakMinutes: day.paidBreakMinutes,
      unpaidBreakMinutes: day.unpaidBreakMinutes,
      autoDeductedMinutes: day.autoDeductedMinutes,
      lateMinutes: day.lateMinutes,
      earlyLeaveMinutes: day.earlyLeaveMinutes,
      leaveMinutes: day.leaveMinutes,
      paidLeaveMinutes: day.paidLeaveMinutes,
      exceptionCount: day.exceptionIds.length,
      scheduledShiftCount: day.shiftIds.length,
    });
  }
  for (const entry of projection.entries) {
    out.entries.push({
      id: entry.id,
      employeeId,
      workDate: entry.workDate,
      kind: entry.kind,
      status: entry.status,
      startAt: entry.start,
      endAt: entry.end,
      roundedStartAt: entry.roundedStart,
      roundedEndAt: entry.roundedEnd,
      grossMinutes: entry.grossMinutes,
      overlapMinutes: entry.overlapMinutes,
      breakMinutes: entry.breakMinutes,
      shiftTemplateId: entry.shiftId,
      projectId: entry.projectId,
      taskId: entry.taskId,
      eventIds: entry.eventIds,
    });
  }
  for (const exception of projection.exceptions) {
    out.exceptions.push({
      id: exception.id,
      employeeId,
      workDate: exception.workDate,
      code: exception.code,
      severity: exception.severity,
      minutes: exception.minutes,
      message: exception.message,
      entryId: exception.entryId,
      eventIds: exception.eventIds,
    });
  }
}

export interface DrainOptions {
  /** Employees per transaction: bounds the memory and the time a batch holds its locks. */
  batchSize?: number;
  /** Stop after this long (ms) so one job run cannot hold a worker for ever; the next run continues. */
  timeBudgetMs?: number;
  /** Only this org's queue (tests, the CLI). */
  orgId?: string;
}

export interface DrainResult {
  batches: number;
  employees: number;
  failed: number;
  /** Whether the queue may still hold work (budget spent). */
  hasMore: boolean;
}

/** 50 employees × a year is ~18,000 days and ~50,000 punches: a few seconds per transaction. */
const DEFAULT_DRAIN_BATCH_SIZE = 50;
const DEFAULT_DRAIN_BUDGET_MS = 50_000;

/**
 * Projects queued work until the queue is empty or the time budget is spent. Each batch first folds
 * the punches stored since the last round into the queue (`foldPunchesIntoProjectionQueue`), then is
 * one transaction: claim (advisory locks, so concurrent drains split the work), project, write, and
 * delete the queue rows that did not change meanwhile. A crash mid-batch rolls everything back and
 * leaves the rows queued.
 */
export async function drainProjectionQueue(
  db: Database,
  context: { now: () => Date; log?: Logger },
  options: DrainOptions = {},
): Promise<DrainResult> {
  const batchSize = options.batchSize ?? DEFAULT_DRAIN_BATCH_SIZE;
  const deadline = Date.now() + (options.timeBudgetMs ?? DEFAULT_DRAIN_BUDGET_MS);
  const result: DrainResult = { batches: 0, employees: 0, failed: 0, hasMore: false };
  for (;;) {
    if (Date.now() > deadline) {
      result.hasMore = true;
      return result;
    }
    // Punches stored since the last round become queue rows first (a short transaction of its own).
    await foldPunchesIntoProjectionQueue(db);
    const batch = await db.transaction(async (transaction) => {
      const tx = transaction as unknown as Database;
      const claimed = await claimProjections(tx, { limit: batchSize, orgId: options.orgId });
      let completed = 0;
      if (claimed.length === 0) return { claimed: 0, completed };
      const asOf = context.now();
      for (const [orgId, rows] of groupBy(claimed.map((row) => [row.orgId, row] as const))) {
        // The claim spans orgs (owner role); each org's work then runs confined to that org by RLS.
        // The scope lasts to the end of the transaction, and the next org's scope replaces it.
        await withOrgScope(tx, orgId, async (scoped) => {
          const outcome = await recomputeEmployees(scoped, {
            orgId,
            ranges: rows.map((row) => clampRange(row)),
            asOf,
            wholeWeeks: true,
          });
          const failedIds = new Set(outcome.failed.map((failure) => failure.employeeId));
          for (const failure of outcome.failed)
            context.log?.error({ orgId, ...failure }, 'projection refused an employee’s events; left queued');
          result.employees += rows.length - failedIds.size;
          result.failed += failedIds.size;
          completed += await completeClaimedProjections(
            scoped,
            rows.filter((row) => !failedIds.has(row.employeeId)),
          );
        });
      }
      return { claimed: claimed.length, completed };
    });
    if (batch.claimed === 0) return result;
    result.batches += 1;
    // Nothing left the queue: only employees the projection refuses, or rows that punches keep
    // changing, are at its head. Stop rather than spin on them; the next run tries again.
    if (batch.completed === 0) {
      result.hasMore = true;
      return result;
    }
  }
}

export interface RecomputeAllOptions {
  /** Only this org; every org otherwise. */
  orgId?: string | undefined;
  /** Inclusive local dates; default: each org's first to last punch. */
  fromDate?: string | undefined;
  toDate?: string | undefined;
  /** Employees per transaction. */
  batchSize?: number;
  /** Batches in flight: one projects in Node while another waits on Postgres. */
  concurrency?: number;
  onProgress?: (progress: { batchesDone: number; batches: number }) => void;
}

/**
 * Recomputes every live employee (of one org or all) over the whole span of their org's punches, or
 * the given dates: after a policy change that predates the queue, a restore, or to measure. Each
 * batch is its own org-scoped transaction; spans longer than a year are done a year at a time.
 */
export async function recomputeAll(
  db: Database,
  context: { now: () => Date },
  options: RecomputeAllOptions = {},
): Promise<RecomputeResult & { batches: number }> {
  const batchSize = options.batchSize ?? DEFAULT_DRAIN_BATCH_SIZE;
  const spans = new Map(
    (await listEventSpans(db, { orgId: options.orgId })).map((span) => [span.orgId, span]),
  );
  const employees = await listProjectableEmployees(db, { orgId: options.orgId });
  const tasks: { orgId: string; ranges: ProjectedRange[] }[] = [];
  for (const [orgId, rows] of groupBy(employees.map((row) => [row.orgId, row.employeeId] as const))) {
    const span = spans.get(orgId);
    const fromDate = options.fromDate ?? span?.fromDate;
    const toDate = options.toDate ?? span?.toDate;
    if (!fromDate || !toDate) continue;
    for (let start = fromDate; start <= toDate; start = addDays(start, YEAR_CHUNK_DAYS)) {
      const end = minOf([addDays(start, YEAR_CHUNK_DAYS - 1), toDate]);
      for (let index = 0; index < rows.length; index += batchSize) {
        tasks.push({
          orgId,
          ranges: rows
            .slice(index, index + batchSize)
            .map((employeeId) => ({ employeeId, fromDate: start, toDate: end })),
        });
      }
    }
  }
  const total: RecomputeResult & { batches: number } = {
    employees: 0,
    days: 0,
    entries: 0,
    exceptions: 0,
    failed: [],
    batches: tasks.length,
  };
  const asOf = context.now();
  let next = 0;
  let batchesDone = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      const result = await withOrgScope(db, task.orgId, (tx) =>
        recomputeEmployees(tx, { orgId: task.orgId, ranges: task.ranges, asOf }),
      );
      total.employees += result.employees;
      total.days += result.days;
      total.entries += result.entries;
      total.exceptions += result.exceptions;
      total.failed.push(...result.failed);
      batchesDone += 1;
      options.onProgress?.({ batchesDone, batches: tasks.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return total;
}

/** Full recomputations go a year at a time (within MAX_RECOMPUTE_DAYS). */
const YEAR_CHUNK_DAYS = 366;

/**
 * A queue row's range as one recomputation: ranges longer than MAX_RECOMPUTE_DAYS (a kiosk that
 * sends a decade-old punch) keep their most recent part; the rest needs `hub project`.
 */
function clampRange(row: ClaimedProjection): ProjectedRange {
  // Two weeks of slack for the widening to whole weeks.
  const earliest = addDays(row.toDate, -(MAX_RECOMPUTE_DAYS - 15));
  return {
    employeeId: row.employeeId,
    fromDate: row.fromDate < earliest ? earliest : row.fromDate,
    toDate: row.toDate,
  };
}

function assertRange(range: ProjectedRange): void {
  const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
  if (!isDate(range.fromDate) || !isDate(range.toDate) || range.toDate < range.fromDate) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Expected a date range with from on or before to',
      issues: [{ path: 'to', message: 'Must be on or after from' }],
    });
  }
  if (daysBetween(range.fromDate, range.toDate) >= MAX_RECOMPUTE_DAYS) {
    throw new AppError('VALIDATION_FAILED', {
      message: `A range covers at most ${MAX_RECOMPUTE_DAYS} days`,
      issues: [{ path: 'to', message: `At most ${MAX_RECOMPUTE_DAYS} days after from` }],
    });
  }
}

/** An employee listed twice is projected once over the union of their ranges. */
function mergeRanges(ranges: readonly ProjectedRange[]): ProjectedRange[] {
  const merged = new Map<string, ProjectedRange>();
  for (const range of ranges) {
    const seen = merged.get(range.employeeId);
    merged.set(
      range.employeeId,
      seen
        ? {
            employeeId: range.employeeId,
            fromDate: seen.fromDate < range.fromDate ? seen.fromDate : range.fromDate,
            toDate: seen.toDate > range.toDate ? seen.toDate : range.toDate,
          }
        : { ...range },
    );
  }
  return [...merged.values()];
}

function groupBy<K, V>(pairs: Iterable<readonly [K, V]>): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const [key, value] of pairs) {
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

function dedupeById<T extends { id: string }>(rows: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) seen.set(row.id, row);
  return [...seen.values()];
}

const MS_PER_DAY = 86_400_000;
function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}
function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);
}
const minOf = (dates: string[]) => dates.reduce((a, b) => (a < b ? a : b));
const maxOf = (dates: string[]) => dates.reduce((a, b) => (a > b ? a : b));
const toIso = (value: Date | string) =>
  typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
const errorMessage = (error: unknown) =>
  error instanceof AppError && error.issues
    ? `${error.message}: ${error.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`
    : error instanceof Error
      ? error.message
      : String(error);
