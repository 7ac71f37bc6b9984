import type { TPermission } from '@clockface/contracts/api';
import { AppError, isUuid } from '@clockface/core';
import { withOrgScope } from '@clockface/db-hub';
import { findMembershipWithOrganization } from '@clockface/db-hub/queries';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { permissionsFor } from '../services/permissions';

/**
 * Resolves the caller's membership in `:orgId` and sets `membership` and `orgScope`.
 * Must run after withUserAuth. Another org's id, a malformed id and a missing org all answer the
 * same 404, so the API never confirms that an org exists to a non-member.
 */
export function withOrgMember(deps: HubDeps) {
  return createMiddleware<HubEnv>(async function withOrgMember(c, next) {
    const orgId = c.req.param('orgId');
    if (!orgId || !isUuid(orgId)) throw new AppError('NOT_FOUND');
    const found = await findMembershipWithOrganization(deps.db, { orgId, userId: c.get('actor').userId });
    if (!found) throw new AppError('NOT_FOUND');
    if (found.organization.status === 'suspended') {
      throw new AppError('ORGANIZATION_SUSPENDED', {
        message: 'This organisation is suspended. Contact support.',
      });
    }
    c.set('membership', {
      orgId,
      role: found.membership.role,
      customRoleId: found.membership.customRoleId,
      permissions: permissionsFor(found.membership.role, found.customPermissions),
    });
    c.set('orgScope', (work) => withOrgScope(deps.db, orgId, work));
    await next();
  });
}

/** The one permission check every org route uses. */
export function withPermission(permission: TPermission) {
  return createMiddleware<HubEnv>(async function withPermission(c, next) {
    if (!c.get('membership').permissions.has(permission)) {
      throw new AppError('FORBIDDEN', { message: `Your role lacks the "${permission}" permission` });
    }
    await next();
  });
}
