import { ZOrganization, ZPageQuery, ZSuspendOrganizationBody, ZUuid, pageOf } from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withSuperadmin, withUserAuth } from '../middleware/with-user-auth';
import * as organizations from '../services/organizations.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';

const ZPlatformOrganization = ZOrganization.extend({
  memberCount: z.number().int(),
  suspendedAt: z.string().nullable(),
  suspendedReason: z.string().nullable(),
}).meta({ id: 'PlatformOrganization' });

/** Platform administration: super-admins only (created by the CLI, never by signup). */
export function adminRoutes(deps: HubDeps) {
  const router = createRouter();
  const requireUser = withUserAuth(deps);
  const requireSuperadmin = withSuperadmin();
  const tags = ['Platform admin'];

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/organizations',
      tags,
      summary: 'Every organisation on this hub',
      security: bearerSecurity,
      middleware: [requireUser, requireSuperadmin],
      request: { query: ZPageQuery.extend({ cursor: ZUuid.optional() }) },
      responses: {
        200: jsonResponse(pageOf(ZPlatformOrganization), 'A page of organisations'),
        ...problems(401, 404, 422),
      },
    }),
    async (c) => c.json(await organizations.listAllOrganizations(deps, c.req.valid('query')), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/admin/organizations/{orgId}/suspend',
      tags,
      summary: 'Suspend an organisation: its users and devices get 403 until it is reactivated',
      security: bearerSecurity,
      middleware: [requireUser, requireSuperadmin],
      request: { params: z.object({ orgId: z.uuid() }), body: jsonBody(ZSuspendOrganizationBody) },
      responses: { 200: jsonResponse(ZOrganization, 'Suspended'), ...problems(400, 401, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      return c.json(
        await organizations.setSuspension(deps, { ...actorContext(c), actorType: 'superadmin' }, orgId, {
          suspended: true,
          reason,
        }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/admin/organizations/{orgId}/reactivate',
      tags,
      summary: 'Lift a suspension',
      security: bearerSecurity,
      middleware: [requireUser, requireSuperadmin],
      request: { params: z.object({ orgId: z.uuid() }) },
      responses: { 200: jsonResponse(ZOrganization, 'Active again'), ...problems(401, 404) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(
        await organizations.setSuspension(deps, { ...actorContext(c), actorType: 'superadmin' }, orgId, {
          suspended: false,
        }),
        200,
      );
    },
  );

  return router;
}
