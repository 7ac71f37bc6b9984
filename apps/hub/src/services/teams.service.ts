/** @module Teams: working groups across departments, with a manager who sees their members' time. */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createTeam,
  createTeamMember,
  deleteTeamMember,
  findDepartment,
  findMember,
  findTeam,
  findTeamMember,
  listTeamMembers,
  listTeams,
  lockEmployee,
  sumTeamAllocations,
  updateTeam,
  updateTeamMember,
  type TeamMemberRow,
  type TeamRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { decodeNameCursor, pageByName } from './schedules.service';

export function toTeam(row: TeamRow) {
  return {
    id: row.id,
    name: row.name,
    departmentId: row.departmentId,
    managerUserId: row.managerUserId,
    isDeleted: row.deletedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toTeamMember(row: TeamMemberRow, employeeName: string) {
  return {
    teamId: row.teamId,
    employeeId: row.employeeId,
    employeeName,
    allocationPercent: row.allocationPercent,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

interface TeamInput {
  name?: string | undefined;
  departmentId?: string | null | undefined;
  managerUserId?: string | null | undefined;
}

/** References must be this org's live records; another org's ids fail exactly like unknown ones. */
async function assertTeamReferences(tx: Database, orgId: string, input: TeamInput) {
  const issues: { path: string; message: string }[] = [];
  if (input.departmentId && !(await findDepartment(tx, { orgId, departmentId: input.departmentId }))) {
    issues.push({ path: 'departmentId', message: 'No such department' });
  }
  if (input.managerUserId && !(await findMember(tx, { orgId, userId: input.managerUserId }))) {
    issues.push({ path: 'managerUserId', message: 'No member of this organisation has that user id' });
  }
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'Some references do not exist', issues });
}

const definedOnly = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;

export async function listOrgTeams(
  tx: Database,
  params: { orgId: string; limit: number; cursor?: string | undefined; departmentId?: string | undefined },
) {
  const rows = await listTeams(tx, { ...params, after: decodeNameCursor(params.cursor) });
  return pageByName(rows, params.limit, toTeam);
}

async function getLiveTeam(tx: Database, orgId: string, teamId: string) {
  const team = await findTeam(tx, { orgId, teamId });
  if (!team) throw new AppError('NOT_FOUND', { message: 'No such team' });
  return team;
}

export async function getOrgTeam(tx: Database, orgId: string, teamId: string) {
  const team = await findTeam(tx, { orgId, teamId, includeDeleted: true });
  if (!team) throw new AppError('NOT_FOUND', { message: 'No such team' });
  return toTeam(team);
}

export async function createOrgTeam(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: TeamInput & { name: string },
) {
  await assertTeamReferences(tx, orgId, input);
  const team = await createTeam(tx, { ...definedOnly(input), orgId, name: input.name });
  await recordAudit(tx, actor, {
    orgId,
    action: 'team.created',
    entityType: 'team',
    entityId: team.id,
    after: toTeam(team),
  });
  return toTeam(team);
}

export async function updateOrgTeam(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  teamId: string,
  input: TeamInput,
) {
  const before = await getLiveTeam(tx, orgId, teamId);
  await assertTeamReferences(tx, orgId, input);
  const after = (await updateTeam(tx, { orgId, teamId, changes: definedOnly(input) }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'team.updated',
    entityType: 'team',
    entityId: teamId,
    before: toTeam(before),
    after: toTeam(after),
  });
  return toTeam(after);
}

/** Soft delete: its manager no longer sees the members through it; reports by team stay right. */
export async function deleteOrgTeam(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  teamId: string,
) {
  const before = await getLiveTeam(tx, orgId, teamId);
  await updateTeam(tx, { orgId, teamId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'team.deleted',
    entityType: 'team',
    entityId: teamId,
    before: toTeam(before),
  });
}

export async function listOrgTeamMembers(tx: Database, orgId: string, teamId: string) {
  await getLiveTeam(tx, orgId, teamId);
  const rows = await listTeamMembers(tx, { orgId, teamId });
  return { items: rows.map((row) => toTeamMember(row.member, row.employeeName)) };
}

/** An employee's team allocations together: a person cannot give more than all their time. */
const MAX_TOTAL_ALLOCATION_PERCENT = 100;

/**
 * An employee's allocations over their current memberships of live teams add up to at most 100 %.
 * Called with the employee row locked (`lockEmployee`), so two changes for the same person at the
 * same moment are checked one after the other and cannot both pass.
 */
async function assertAllocationFits(
  tx: Database,
  params: {
    orgId: string;
    teamId: string;
    employeeId: string;
    employeeName: string;
    allocationPercent: number;
  },
) {
  const others = await sumTeamAllocations(tx, {
    orgId: params.orgId,
    employeeId: params.employeeId,
    exceptTeamId: params.teamId,
  });
  if (others + params.allocationPercent > MAX_TOTAL_ALLOCATION_PERCENT) {
    throw new AppError('CONFLICT', {
      message:
        `${params.employeeName} is already allocated ${others}% to other teams; ` +
        `${params.allocationPercent}% more would make ${others + params.allocationPercent}% ` +
        `(at most ${MAX_TOTAL_ALLOCATION_PERCENT}%)`,
      issues: [
        {
          path: 'allocationPercent',
          message: `At most ${Math.max(0, MAX_TOTAL_ALLOCATION_PERCENT - others)}: ${others}% is allocated to other teams`,
        },
      ],
    });
  }
}

export async function addOrgTeamMember(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; teamId: string; employeeId: string; allocationPercent?: number | undefined },
) {
  const { orgId, teamId, employeeId } = params;
  const allocationPercent = params.allocationPercent ?? 100;
  await getLiveTeam(tx, orgId, teamId);
  const employee = await lockEmployee(tx, { orgId, employeeId });
  if (!employee) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'The employee does not exist',
      issues: [{ path: 'employeeId', message: 'No such employee' }],
    });
  }
  if (employee.status === 'terminated') {
    throw new AppError('VALIDATION_FAILED', {
      message: `${employee.name} was terminated on ${employee.terminationDate ?? 'an unknown date'}`,
      issues: [{ path: 'employeeId', message: 'Terminated' }],
    });
  }
  const existing = await findTeamMember(tx, { orgId, teamId, employeeId });
  if (existing && existing.endedOn === null) {
    throw new AppError('CONFLICT', {
      message: 'The employee is already in this team; change the allocation instead',
      issues: [{ path: 'employeeId', message: 'Already a member' }],
    });
  }
  await assertAllocationFits(tx, {
    orgId,
    teamId,
    employeeId,
    employeeName: employee.name,
    allocationPercent,
  });
  // A membership that ended (at a termination) is made current again rather than duplicated.
  const member = existing
    ? (await updateTeamMember(tx, { orgId, teamId, employeeId, allocationPercent, endedOn: null }))!
    : await createTeamMember(tx, { orgId, teamId, employeeId, allocationPercent });
  await recordAudit(tx, actor, {
    orgId,
    action: 'team.member_added',
    entityType: 'team',
    entityId: teamId,
    ...(existing ? { before: { ...toTeamMember(existing, employee.name), endedOn: existing.endedOn } } : {}),
    after: toTeamMember(member, employee.name),
  });
  return toTeamMember(member, employee.name);
}

