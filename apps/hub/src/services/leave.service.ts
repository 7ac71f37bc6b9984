/**
 * @module Leave: types, requests with approval, and balances kept as an append-only ledger.
 *
 * A balance is the sum of its ledger lines (accruals, usage, carry-over expiries, adjustments), so
 * every figure can be explained line by line. Approving a request writes a negative usage line;
 * cancelling an approved request writes the opposite line. Approved leave is handed to the
 * projection (enqueueProjection) so leave days count in timesheets.
 */
import type { TPermission } from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createLeaveRequest,
  createLeaveType,
  enqueueMail,
  enqueueProjection,
  findEmployee,
  findEmployeeNotificationEmail,
  findLeaveRequest,
  findLeaveType,
  findOverlappingLeaveRequest,
  findUserEmail,
  insertLeaveLedgerLines,
  listShiftAssignments,
  listShiftPatterns,
  listLeaveApproverEmails,
  listLeaveLedger,
  listLeaveRequests,
  listLeaveRequestsEndedByTermination,
  listLeaveTypes,
  lockEmployeeLeave,
  sumLeaveBalances,
  transitionLeaveRequest,
  updateLeaveType,
  type LeaveLedgerRow,
  type LeaveRequestRow,
  type LeaveRequestStatus,
  type LeaveTypeChanges,
  type LeaveTypeRow,
} from '@clockface/db-hub/queries';
import type { ShiftAssignment } from '@clockface/timekeeping';
import { Temporal } from 'temporal-polyfill';
import type { ActorContext, HubDeps } from '../deps';
import type { OrgMembership } from '../env';
import { recordAudit } from './audit.service';
import { loadShiftAssignments } from './schedules.service';
import {
  assertEmployeeInScope,
  canSeeEmployee,
  resolveEmployeeScope,
  scopeEmployeeFilter,
  type EmployeeScope,
} from './visibility.service';

/** Who is asking, beyond the audit actor: their membership decides what they may see and do. */
export interface LeaveCaller {
  membership: OrgMembership;
  userId: string;
  email: string;
}

/** Longest single request: a year. Longer absences are several requests (and a conversation). */
const MAX_REQUEST_DAYS = 366;
/** ISO weekdays counted as working days when the employee has no schedule: Monday to Friday. */
const DEFAULT_WORKING_WEEKDAYS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

export function toLeaveType(row: LeaveTypeRow) {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    isPaid: row.isPaid,
    accrualMinutesPerPeriod: row.accrualMinutesPerPeriod,
    carryOverCapMinutes: row.carryOverCapMinutes,
    defaultDayMinutes: row.defaultDayMinutes,
    allowNegativeBalance: row.allowNegativeBalance,
    requiresApproval: row.requiresApproval,
    color: row.color,
    isDeleted: row.deletedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toLeaveRequest(row: LeaveRequestRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    leaveTypeId: row.leaveTypeId,
    startDate: row.startDate,
    endDate: row.endDate,
    minutesPerDay: row.minutesPerDay,
    totalMinutes: row.totalMinutes,
    reason: row.reason,
    status: row.status,
    requestedByUserId: row.requestedByUserId,
    decidedByUserId: row.decidedByUserId,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    decisionNote: row.decisionNote,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toLeaveLedgerLine(row: LeaveLedgerRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    leaveTypeId: row.leaveTypeId,
    kind: row.kind,
    minutes: row.minutes,
    effectiveDate: row.effectiveDate,
    periodStart: row.periodStart,
    leaveRequestId: row.leaveRequestId,
    actorUserId: row.actorUserId,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  };
}

function invalidCursor(): never {
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}
const encodeCursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
function decodeCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (!cursor) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    invalidCursor();
  }
  const isValid =
    Array.isArray(parts) &&
    parts.length === length &&
    parts.every((part) => typeof part === 'string') &&
    /^[0-9a-f-]{36}$/.test(parts.at(-1) as string);
  if (!isValid) invalidCursor();
  return parts as string[];
}

function duplicateCode(error: unknown): never {
  const code =
    (error as { code?: string; cause?: { code?: string } })?.cause?.code ??
    (error as { code?: string })?.code;
  if (code === '23505') {
    throw new AppError('CONFLICT', {
      message: 'Another leave type already has this code',
      issues: [{ path: 'code', message: 'Already in use' }],
    });
  }
  throw error;
}

// ---------------------------------------------------------------------------------------------
// Leave types

export async function listOrgLeaveTypes(tx: Database, orgId: string, options: { includeDeleted: boolean }) {
  return (await listLeaveTypes(tx, { orgId, includeDeleted: options.includeDeleted })).map(toLeaveType);
}

