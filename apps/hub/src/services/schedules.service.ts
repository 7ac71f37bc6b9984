/**
 * @module Schedules: shift templates, weekly patterns per employee and dated assignments that
 * override the pattern on their date. `loadShiftAssignments` turns them into the timekeeping
 * package's `ShiftAssignment[]`, the one schedule reader the projection and the API share.
 */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createShiftAssignment,
  createShiftPattern,
  createShiftTemplate,
  deleteShiftAssignment,
  deleteShiftAssignmentsAfter,
  enqueueProjection,
  findEmployee,
  findShiftAssignment,
  findShiftPattern,
  findShiftTemplate,
  listEmployeeIdsUsingTemplate,
  listShiftAssignments,
  listShiftPatterns,
  listShiftTemplates,
  listShiftTemplatesByIds,
  updateShiftPattern,
  updateShiftTemplate,
  type OrganizationRow,
  type ShiftAssignmentRow,
  type ShiftPatternRow,
  type ShiftTemplateRow,
} from '@clockface/db-hub/queries';
import {
  expandWeeklyPattern,
  isOvernight,
  type ShiftAssignment,
  type ShiftTemplate,
  type Weekday,
  type WeeklyShiftSlot,
} from '@clockface/timekeeping';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { currentPeriodWindow, enqueueCurrentPeriod } from './policies.service';
import { canSeeEmployee, scopeEmployeeFilter, type EmployeeScope } from './visibility.service';

/** Postgres `time` reads back as `HH:MM:SS`; timekeeping speaks `HH:MM` (templates have no seconds). */
const toLocalTime = (time: string) => time.slice(0, 5);

export function toTimekeepingShift(row: ShiftTemplateRow): ShiftTemplate {
  return {
    id: row.id,
    name: row.name,
    startTime: toLocalTime(row.startTime),
    endTime: toLocalTime(row.endTime),
    breakMinutes: row.breakMinutes,
    lateGraceMinutes: row.lateGraceMinutes,
    ...(row.earlyLeaveGraceMinutes !== null ? { earlyLeaveGraceMinutes: row.earlyLeaveGraceMinutes } : {}),
  };
}

const byDateThenStart = (a: ShiftAssignment, b: ShiftAssignment) =>
  // Plain comparisons: ISO dates and HH:MM order as strings, and localeCompare costs a collator call.
  a.date !== b.date
    ? a.date < b.date
      ? -1
      : 1
    : a.shift.startTime !== b.shift.startTime
      ? a.shift.startTime < b.shift.startTime
        ? -1
        : 1
      : a.shift.id < b.shift.id
        ? -1
        : a.shift.id > b.shift.id
          ? 1
          : 0;

/**
 * Expands one employee's schedule for `from`…`to`: weekly patterns, except on dates that have dated
 * assignments, where those assignments alone decide the day (`shift` rows are the day's shifts,
 * a lone `day_off` leaves it empty). Sorted by date, then start time, then template id.
 * `expansions` caches each distinct pattern's dates across calls: in a large org most employees
 * share a handful of patterns, and expanding dates is the expensive part.
 */
