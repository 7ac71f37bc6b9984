/**
 * @module The web clock: people at a computer clock in and out (and take breaks) as the employee
 * linked to their account. Punches are ordinary attendance events (source web, method password), so
 * the projection, "who is in now" and reports treat them exactly like kiosk punches.
 */
import type { TClockBody, TClockState } from '@clockface/contracts/api';
import { AppError, uuidv7 } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  findEmployeeIdForUser,
  findProject,
  findTask,
  insertWebClockEvent,
  loadAdjustmentsInWindows,
  loadPunchesInWindows,
  lockEmployeeForPunch,
  type ProjectionPunchRow,
} from '@clockface/db-hub/queries';
import {
  getAttendanceState,
  getLocalDate,
  type AttendanceEvent,
  type PunchType,
} from '@clockface/timekeeping';
import type { ActorContext } from '../deps';
import { recordAudit } from './audit.service';
import { loadResolvedRules } from './policies.service';
import { projectEmployee } from './projection.service';

/**
 * How far back the current state is replayed: longer than any open entry can stay open
 * (maxOpenEntryMinutes is 16 h by default; policies rarely raise it past a day).
 */
const STATE_LOOKBACK_MS = 2 * 86_400_000;
const MS_PER_MINUTE = 60_000;

export interface ClockCaller {
  orgId: string;
  userId: string;
}

/** The caller's linked employee's state now, and today's worked minutes. */
export async function getMyClock(tx: Database, caller: ClockCaller, now: Date): Promise<TClockState> {
  const employeeId = await requireLinkedEmployee(tx, caller);
  return readClockState(tx, { orgId: caller.orgId, employeeId }, now);
}

const REFUSALS: Record<PunchType, Record<TClockState['status'], string>> = {
  clock_in: {
    off: '',
    working: 'You are already clocked in.',
    on_break: 'You are already clocked in (on a break).',
  },
  clock_out: {
    off: 'You are not clocked in, so there is nothing to clock out of. Clock in first.',
    working: '',
    on_break: '',
  },
  break_start: {
    off: 'You are not clocked in: a break can only start while you are working.',
    working: '',
    on_break: 'You are already on a break.',
  },
  break_end: {
    off: 'You are not clocked in, so there is no break to end.',
    working: 'You are not on a break.',
    on_break: '',
  },
};

/**
 * Records one punch for the caller's linked employee after checking that it makes sense now (no
 * clock-out without a clock-in, no second clock-in), that the employee may still clock, and that the
 * project and task exist, are open and belong together. Punches of one employee are decided one at
 * a time (row lock), so two quick clicks cannot both clock in.
 */
export async function punchMyClock(
  tx: Database,
  actor: ActorContext,
  caller: ClockCaller,
  body: TClockBody,
  now: Date,
) {
  const { orgId } = caller;
  const employeeId = await requireLinkedEmployee(tx, caller);
  const employee = await lockEmployeeForPunch(tx, { orgId, employeeId });
  if (!employee || employee.deletedAt)
    throw new AppError('NOT_FOUND', {
      message: 'No employee record is linked to your account in this organization.',
    });
  // Termination takes effect when it is recorded (employees.service), whatever the date says.
  if (employee.status === 'terminated') {
    throw new AppError('FORBIDDEN', {
      message: `Your employment ended${employee.terminationDate ? ` on ${employee.terminationDate}` : ''}: you can no longer clock in or out.`,
    });
  }
  await assertProjectAndTask(tx, orgId, body);

  const before = await readClockState(tx, { orgId, employeeId }, now);
  const refusal = REFUSALS[body.type][before.status];
  if (refusal) throw new AppError('CONFLICT', { message: refusal });

  const event = await insertWebClockEvent(tx, {
    id: uuidv7(),
    orgId,
    employeeId,
    type: body.type,
    occurredAt: now,
    projectId: body.projectId ?? null,
    taskId: body.taskId ?? null,
    recordedBy: caller.userId,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: `time.${body.type}`,
    entityType: 'attendance_event',
    entityId: event.id,
    after: { employeeId, type: body.type, occurredAt: now, projectId: event.projectId, taskId: event.taskId },
  });
  return {
    event: {
      id: event.id,
      type: body.type,
      occurredAt: now.toISOString(),
      projectId: event.projectId,
      taskId: event.taskId,
    },
    state: await readClockState(tx, { orgId, employeeId }, now),
  };
}

async function requireLinkedEmployee(tx: Database, caller: ClockCaller): Promise<string> {
  const employeeId = await findEmployeeIdForUser(tx, caller);
  // 404 like any record the caller does not have: membership alone is not an employee record.
  if (!employeeId) {
    throw new AppError('NOT_FOUND', {
      message:
        'No employee record is linked to your account in this organization, so there is no clock for you.',
    });
  }
  return employeeId;
}