export interface LeaveTypeInput {
  name?: string | undefined;
  code?: string | null | undefined;
  isPaid?: boolean | undefined;
  accrualMinutesPerPeriod?: number | undefined;
  carryOverCapMinutes?: number | null | undefined;
  defaultDayMinutes?: number | undefined;
  allowNegativeBalance?: boolean | undefined;
  requiresApproval?: boolean | undefined;
  color?: string | null | undefined;
}

const definedOnly = (input: LeaveTypeInput): LeaveTypeChanges =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));

export async function createOrgLeaveType(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: LeaveTypeInput & { name: string },
) {
  // createdAt from the hub's clock: accruals start with the period the type was created in.
  const row = await createLeaveType(tx, {
    ...definedOnly(input),
    name: input.name,
    orgId,
    createdAt: deps.clock.now(),
  }).catch(duplicateCode);
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_type.created',
    entityType: 'leave_type',
    entityId: row.id,
    after: toLeaveType(row),
  });
  return toLeaveType(row);
}

async function getLiveLeaveType(tx: Database, orgId: string, leaveTypeId: string) {
  const row = await findLeaveType(tx, { orgId, leaveTypeId });
  if (!row) throw new AppError('NOT_FOUND', { message: 'No such leave type' });
  return row;
}

export async function updateOrgLeaveType(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  leaveTypeId: string,
  input: LeaveTypeInput,
) {
  const before = await getLiveLeaveType(tx, orgId, leaveTypeId);
  const after = (await updateLeaveType(tx, { orgId, leaveTypeId, changes: definedOnly(input) }).catch(
    duplicateCode,
  ))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_type.updated',
    entityType: 'leave_type',
    entityId: leaveTypeId,
    before: toLeaveType(before),
    after: toLeaveType(after),
  });
  return toLeaveType(after);
}

/** Soft delete: past requests and ledger lines keep their type; no new requests or accruals. */
export async function deleteOrgLeaveType(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  leaveTypeId: string,
) {
  const before = await getLiveLeaveType(tx, orgId, leaveTypeId);
  await updateLeaveType(tx, { orgId, leaveTypeId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_type.deleted',
    entityType: 'leave_type',
    entityId: leaveTypeId,
    before: toLeaveType(before),
  });
}

// ---------------------------------------------------------------------------------------------
// Requests

function scopeFor(tx: Database, caller: LeaveCaller, permission: TPermission) {
  return resolveEmployeeScope(tx, { membership: caller.membership, userId: caller.userId, permission });
}

/** The employee linked to the caller's account, or a 404 that says how to get one. */
async function requireOwnEmployeeId(tx: Database, caller: LeaveCaller): Promise<string> {
  const scope = await scopeFor(tx, caller, 'leave.read');
  if (!scope.ownEmployeeId) {
    throw new AppError('NOT_FOUND', {
      message: 'No employee record is linked to your account; ask an admin to link one',
    });
  }
  return scope.ownEmployeeId;
}

