import {
  ZAddTeamMemberBody,
  ZCreateTeamBody,
  ZTeam,
  ZTeamListQuery,
  ZTeamMember,
  ZUpdateTeamBody,
  ZUpdateTeamMemberBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as teams from '../services/teams.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function teamRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Teams'];
  const security = bearerSecurity;
  const ZTeamParams = ZOrgParams.extend({ teamId: z.uuid() });
  const ZTeamMemberParams = ZTeamParams.extend({ employeeId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/teams',
      tags,
      summary: 'Teams in name order; filter by department',
      security,
      middleware: [withPermission('teams.read')] as const,
      request: { params: ZOrgParams, query: ZTeamListQuery },
      responses: { 200: jsonResponse(pageOf(ZTeam), 'A page of teams'), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => teams.listOrgTeams(tx, { orgId, ...query })), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/teams',
      tags,
      summary: 'Add a team (its manager user sees and approves its members’ time)',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateTeamBody) },
      responses: { 201: jsonResponse(ZTeam, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(await c.var.orgScope((tx) => teams.createOrgTeam(tx, actorContext(c), orgId, body)), 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/teams/{teamId}',
      tags,
      summary: 'One team (deleted ones too, for reports)',
      security,
      middleware: [withPermission('teams.read')] as const,
      request: { params: ZTeamParams },
      responses: { 200: jsonResponse(ZTeam, 'The team'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, teamId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => teams.getOrgTeam(tx, orgId, teamId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/teams/{teamId}',
      tags,
      summary: 'Change a team (name, department, manager)',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZTeamParams, body: jsonBody(ZUpdateTeamBody) },
      responses: { 200: jsonResponse(ZTeam, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId, teamId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => teams.updateOrgTeam(tx, actorContext(c), orgId, teamId, body)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/teams/{teamId}',
      tags,
      summary: 'Delete a team (soft)',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZTeamParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, teamId } = c.req.valid('param');
      await c.var.orgScope((tx) => teams.deleteOrgTeam(deps, tx, actorContext(c), orgId, teamId));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/teams/{teamId}/members',
      tags,
      summary: 'Members of a team with their allocation',
      security,
      middleware: [withPermission('teams.read')] as const,
      request: { params: ZTeamParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZTeamMember) }), 'Team members'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const { orgId, teamId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => teams.listOrgTeamMembers(tx, orgId, teamId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/teams/{teamId}/members',
      tags,
      summary: 'Add an employee to a team (allocation 1–100 %, default 100)',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZTeamParams, body: jsonBody(ZAddTeamMemberBody) },
      responses: { 201: jsonResponse(ZTeamMember, 'Added'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId, teamId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => teams.addOrgTeamMember(tx, actorContext(c), { orgId, teamId, ...body })),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/teams/{teamId}/members/{employeeId}',
      tags,
      summary: 'Change a member’s allocation (409 past 100 % over all their teams)',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZTeamMemberParams, body: jsonBody(ZUpdateTeamMemberBody) },
      responses: {
        200: jsonResponse(ZTeamMember, 'Updated'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const { allocationPercent } = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          teams.updateOrgTeamMember(tx, actorContext(c), { ...params, allocationPercent }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/teams/{teamId}/members/{employeeId}',
      tags,
      summary: 'Remove an employee from a team',
      security,
      middleware: [withPermission('teams.write')] as const,
      request: { params: ZTeamMemberParams },
      responses: { 204: { description: 'Removed' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) => teams.removeOrgTeamMember(tx, actorContext(c), params));
      return c.body(null, 204);
    },
  );

  return router;
}
