/**
 * @module Corrections of an employee's time by a manager: manual entries, added punches (a forgotten
 * clock-out), edits and deletes of earlier punches or manual entries. Append-only: a correction of a
 * correction is another row. Every correction is validated before anything is written, enqueues the
 * projection in the same transaction, and is audited.
 *
 * Locked periods: a correction whose dates fall in a locked timesheet is refused (409 PERIOD_LOCKED)
 * unless the caller asks to carry it (`carryToNextOpenPeriod`). A carried correction is stored with
 * its true instants and flagged `moved_from_locked_period` + `carried_to:<period start>`; the
 * projection does not apply it to the locked period (it shows as `late_event_in_locked_period` there)
 * and the next open timesheet lists it under `carriedAdjustments` for payroll.
 */
import { AppError, type AppErrorIssue } from '@clockface/core';
import type { TCreateAdjustmentBody } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import {
  enqueueProjection,
  findAdjustmentTarget,
  findEmployee,
  findEntryWorkDatesOfEvent,
  findLiveProjectRef,
  findLiveTaskRef,
  findOverlappingEntries,
  insertAdjustment,
  insertAdminPunch,
  listCorrectionLog,
  type AdjustmentRow,
  type CorrectionLogRow,
  type EmployeeRow,
  type OrganizationRow,
} from '@clockface/db-hub/queries';
import { getLocalDate } from '@clockface/timekeeping';
import type { ActorContext, HubDeps } from '../deps';
import type { OrgMembership } from '../env';
import { recordAudit } from './audit.service';
import { employeeTimeZone, findNextOpenPeriod, findTimesheetsCovering } from './timesheets.service';
import { assertEmployeeInScope, resolveEmployeeScope } from './visibility.service';

/** Instants later than the hub's clock by more than this are refused (kiosk clocks drift too). */
const FUTURE_SKEW_MS = 2 * 60_000;
/** A manual entry longer than a day is a typo, not a shift. */
const MAX_MANUAL_ENTRY_MS = 24 * 60 * 60_000;

export const MOVED_FROM_LOCKED_PERIOD = 'moved_from_locked_period';
const CARRIED_TO_PREFIX = 'carried_to:';

export function toAdjustment(row: AdjustmentRow | CorrectionLogRow) {
  const carried = row.flags.find((flag) => flag.startsWith(CARRIED_TO_PREFIX));
  return {
    id: row.id,
    employeeId: row.employeeId,
    kind: row.kind,
    targetId: row.targetId,
    start: row.startAt?.toISOString() ?? null,
    end: row.endAt?.toISOString() ?? null,
    breakMinutes: row.breakMinutes,
    occurredAt: row.occurredAt?.toISOString() ?? null,
    punchType: row.punchType as 'clock_in' | 'clock_out' | 'break_start' | 'break_end' | null,
    projectId: row.projectId,
    taskId: row.taskId,
    effectiveAt: row.effectiveAt.toISOString(),
    reason: row.reason,
    actorUserId: row.actorUserId,
    modificationRequestId: row.modificationRequestId,
    flags: row.flags.filter((flag) => !flag.startsWith(CARRIED_TO_PREFIX)),
    carriedToPeriodStart: carried ? carried.slice(CARRIED_TO_PREFIX.length) : null,
    recordedAt: row.recordedAt.toISOString(),
  };
}
export type TAdjustmentView = ReturnType<typeof toAdjustment>;

function invalid(message: string, issues: AppErrorIssue[]): never {
  throw new AppError('VALIDATION_FAILED', { message, issues });
}

/** What the correction targets, as it stands after earlier corrections. */
type CurrentTarget =
  | { kind: 'punch'; id: string; originalAt: Date; occurredAt: Date; punchType: string }
  | { kind: 'manual_entry'; id: string; originalAt: Date; start: Date; end: Date; breakMinutes: number };