export interface LeaveRequestListQuery {
  limit: number;
  cursor?: string | undefined;
  status?: LeaveRequestStatus | undefined;
  employeeId?: string | undefined;
  leaveTypeId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

async function listRequestsFor(
  tx: Database,
  orgId: string,
  employeeIds: string[] | null,
  query: LeaveRequestListQuery,
) {
  const [beforeId] = decodeCursor(query.cursor, 1) ?? [];
  const rows = await listLeaveRequests(tx, {
    orgId,
    limit: query.limit,
    beforeId,
    employeeIds,
    status: query.status,
    leaveTypeId: query.leaveTypeId,
    from: query.from,
    to: query.to,
  });
  const items = rows.slice(0, query.limit);
  return {
    items: items.map(toLeaveRequest),
    nextCursor: rows.length > query.limit ? encodeCursor([items.at(-1)!.id]) : null,
  };
}

/** Requests of the employees the caller may see (org-wide, managed, or their own). */
export async function listVisibleLeaveRequests(
  tx: Database,
  caller: LeaveCaller,
  query: LeaveRequestListQuery,
) {
  const orgId = caller.membership.orgId;
  const scope = await scopeFor(tx, caller, 'leave.read');
  let employeeIds = scopeEmployeeFilter(scope);
  if (query.employeeId) {
    // Someone outside the scope reads as no requests at all, like an unknown id.
    employeeIds = employeeIds === null || employeeIds.includes(query.employeeId) ? [query.employeeId] : [];
  }
  return listRequestsFor(tx, orgId, employeeIds, query);
}

export async function listOwnLeaveRequests(tx: Database, caller: LeaveCaller, query: LeaveRequestListQuery) {
  const employeeId = await requireOwnEmployeeId(tx, caller);
  return listRequestsFor(tx, caller.membership.orgId, [employeeId], query);
}

/** A request the caller may see under `permission` (or their own); anything else is 404. */
async function getVisibleRequest(
  tx: Database,
  caller: LeaveCaller,
  leaveRequestId: string,
  permission: TPermission,
) {
  const request = await findLeaveRequest(tx, { orgId: caller.membership.orgId, leaveRequestId });
  const scope = await scopeFor(tx, caller, permission);
  const isOwn = request !== undefined && request.employeeId === scope.ownEmployeeId;
  if (!request || (!isOwn && !(caller.membership.permissions.has(permission) && isInScope(scope, request)))) {
    throw new AppError('NOT_FOUND', { message: 'No such leave request' });
  }
  return { request, scope, isOwn };
}

function isInScope(scope: EmployeeScope, request: LeaveRequestRow) {
  return canSeeEmployee(scope, request.employeeId);
}

export async function getLeaveRequest(tx: Database, caller: LeaveCaller, leaveRequestId: string) {
  return toLeaveRequest((await getVisibleRequest(tx, caller, leaveRequestId, 'leave.read')).request);
}

export interface LeaveRequestInput {
  leaveTypeId: string;
  startDate: string;
  endDate: string;
  minutesPerDay?: number | null | undefined;
  reason?: string | null | undefined;
}

function eachDate(startDate: string, endDate: string): Temporal.PlainDate[] {
  const dates: Temporal.PlainDate[] = [];
  const end = Temporal.PlainDate.from(endDate);
  for (
    let day = Temporal.PlainDate.from(startDate);
    Temporal.PlainDate.compare(day, end) <= 0;
    day = day.add({ days: 1 })
  )
    dates.push(day);
  return dates;
}

/**
 * Scheduled minutes per date, split shifts summed, an overnight shift on its start date. Break
 * included: the same shift length the projection gives a leave day, so the balance charged and the
 * leave minutes in the timesheet agree.
 */
function scheduledMinutesByDate(shifts: readonly ShiftAssignment[]): Map<string, number> {
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const byDate = new Map<string, number>();
  for (const { date, shift } of shifts) {
    let length = toMinutes(shift.endTime) - toMinutes(shift.startTime);
    if (length <= 0) length += 1440;
    byDate.set(date, (byDate.get(date) ?? 0) + length);
  }
  return byDate;
}

/**
 * Minutes a request charges. When a schedule covers the dates (`shifts` not null), each scheduled
 * date costs its scheduled minutes, or `minutesPerDay` when that is less (a part day); days off cost
 * nothing. Without a schedule, Monday to Friday are the working days and each costs `minutesPerDay`
 * or the type's full day; weekends cost nothing.
 */
function computeRequestMinutes(
  type: LeaveTypeRow,
  input: LeaveRequestInput,
  shifts: readonly ShiftAssignment[] | null,
): number {
  if (shifts) {
    let total = 0;
    for (const scheduled of scheduledMinutesByDate(shifts).values())
      total += Math.min(scheduled, input.minutesPerDay ?? scheduled);
    return total;
  }
  const workingDays = eachDate(input.startDate, input.endDate).filter((day) =>
    DEFAULT_WORKING_WEEKDAYS.has(day.dayOfWeek),
  ).length;
  return workingDays * (input.minutesPerDay ?? type.defaultDayMinutes);
}

/**
 * The employee's shifts on the request's dates (weekly patterns and dated overrides), or null when
 * no schedule covers those dates (no pattern in effect and no dated entry): then the weekday rule applies.
 */
async function loadEmployeeShifts(
  tx: Database,
  params: { orgId: string; employeeId: string; from: string; to: string },
): Promise<ShiftAssignment[] | null> {
  const { orgId, employeeId, from, to } = params;
  const shifts =
    (await loadShiftAssignments(tx, { orgId, employeeIds: [employeeId], from, to })).get(employeeId) ?? [];
  if (shifts.length > 0) return shifts;
  const patterns = await listShiftPatterns(tx, { orgId, employeeIds: [employeeId] });
  const hasPattern = patterns.some(
    (pattern) => pattern.effectiveFrom <= to && (pattern.effectiveTo === null || pattern.effectiveTo >= from),
  );
  const hasDatedEntry =
    (await listShiftAssignments(tx, { orgId, employeeIds: [employeeId], from, to })).length > 0;
  return hasPattern || hasDatedEntry ? [] : null;
}

function validateDates(input: LeaveRequestInput) {
  if (input.endDate < input.startDate) {
    throw new AppError('VALIDATION_FAILED', {
      message: `The end date ${input.endDate} is before the start date ${input.startDate}`,
      issues: [{ path: 'endDate', message: 'Before the start date' }],
    });
  }
  const days = Temporal.PlainDate.from(input.startDate).until(input.endDate).days + 1;
  if (days > MAX_REQUEST_DAYS) {
    throw new AppError('VALIDATION_FAILED', {
      message: `A request spans at most ${MAX_REQUEST_DAYS} days; this one spans ${days}`,
      issues: [{ path: 'endDate', message: `At most ${MAX_REQUEST_DAYS} days after the start date` }],
    });
  }
}

/** Ledger sum per type (every line) and pending minutes, for one employee. */
async function balancesOf(tx: Database, orgId: string, employeeId: string) {
  const sums = await sumLeaveBalances(tx, { orgId, employeeId });
  return new Map(sums.map((sum) => [sum.leaveTypeId, sum]));
}

const ledgerBalance = (
  sum: { accrued: number; usage: number; adjusted: number; expired: number } | undefined,
) => (sum ? sum.accrued + sum.usage + sum.adjusted + sum.expired : 0);

/** Mail ids to nudge once the transaction has committed. */
export interface LeaveMutationResult<T> {
  result: T;
  mailIds: string[];
}

async function notify(
  tx: Database,
  orgId: string,
  recipients: (string | null)[],
  skipEmail: string,
  mail: { subject: string; text: string; meta: Record<string, unknown> },
): Promise<string[]> {
  const unique = [...new Set(recipients.filter((to): to is string => !!to && to !== skipEmail))];
  const mailIds: string[] = [];
  for (const to of unique) {
    // Straight into the outbox that mail.service delivers (its template list names the auth mails).
    mailIds.push((await enqueueMail(tx, { orgId, to, template: 'leave', ...mail })).id);
  }
  return mailIds;
}

function describeRequest(request: LeaveRequestRow, type: LeaveTypeRow, employeeName: string) {
  const dates =
    request.startDate === request.endDate ? request.startDate : `${request.startDate} to ${request.endDate}`;
  const hours = (request.totalMinutes / 60).toFixed(2).replace(/\.?0+$/, '');
  return `${type.name} for ${employeeName}, ${dates} (${hours} h)`;
}

async function createRequest(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  employeeId: string,
  input: LeaveRequestInput,
): Promise<LeaveMutationResult<ReturnType<typeof toLeaveRequest>>> {
  const orgId = caller.membership.orgId;
  const employee = await findEmployee(tx, { orgId, employeeId });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  validateDates(input);
  if (employee.hireDate && input.startDate < employee.hireDate) {
    throw new AppError('VALIDATION_FAILED', {
      message: `${employee.name} starts on ${employee.hireDate}; leave cannot begin on ${input.startDate}`,
      issues: [{ path: 'startDate', message: 'Before the hire date' }],
    });
  }
  if (employee.terminationDate && input.endDate > employee.terminationDate) {
    throw new AppError('VALIDATION_FAILED', {
      message: `${employee.name} left on ${employee.terminationDate}; leave cannot run to ${input.endDate}`,
      issues: [{ path: 'endDate', message: 'After the termination date' }],
    });
  }
  const type = await findLeaveType(tx, { orgId, leaveTypeId: input.leaveTypeId });
  if (!type) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No such leave type',
      issues: [{ path: 'leaveTypeId', message: 'No such leave type' }],
    });
  }
  const shifts = await loadEmployeeShifts(tx, {
    orgId,
    employeeId,
    from: input.startDate,
    to: input.endDate,
  });
  const totalMinutes = computeRequestMinutes(type, input, shifts);
  if (totalMinutes === 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: `${input.startDate} to ${input.endDate} holds no working day`,
      issues: [{ path: 'startDate', message: 'No working day in the range' }],
    });
  }

  await lockEmployeeLeave(tx, { orgId, employeeId });
  const overlapping = await findOverlappingLeaveRequest(tx, {
    orgId,
    employeeId,
    startDate: input.startDate,
    endDate: input.endDate,
  });
  if (overlapping) {
    throw new AppError('CONFLICT', {
      message: `Overlaps the ${overlapping.status} request ${overlapping.id} (${overlapping.startDate} to ${overlapping.endDate})`,
      issues: [{ path: 'startDate', message: 'Overlaps another request' }],
    });
  }
  const sums = (await balancesOf(tx, orgId, employeeId)).get(type.id);
  const availableMinutes = ledgerBalance(sums) - (sums?.pending ?? 0);
  if (!type.allowNegativeBalance && totalMinutes > availableMinutes) {
    throw new AppError('CONFLICT', {
      message: `Not enough ${type.name}: ${availableMinutes} minutes available, ${totalMinutes} requested`,
      issues: [{ path: 'leaveTypeId', message: 'Insufficient balance' }],
    });
  }

  const now = deps.clock.now();
  let request = await createLeaveRequest(tx, {
    orgId,
    employeeId,
    leaveTypeId: type.id,
    startDate: input.startDate,
    endDate: input.endDate,
    minutesPerDay: input.minutesPerDay ?? null,
    totalMinutes,
    reason: input.reason ?? null,
    requestedByUserId: caller.userId,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_request.created',
    entityType: 'leave_request',
    entityId: request.id,
    after: toLeaveRequest(request),
  });

  if (!type.requiresApproval) {
    request = (await transitionLeaveRequest(tx, {
      orgId,
      leaveRequestId: request.id,
      fromStatus: 'pending',
      changes: {
        status: 'approved',
        decidedAt: now,
        decidedByUserId: null,
        decisionNote: 'Approved automatically: this leave type needs no approval',
      },
    }))!;
    await applyApproval(tx, actor, request);
    const mailIds = await notify(
      tx,
      orgId,
      [await findEmployeeNotificationEmail(tx, { orgId, employeeId })],
      caller.email,
      {
        subject: `Leave recorded: ${type.name}`,
        text: `${describeRequest(request, type, employee.name)} is recorded (no approval needed).`,
        meta: { leaveRequestId: request.id, event: 'approved' },
      },
    );
    return { result: toLeaveRequest(request), mailIds };
  }

  const mailIds = await notify(
    tx,
    orgId,
    await listLeaveApproverEmails(tx, { orgId, employeeId }),
    caller.email,
    {
      subject: `Leave request to decide: ${employee.name}`,
      text: `${describeRequest(request, type, employee.name)} waits for your decision.${
        request.reason ? `\nReason: ${request.reason}` : ''
      }`,
      meta: { leaveRequestId: request.id, event: 'requested' },
    },
  );
  return { result: toLeaveRequest(request), mailIds };
}