export function expandSchedule(params: {
  from: string;
  to: string;
  patterns: readonly ShiftPatternRow[];
  assignments: readonly ShiftAssignmentRow[];
  templates: ReadonlyMap<string, ShiftTemplate>;
  expansions?: Map<string, ShiftAssignment[]>;
}): ShiftAssignment[] {
  const expansions = params.expansions ?? new Map<string, ShiftAssignment[]>();
  const overridden = new Set(params.assignments.map((row) => row.workDate));
  const schedule: ShiftAssignment[] = [];
  for (const pattern of params.patterns) {
    const shift = params.templates.get(pattern.shiftTemplateId);
    if (!shift) continue;
    const key = `${pattern.shiftTemplateId}|${pattern.weekdays.join(',')}|${pattern.effectiveFrom}|${pattern.effectiveTo}`;
    let dates = expansions.get(key);
    if (!dates) {
      const slots: WeeklyShiftSlot[] = pattern.weekdays.map((weekday) => ({
        weekday: weekday as Weekday,
        shift,
        effectiveFrom: pattern.effectiveFrom,
        effectiveTo: pattern.effectiveTo,
      }));
      dates = expandWeeklyPattern(slots, params.from, params.to);
      expansions.set(key, dates);
    }
    for (const { date } of dates) if (!overridden.has(date)) schedule.push({ date, shift });
  }
  for (const row of params.assignments) {
    const shift =
      row.kind === 'shift' && row.shiftTemplateId ? params.templates.get(row.shiftTemplateId) : null;
    if (shift) schedule.push({ date: row.workDate, shift });
  }
  return schedule.sort(byDateThenStart);
}

function groupByEmployee<Row extends { employeeId: string }>(rows: readonly Row[]) {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(row.employeeId);
    if (group) group.push(row);
    else groups.set(row.employeeId, [row]);
  }
  return groups;
}

/**
 * The expanded schedule of each employee for the inclusive local dates `from`…`to`, as the
 * timekeeping projection takes it (`shifts`). Every requested employee has an entry (empty when
 * unscheduled). Soft-deleted templates still resolve, so recomputing the past gives the same answer.
 * Three queries whatever the number of employees; run it inside the org scope.
 *
 * @example
 * const shifts = await loadShiftAssignments(tx, { orgId, employeeIds: [id], from: '2026-03-01', to: '2026-03-31' });
 * projectEmployeeDays({ …, shifts: shifts.get(id) ?? [] });
 */
export async function loadShiftAssignments(
  tx: Database,
  params: { orgId: string; employeeIds: readonly string[]; from: string; to: string },
): Promise<Map<string, ShiftAssignment[]>> {
  const { orgId, employeeIds, from, to } = params;
  const result = new Map<string, ShiftAssignment[]>(employeeIds.map((id) => [id, []]));
  if (employeeIds.length === 0 || to < from) return result;
  // One after the other: a transaction has one connection, so parallel queries would only queue.
  const patterns = await listShiftPatterns(tx, { orgId, employeeIds, overlapping: { from, to } });
  const assignments = await listShiftAssignments(tx, { orgId, employeeIds, from, to });
  const templateIds = new Set<string>();
  for (const row of patterns) templateIds.add(row.shiftTemplateId);
  for (const row of assignments) if (row.shiftTemplateId) templateIds.add(row.shiftTemplateId);
  const templates = new Map(
    (await listShiftTemplatesByIds(tx, { orgId, shiftTemplateIds: [...templateIds] })).map((row) => [
      row.id,
      toTimekeepingShift(row),
    ]),
  );
  const patternsOf = groupByEmployee(patterns);
  const assignmentsOf = groupByEmployee(assignments);
  const expansions = new Map<string, ShiftAssignment[]>();
  for (const employeeId of employeeIds) {
    result.set(
      employeeId,
      expandSchedule({
        from,
        to,
        templates,
        expansions,
        patterns: patternsOf.get(employeeId) ?? [],
        assignments: assignmentsOf.get(employeeId) ?? [],
      }),
    );
  }
  return result;
}

/** `date` plus `days` calendar days (plain dates have no zone, so UTC arithmetic is exact). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Longest range one schedule read may ask for: a quarter plus a day, enough for any pay period. */
export const MAX_SCHEDULE_RANGE_DAYS = 93;

export function assertDateRange(from: string, to: string, maxDays = MAX_SCHEDULE_RANGE_DAYS) {
  if (to < from) {
    throw new AppError('VALIDATION_FAILED', {
      message: `The range ends (${to}) before it starts (${from})`,
      issues: [{ path: 'to', message: 'Before from' }],
    });
  }
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > maxDays) {
    throw new AppError('VALIDATION_FAILED', {
      message: `The range spans ${days} days; at most ${maxDays} at a time`,
      issues: [{ path: 'to', message: `At most ${maxDays} days after from` }],
    });
  }
}