async function loadTarget(tx: Database, orgId: string, employeeId: string, targetId: string) {
  const found = await findAdjustmentTarget(tx, { orgId, targetId });
  const employeeOfTarget = found?.kind === 'punch' ? found.punch.employeeId : found?.manual.employeeId;
  // Another employee's or another org's id fails exactly like an unknown one.
  if (!found || employeeOfTarget !== employeeId) {
    invalid('No such punch or manual entry for this employee', [
      { path: 'targetId', message: 'No such punch or manual entry for this employee' },
    ]);
  }
  if (found.corrections.some((correction) => correction.kind === 'delete')) {
    throw new AppError('CONFLICT', { message: 'That punch or entry has already been deleted' });
  }
  let current: CurrentTarget =
    found.kind === 'punch'
      ? {
          kind: 'punch',
          id: targetId,
          originalAt: found.punch.occurredAt,
          occurredAt: found.punch.occurredAt,
          punchType: found.punch.type,
        }
      : {
          kind: 'manual_entry',
          id: targetId,
          originalAt: found.manual.startAt!,
          start: found.manual.startAt!,
          end: found.manual.endAt!,
          breakMinutes: found.manual.breakMinutes ?? 0,
        };
  // The same order the projection applies edits in (recorded_at, id), so the checks see what it will.
  for (const edit of found.corrections) {
    current =
      current.kind === 'punch'
        ? {
            ...current,
            occurredAt: edit.occurredAt ?? current.occurredAt,
            punchType: edit.punchType ?? current.punchType,
          }
        : {
            ...current,
            start: edit.startAt ?? current.start,
            end: edit.endAt ?? current.end,
            breakMinutes: edit.breakMinutes ?? current.breakMinutes,
          };
  }
  return current;
}

async function resolveProjectTask(
  tx: Database,
  orgId: string,
  projectId: string | undefined,
  taskId: string | undefined,
): Promise<{ projectId: string | null; taskId: string | null }> {
  if (taskId) {
    const task = await findLiveTaskRef(tx, { orgId, taskId });
    if (!task) invalid('No such task', [{ path: 'taskId', message: 'No such task' }]);
    if (projectId && task.projectId !== projectId) {
      invalid('The task belongs to another project', [
        { path: 'taskId', message: 'The task belongs to another project' },
      ]);
    }
    return { projectId: task.projectId, taskId };
  }
  if (projectId && !(await findLiveProjectRef(tx, { orgId, projectId }))) {
    invalid('No such project', [{ path: 'projectId', message: 'No such project' }]);
  }
  return { projectId: projectId ?? null, taskId: null };
}

function assertNotFuture(now: Date, instants: [string, Date | undefined][]) {
  const limit = now.getTime() + FUTURE_SKEW_MS;
  const issues = instants
    .filter(([, at]) => at && at.getTime() > limit)
    .map(([path]) => ({ path, message: 'In the future' }));
  if (issues.length > 0) invalid('Time cannot be recorded for the future', issues);
}

function assertInterval(start: Date, end: Date, breakMinutes: number | undefined) {
  if (end <= start)
    invalid('The entry ends before it starts', [{ path: 'end', message: 'Must be after start' }]);
  if (end.getTime() - start.getTime() > MAX_MANUAL_ENTRY_MS) {
    invalid('An entry cannot be longer than 24 hours', [
      { path: 'end', message: 'More than 24 hours after start' },
    ]);
  }
  if (breakMinutes !== undefined && breakMinutes * 60_000 >= end.getTime() - start.getTime()) {
    invalid('The break is as long as the entry', [
      { path: 'breakMinutes', message: 'Longer than the entry' },
    ]);
  }
}

async function assertNoOverlap(
  tx: Database,
  params: { orgId: string; employeeId: string; start: Date; end: Date; excludeIds: string[] },
) {
  const [overlap] = await findOverlappingEntries(tx, params);
  if (overlap) {
    invalid(
      `The time overlaps an existing entry (${overlap.startAt.toISOString()} – ${overlap.endAt?.toISOString() ?? 'open'})`,
      [{ path: 'start', message: `Overlaps entry ${overlap.id}` }],
    );
  }
}

export interface CorrectionContext {
  org: OrganizationRow;
  employee: EmployeeRow;
  actorUserId: string;
  modificationRequestId?: string | undefined;
}

/**
 * Validates and records one correction for `employee`. Nothing is written unless every check passes.
 * Shared by the manager route and by approving a modification request.
 */