/** Self-service: the employee linked to the caller's account asks for leave. */
export async function requestOwnLeave(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  input: LeaveRequestInput,
) {
  return createRequest(deps, tx, actor, caller, await requireOwnEmployeeId(tx, caller), input);
}

/** A manager or admin records leave for someone in their scope (or for themselves). */
export async function requestLeaveFor(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  input: LeaveRequestInput & { employeeId: string },
) {
  const scope = await scopeFor(tx, caller, 'leave.approve');
  assertEmployeeInScope(scope, input.employeeId);
  return createRequest(deps, tx, actor, caller, input.employeeId, input);
}

/** Usage on the ledger and the dates handed to the projection. Same transaction as the status change. */
async function applyApproval(tx: Database, actor: ActorContext, request: LeaveRequestRow) {
  await insertLeaveLedgerLines(tx, [
    {
      orgId: request.orgId,
      employeeId: request.employeeId,
      leaveTypeId: request.leaveTypeId,
      kind: 'usage',
      minutes: -request.totalMinutes,
      effectiveDate: request.startDate,
      leaveRequestId: request.id,
      actorUserId: actor.actorUserId,
      note: null,
    },
  ]);
  await enqueueProjection(tx, {
    orgId: request.orgId,
    employeeId: request.employeeId,
    fromDate: request.startDate,
    toDate: request.endDate,
  });
}