export async function updateOrgTeamMember(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; teamId: string; employeeId: string; allocationPercent: number },
) {
  await getLiveTeam(tx, params.orgId, params.teamId);
  const employee = await lockEmployee(tx, { orgId: params.orgId, employeeId: params.employeeId });
  const before = await findTeamMember(tx, params);
  if (!before || before.endedOn !== null || !employee) {
    throw new AppError('NOT_FOUND', { message: 'The employee is not in this team' });
  }
  await assertAllocationFits(tx, { ...params, employeeName: employee.name });
  const after = (await updateTeamMember(tx, params))!;
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'team.member_updated',
    entityType: 'team',
    entityId: params.teamId,
    before: toTeamMember(before, employee.name),
    after: toTeamMember(after, employee.name),
  });
  return toTeamMember(after, employee.name);
}

export async function removeOrgTeamMember(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; teamId: string; employeeId: string },
) {
  await getLiveTeam(tx, params.orgId, params.teamId);
  const before = await deleteTeamMember(tx, params);
  if (!before) throw new AppError('NOT_FOUND', { message: 'The employee is not in this team' });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'team.member_removed',
    entityType: 'team',
    entityId: params.teamId,
    before: { employeeId: before.employeeId, allocationPercent: before.allocationPercent },
  });
}