async function assertProjectAndTask(tx: Database, orgId: string, body: TClockBody): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  if (body.type !== 'clock_in' && (body.projectId || body.taskId)) {
    issues.push({ path: 'projectId', message: 'A project or task is chosen when clocking in' });
  } else if (body.taskId && !body.projectId) {
    issues.push({ path: 'projectId', message: 'Choose the project of the task' });
  } else if (body.projectId) {
    const project = await findProject(tx, { orgId, projectId: body.projectId });
    if (!project) issues.push({ path: 'projectId', message: 'No such project' });
    else if (project.status !== 'active')
      issues.push({
        path: 'projectId',
        message: `The project is ${project.status.replace('_', ' ')}, not active`,
      });
    if (project && body.taskId) {
      const task = await findTask(tx, { orgId, taskId: body.taskId });
      if (!task) issues.push({ path: 'taskId', message: 'No such task' });
      else if (task.projectId !== project.id)
        issues.push({ path: 'taskId', message: 'The task belongs to another project' });
      else if (task.status === 'cancelled') issues.push({ path: 'taskId', message: 'The task is cancelled' });
    }
  }
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'The project or task cannot be clocked on', issues });
}

async function readClockState(
  tx: Database,
  params: { orgId: string; employeeId: string },
  now: Date,
): Promise<TClockState> {
  const { orgId, employeeId } = params;
  const window = {
    employeeId,
    start: new Date(now.getTime() - STATE_LOOKBACK_MS).toISOString(),
    end: new Date(now.getTime() + MS_PER_MINUTE).toISOString(),
  };
  const punches = await loadPunchesInWindows(tx, { orgId, windows: [window] });
  const adjustments = await loadAdjustmentsInWindows(tx, { orgId, windows: [window] });
  const rules = (await loadResolvedRules(tx, { orgId, employeeIds: [employeeId] })).get(employeeId);
  const events: AttendanceEvent[] = [
    ...punches.map((row) => ({ id: row.id, type: row.type, occurredAt: row.occurredAt })),
    ...adjustments.flatMap((row): AttendanceEvent[] =>
      row.kind === 'delete'
        ? [
            {
              id: row.id,
              type: 'delete',
              targetId: row.targetId!,
              actorId: row.actorUserId ?? 'deleted-user',
              reason: row.reason,
              recordedAt: row.recordedAt,
            },
          ]
        : row.kind === 'edit' && (row.occurredAt || row.punchType)
          ? [
              {
                id: row.id,
                type: 'edit',
                targetId: row.targetId!,
                ...(row.occurredAt ? { occurredAt: row.occurredAt } : {}),
                ...(row.punchType ? { punchType: row.punchType } : {}),
                actorId: row.actorUserId ?? 'deleted-user',
                reason: row.reason,
                recordedAt: row.recordedAt,
              },
            ]
          : [],
    ),
  ];
  const asOf = now.toISOString();
  const state = getAttendanceState(events, {
    asOf,
    ...(rules
      ? {
          maxOpenEntryMinutes: rules.maxOpenEntryMinutes,
          duplicateWindowMinutes: rules.duplicateWindowMinutes,
        }
      : {}),
  });
  const clockIn = punches.find((row) => row.id === state.entryId);

  // Today in the employee's zone: project the UTC date and its neighbours, then pick the local one.
  const utcDate = asOf.slice(0, 10);
  const projection = await projectEmployee(tx, {
    orgId,
    employeeId,
    fromDate: shiftDate(utcDate, -1),
    toDate: shiftDate(utcDate, 1),
    asOf,
  });
  const today = getLocalDate(asOf, projection?.timeZone ?? 'UTC');
  const completedMinutes = projection?.days.find((day) => day.date === today)?.workedMinutes ?? 0;
  const openEntryMinutes = clockIn ? runningMinutes(clockIn, punches, now) : 0;
  return {
    employeeId,
    status: state.status,
    since: state.since,
    entryId: state.entryId,
    nextPunchTypes: state.nextPunchTypes,
    projectId: clockIn?.projectId ?? null,
    taskId: clockIn?.taskId ?? null,
    today: {
      date: today,
      completedMinutes,
      openEntryMinutes,
      workedMinutes: completedMinutes + openEntryMinutes,
    },
  };
}

/** Minutes of the running entry so far, its breaks (a running one up to now) left out. */
function runningMinutes(
  clockIn: ProjectionPunchRow,
  punches: readonly ProjectionPunchRow[],
  now: Date,
): number {
  const startMs = Date.parse(clockIn.occurredAt);
  let breakMs = 0;
  let breakStartMs: number | null = null;
  const later = punches
    .filter((row) => Date.parse(row.occurredAt) >= startMs && row.id !== clockIn.id)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
  for (const row of later) {
    const ms = Date.parse(row.occurredAt);
    if (row.type === 'break_start' && breakStartMs === null) breakStartMs = ms;
    if (row.type === 'break_end' && breakStartMs !== null) {
      breakMs += ms - breakStartMs;
      breakStartMs = null;
    }
  }
  if (breakStartMs !== null) breakMs += now.getTime() - breakStartMs;
  return Math.max(0, Math.floor((now.getTime() - startMs - breakMs) / MS_PER_MINUTE));
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
