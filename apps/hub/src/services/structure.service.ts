/** @module Departments (a tree) and sites (locations with their own time zone). Both soft-delete. */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  countLiveChildDepartments,
  createDepartment,
  createSite,
  findDepartment,
  findMember,
  findSite,
  listDepartmentSubtreeIds,
  listDepartments,
  listSitesJson,
  updateDepartment,
  updateSite,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { toDepartment, toSite } from './serializers';

async function assertParentUsable(tx: Database, orgId: string, parentId: string, movingId?: string) {
  if (!(await findDepartment(tx, { orgId, departmentId: parentId }))) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'The parent department does not exist',
      issues: [{ path: 'parentId', message: 'Unknown department' }],
    });
  }
  if (
    movingId &&
    (await listDepartmentSubtreeIds(tx, { orgId, departmentId: movingId })).includes(parentId)
  ) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'A department cannot be moved under itself or one of its sub-departments',
      issues: [{ path: 'parentId', message: 'Would create a cycle' }],
    });
  }
}

export async function listOrgDepartments(tx: Database, orgId: string) {
  return (await listDepartments(tx, { orgId })).map(toDepartment);
}

export async function getOrgDepartment(tx: Database, orgId: string, departmentId: string) {
  const department = await findDepartment(tx, { orgId, departmentId });
  if (!department) throw new AppError('NOT_FOUND', { message: 'No such department' });
  return toDepartment(department);
}

export async function createOrgDepartment(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    name: string;
    parentId?: string | null | undefined;
    code?: string | null | undefined;
  },
) {
  if (params.parentId) await assertParentUsable(tx, params.orgId, params.parentId);
  const department = await createDepartment(tx, {
    orgId: params.orgId,
    name: params.name,
    parentId: params.parentId ?? null,
    code: params.code ?? null,
  });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'department.created',
    entityType: 'department',
    entityId: department.id,
    after: toDepartment(department),
  });
  return toDepartment(department);
}

export async function updateOrgDepartment(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    departmentId: string;
    changes: {
      name?: string | undefined;
      parentId?: string | null | undefined;
      code?: string | null | undefined;
      managerUserId?: string | null | undefined;
    };
  },
) {
  const before = await findDepartment(tx, { orgId: params.orgId, departmentId: params.departmentId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such department' });
  // The manager sees the department's time (visibility.service), so only a member of this org qualifies.
  if (
    params.changes.managerUserId &&
    !(await findMember(tx, { orgId: params.orgId, userId: params.changes.managerUserId }))
  ) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'The manager must be a member of this organisation',
      issues: [{ path: 'managerUserId', message: 'No member of this organisation has that user id' }],
    });
  }
  if (params.changes.parentId)
    await assertParentUsable(tx, params.orgId, params.changes.parentId, params.departmentId);
  const changes = Object.fromEntries(
    Object.entries(params.changes).filter(([, value]) => value !== undefined),
  );
  const after = (await updateDepartment(tx, {
    orgId: params.orgId,
    departmentId: params.departmentId,
    changes,
  }))!;
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'department.updated',
    entityType: 'department',
    entityId: params.departmentId,
    before: toDepartment(before),
    after: toDepartment(after),
  });
  return toDepartment(after);
}

export async function deleteOrgDepartment(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; departmentId: string },
) {
  const before = await findDepartment(tx, { orgId: params.orgId, departmentId: params.departmentId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such department' });
  if ((await countLiveChildDepartments(tx, params)) > 0) {
    throw new AppError('CONFLICT', { message: 'Move or delete its sub-departments first' });
  }
  await updateDepartment(tx, { ...params, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'department.deleted',
    entityType: 'department',
    entityId: params.departmentId,
    before: toDepartment(before),
  });
}

/**
 * Sites without a zone of their own use the org's; callers pass it (the request already read the org).
 * The list is the console's hot read, so Postgres writes it as JSON text (`listSitesJson`: the
 * fields and formats of `toSite`, see serializers.ts) and it is sent as it arrives.
 */
export async function listOrgSitesJson(tx: Database, orgId: string, zone: string): Promise<string> {
  return listSitesJson(tx, { orgId, orgTimeZone: zone });
}

export async function getOrgSite(tx: Database, orgId: string, siteId: string, zone: string) {
  const site = await findSite(tx, { orgId, siteId });
  if (!site) throw new AppError('NOT_FOUND', { message: 'No such site' });
  return toSite(site, zone);
}

export async function createOrgSite(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    name: string;
    timeZone?: string | null | undefined;
    address?: string | null | undefined;
  },
  zone: string,
) {
  const site = await createSite(tx, {
    orgId: params.orgId,
    name: params.name,
    timeZone: params.timeZone ?? null,
    address: params.address ?? null,
  });
  const shaped = toSite(site, zone);
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'site.created',
    entityType: 'site',
    entityId: site.id,
    after: shaped,
  });
  return shaped;
}

export async function updateOrgSite(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    siteId: string;
    changes: {
      name?: string | undefined;
      timeZone?: string | null | undefined;
      address?: string | null | undefined;
    };
  },
  zone: string,
) {
  const before = await findSite(tx, { orgId: params.orgId, siteId: params.siteId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such site' });
  const changes = Object.fromEntries(
    Object.entries(params.changes).filter(([, value]) => value !== undefined),
  );
  const after = (await updateSite(tx, { orgId: params.orgId, siteId: params.siteId, changes }))!;
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'site.updated',
    entityType: 'site',
    entityId: params.siteId,
    before: toSite(before, zone),
    after: toSite(after, zone),
  });
  return toSite(after, zone);
}

export async function deleteOrgSite(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; siteId: string },
  zone: string,
) {
  const before = await findSite(tx, { orgId: params.orgId, siteId: params.siteId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such site' });
  await updateSite(tx, { ...params, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'site.deleted',
    entityType: 'site',
    entityId: params.siteId,
    before: toSite(before, zone),
  });
}