// ---------------------------------------------------------------------------------------------
// API: templates, patterns, dated assignments, the expanded schedule
// ---------------------------------------------------------------------------------------------

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export function toShiftTemplate(row: ShiftTemplateRow) {
  const start = minutesOf(row.startTime);
  const end = minutesOf(row.endTime);
  const overnight = isOvernight(toLocalTime(row.startTime), toLocalTime(row.endTime));
  return {
    id: row.id,
    name: row.name,
    startTime: toLocalTime(row.startTime),
    endTime: toLocalTime(row.endTime),
    isOvernight: overnight,
    durationMinutes: overnight ? end + 1440 - start : end - start,
    breakMinutes: row.breakMinutes,
    lateGraceMinutes: row.lateGraceMinutes,
    earlyLeaveGraceMinutes: row.earlyLeaveGraceMinutes,
    color: row.color,
    isDeleted: row.deletedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toShiftPattern(row: ShiftPatternRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    shiftTemplateId: row.shiftTemplateId,
    weekdays: [...row.weekdays].sort((a, b) => a - b),
    effectiveFrom: row.effectiveFrom,
    effectiveTo: row.effectiveTo,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toShiftAssignment(row: ShiftAssignmentRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    workDate: row.workDate,
    kind: row.kind,
    shiftTemplateId: row.shiftTemplateId,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const invalid = (path: string, message: string, detail = message): never => {
  throw new AppError('VALIDATION_FAILED', { message: detail, issues: [{ path, message }] });
};

export const encodeNameCursor = (row: { name: string; id: string }) =>
  Buffer.from(JSON.stringify([row.name, row.id])).toString('base64url');

/** The keyset position of a (name, id) ordered list; anything this API did not issue is a 422. */
export function decodeNameCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { name, id };
  } catch {
    // fall through to the validation error
  }
  return invalid('cursor', 'Invalid cursor', 'The cursor is not one this API returned');
}

/** One page of a (name, id) keyset list that fetched `limit + 1` rows. */
export function pageByName<Row extends { name: string; id: string }, Out>(
  rows: Row[],
  limit: number,
  serialize: (row: Row) => Out,
) {
  const items = rows.slice(0, limit);
  return {
    items: items.map(serialize),
    nextCursor: rows.length > limit ? encodeNameCursor(items.at(-1)!) : null,
  };
}

export async function listOrgShiftTemplates(
  tx: Database,
  params: { orgId: string; limit: number; cursor?: string | undefined },
) {
  const rows = await listShiftTemplates(tx, {
    orgId: params.orgId,
    limit: params.limit,
    after: decodeNameCursor(params.cursor),
  });
  return pageByName(rows, params.limit, toShiftTemplate);
}

/** Deleted templates stay readable by id: reports and past schedules name them. */
export async function getOrgShiftTemplate(tx: Database, orgId: string, shiftTemplateId: string) {
  const row = await findShiftTemplate(tx, { orgId, shiftTemplateId, includeDeleted: true });
  if (!row) throw new AppError('NOT_FOUND', { message: 'No such shift template' });
  return toShiftTemplate(row);
}

function assertTemplateShape(template: { startTime: string; endTime: string; breakMinutes: number }) {
  if (template.startTime === template.endTime) {
    // end <= start is overnight, so equal times would be a 24 h shift: almost always a typo.
    invalid('endTime', 'Same as the start time', 'A shift cannot start and end at the same time');
  }
  const start = minutesOf(template.startTime);
  const end = minutesOf(template.endTime);
  const length = end > start ? end - start : end + 1440 - start;
  if (template.breakMinutes >= length) {
    invalid(
      'breakMinutes',
      `At most ${length - 1} minutes`,
      `The break (${template.breakMinutes} min) must be shorter than the shift (${length} min)`,
    );
  }
}

export interface ShiftTemplateInput {
  name?: string | undefined;
  startTime?: string | undefined;
  endTime?: string | undefined;
  breakMinutes?: number | undefined;
  lateGraceMinutes?: number | undefined;
  earlyLeaveGraceMinutes?: number | null | undefined;
  color?: string | null | undefined;
}

const definedOnly = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };

export async function createOrgShiftTemplate(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: ShiftTemplateInput & { name: string; startTime: string; endTime: string },
) {
  assertTemplateShape({ ...input, breakMinutes: input.breakMinutes ?? 0 });
  const row = await createShiftTemplate(tx, {
    ...definedOnly(input),
    orgId,
    name: input.name,
    startTime: input.startTime,
    endTime: input.endTime,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_template.created',
    entityType: 'shift_template',
    entityId: row.id,
    after: toShiftTemplate(row),
  });
  return toShiftTemplate(row);
}

/**
 * Changing a template changes every schedule that uses it, past days included: those of the
 * current period are recomputed (earlier periods keep what they were paid by).
 */
export async function updateOrgShiftTemplate(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { organization: OrganizationRow; shiftTemplateId: string; input: ShiftTemplateInput },
) {
  const orgId = params.organization.id;
  const before = await findShiftTemplate(tx, { orgId, shiftTemplateId: params.shiftTemplateId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such shift template' });
  const merged = { ...toShiftTemplate(before), ...definedOnly(params.input) };
  assertTemplateShape(merged);
  const after = (await updateShiftTemplate(tx, {
    orgId,
    shiftTemplateId: params.shiftTemplateId,
    changes: definedOnly(params.input),
  }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_template.updated',
    entityType: 'shift_template',
    entityId: after.id,
    before: toShiftTemplate(before),
    after: toShiftTemplate(after),
  });
  await enqueueCurrentPeriod(deps, tx, {
    organization: params.organization,
    employeeIds: await listEmployeeIdsUsingTemplate(tx, { orgId, shiftTemplateId: after.id }),
  });
  return toShiftTemplate(after);
}

/** Soft delete: gone from pickers, still resolvable by id; existing schedules keep using it. */
export async function deleteOrgShiftTemplate(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  shiftTemplateId: string,
) {
  const before = await findShiftTemplate(tx, { orgId, shiftTemplateId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such shift template' });
  await updateShiftTemplate(tx, { orgId, shiftTemplateId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_template.deleted',
    entityType: 'shift_template',
    entityId: shiftTemplateId,
    before: toShiftTemplate(before),
  });
}

async function assertLiveTemplate(tx: Database, orgId: string, shiftTemplateId: string) {
  if (!(await findShiftTemplate(tx, { orgId, shiftTemplateId }))) {
    invalid('shiftTemplateId', 'No such shift template', 'The shift template does not exist or was deleted');
  }
}

/**
 * The employee must exist in this org and be in the caller's scope (a manager: their people), and
 * the schedule (`to` null = open-ended) must not run past their termination date.
 */
async function assertSchedulableEmployee(
  tx: Database,
  scope: EmployeeScope,
  orgId: string,
  employeeId: string,
  dates: { path: string; to: string | null },
) {
  const employee = canSeeEmployee(scope, employeeId)
    ? await findEmployee(tx, { orgId, employeeId })
    : undefined;
  if (!employee) {
    invalid('employeeId', 'No such employee', 'The employee does not exist or is not one you schedule');
  }
  assertBeforeTermination(employee!, dates);
}

function assertBeforeTermination(
  employee: { name: string; terminationDate: string | null },
  dates: { path: string; to: string | null },
) {
  const last = employee.terminationDate;
  if (last && (dates.to === null || dates.to > last)) {
    invalid(
      dates.path,
      `After the termination date ${last}`,
      `${employee.name} leaves on ${last}; nothing can be scheduled for them after that date${dates.to === null ? ' (give an end date on or before it)' : ''}`,
    );
  }
}

/** Recomputes the part of `from…to` that lies in the current period (a change in the future recomputes nothing). */
async function enqueueScheduleChange(
  deps: HubDeps,
  tx: Database,
  params: { organization: OrganizationRow; employeeId: string; from: string; to: string | null },
) {
  const window = currentPeriodWindow(params.organization, deps.clock.now());
  const fromDate = params.from > window.from ? params.from : window.from;
  const toDate = params.to !== null && params.to < window.to ? params.to : window.to;
  if (fromDate > toDate) return;
  await enqueueProjection(tx, {
    orgId: params.organization.id,
    employeeId: params.employeeId,
    fromDate,
    toDate,
  });
}

export async function listOrgShiftPatterns(
  tx: Database,
  scope: EmployeeScope,
  params: { orgId: string; employeeId?: string | undefined; shiftTemplateId?: string | undefined },
) {
  const visible = scopeEmployeeFilter(scope);
  const employeeIds = params.employeeId
    ? visible === null || visible.includes(params.employeeId)
      ? [params.employeeId]
      : []
    : (visible ?? undefined);
  const rows = await listShiftPatterns(tx, {
    orgId: params.orgId,
    employeeIds,
    shiftTemplateId: params.shiftTemplateId,
  });
  return { items: rows.map(toShiftPattern) };
}

async function getPatternInScope(tx: Database, scope: EmployeeScope, orgId: string, shiftPatternId: string) {
  const row = await findShiftPattern(tx, { orgId, shiftPatternId });
  if (!row || !canSeeEmployee(scope, row.employeeId)) {
    throw new AppError('NOT_FOUND', { message: 'No such shift pattern' });
  }
  return row;
}

export async function getOrgShiftPattern(tx: Database, scope: EmployeeScope, orgId: string, id: string) {
  return toShiftPattern(await getPatternInScope(tx, scope, orgId, id));
}

function assertEffectiveRange(from: string, to: string | null | undefined) {
  if (to && to < from) {
    invalid('effectiveTo', 'Before effectiveFrom', `The pattern ends (${to}) before it starts (${from})`);
  }
}

/**
 * Two live patterns of one employee putting the same template on the same weekday over overlapping
 * dates would schedule that shift twice a day; different templates on one weekday (a split shift) are fine.
 */
async function assertNoDoubleBooking(
  tx: Database,
  orgId: string,
  candidate: {
    id?: string;
    employeeId: string;
    shiftTemplateId: string;
    weekdays: readonly number[];
    effectiveFrom: string;
    effectiveTo: string | null;
  },
) {
  const others = await listShiftPatterns(tx, { orgId, employeeIds: [candidate.employeeId] });
  const clash = others.find(
    (other) =>
      other.id !== candidate.id &&
      other.shiftTemplateId === candidate.shiftTemplateId &&
      other.weekdays.some((day) => candidate.weekdays.includes(day)) &&
      (other.effectiveTo === null || other.effectiveTo >= candidate.effectiveFrom) &&
      (candidate.effectiveTo === null || candidate.effectiveTo >= other.effectiveFrom),
  );
  if (clash) {
    throw new AppError('CONFLICT', {
      message: `Pattern ${clash.id} already schedules this shift on some of these weekdays from ${clash.effectiveFrom}; end it or change it instead`,
      issues: [{ path: 'weekdays', message: 'Already scheduled by another pattern' }],
    });
  }
}

export async function createOrgShiftPattern(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  scope: EmployeeScope,
  params: {
    organization: OrganizationRow;
    input: {
      employeeId: string;
      shiftTemplateId: string;
      weekdays: number[];
      effectiveFrom: string;
      effectiveTo?: string | null | undefined;
    };
  },
) {
  const orgId = params.organization.id;
  const { input } = params;
  assertEffectiveRange(input.effectiveFrom, input.effectiveTo);
  await assertSchedulableEmployee(tx, scope, orgId, input.employeeId, {
    path: 'effectiveTo',
    to: input.effectiveTo ?? null,
  });
  await assertLiveTemplate(tx, orgId, input.shiftTemplateId);
  await assertNoDoubleBooking(tx, orgId, { ...input, effectiveTo: input.effectiveTo ?? null });
  const row = await createShiftPattern(tx, { ...input, effectiveTo: input.effectiveTo ?? null, orgId });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_pattern.created',
    entityType: 'shift_pattern',
    entityId: row.id,
    after: toShiftPattern(row),
  });
  await enqueueScheduleChange(deps, tx, {
    organization: params.organization,
    employeeId: row.employeeId,
    from: row.effectiveFrom,
    to: row.effectiveTo,
  });
  return toShiftPattern(row);
}

export async function updateOrgShiftPattern(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  scope: EmployeeScope,
  params: {
    organization: OrganizationRow;
    shiftPatternId: string;
    input: {
      shiftTemplateId?: string | undefined;
      weekdays?: number[] | undefined;
      effectiveFrom?: string | undefined;
      effectiveTo?: string | null | undefined;
    };
  },
) {
  const orgId = params.organization.id;
  const before = await getPatternInScope(tx, scope, orgId, params.shiftPatternId);
  const changes = definedOnly(params.input);
  assertEffectiveRange(
    changes.effectiveFrom ?? before.effectiveFrom,
    changes.effectiveTo === undefined ? before.effectiveTo : changes.effectiveTo,
  );
  if (changes.effectiveTo !== undefined || changes.effectiveFrom !== undefined) {
    const employee = await findEmployee(tx, { orgId, employeeId: before.employeeId, includeDeleted: true });
    if (employee)
      assertBeforeTermination(employee, {
        path: 'effectiveTo',
        to: changes.effectiveTo === undefined ? before.effectiveTo : changes.effectiveTo,
      });
  }
  if (changes.shiftTemplateId && changes.shiftTemplateId !== before.shiftTemplateId) {
    await assertLiveTemplate(tx, orgId, changes.shiftTemplateId);
  }
  await assertNoDoubleBooking(tx, orgId, {
    id: before.id,
    employeeId: before.employeeId,
    shiftTemplateId: changes.shiftTemplateId ?? before.shiftTemplateId,
    weekdays: changes.weekdays ?? before.weekdays,
    effectiveFrom: changes.effectiveFrom ?? before.effectiveFrom,
    effectiveTo: changes.effectiveTo === undefined ? before.effectiveTo : changes.effectiveTo,
  });
  const after = (await updateShiftPattern(tx, { orgId, shiftPatternId: before.id, changes }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_pattern.updated',
    entityType: 'shift_pattern',
    entityId: after.id,
    before: toShiftPattern(before),
    after: toShiftPattern(after),
  });
  // Both the old and the new validity may have scheduled days in the current period.
  await enqueueScheduleChange(deps, tx, {
    organization: params.organization,
    employeeId: after.employeeId,
    from: before.effectiveFrom < after.effectiveFrom ? before.effectiveFrom : after.effectiveFrom,
    to:
      before.effectiveTo === null || after.effectiveTo === null
        ? null
        : before.effectiveTo > after.effectiveTo
          ? before.effectiveTo
          : after.effectiveTo,
  });
  return toShiftPattern(after);
}

export async function deleteOrgShiftPattern(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  scope: EmployeeScope,
  params: { organization: OrganizationRow; shiftPatternId: string },
) {
  const orgId = params.organization.id;
  const before = await getPatternInScope(tx, scope, orgId, params.shiftPatternId);
  await updateShiftPattern(tx, {
    orgId,
    shiftPatternId: before.id,
    changes: { deletedAt: deps.clock.now() },
  });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_pattern.deleted',
    entityType: 'shift_pattern',
    entityId: before.id,
    before: toShiftPattern(before),
  });
  await enqueueScheduleChange(deps, tx, {
    organization: params.organization,
    employeeId: before.employeeId,
    from: before.effectiveFrom,
    to: before.effectiveTo,
  });
}

export async function listOrgShiftAssignments(
  tx: Database,
  scope: EmployeeScope,
  params: { orgId: string; from: string; to: string; employeeId?: string | undefined },
) {
  assertDateRange(params.from, params.to);
  const visible = scopeEmployeeFilter(scope);
  const employeeIds = params.employeeId
    ? visible === null || visible.includes(params.employeeId)
      ? [params.employeeId]
      : []
    : (visible ?? undefined);
  const rows = await listShiftAssignments(tx, {
    orgId: params.orgId,
    employeeIds,
    from: params.from,
    to: params.to,
  });
  return { items: rows.map(toShiftAssignment) };
}

export async function createOrgShiftAssignment(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  scope: EmployeeScope,
  params: {
    organization: OrganizationRow;
    input: {
      kind: 'shift' | 'day_off';
      employeeId: string;
      workDate: string;
      shiftTemplateId?: string | undefined;
      note?: string | null | undefined;
    };
  },
) {
  const orgId = params.organization.id;
  const { input } = params;
  await assertSchedulableEmployee(tx, scope, orgId, input.employeeId, {
    path: 'workDate',
    to: input.workDate,
  });
  if (input.shiftTemplateId) await assertLiveTemplate(tx, orgId, input.shiftTemplateId);
  const sameDay = await listShiftAssignments(tx, {
    orgId,
    employeeIds: [input.employeeId],
    from: input.workDate,
    to: input.workDate,
  });
  // A day is either off or has shifts: mixing both would leave its meaning to row order.
  const clash = sameDay.find(
    (row) =>
      row.kind !== input.kind || input.kind === 'day_off' || row.shiftTemplateId === input.shiftTemplateId,
  );
  if (clash) {
    throw new AppError('CONFLICT', {
      message:
        clash.kind === 'day_off'
          ? `${input.workDate} is already a day off for this employee; delete that first`
          : input.kind === 'day_off'
            ? `${input.workDate} already has dated shifts for this employee; delete them first`
            : `This shift is already assigned on ${input.workDate}`,
      issues: [{ path: 'workDate', message: 'Already scheduled' }],
    });
  }
  const row = await createShiftAssignment(tx, {
    orgId,
    employeeId: input.employeeId,
    workDate: input.workDate,
    kind: input.kind,
    shiftTemplateId: input.kind === 'shift' ? input.shiftTemplateId! : null,
    note: input.note ?? null,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_assignment.created',
    entityType: 'shift_assignment',
    entityId: row.id,
    after: toShiftAssignment(row),
  });
  await enqueueScheduleChange(deps, tx, {
    organization: params.organization,
    employeeId: row.employeeId,
    from: row.workDate,
    to: row.workDate,
  });
  return toShiftAssignment(row);
}

export async function deleteOrgShiftAssignment(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  scope: EmployeeScope,
  params: { organization: OrganizationRow; shiftAssignmentId: string },
) {
  const orgId = params.organization.id;
  const before = await findShiftAssignment(tx, { orgId, shiftAssignmentId: params.shiftAssignmentId });
  if (!before || !canSeeEmployee(scope, before.employeeId)) {
    throw new AppError('NOT_FOUND', { message: 'No such shift assignment' });
  }
  await deleteShiftAssignment(tx, { orgId, shiftAssignmentId: before.id, deletedAt: deps.clock.now() });
  await recordAudit(tx, actor, {
    orgId,
    action: 'shift_assignment.deleted',
    entityType: 'shift_assignment',
    entityId: before.id,
    before: toShiftAssignment(before),
  });
  await enqueueScheduleChange(deps, tx, {
    organization: params.organization,
    employeeId: before.employeeId,
    from: before.workDate,
    to: before.workDate,
  });
}

/** The expanded schedule of one employee, exactly as the projection will see it. */
export async function getEmployeeSchedule(
  tx: Database,
  scope: EmployeeScope,
  params: { orgId: string; employeeId: string; from: string; to: string },
) {
  assertDateRange(params.from, params.to);
  if (
    !canSeeEmployee(scope, params.employeeId) ||
    !(await findEmployee(tx, { orgId: params.orgId, employeeId: params.employeeId, includeDeleted: true }))
  ) {
    throw new AppError('NOT_FOUND', { message: 'No such employee' });
  }
  const loaded = await loadShiftAssignments(tx, { ...params, employeeIds: [params.employeeId] });
  const dated = await listShiftAssignments(tx, {
    orgId: params.orgId,
    employeeIds: [params.employeeId],
    from: params.from,
    to: params.to,
  });
  return {
    employeeId: params.employeeId,
    from: params.from,
    to: params.to,
    shifts: (loaded.get(params.employeeId) ?? []).map(({ date, shift }) => ({
      date,
      shiftTemplateId: shift.id,
      name: shift.name ?? '',
      startTime: shift.startTime,
      endTime: shift.endTime,
      isOvernight: isOvernight(shift.startTime, shift.endTime),
      breakMinutes: shift.breakMinutes ?? 0,
      lateGraceMinutes: shift.lateGraceMinutes ?? 0,
      earlyLeaveGraceMinutes: shift.earlyLeaveGraceMinutes ?? shift.lateGraceMinutes ?? 0,
    })),
    daysOff: dated.filter((row) => row.kind === 'day_off').map((row) => row.workDate),
  };
}

/**
 * Ends an employee's schedule after `lastDate` (their termination date): weekly patterns still in
 * force then end on it, patterns that start later and dated assignments after it are deleted (soft,
 * like every schedule deletion). Nothing earlier changes, so past timesheets keep their shifts; a
 * later re-hire does not bring any of it back. Dates inside the current period are recomputed.
 */
export async function endEmployeeSchedule(
  deps: HubDeps,
  tx: Database,
  params: { organization: OrganizationRow; employeeId: string; lastDate: string },
) {
  const orgId = params.organization.id;
  const dayAfter = addDays(params.lastDate, 1);
  const now = deps.clock.now();
  const patterns = await listShiftPatterns(tx, {
    orgId,
    employeeIds: [params.employeeId],
    overlapping: { from: dayAfter, to: '9999-12-31' },
  });
  const endedPatterns: ShiftPatternRow[] = [];
  const deletedPatterns: ShiftPatternRow[] = [];
  for (const pattern of patterns) {
    if (pattern.effectiveFrom > params.lastDate) {
      await updateShiftPattern(tx, { orgId, shiftPatternId: pattern.id, changes: { deletedAt: now } });
      deletedPatterns.push(pattern);
    } else {
      await updateShiftPattern(tx, {
        orgId,
        shiftPatternId: pattern.id,
        changes: { effectiveTo: params.lastDate },
      });
      endedPatterns.push(pattern);
    }
  }
  const deletedAssignments = await deleteShiftAssignmentsAfter(tx, {
    orgId,
    employeeId: params.employeeId,
    after: params.lastDate,
    deletedAt: now,
  });
  if (patterns.length + deletedAssignments.length > 0) {
    await enqueueScheduleChange(deps, tx, {
      organization: params.organization,
      employeeId: params.employeeId,
      from: dayAfter,
      to: null,
    });
  }
  return {
    endedShiftPatternIds: endedPatterns.map((pattern) => pattern.id),
    deletedShiftPatternIds: deletedPatterns.map((pattern) => pattern.id),
    deletedShiftAssignmentIds: deletedAssignments.map((assignment) => assignment.id),
  };
}
