import type { TPermission } from '@clockface/contracts/api';
import { AppError, isUuid } from '@clockface/core';
import { withOrgScope } from '@clockface/db-hub';
import { findOrgAccess } from '@clockface/db-hub/queries';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { permissionsFor } from '../services/permissions';
import { readBearer } from './with-user-auth';

/**
 * Authenticates the caller and resolves their membership in `:orgId`, setting `actor`, `membership`
 * and `orgScope`, in one database round trip (this runs on every org-scoped request).
 *
 * The session check on every request is what makes logout and revocation act before the access
 * token expires. Another org's id, a malformed id and a missing org all answer the same 404, so the
 * API never confirms that an org exists to a non-member.
 */
export function withOrgMember(deps: HubDeps) {
  return createMiddleware<HubEnv>(async function withOrgMember(c, next) {
    const token = readBearer(c.req.header('authorization'));
    if (!token)
      throw new AppError('UNAUTHENTICATED', {
        message: 'Send an access token: Authorization: Bearer <token>',
      });
    const claims = await deps.accessTokens.verify(token);
    const orgId = c.req.param('orgId');
    // Checked before the query: a malformed id would otherwise be a database error.
    const validOrgId = orgId && isUuid(orgId) ? orgId : '00000000-0000-0000-0000-000000000000';
    const found = await findOrgAccess(deps.db, { ...claims, orgId: validOrgId, now: deps.clock.now() });
    if (!found) throw new AppError('UNAUTHENTICATED', { message: 'The session has ended. Log in again.' });
    c.set('actor', { ...found.user, userId: found.user.id, sessionId: claims.sessionId });
    if (!found.membership || !found.organization || validOrgId !== orgId) throw new AppError('NOT_FOUND');
    if (found.organization.status === 'suspended') {
      throw new AppError('ORGANIZATION_SUSPENDED', {
        message: 'This organisation is suspended. Contact support.',
      });
    }
    c.set('membership', {
      orgId: validOrgId,
      role: found.membership.role,
      customRoleId: found.membership.customRoleId,
      permissions: permissionsFor(found.membership.role, found.customPermissions),
      organization: found.organization,
    });
    c.set('orgScope', (work) => withOrgScope(deps.db, validOrgId, work));
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