function alreadyDecided(request: LeaveRequestRow): never {
  throw new AppError('CONFLICT', {
    message: `This request is already ${request.status}`,
    issues: [{ path: 'status', message: `Already ${request.status}` }],
  });
}

async function decisionContext(tx: Database, caller: LeaveCaller, leaveRequestId: string) {
  const { request, scope, isOwn } = await getVisibleRequest(tx, caller, leaveRequestId, 'leave.approve');
  // Managers may not approve their own leave; org-wide approvers (owners, admins) may.
  if (isOwn && scope.kind !== 'org') {
    throw new AppError('FORBIDDEN', { message: 'Your own leave is decided by someone else' });
  }
  if (!caller.membership.permissions.has('leave.approve')) {
    throw new AppError('FORBIDDEN', { message: 'Your role lacks the "leave.approve" permission' });
  }
  const orgId = caller.membership.orgId;
  const type = (await findLeaveType(tx, { orgId, leaveTypeId: request.leaveTypeId, includeDeleted: true }))!;
  const employee = (await findEmployee(tx, { orgId, employeeId: request.employeeId, includeDeleted: true }))!;
  return { request, type, employee };
}

async function notifyEmployeeSide(
  tx: Database,
  caller: LeaveCaller,
  request: LeaveRequestRow,
  mail: { subject: string; text: string; event: string },
) {
  const orgId = caller.membership.orgId;
  return notify(
    tx,
    orgId,
    [
      await findEmployeeNotificationEmail(tx, { orgId, employeeId: request.employeeId }),
      request.requestedByUserId ? await findUserEmail(tx, { userId: request.requestedByUserId }) : null,
    ],
    caller.email,
    { subject: mail.subject, text: mail.text, meta: { leaveRequestId: request.id, event: mail.event } },
  );
}

