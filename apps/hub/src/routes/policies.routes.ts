import { ZResolvedTimeRules, ZTimePolicy, ZTimeRulesOverride } from '@clockface/contracts/api';
import type { TimePolicyTarget } from '@clockface/db-hub/queries';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as policies from '../services/policies.service';
import { assertEmployeeInScope } from '../services/visibility.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';
import { scopeFor } from './schedules.routes';

export function policyRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Time policies'];
  const security = bearerSecurity;
  const ZSiteParams = ZOrgParams.extend({ siteId: z.uuid() });
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/time-policies',
      tags,
      summary: 'Every policy layer of the organisation: the org layer, then site and employee overrides',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZTimePolicy) }), 'Policy layers'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => policies.listOrgPolicies(tx, orgId)), 200);
    },
  );

  // The three layers share one shape; only the target and the path differ.
  const layers = [
    { name: 'org', path: '/api/orgs/{orgId}/time-policies/org', params: ZOrgParams, removable: false },
    {
      name: 'site',
      path: '/api/orgs/{orgId}/sites/{siteId}/time-policy',
      params: ZSiteParams,
      removable: true,
    },
    {
      name: 'employee',
      path: '/api/orgs/{orgId}/employees/{employeeId}/time-policy',
      params: ZEmployeeParams,
      removable: true,
    },
  ] as const;
  const targetOf = (params: { siteId?: string; employeeId?: string }): TimePolicyTarget =>
    params.siteId
      ? { scope: 'site', siteId: params.siteId }
      : params.employeeId
        ? { scope: 'employee', employeeId: params.employeeId }
        : { scope: 'org' };

  for (const layer of layers) {
    router.openapi(
      createRoute({
        method: 'get',
        path: layer.path,
        tags,
        summary: `The ${layer.name} layer of time and compliance rules (404 when none is set)`,
        security,
        middleware: [withPermission('schedules.read')] as const,
        request: { params: layer.params },
        responses: { 200: jsonResponse(ZTimePolicy, 'The policy layer'), ...problems(401, 403, 404) },
      }),
      async (c) => {
        const params = c.req.valid('param') as { orgId: string; siteId?: string; employeeId?: string };
        return c.json(
          await c.var.orgScope((tx) => policies.getOrgPolicy(tx, params.orgId, targetOf(params))),
          200,
        );
      },
    );

    router.openapi(
      createRoute({
        method: 'put',
        path: layer.path,
        tags,
        summary: `Set the ${layer.name} layer (replaces it whole; affected employees are recomputed from the start of the current period)`,
        security,
        middleware: [withPermission('policies.write')] as const,
        request: { params: layer.params, body: jsonBody(ZTimeRulesOverride) },
        responses: {
          200: jsonResponse(ZTimePolicy, 'The policy layer'),
          ...problems(400, 401, 403, 404, 415, 422),
        },
      }),
      async (c) => {
        const params = c.req.valid('param') as { orgId: string; siteId?: string; employeeId?: string };
        const rules = c.req.valid('json');
        const organization = c.var.membership.organization;
        return c.json(
          await c.var.orgScope((tx) =>
            policies.putOrgPolicy(deps, tx, actorContext(c), {
              organization,
              target: targetOf(params),
              rules,
            }),
          ),
          200,
        );
      },
    );

    if (layer.removable) {
      router.openapi(
        createRoute({
          method: 'delete',
          path: layer.path,
          tags,
          summary: `Remove the ${layer.name} layer (the layers below apply again)`,
          security,
          middleware: [withPermission('policies.write')] as const,
          request: { params: layer.params },
          responses: { 204: { description: 'Removed' }, ...problems(401, 403, 404) },
        }),
        async (c) => {
          const params = c.req.valid('param') as { orgId: string; siteId?: string; employeeId?: string };
          const organization = c.var.membership.organization;
          await c.var.orgScope((tx) =>
            policies.deleteOrgPolicy(deps, tx, actorContext(c), { organization, target: targetOf(params) }),
          );
          return c.body(null, 204);
        },
      );
    }
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/time-rules',
      tags,
      summary:
        'The rules in force for an employee (defaults ← org ← home site ← employee), with each layer; everyone may read their own',
      security,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZResolvedTimeRules, 'Resolved rules'), ...problems(401, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope(async (tx) => {
          assertEmployeeInScope(await scopeFor(c, tx, 'schedules.read'), employeeId);
          return policies.getResolvedRules(tx, orgId, employeeId);
        }),
        200,
      );
    },
  );

  return router;
}
