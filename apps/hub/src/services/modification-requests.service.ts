/**
 * @module Modification requests: the employee linked to the caller asks to add, change or delete a
 * punch or entry, with a reason; a manager in scope approves (applied as a correction, in the same
 * transaction) or rejects with a note; both sides are mailed through the outbox. A request is decided
 * once: a second decision, or a cancel after one, is 409. Nobody decides their own request.
 */
import { AppError } from '@clockface/core';
import type { TCreateAdjustmentBody, TCreateModificationRequestBody } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import {
  decideModificationRequest,
  findEmployee,
  findEmployeeIdForUser,
  findModificationRequest,
  findUserById,
  insertModificationRequest,
  listModificationRequests,
  listRequestApprovers,
  setModificationRequestAdjustment,
  type EmployeeRow,
  type ModificationRequestRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import type { OrgMembership } from '../env';
import { applyCorrection } from './adjustments.service';
import { recordAudit } from './audit.service';
import { queueMail } from './mail.service';
import { canSeeEmployee, resolveEmployeeScope, scopeEmployeeFilter } from './visibility.service';

export function toModificationRequest(row: ModificationRequestRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    requestedByUserId: row.requestedByUserId,
    action: row.action,
    targetId: row.targetId,
    proposal: (row.proposal ?? {}) as Record<string, unknown>,
    reason: row.reason,
    status: row.status,
    decidedByUserId: row.decidedByUserId,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    decisionNote: row.decisionNote,
    adjustmentId: row.adjustmentId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

interface Caller {
  membership: OrgMembership;
  userId: string;
}
type Actor = ActorContext & { actorUserId: string };

/** The correction a request asks for, in the shape managers send (so both go through one validator). */
function toCorrection(
  request: Pick<ModificationRequestRow, 'action' | 'targetId' | 'proposal' | 'reason'>,
  carryToNextOpenPeriod?: boolean,
): TCreateAdjustmentBody {
  const proposal = (request.proposal ?? {}) as Record<string, unknown>;
  const carry = carryToNextOpenPeriod ? { carryToNextOpenPeriod } : {};
  const reason = request.reason;
  if (request.action === 'delete') return { kind: 'delete', targetId: request.targetId!, reason, ...carry };
  if (request.action === 'change') {
    const { kind: _kind, ...changes } = proposal;
    return {
      kind: 'edit',
      targetId: request.targetId!,
      ...changes,
      reason,
      ...carry,
    } as TCreateAdjustmentBody;
  }
  const { kind, ...fields } = proposal;
  return (
    kind === 'punch'
      ? { kind: 'punch', ...fields, reason, ...carry }
      : { kind: 'manual_entry', ...fields, reason, ...carry }
  ) as TCreateAdjustmentBody;
}

/** Thrown inside a savepoint to undo a dry run of the correction. */
class DryRunDone extends Error {}

/**
 * Runs the correction's validation against the current data and rolls it back, so an employee hears
 * about a bad request (end before start, an unknown punch, an overlap) when filing it, not days later.
 * Locked periods are not a reason to refuse a request: the approver decides whether to carry it.
 */
async function checkCorrection(
  deps: HubDeps,
  tx: Database,
  employee: EmployeeRow,
  caller: Caller,
  body: TCreateAdjustmentBody,
) {
  try {
    await tx.transaction(async (savepoint) => {
      await applyCorrection(
        deps,
        savepoint,
        { org: caller.membership.organization, employee, actorUserId: caller.userId },
        { ...body, carryToNextOpenPeriod: true },
      );
      throw new DryRunDone();
    });
  } catch (error) {
    if (!(error instanceof DryRunDone)) throw error;
  }
}

async function getOwnEmployee(tx: Database, caller: Caller) {
  const orgId = caller.membership.orgId;
  const employeeId = await findEmployeeIdForUser(tx, { orgId, userId: caller.userId });
  const employee = employeeId ? await findEmployee(tx, { orgId, employeeId }) : undefined;
  if (!employee) {
    throw new AppError('NOT_FOUND', {
      message: 'Your account is not linked to an employee in this organisation; ask an admin to link it',
    });
  }
  return employee;
}

async function notify(
  tx: Database,
  mail: {
    orgId: string;
    to: string[];
    subject: string;
    text: string;
    template: 'modification_request_submitted' | 'modification_request_decided';
    requestId: string;
  },
) {
  const ids: string[] = [];
  for (const to of new Set(mail.to)) {
    ids.push(
      await queueMail(tx, {
        orgId: mail.orgId,
        to,
        subject: mail.subject,
        text: mail.text,
        template: mail.template,
        meta: { modificationRequestId: mail.requestId },
      }),
    );
  }
  return ids;
}

function describe(request: Pick<ModificationRequestRow, 'action' | 'proposal' | 'targetId'>) {
  const proposal = (request.proposal ?? {}) as Record<string, string | number | undefined>;
  if (request.action === 'delete') return `delete punch/entry ${request.targetId}`;
  if (request.action === 'change') {
    const changes = Object.entries(proposal)
      .filter(([key]) => key !== 'kind')
      .map(([key, value]) => `${key} → ${value}`)
      .join(', ');
    return `change ${request.targetId}: ${changes}`;
  }
  return proposal.kind === 'punch'
    ? `add a ${proposal.punchType} punch at ${proposal.occurredAt}`
    : `add an entry ${proposal.start} – ${proposal.end}`;
}

export async function createMyModificationRequest(
  deps: HubDeps,
  tx: Database,
  actor: Actor,
  caller: Caller,
  body: TCreateModificationRequestBody,
): Promise<{ request: ReturnType<typeof toModificationRequest>; mailIds: string[] }> {
  const employee = await getOwnEmployee(tx, caller);
  const { reason, ...rest } = body;
  const targetId = 'targetId' in rest ? rest.targetId : null;
  const proposal = 'proposal' in rest ? rest.proposal : {};
  const draft = { action: body.action, targetId, proposal, reason };
  await checkCorrection(deps, tx, employee, caller, toCorrection(draft));
  const row = await insertModificationRequest(tx, {
    orgId: employee.orgId,
    employeeId: employee.id,
    requestedByUserId: actor.actorUserId,
    action: body.action,
    targetId,
    proposal,
    reason,
  });
  const approvers = await listRequestApprovers(tx, { orgId: employee.orgId, employeeId: employee.id });
  const mailIds = await notify(tx, {
    orgId: employee.orgId,
    to: approvers.map((approver) => approver.email),
    subject: `Time correction request from ${employee.name}`,
    text: `${employee.name} (${employee.code}) asks to ${describe(row)}.\n\nReason: ${reason}\n\nApprove or reject it under Time → Requests.`,
    template: 'modification_request_submitted',
    requestId: row.id,
  });
  await recordAudit(tx, actor, {
    orgId: employee.orgId,
    action: 'modification_request.created',
    entityType: 'modification_request',
    entityId: row.id,
    after: toModificationRequest(row),
  });
  return { request: toModificationRequest(row), mailIds };
}

const encodeCursor = (row: ModificationRequestRow) =>
  Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof createdAt === 'string' &&
      !Number.isNaN(Date.parse(createdAt)) &&
      typeof id === 'string' &&
      /^[0-9a-f-]{36}$/.test(id)
    )
      return { createdAt: new Date(createdAt), id };
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not one this API returned',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

async function page(
  tx: Database,
  params: Omit<Parameters<typeof listModificationRequests>[1], 'after'> & { cursor?: string | undefined },
) {
  const rows = await listModificationRequests(tx, { ...params, after: decodeCursor(params.cursor) });
  const items = rows.slice(0, params.limit);
  return {
    items: items.map(toModificationRequest),
    nextCursor: rows.length > params.limit ? encodeCursor(items.at(-1)!) : null,
  };
}

export async function listMyModificationRequests(
  tx: Database,
  caller: Caller,
  query: {
    limit: number;
    cursor?: string | undefined;
    status?: ModificationRequestRow['status'] | undefined;
  },
) {
  const employee = await getOwnEmployee(tx, caller);
  return page(tx, { orgId: employee.orgId, employeeIds: [employee.id], ...query });
}

/** Requests of the employees the caller may approve for (their own are listed but cannot be decided). */
export async function listModificationRequestsForApprover(
  tx: Database,
  caller: Caller,
  query: {
    limit: number;
    cursor?: string | undefined;
    status?: ModificationRequestRow['status'] | undefined;
    employeeId?: string | undefined;
  },
) {
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.approve' });
  const inScope = scopeEmployeeFilter(scope);
  const employeeIds = query.employeeId
    ? canSeeEmployee(scope, query.employeeId)
      ? [query.employeeId]
      : []
    : inScope;
  return page(tx, {
    orgId: caller.membership.orgId,
    employeeIds,
    limit: query.limit,
    cursor: query.cursor,
    status: query.status,
  });
}

export async function cancelMyModificationRequest(
  deps: HubDeps,
  tx: Database,
  actor: Actor,
  caller: Caller,
  requestId: string,
) {
  const employee = await getOwnEmployee(tx, caller);
  const request = await findModificationRequest(tx, { orgId: employee.orgId, requestId });
  if (!request || request.employeeId !== employee.id)
    throw new AppError('NOT_FOUND', { message: 'No such request' });
  if (request.status !== 'pending') {
    throw new AppError('CONFLICT', { message: `The request is already ${request.status}` });
  }
  const after = await decideModificationRequest(tx, {
    orgId: employee.orgId,
    requestId,
    status: 'cancelled',
    decidedByUserId: actor.actorUserId,
    decidedAt: deps.clock.now(),
  });
  if (!after) throw new AppError('CONFLICT', { message: 'The request was decided meanwhile' });
  await recordAudit(tx, actor, {
    orgId: employee.orgId,
    action: 'modification_request.cancelled',
    entityType: 'modification_request',
    entityId: requestId,
    before: { status: request.status },
    after: { status: after.status },
  });
  return toModificationRequest(after);
}

async function getDecidable(tx: Database, caller: Caller, requestId: string) {
  const orgId = caller.membership.orgId;
  const scope = await resolveEmployeeScope(tx, { ...caller, permission: 'time.approve' });
  const request = await findModificationRequest(tx, { orgId, requestId });
  if (!request || !canSeeEmployee(scope, request.employeeId)) {
    throw new AppError('NOT_FOUND', { message: 'No such request' });
  }
  if (request.requestedByUserId === caller.userId || scope.ownEmployeeId === request.employeeId) {
    throw new AppError('FORBIDDEN', { message: 'You cannot decide your own request; another approver must' });
  }
  if (request.status !== 'pending') {
    throw new AppError('CONFLICT', { message: `The request is already ${request.status}` });
  }
  const employee = await findEmployee(tx, { orgId, employeeId: request.employeeId, includeDeleted: true });
  return { request, employee: employee! };
}

async function requesterEmails(tx: Database, request: ModificationRequestRow, employee: EmployeeRow) {
  const user = request.requestedByUserId
    ? await findUserById(tx, { userId: request.requestedByUserId })
    : undefined;
  return [employee.email, user?.email].filter((email): email is string => Boolean(email));
}

export async function decideModificationRequestAs(
  deps: HubDeps,
  tx: Database,
  actor: Actor,
  caller: Caller,
  params: {
    requestId: string;
    decision: 'approved' | 'rejected';
    note?: string | undefined;
    carryToNextOpenPeriod?: boolean | undefined;
  },
): Promise<{ request: ReturnType<typeof toModificationRequest>; mailIds: string[] }> {
  const { request, employee } = await getDecidable(tx, caller, params.requestId);
  const now = deps.clock.now();
  // Conditional on `pending`: of two approvers deciding at once, the second waits and then gets 409.
  let decided = await decideModificationRequest(tx, {
    orgId: request.orgId,
    requestId: request.id,
    status: params.decision,
    decidedByUserId: actor.actorUserId,
    decidedAt: now,
    decisionNote: params.note ?? null,
  });
  if (!decided) throw new AppError('CONFLICT', { message: 'The request was decided meanwhile' });
  if (params.decision === 'approved') {
    const adjustment = await applyCorrection(
      deps,
      tx,
      {
        org: caller.membership.organization,
        employee,
        actorUserId: actor.actorUserId,
        modificationRequestId: request.id,
      },
      toCorrection(request, params.carryToNextOpenPeriod),
    );
    decided = (await setModificationRequestAdjustment(tx, {
      orgId: request.orgId,
      requestId: request.id,
      adjustmentId: adjustment.id,
    }))!;
    await recordAudit(tx, actor, {
      orgId: request.orgId,
      action: `time_adjustment.${adjustment.kind}`,
      entityType: adjustment.kind === 'punch' ? 'attendance_event' : 'time_adjustment',
      entityId: adjustment.id,
      after: adjustment,
    });
  }
  const mailIds = await notify(tx, {
    orgId: request.orgId,
    to: await requesterEmails(tx, request, employee),
    subject: `Your time correction request was ${params.decision}`,
    text: `Your request to ${describe(request)} was ${params.decision}.${params.note ? `\n\nNote: ${params.note}` : ''}`,
    template: 'modification_request_decided',
    requestId: request.id,
  });
  await recordAudit(tx, actor, {
    orgId: request.orgId,
    action: `modification_request.${params.decision}`,
    entityType: 'modification_request',
    entityId: request.id,
    before: { status: request.status },
    after: { status: decided.status, note: params.note ?? null, adjustmentId: decided.adjustmentId },
  });
  return { request: toModificationRequest(decided), mailIds };
}