export async function approveLeaveRequest(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  leaveRequestId: string,
  note: string | null,
): Promise<LeaveMutationResult<ReturnType<typeof toLeaveRequest>>> {
  const orgId = caller.membership.orgId;
  const { request: before, type, employee } = await decisionContext(tx, caller, leaveRequestId);
  await lockEmployeeLeave(tx, { orgId, employeeId: before.employeeId });
  // The balance may have moved since the request (an adjustment, another approval): check again.
  const balance = ledgerBalance((await balancesOf(tx, orgId, before.employeeId)).get(type.id));
  if (before.status === 'pending' && !type.allowNegativeBalance && before.totalMinutes > balance) {
    throw new AppError('CONFLICT', {
      message: `Not enough ${type.name} left: ${balance} minutes, the request needs ${before.totalMinutes}`,
      issues: [{ path: 'leaveTypeId', message: 'Insufficient balance' }],
    });
  }
  const after = await transitionLeaveRequest(tx, {
    orgId,
    leaveRequestId,
    fromStatus: 'pending',
    changes: {
      status: 'approved',
      decidedByUserId: caller.userId,
      decidedAt: deps.clock.now(),
      decisionNote: note,
    },
  });
  if (!after) alreadyDecided((await findLeaveRequest(tx, { orgId, leaveRequestId }))!);
  await applyApproval(tx, actor, after);
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_request.approved',
    entityType: 'leave_request',
    entityId: leaveRequestId,
    before: toLeaveRequest(before),
    after: toLeaveRequest(after),
  });
  const mailIds = await notifyEmployeeSide(tx, caller, after, {
    subject: `Leave approved: ${type.name}`,
    text: `${describeRequest(after, type, employee.name)} is approved.${note ? `\nNote: ${note}` : ''}`,
    event: 'approved',
  });
  return { result: toLeaveRequest(after), mailIds };
}

export async function rejectLeaveRequest(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  leaveRequestId: string,
  note: string,
): Promise<LeaveMutationResult<ReturnType<typeof toLeaveRequest>>> {
  const orgId = caller.membership.orgId;
  const { request: before, type, employee } = await decisionContext(tx, caller, leaveRequestId);
  const after = await transitionLeaveRequest(tx, {
    orgId,
    leaveRequestId,
    fromStatus: 'pending',
    changes: {
      status: 'rejected',
      decidedByUserId: caller.userId,
      decidedAt: deps.clock.now(),
      decisionNote: note,
    },
  });
  if (!after) alreadyDecided((await findLeaveRequest(tx, { orgId, leaveRequestId }))!);
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_request.rejected',
    entityType: 'leave_request',
    entityId: leaveRequestId,
    before: toLeaveRequest(before),
    after: toLeaveRequest(after),
  });
  const mailIds = await notifyEmployeeSide(tx, caller, after, {
    subject: `Leave not approved: ${type.name}`,
    text: `${describeRequest(after, type, employee.name)} was not approved.\nNote: ${note}`,
    event: 'rejected',
  });
  return { result: toLeaveRequest(after), mailIds };
}

/**
 * Pending requests are withdrawn by whoever asked (or the employee themselves); approved leave is
 * cancelled by an approver in scope, which writes the reversing ledger line and recomputes the days.
 */