export async function applyCorrection(
  deps: Pick<HubDeps, 'clock'>,
  tx: Database,
  context: CorrectionContext,
  body: TCreateAdjustmentBody,
): Promise<TAdjustmentView> {
  const { org, employee } = context;
  const orgId = org.id;
  const employeeId = employee.id;
  const now = deps.clock.now();
  const zone = await employeeTimeZone(tx, org, employee);
  const dateOf = (at: Date) => getLocalDate(at.toISOString(), zone);
  const affected: Date[] = [];
  const extraDates: string[] = [];
  let effectiveAt: Date;
  let row: Omit<
    Parameters<typeof insertAdjustment>[1],
    'orgId' | 'employeeId' | 'effectiveAt' | 'flags' | 'recordedAt' | 'actorUserId' | 'reason'
  > | null = null;
  let punch: {
    type: 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
    occurredAt: Date;
    projectId: string | null;
    taskId: string | null;
  } | null = null;

  switch (body.kind) {
    case 'manual_entry': {
      const start = new Date(body.start);
      const end = new Date(body.end);
      assertNotFuture(now, [
        ['start', start],
        ['end', end],
      ]);
      assertInterval(start, end, body.breakMinutes);
      const refs = await resolveProjectTask(tx, orgId, body.projectId, body.taskId);
      await assertNoOverlap(tx, { orgId, employeeId, start, end, excludeIds: [] });
      affected.push(start);
      effectiveAt = start;
      row = {
        kind: 'manual_entry',
        startAt: start,
        endAt: end,
        breakMinutes: body.breakMinutes ?? null,
        ...refs,
      };
      break;
    }
    case 'punch': {
      const occurredAt = new Date(body.occurredAt);
      assertNotFuture(now, [['occurredAt', occurredAt]]);
      const refs = await resolveProjectTask(tx, orgId, body.projectId, body.taskId);
      affected.push(occurredAt);
      effectiveAt = occurredAt;
      punch = { type: body.punchType, occurredAt, ...refs };
      break;
    }
    case 'edit': {
      const target = await loadTarget(tx, orgId, employeeId, body.targetId);
      const entries = await findEntryWorkDatesOfEvent(tx, { orgId, employeeId, eventId: target.id });
      extraDates.push(...entries.map((entry) => entry.workDate));
      if (target.kind === 'punch') {
        const wrong = (['start', 'end', 'breakMinutes'] as const).filter((key) => body[key] !== undefined);
        if (wrong.length > 0) {
          invalid(
            'A punch has no start, end or break: change its occurredAt or punchType',
            wrong.map((path) => ({ path, message: 'Only for manual entries' })),
          );
        }
        const occurredAt = body.occurredAt ? new Date(body.occurredAt) : target.occurredAt;
        assertNotFuture(now, [['occurredAt', occurredAt]]);
        // Moving a clock-in or clock-out moves its entry's bound: the new interval must stay free.
        const entry = entries.find((candidate) => candidate.endAt !== null);
        const type = body.punchType ?? target.punchType;
        if (entry && body.occurredAt && (type === 'clock_in' || type === 'clock_out')) {
          const start = type === 'clock_in' ? occurredAt : entry.startAt;
          const end = type === 'clock_out' ? occurredAt : entry.endAt!;
          if (end <= start)
            invalid('The entry would end before it starts', [
              {
                path: 'occurredAt',
                message: type === 'clock_in' ? 'After the clock-out' : 'Before the clock-in',
              },
            ]);
          await assertNoOverlap(tx, { orgId, employeeId, start, end, excludeIds: [entry.id] });
        }
        affected.push(target.originalAt, target.occurredAt, occurredAt);
        row = {
          kind: 'edit',
          targetId: target.id,
          occurredAt: body.occurredAt ? occurredAt : null,
          punchType: body.punchType ?? null,
        };
      } else {
        const wrong = (['occurredAt', 'punchType'] as const).filter((key) => body[key] !== undefined);
        if (wrong.length > 0) {
          invalid(
            'A manual entry has no punch time or type: change its start, end or breakMinutes',
            wrong.map((path) => ({ path, message: 'Only for punches' })),
          );
        }
        const start = body.start ? new Date(body.start) : target.start;
        const end = body.end ? new Date(body.end) : target.end;
        assertNotFuture(now, [
          ['start', start],
          ['end', end],
        ]);
        assertInterval(start, end, body.breakMinutes ?? target.breakMinutes);
        await assertNoOverlap(tx, { orgId, employeeId, start, end, excludeIds: [target.id] });
        affected.push(target.originalAt, target.start, start);
        row = {
          kind: 'edit',
          targetId: target.id,
          startAt: body.start ? start : null,
          endAt: body.end ? end : null,
          breakMinutes: body.breakMinutes ?? null,
        };
      }
      effectiveAt = new Date(Math.min(...affected.map((at) => at.getTime())));
      break;
    }
    case 'delete': {
      const target = await loadTarget(tx, orgId, employeeId, body.targetId);
      const entries = await findEntryWorkDatesOfEvent(tx, { orgId, employeeId, eventId: target.id });
      extraDates.push(...entries.map((entry) => entry.workDate));
      const currentAt = target.kind === 'punch' ? target.occurredAt : target.start;
      affected.push(target.originalAt, currentAt);
      effectiveAt = new Date(Math.min(target.originalAt.getTime(), currentAt.getTime()));
      row = { kind: 'delete', targetId: target.id };
      break;
    }
  }

  const dates = [...new Set([...affected.map(dateOf), ...extraDates])].sort();
  const flags: string[] = [];
  const covering = await findTimesheetsCovering(tx, { orgId, employeeId, dates });
  const locked = covering.filter((sheet) => sheet.status === 'locked');
  const approved = covering.find((sheet) => sheet.status === 'approved');
  if (locked.length > 0) {
    const last = locked.at(-1)!;
    if (!body.carryToNextOpenPeriod) {
      throw new AppError('PERIOD_LOCKED', {
        message: `The timesheet for ${last.periodStart}…${last.periodEnd} is locked. Ask an admin to unlock it, or send carryToNextOpenPeriod: true to carry this correction to the next open period.`,
      });
    }
    const next = await findNextOpenPeriod(tx, org, employeeId, {
      start: last.periodStart,
      end: last.periodEnd,
    });
    flags.push(MOVED_FROM_LOCKED_PERIOD, `${CARRIED_TO_PREFIX}${next.start}`);
  } else if (approved) {
    throw new AppError('CONFLICT', {
      message: `The timesheet for ${approved.periodStart}…${approved.periodEnd} is approved. Reopen it before correcting it.`,
    });
  }

  let view: TAdjustmentView;
  if (punch) {
    const event = await insertAdminPunch(tx, {
      orgId,
      employeeId,
      type: punch.type,
      occurredAt: punch.occurredAt,
      receivedAt: now,
      recordedBy: context.actorUserId,
      reason: body.reason,
      projectId: punch.projectId,
      taskId: punch.taskId,
      flags,
    });
    view = toAdjustment({
      source: 'punch',
      id: event.id,
      employeeId,
      kind: 'punch',
      targetId: null,
      startAt: null,
      endAt: null,
      breakMinutes: null,
      occurredAt: event.occurredAt,
      punchType: event.type,
      projectId: event.projectId,
      taskId: event.taskId,
      effectiveAt: event.occurredAt,
      reason: body.reason,
      actorUserId: context.actorUserId,
      modificationRequestId: context.modificationRequestId ?? null,
      flags: event.flags,
      recordedAt: event.receivedAt,
    });
  } else {
    const inserted = await insertAdjustment(tx, {
      ...row!,
      orgId,
      employeeId,
      effectiveAt: effectiveAt!,
      actorUserId: context.actorUserId,
      reason: body.reason,
      modificationRequestId: context.modificationRequestId ?? null,
      flags,
      recordedAt: now,
    });
    view = toAdjustment(inserted);
  }
  await enqueueProjection(tx, { orgId, employeeId, fromDate: dates[0]!, toDate: dates.at(-1)! });
  return view;
}

