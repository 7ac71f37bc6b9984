/** @module Employees: the people who clock in. Terminated and deleted employees keep their history. */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createEmployee,
  endProjectMemberships,
  endTeamMemberships,
  findDepartment,
  findEmployee,
  findMember,
  findOrganization,
  findSite,
  listEmployees,
  lockEmployee,
  touchFaceTemplates,
  updateEmployee,
  type EmployeeChanges,
  type EmployeeRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { getLocalDate } from '@clockface/timekeeping';
import { hashPassword } from '../security/passwords';
import { recordAudit } from './audit.service';
import { deleteTemplatesOfDepartingEmployee } from './faces.service';
import { cancelLeaveAfterTermination } from './leave.service';
import { endEmployeeSchedule } from './schedules.service';

export function toEmployee(row: EmployeeRow) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    email: row.email,
    userId: row.userId,
    departmentId: row.departmentId,
    homeSiteId: row.homeSiteId,
    employmentType: row.employmentType,
    payType: row.payType,
    hireDate: row.hireDate,
    terminationDate: row.terminationDate,
    status: row.status,
    hasPin: row.pinHash !== null,
    phone: row.phone,
    emergencyContactName: row.emergencyContactName,
    emergencyContactPhone: row.emergencyContactPhone,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface EmployeeInput {
  code?: string | undefined;
  name?: string | undefined;
  email?: string | null | undefined;
  userId?: string | null | undefined;
  departmentId?: string | null | undefined;
  homeSiteId?: string | null | undefined;
  employmentType?: EmployeeRow['employmentType'] | undefined;
  payType?: EmployeeRow['payType'] | undefined;
  hireDate?: string | null | undefined;
  pin?: string | null | undefined;
  phone?: string | null | undefined;
  emergencyContactName?: string | null | undefined;
  emergencyContactPhone?: string | null | undefined;
}

/** References must be this org's own live records; another org's ids fail exactly like unknown ids. */
async function assertReferences(tx: Database, orgId: string, input: EmployeeInput) {
  const issues: { path: string; message: string }[] = [];
  if (input.departmentId && !(await findDepartment(tx, { orgId, departmentId: input.departmentId }))) {
    issues.push({ path: 'departmentId', message: 'No such department' });
  }
  if (input.homeSiteId && !(await findSite(tx, { orgId, siteId: input.homeSiteId }))) {
    issues.push({ path: 'homeSiteId', message: 'No such site' });
  }
  if (input.userId && !(await findMember(tx, { orgId, userId: input.userId }))) {
    issues.push({ path: 'userId', message: 'No member of this organisation has that user id' });
  }
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'Some references do not exist', issues });
}

async function toChanges(input: EmployeeInput): Promise<EmployeeChanges> {
  const { pin, ...rest } = input;
  const changes: EmployeeChanges = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  );
  if (changes.email) changes.email = changes.email.trim().toLowerCase();
  if (pin !== undefined) changes.pinHash = pin === null ? null : await hashPassword(pin);
  return changes;
}

function duplicateCode(error: unknown): never {
  if (
    (error as { code?: string; cause?: { code?: string } })?.cause?.code === '23505' ||
    (error as { code?: string })?.code === '23505'
  ) {
    throw new AppError('CONFLICT', {
      message: 'Another employee already has this code',
      issues: [{ path: 'code', message: 'Already in use' }],
    });
  }
  throw error;
}

const encodeCursor = (row: EmployeeRow) =>
  Buffer.from(JSON.stringify([row.name, row.id])).toString('base64url');
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

export async function listOrgEmployees(
  tx: Database,
  params: {
    orgId: string;
    limit: number;
    cursor?: string | undefined;
    status?: EmployeeRow['status'] | undefined;
    departmentId?: string | undefined;
    homeSiteId?: string | undefined;
    q?: string | undefined;
  },
) {
  const rows = await listEmployees(tx, {
    orgId: params.orgId,
    limit: params.limit,
    after: decodeCursor(params.cursor),
    status: params.status,
    departmentId: params.departmentId,
    homeSiteId: params.homeSiteId,
    search: params.q,
  });
  const items = rows.slice(0, params.limit);
  return {
    items: items.map(toEmployee),
    nextCursor: rows.length > params.limit ? encodeCursor(items.at(-1)!) : null,
  };
}

