/**
 * @module Reading projected time: work days, entries and exceptions across the people the caller may
 * see (resolveEmployeeScope with `time.read`: the whole org, managed departments and teams, or only
 * oneself), and one person's time projected on the spot from their events.
 */
import {
  TIME_RANGE_MAX_DAYS,
  type TEmployeeTime,
  type TTimeEntry,
  type TTimeException,
  type TWorkDay,
} from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  filterExistingEmployeeIds,
  findDepartment,
  listDepartmentSubtreeIds,
  listTimeEntries,
  listTimeExceptions,
  listWorkDays,
  type TimeListFilter,
} from '@clockface/db-hub/queries';
import type { OrgMembership } from '../env';
import { projectEmployee } from './projection.service';
import { assertEmployeeInScope, resolveEmployeeScope, scopeEmployeeFilter } from './visibility.service';

export interface TimeCaller {
  membership: OrgMembership;
  userId: string;
}

interface ListQuery {
  from: string;
  to: string;
  limit: number;
  cursor?: string | undefined;
  employeeId?: string | undefined;
  departmentId?: string | undefined;
}

/** Narrows a list to the caller's scope and checks the filters name things of this org. */
async function scopedFilter(tx: Database, caller: TimeCaller, query: ListQuery): Promise<TimeListFilter> {
  const orgId = caller.membership.orgId;
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.read' });
  let employeeIds = scopeEmployeeFilter(scope);
  if (query.employeeId) {
    const [exists] = await filterExistingEmployeeIds(tx, { orgId, employeeIds: [query.employeeId] });
    if (!exists) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
    assertEmployeeInScope(scope, query.employeeId);
    employeeIds = [query.employeeId];
  }
  if (
    query.departmentId &&
    !(await findDepartment(tx, { orgId, departmentId: query.departmentId, includeDeleted: true }))
  ) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No such department',
      issues: [{ path: 'departmentId', message: 'No such department' }],
    });
  }
  return {
    orgId,
    from: query.from,
    to: query.to,
    employeeIds,
    departmentIds: query.departmentId
      ? await listDepartmentSubtreeIds(tx, { orgId, departmentId: query.departmentId })
      : undefined,
    limit: query.limit,
  };
}

const encodeCursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

function decodeCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (!cursor) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parts) &&
      parts.length === length &&
      parts.every((part) => typeof part === 'string' && part.length <= 100) &&
      /^\d{4}-\d{2}-\d{2}$/.test(parts[0] as string)
    )
      return parts as string[];
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function requireUuid(value: string | undefined): string {
  if (value && UUID.test(value)) return value;
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export async function listOrgWorkDays(tx: Database, caller: TimeCaller, query: ListQuery) {
  const filter = await scopedFilter(tx, caller, query);
  const after = decodeCursor(query.cursor, 2);
  const rows = await listWorkDays(tx, {
    ...filter,
    after: after ? { date: after[0]!, employeeId: requireUuid(after[1]) } : undefined,
  });
  const items = rows.slice(0, query.limit);
  return {
    items: items.map(({ employeeName, employeeCode, day }): TWorkDay => ({
      employeeId: day.employeeId,
      employeeName,
      employeeCode,
      date: day.workDate,
      departmentId: day.departmentId,
      siteId: day.siteId,
      grossMinutes: day.grossMinutes,
      workedMinutes: day.workedMinutes,
      regularMinutes: day.regularMinutes,
      overtimeMinutes: day.overtimeMinutes,
      overtime: day.overtime as TWorkDay['overtime'],
      paidBreakMinutes: day.paidBreakMinutes,
      unpaidBreakMinutes: day.unpaidBreakMinutes,
      autoDeductedMinutes: day.autoDeductedMinutes,
      lateMinutes: day.lateMinutes,
      earlyLeaveMinutes: day.earlyLeaveMinutes,
      leaveMinutes: day.leaveMinutes,
      paidLeaveMinutes: day.paidLeaveMinutes,
      exceptionCount: day.exceptionCount,
      scheduledShiftCount: day.scheduledShiftCount,
      computedAt: day.computedAt.toISOString(),
    })),
    nextCursor:
      rows.length > query.limit
        ? encodeCursor([items.at(-1)!.day.workDate, items.at(-1)!.day.employeeId])
        : null,
  };
}

export async function listOrgTimeEntries(
  tx: Database,
  caller: TimeCaller,
  query: ListQuery & {
    projectId?: string | undefined;
    status?: 'complete' | 'open' | 'missing_clock_out' | undefined;
  },
) {
  const filter = await scopedFilter(tx, caller, query);
  const after = decodeCursor(query.cursor, 2);
  const rows = await listTimeEntries(tx, {
    ...filter,
    projectId: query.projectId,
    status: query.status,
    after: after ? { date: after[0]!, id: requireUuid(after[1]) } : undefined,
  });
  const items = rows.slice(0, query.limit);
  return {
    items: items.map(({ employeeName, employeeCode, entry }): TTimeEntry => ({
      id: entry.id,
      employeeId: entry.employeeId,
      employeeName,
      employeeCode,
      date: entry.workDate,
      kind: entry.kind,
      status: entry.status,
      start: entry.startAt.toISOString(),
      end: iso(entry.endAt),
      roundedStart: entry.roundedStartAt.toISOString(),
      roundedEnd: iso(entry.roundedEndAt),
      grossMinutes: entry.grossMinutes,
      overlapMinutes: entry.overlapMinutes,
      breakMinutes: entry.breakMinutes,
      shiftTemplateId: entry.shiftTemplateId,
      projectId: entry.projectId,
      taskId: entry.taskId,
      eventIds: entry.eventIds,
    })),
    nextCursor:
      rows.length > query.limit ? encodeCursor([items.at(-1)!.entry.workDate, items.at(-1)!.entry.id]) : null,
  };
}

export async function listOrgTimeExceptions(
  tx: Database,
  caller: TimeCaller,
  query: ListQuery & { code?: string | undefined; severity?: 'info' | 'warning' | 'error' | undefined },
) {
  const filter = await scopedFilter(tx, caller, query);
  const after = decodeCursor(query.cursor, 3);
  const rows = await listTimeExceptions(tx, {
    ...filter,
    code: query.code,
    severity: query.severity,
    after: after ? { date: after[0]!, employeeId: requireUuid(after[1]), id: after[2]! } : undefined,
  });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1)?.exception;
  return {
    items: items.map(({ employeeName, employeeCode, exception }): TTimeException => ({
      id: exception.id,
      employeeId: exception.employeeId,
      employeeName,
      employeeCode,
      date: exception.workDate,
      code: exception.code,
      severity: exception.severity,
      minutes: exception.minutes,
      message: exception.message,
      entryId: exception.entryId,
      eventIds: exception.eventIds,
    })),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor([last.workDate, last.employeeId, last.id]) : null,
  };
}

/**
 * One person's days, entries, breaks, exceptions and totals, projected now from their stored events
 * (never stale, even while the projection queue still holds their latest punch or correction).
 */
export async function getEmployeeTime(
  tx: Database,
  caller: TimeCaller,
  params: { employeeId: string; from?: string | undefined; to?: string | undefined },
  now: Date,
): Promise<TEmployeeTime> {
  const orgId = caller.membership.orgId;
  const to =
    params.to ??
    (params.from ? addDaysTo(params.from, DEFAULT_VIEW_DAYS - 1) : now.toISOString().slice(0, 10));
  const from = params.from ?? addDaysTo(to, -(DEFAULT_VIEW_DAYS - 1));
  if (to < from || Date.parse(to) - Date.parse(from) >= TIME_RANGE_MAX_DAYS * 86_400_000) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected from on or before to, at most ${TIME_RANGE_MAX_DAYS} days apart`,
      issues: [{ path: 'to', message: 'Out of range' }],
    });
  }
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.read' });
  assertEmployeeInScope(scope, params.employeeId);
  const asOf = now.toISOString();
  const projection = await projectEmployee(tx, {
    orgId,
    employeeId: params.employeeId,
    fromDate: from,
    toDate: to,
    asOf,
  });
  if (!projection) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  return { ...projection, asOf };
}

/** The per-person view without dates: the last week. */
const DEFAULT_VIEW_DAYS = 7;

function addDaysTo(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
