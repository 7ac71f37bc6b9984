/** @module Organisations: creation by a user, settings, and the platform super-admin's controls. */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createMembership,
  createOrganization,
  findOrganization,
  listOrganizations,
  setOrganizationStatus,
  updateOrganization,
  type OrganizationRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { toOrganization } from './serializers';
import { recutPeriods } from './timesheets.service';

export interface NewOrganizationInput {
  name: string;
  timeZone?: string | undefined;
  weekStart?: number | undefined;
  locale?: string | undefined;
}

/** Creates an org owned by `actor.actorUserId`, inside the caller's transaction (signup uses it too). */
export async function createOrganizationWithOwner(
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  input: NewOrganizationInput,
) {
  const organization = await createOrganization(tx, {
    name: input.name,
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    ...(input.weekStart ? { weekStart: input.weekStart } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
  });
  await createMembership(tx, { orgId: organization.id, userId: actor.actorUserId, role: 'owner' });
  await recordAudit(tx, actor, {
    orgId: organization.id,
    action: 'organization.created',
    entityType: 'organization',
    entityId: organization.id,
    after: toOrganization(organization),
  });
  return toOrganization(organization);
}

export async function createOrganizationForUser(
  deps: HubDeps,
  actor: ActorContext & { actorUserId: string },
  input: NewOrganizationInput,
) {
  return deps.db.transaction((tx) => createOrganizationWithOwner(tx, actor, input));
}

export async function getOrganization(tx: Database, orgId: string) {
  const organization = await findOrganization(tx, { orgId });
  if (!organization) throw new AppError('NOT_FOUND');
  return toOrganization(organization);
}

export async function updateOrganizationSettings(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  body: Partial<
    Pick<
      OrganizationRow,
      'name' | 'timeZone' | 'weekStart' | 'locale' | 'periodFrequency' | 'periodAnchorDate'
    >
  > & { periodEffectiveFrom?: string | undefined },
) {
  const { periodEffectiveFrom, ...changes } = body;
  const before = await findOrganization(tx, { orgId });
  if (!before) throw new AppError('NOT_FOUND');
  // A new period setting re-cuts the open timesheets from the right date (timesheets.service).
  const recut = await recutPeriods(tx, actor, before, changes, periodEffectiveFrom);
  const after = await updateOrganization(tx, { orgId, changes: { ...changes, ...recut } });
  if (!after) throw new AppError('NOT_FOUND');
  await recordAudit(tx, actor, {
    orgId,
    action: 'organization.updated',
    entityType: 'organization',
    entityId: orgId,
    before: toOrganization(before),
    after: toOrganization(after),
  });
  return toOrganization(after);
}

export async function listAllOrganizations(
  deps: HubDeps,
  page: { limit: number; cursor?: string | undefined },
) {
  const rows = await listOrganizations(deps.db, page);
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(({ organization, memberCount }) => ({
      ...toOrganization(organization),
      memberCount,
      suspendedAt: organization.suspendedAt?.toISOString() ?? null,
      suspendedReason: organization.suspendedReason,
    })),
    nextCursor: rows.length > page.limit ? (items.at(-1)?.organization.id ?? null) : null,
  };
}

export async function setSuspension(
  deps: HubDeps,
  actor: ActorContext,
  orgId: string,
  suspension: { suspended: true; reason: string } | { suspended: false },
) {
  return deps.db.transaction(async (tx) => {
    const before = await findOrganization(tx, { orgId });
    if (!before) throw new AppError('NOT_FOUND');
    const after = await setOrganizationStatus(tx, {
      orgId,
      status: suspension.suspended ? 'suspended' : 'active',
      reason: suspension.suspended ? suspension.reason : null,
      now: deps.clock.now(),
    });
    await recordAudit(tx, actor, {
      orgId,
      action: suspension.suspended ? 'organization.suspended' : 'organization.reactivated',
      entityType: 'organization',
      entityId: orgId,
      before: { status: before.status },
      after: { status: after!.status, reason: after!.suspendedReason },
    });
    return toOrganization(after!);
  });
}