export async function cancelLeaveRequest(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  leaveRequestId: string,
  note: string | null,
): Promise<LeaveMutationResult<ReturnType<typeof toLeaveRequest>>> {
  const orgId = caller.membership.orgId;
  const { request: before, scope, isOwn } = await getVisibleRequest(tx, caller, leaveRequestId, 'leave.read');
  const mayApprove =
    caller.membership.permissions.has('leave.approve') &&
    isInScope(await scopeFor(tx, caller, 'leave.approve'), before) &&
    (!isOwn || scope.kind === 'org');
  if (before.status === 'pending') {
    if (!isOwn && before.requestedByUserId !== caller.userId) {
      throw new AppError('FORBIDDEN', {
        message: 'Only the person who asked can withdraw a pending request; an approver rejects it instead',
      });
    }
  } else if (before.status === 'approved') {
    if (!mayApprove) {
      throw new AppError('FORBIDDEN', { message: 'Approved leave is cancelled by an approver' });
    }
  } else {
    alreadyDecided(before);
  }

  await lockEmployeeLeave(tx, { orgId, employeeId: before.employeeId });
  const after = await transitionLeaveRequest(tx, {
    orgId,
    leaveRequestId,
    fromStatus: before.status,
    changes: {
      status: 'cancelled',
      decidedByUserId: caller.userId,
      decidedAt: deps.clock.now(),
      decisionNote: note,
    },
  });
  if (!after) alreadyDecided((await findLeaveRequest(tx, { orgId, leaveRequestId }))!);
  if (before.status === 'approved') {
    await insertLeaveLedgerLines(tx, [
      {
        orgId,
        employeeId: after.employeeId,
        leaveTypeId: after.leaveTypeId,
        kind: 'usage',
        minutes: after.totalMinutes,
        effectiveDate: after.startDate,
        leaveRequestId: after.id,
        actorUserId: actor.actorUserId,
        note: 'Reversal: approved leave cancelled',
      },
    ]);
    await enqueueProjection(tx, {
      orgId,
      employeeId: after.employeeId,
      fromDate: after.startDate,
      toDate: after.endDate,
    });
  }
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_request.cancelled',
    entityType: 'leave_request',
    entityId: leaveRequestId,
    before: toLeaveRequest(before),
    after: toLeaveRequest(after),
  });

  const type = (await findLeaveType(tx, { orgId, leaveTypeId: after.leaveTypeId, includeDeleted: true }))!;
  const employee = (await findEmployee(tx, { orgId, employeeId: after.employeeId, includeDeleted: true }))!;
  const text = `${describeRequest(after, type, employee.name)} is cancelled.${note ? `\nNote: ${note}` : ''}`;
  const mailIds =
    before.status === 'pending'
      ? await notify(
          tx,
          orgId,
          await listLeaveApproverEmails(tx, { orgId, employeeId: after.employeeId }),
          caller.email,
          {
            subject: `Leave request withdrawn: ${employee.name}`,
            text,
            meta: { leaveRequestId, event: 'cancelled' },
          },
        )
      : await notifyEmployeeSide(tx, caller, after, {
          subject: `Leave cancelled: ${type.name}`,
          text,
          event: 'cancelled',
        });
  return { result: toLeaveRequest(after), mailIds };
}

// ---------------------------------------------------------------------------------------------
// Balances and the ledger

async function balancesFor(tx: Database, orgId: string, employeeId: string) {
  const sums = await balancesOf(tx, orgId, employeeId);
  // Every live type, plus deleted types the employee still has lines or pending requests in.
  const types = (await listLeaveTypes(tx, { orgId, includeDeleted: true })).filter(
    (type) => type.deletedAt === null || sums.has(type.id),
  );
  return {
    employeeId,
    items: types.map((type) => {
      const sum = sums.get(type.id);
      const balanceMinutes = ledgerBalance(sum);
      const pendingMinutes = sum?.pending ?? 0;
      return {
        leaveTypeId: type.id,
        leaveTypeName: type.name,
        isPaid: type.isPaid,
        accruedMinutes: sum?.accrued ?? 0,
        usedMinutes: -(sum?.usage ?? 0),
        adjustedMinutes: sum?.adjusted ?? 0,
        expiredMinutes: -(sum?.expired ?? 0),
        balanceMinutes,
        pendingMinutes,
        availableMinutes: balanceMinutes - pendingMinutes,
      };
    }),
  };
}

async function assertVisibleEmployee(
  tx: Database,
  caller: LeaveCaller,
  employeeId: string,
  permission: TPermission,
) {
  assertEmployeeInScope(await scopeFor(tx, caller, permission), employeeId);
  const employee = await findEmployee(tx, {
    orgId: caller.membership.orgId,
    employeeId,
    includeDeleted: true,
  });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
}

