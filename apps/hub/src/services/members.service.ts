/** @module Members of an org and their roles (built-in and custom). Every change is audited. */
import type { TPermission, TRole } from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  countMembersWithCustomRole,
  countOwnersForUpdate,
  createCustomRole,
  deleteCustomRole,
  deleteMembership,
  findCustomRole,
  findMember,
  listCustomRoles,
  listMembers,
  updateCustomRole,
  updateMembershipRole,
} from '@clockface/db-hub/queries';
import type { ActorContext } from '../deps';
import type { OrgMembership } from '../env';
import { recordAudit } from './audit.service';
import { roleRank } from './permissions';
import { toCustomRole } from './serializers';

type MemberRow = NonNullable<Awaited<ReturnType<typeof findMember>>>;

const toMember = ({ membership, user }: MemberRow) => ({
  userId: user.id,
  name: user.name,
  email: user.email,
  role: membership.role,
  customRoleId: membership.customRoleId,
  joinedAt: membership.createdAt.toISOString(),
});

export async function listOrgMembers(tx: Database, orgId: string) {
  return (await listMembers(tx, { orgId })).map(toMember);
}

/** Only owners may create, change or remove owners; nobody grants a role above their own. */
export function assertMayAssignRole(caller: OrgMembership, targetRole: TRole, currentRole?: TRole) {
  const touchesOwner = targetRole === 'owner' || currentRole === 'owner';
  if (touchesOwner && caller.role !== 'owner') {
    throw new AppError('FORBIDDEN', { message: 'Only an owner can grant or change the owner role' });
  }
  if (roleRank(targetRole) > roleRank(caller.role)) {
    throw new AppError('FORBIDDEN', { message: 'You cannot grant a role above your own' });
  }
}

async function assertCustomRoleExists(tx: Database, orgId: string, customRoleId: string | undefined) {
  if (customRoleId && !(await findCustomRole(tx, { orgId, roleId: customRoleId }))) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No such custom role in this organisation',
      issues: [{ path: 'customRoleId', message: 'Unknown role' }],
    });
  }
}

export async function changeMemberRole(
  tx: Database,
  actor: ActorContext,
  caller: OrgMembership,
  params: { orgId: string; userId: string; role: TRole; customRoleId?: string | undefined },
) {
  const before = await findMember(tx, { orgId: params.orgId, userId: params.userId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such member' });
  assertMayAssignRole(caller, params.role, before.membership.role);
  await assertCustomRoleExists(tx, params.orgId, params.customRoleId);
  if (before.membership.role === 'owner' && params.role !== 'owner') {
    const owners = await countOwnersForUpdate(tx, { orgId: params.orgId });
    if (owners <= 1)
      throw new AppError('LAST_OWNER', { message: 'Make someone else an owner before changing this role' });
  }
  await updateMembershipRole(tx, {
    orgId: params.orgId,
    userId: params.userId,
    role: params.role,
    customRoleId: params.customRoleId ?? null,
  });
  const after = (await findMember(tx, { orgId: params.orgId, userId: params.userId }))!;
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'member.role_changed',
    entityType: 'member',
    entityId: params.userId,
    before: { role: before.membership.role, customRoleId: before.membership.customRoleId },
    after: { role: after.membership.role, customRoleId: after.membership.customRoleId },
  });
  return toMember(after);
}

export async function removeMember(
  tx: Database,
  actor: ActorContext,
  caller: OrgMembership,
  params: { orgId: string; userId: string },
) {
  const before = await findMember(tx, { orgId: params.orgId, userId: params.userId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such member' });
  if (before.membership.role === 'owner') {
    if (caller.role !== 'owner')
      throw new AppError('FORBIDDEN', { message: 'Only an owner can remove an owner' });
    const owners = await countOwnersForUpdate(tx, { orgId: params.orgId });
    if (owners <= 1)
      throw new AppError('LAST_OWNER', { message: 'Make someone else an owner before removing this one' });
  }
  await deleteMembership(tx, params);
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'member.removed',
    entityType: 'member',
    entityId: params.userId,
    before: toMember(before),
  });
}

export async function listOrgCustomRoles(tx: Database, orgId: string) {
  return (await listCustomRoles(tx, { orgId })).map(toCustomRole);
}

export async function createOrgCustomRole(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; name: string; description?: string | undefined; permissions: TPermission[] },
) {
  const role = await createCustomRole(tx, {
    orgId: params.orgId,
    name: params.name,
    description: params.description ?? null,
    permissions: [...new Set(params.permissions)],
  });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'role.created',
    entityType: 'role',
    entityId: role.id,
    after: toCustomRole(role),
  });
  return toCustomRole(role);
}

export async function updateOrgCustomRole(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    roleId: string;
    changes: {
      name?: string | undefined;
      description?: string | null | undefined;
      permissions?: TPermission[] | undefined;
    };
  },
) {
  const before = await findCustomRole(tx, { orgId: params.orgId, roleId: params.roleId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such role' });
  const changes = Object.fromEntries(
    Object.entries(params.changes).filter(([, value]) => value !== undefined),
  );
  if (changes.permissions) changes.permissions = [...new Set(changes.permissions as TPermission[])];
  const after = await updateCustomRole(tx, { orgId: params.orgId, roleId: params.roleId, changes });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'role.updated',
    entityType: 'role',
    entityId: params.roleId,
    before: toCustomRole(before),
    after: toCustomRole(after!),
  });
  return toCustomRole(after!);
}

export async function deleteOrgCustomRole(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; roleId: string },
) {
  const before = await findCustomRole(tx, { orgId: params.orgId, roleId: params.roleId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such role' });
  if ((await countMembersWithCustomRole(tx, params)) > 0) {
    throw new AppError('CONFLICT', { message: 'Members still hold this role: give them another role first' });
  }
  await deleteCustomRole(tx, params);
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'role.deleted',
    entityType: 'role',
    entityId: params.roleId,
    before: toCustomRole(before),
  });
}