interface Caller {
  membership: OrgMembership;
  userId: string;
}

/** A manager's correction of someone in their scope (not their own time: that is a request). */
export async function createEmployeeAdjustment(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  caller: Caller,
  employeeId: string,
  body: TCreateAdjustmentBody,
) {
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.write' });
  assertEmployeeInScope(scope, employeeId);
  const org = caller.membership.organization;
  const employee = await findEmployee(tx, { orgId: org.id, employeeId, includeDeleted: true });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  if (scope.kind !== 'org' && scope.ownEmployeeId === employeeId) {
    throw new AppError('FORBIDDEN', {
      message: 'Managers cannot correct their own time: file a modification request instead',
    });
  }
  const adjustment = await applyCorrection(deps, tx, { org, employee, actorUserId: actor.actorUserId }, body);
  await recordAudit(tx, actor, {
    orgId: org.id,
    action: `time_adjustment.${body.kind}`,
    entityType: body.kind === 'punch' ? 'attendance_event' : 'time_adjustment',
    entityId: adjustment.id,
    after: adjustment,
  });
  return adjustment;
}

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    const [recordedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof recordedAt === 'string' &&
      !Number.isNaN(Date.parse(recordedAt)) &&
      typeof id === 'string' &&
      /^[0-9a-f-]{36}$/.test(id)
    )
      return { recordedAt, id };
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

export async function listEmployeeAdjustments(
  tx: Database,
  caller: Caller,
  employeeId: string,
  query: { limit: number; cursor?: string | undefined; from?: string | undefined; to?: string | undefined },
) {
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.read' });
  assertEmployeeInScope(scope, employeeId);
  const orgId = caller.membership.orgId;
  if (!(await findEmployee(tx, { orgId, employeeId, includeDeleted: true })))
    throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  const rows = await listCorrectionLog(tx, {
    orgId,
    employeeId,
    limit: query.limit,
    after: decodeCursor(query.cursor),
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map(toAdjustment),
    nextCursor:
      rows.length > query.limit && last
        ? Buffer.from(JSON.stringify([last.recordedAt.toISOString(), last.id])).toString('base64url')
        : null,
  };
}