export async function getLeaveBalances(tx: Database, caller: LeaveCaller, employeeId: string) {
  await assertVisibleEmployee(tx, caller, employeeId, 'leave.read');
  return balancesFor(tx, caller.membership.orgId, employeeId);
}

export async function getOwnLeaveBalances(tx: Database, caller: LeaveCaller) {
  return balancesFor(tx, caller.membership.orgId, await requireOwnEmployeeId(tx, caller));
}

export async function listLeaveLedgerLines(
  tx: Database,
  caller: LeaveCaller,
  employeeId: string,
  query: { limit: number; cursor?: string | undefined; leaveTypeId?: string | undefined },
) {
  await assertVisibleEmployee(tx, caller, employeeId, 'leave.read');
  const after = decodeCursor(query.cursor, 2);
  const rows = await listLeaveLedger(tx, {
    orgId: caller.membership.orgId,
    employeeId,
    leaveTypeId: query.leaveTypeId,
    limit: query.limit,
    after: after ? { effectiveDate: after[0]!, id: after[1]! } : undefined,
  });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map(toLeaveLedgerLine),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.effectiveDate, last.id]) : null,
  };
}

/** A manual correction (opening balances, goodwill days, payroll fixes), always with a reason. */
export async function adjustLeaveBalance(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  caller: LeaveCaller,
  employeeId: string,
  input: { leaveTypeId: string; minutes: number; effectiveDate?: string | undefined; note: string },
) {
  const orgId = caller.membership.orgId;
  await assertVisibleEmployee(tx, caller, employeeId, 'leave.write');
  const type = await findLeaveType(tx, { orgId, leaveTypeId: input.leaveTypeId });
  if (!type) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No such leave type',
      issues: [{ path: 'leaveTypeId', message: 'No such leave type' }],
    });
  }
  const today = Temporal.Instant.fromEpochMilliseconds(deps.clock.now().getTime())
    .toZonedDateTimeISO(caller.membership.organization.timeZone)
    .toPlainDate()
    .toString();
  const [line] = await insertLeaveLedgerLines(tx, [
    {
      orgId,
      employeeId,
      leaveTypeId: type.id,
      kind: 'adjustment',
      minutes: input.minutes,
      effectiveDate: input.effectiveDate ?? today,
      actorUserId: actor.actorUserId,
      note: input.note,
    },
  ]);
  await recordAudit(tx, actor, {
    orgId,
    action: 'leave_balance.adjusted',
    entityType: 'leave_ledger',
    entityId: line!.id,
    after: toLeaveLedgerLine(line!),
  });
  return toLeaveLedgerLine(line!);
}

/**
 * Part of a termination (same transaction): pending requests with a day after `lastDate` and
 * approved requests starting after it are cancelled (approved ones get their usage reversed and
 * their dates recomputed, as when an approver cancels). Nobody is mailed: the employee has left and
 * approvers see the termination. Approved leave that runs across the date is left for a person to
 * decide. Answers the ids cancelled.
 */
export async function cancelLeaveAfterTermination(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; employeeId: string; lastDate: string },
): Promise<string[]> {
  const { orgId, employeeId, lastDate } = params;
  await lockEmployeeLeave(tx, { orgId, employeeId });
  const cancelled: string[] = [];
  for (const before of await listLeaveRequestsEndedByTermination(tx, params)) {
    const after = await transitionLeaveRequest(tx, {
      orgId,
      leaveRequestId: before.id,
      fromStatus: before.status,
      changes: {
        status: 'cancelled',
        decidedByUserId: actor.actorUserId,
        decidedAt: deps.clock.now(),
        decisionNote: `Employment ended on ${lastDate}`,
      },
    });
    if (!after) continue;
    if (before.status === 'approved') {
      await insertLeaveLedgerLines(tx, [
        {
          orgId,
          employeeId,
          leaveTypeId: after.leaveTypeId,
          kind: 'usage',
          minutes: after.totalMinutes,
          effectiveDate: after.startDate,
          leaveRequestId: after.id,
          actorUserId: actor.actorUserId,
          note: `Reversal: employment ended on ${lastDate}`,
        },
      ]);
      await enqueueProjection(tx, { orgId, employeeId, fromDate: after.startDate, toDate: after.endDate });
    }
    await recordAudit(tx, actor, {
      orgId,
      action: 'leave_request.cancelled',
      entityType: 'leave_request',
      entityId: after.id,
      before: toLeaveRequest(before),
      after: toLeaveRequest(after),
    });
    cancelled.push(after.id);
  }
  return cancelled;
}