export async function getOrgEmployee(tx: Database, orgId: string, employeeId: string) {
  const employee = await findEmployee(tx, { orgId, employeeId });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  return toEmployee(employee);
}

export async function createOrgEmployee(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: EmployeeInput & { code: string; name: string },
) {
  await assertReferences(tx, orgId, input);
  const changes = await toChanges(input);
  const employee = await createEmployee(tx, { ...changes, orgId, code: input.code, name: input.name }).catch(
    duplicateCode,
  );
  await recordAudit(tx, actor, {
    orgId,
    action: 'employee.created',
    entityType: 'employee',
    entityId: employee.id,
    after: toEmployee(employee),
  });
  return toEmployee(employee);
}

export async function updateOrgEmployee(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  input: EmployeeInput,
) {
  const before = await findEmployee(tx, { orgId, employeeId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  await assertReferences(tx, orgId, input);
  const after = (await updateEmployee(tx, { orgId, employeeId, changes: await toChanges(input) }).catch(
    duplicateCode,
  ))!;
  // A new home site moves the employee into other kiosks' scope: their templates must be sent there too.
  if (after.homeSiteId !== before.homeSiteId) await touchFaceTemplates(tx, { orgId, employeeId });
  await recordAudit(tx, actor, {
    orgId,
    action: input.pin !== undefined ? 'employee.updated_with_pin' : 'employee.updated',
    entityType: 'employee',
    entityId: employeeId,
    before: toEmployee(before),
    after: toEmployee(after),
  });
  return toEmployee(after);
}

/** Who completes scheduled terminations in the daily job (the audit entry's actor). */
export const SYSTEM_ACTOR: ActorContext = {
  actorUserId: null,
  actorType: 'system',
  requestId: null,
  ip: null,
};

/**
 * Ends what a termination ends after `lastDate`: the schedule after it (`endEmployeeSchedule`) and
 * leave after it (`cancelLeaveAfterTermination`), and — unless `scheduleOnly` — the employment
 * itself: status terminated, PIN and face templates gone (kiosks get tombstones at their next
 * sync), team and project memberships ended on the date (the rows stay, so managers keep seeing
 * the history, but they leave member lists and allocation totals). Each step only touches what is
 * still open, so running it again for the same date changes nothing.
 */
async function endEmployment(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; employeeId: string; lastDate: string; scheduleOnly: boolean },
) {
  const { orgId, employeeId, lastDate } = params;
  const organization = (await findOrganization(tx, { orgId }))!;
  const after = (await updateEmployee(tx, {
    orgId,
    employeeId,
    changes: params.scheduleOnly
      ? { terminationDate: lastDate }
      : { status: 'terminated', terminationDate: lastDate, pinHash: null },
  }))!;
  // Biometric data does not outlive employment (DESIGN.md): kiosks get the tombstones at their next sync.
  if (!params.scheduleOnly) {
    await deleteTemplatesOfDepartingEmployee(tx, { orgId, employeeId, at: deps.clock.now() });
  }
  const schedule = await endEmployeeSchedule(deps, tx, { organization, employeeId, lastDate });
  const teams = params.scheduleOnly
    ? []
    : await endTeamMemberships(tx, { orgId, employeeId, endedOn: lastDate });
  const projects = params.scheduleOnly
    ? []
    : await endProjectMemberships(tx, { orgId, employeeId, endedOn: lastDate });
  const cancelledLeaveRequestIds = await cancelLeaveAfterTermination(deps, tx, actor, {
    orgId,
    employeeId,
    lastDate,
  });
  return {
    after,
    ended: {
      ...schedule,
      teamIds: teams.map((member) => member.teamId),
      projectIds: projects.map((member) => member.projectId),
      cancelledLeaveRequestIds,
    },
  };
}

/**
 * Ends employment on a date, in one transaction: the employee's punches, timesheets, ledger and
 * reports stay as they are; their schedule after the date ends (`endEmployeeSchedule`) and their
 * leave after it is cancelled (`cancelLeaveAfterTermination`) at once. A date on or before today
 * (the org's time zone) takes effect at once (`endEmployment`: status, PIN, templates,
 * memberships); a later date is only recorded (`employee.termination_scheduled`): the employee
 * stays active, on the kiosks and in their teams, shows the pending `terminationDate`, and the
 * termination job (`jobs/termination.ts`) completes it the day after that date. Calling it again
 * moves the date. The employee row is locked first, so a team allocation, the job or a second
 * termination running at the same time waits for this one.
 */
export async function terminateOrgEmployee(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  terminationDate: string,
) {
  const before = await lockEmployee(tx, { orgId, employeeId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  if (before.hireDate && terminationDate < before.hireDate) {
    throw new AppError('VALIDATION_FAILED', {
      message: `The termination date ${terminationDate} is before the hire date ${before.hireDate}`,
      issues: [{ path: 'terminationDate', message: 'Before the hire date' }],
    });
  }
  const organization = (await findOrganization(tx, { orgId }))!;
  const today = getLocalDate(deps.clock.now().toISOString(), organization.timeZone);
  const scheduleOnly = before.status === 'active' && terminationDate > today;
  const { after, ended } = await endEmployment(deps, tx, actor, {
    orgId,
    employeeId,
    lastDate: terminationDate,
    scheduleOnly,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: scheduleOnly ? 'employee.termination_scheduled' : 'employee.terminated',
    entityType: 'employee',
    entityId: employeeId,
    before: toEmployee(before),
    after: { ...toEmployee(after), ended },
  });
  return toEmployee(after);
}

/**
 * Completes one scheduled termination whose date has passed (called by the termination job with
 * the row locked by `lockDueTerminations`): the same as an immediate termination on that date,
 * audited as `employee.terminated` by the system.
 */
export async function completeScheduledTermination(deps: HubDeps, tx: Database, employee: EmployeeRow) {
  const { after, ended } = await endEmployment(deps, tx, SYSTEM_ACTOR, {
    orgId: employee.orgId,
    employeeId: employee.id,
    lastDate: employee.terminationDate!,
    scheduleOnly: false,
  });
  await recordAudit(tx, SYSTEM_ACTOR, {
    orgId: employee.orgId,
    action: 'employee.terminated',
    entityType: 'employee',
    entityId: employee.id,
    before: toEmployee(employee),
    after: { ...toEmployee(after), ended, scheduled: true },
  });
  return toEmployee(after);
}

/**
 * Takes a terminated employee back: active again, no termination date, the hire date given (leave
 * accrual resumes from it, so the time away earns nothing unless it is the original hire date).
 * Nothing that the termination ended comes back by itself — schedules, team and project
 * memberships, cancelled leave, the PIN and face templates are set up again on purpose. On an
 * active employee with a scheduled termination it cancels that termination (audited as
 * `employee.termination_cancelled`); what was ended after the date at scheduling stays ended.
 */
export async function rehireOrgEmployee(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  input: { hireDate: string },
) {
  const before = await lockEmployee(tx, { orgId, employeeId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  const scheduled = before.status === 'active' && before.terminationDate !== null;
  if (before.status !== 'terminated' && !scheduled) {
    throw new AppError('CONFLICT', { message: `${before.name} is not terminated` });
  }
  const after = (await updateEmployee(tx, {
    orgId,
    employeeId,
    changes: {
      status: 'active',
      terminationDate: null,
      hireDate: input.hireDate,
    },
  }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: scheduled ? 'employee.termination_cancelled' : 'employee.rehired',
    entityType: 'employee',
    entityId: employeeId,
    before: toEmployee(before),
    after: toEmployee(after),
  });
  return toEmployee(after);
}

export async function deleteOrgEmployee(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
) {
  const before = await findEmployee(tx, { orgId, employeeId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  await updateEmployee(tx, { orgId, employeeId, changes: { deletedAt: deps.clock.now(), pinHash: null } });
  await deleteTemplatesOfDepartingEmployee(tx, { orgId, employeeId, at: deps.clock.now() });
  await recordAudit(tx, actor, {
    orgId,
    action: 'employee.deleted',
    entityType: 'employee',
    entityId: employeeId,
    before: toEmployee(before),
  });
}
