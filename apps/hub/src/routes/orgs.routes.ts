import {
  ZAuditEntry,
  ZAuditLogQuery,
  ZCreateCustomRoleBody,
  ZCreateOrganizationBody,
  ZCustomRole,
  ZMember,
  ZOrganization,
  ZUpdateCustomRoleBody,
  ZUpdateMemberBody,
  ZUpdateOrganizationBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import { withUserAuth } from '../middleware/with-user-auth';
import { listAuditLog } from '../services/audit.service';
import * as members from '../services/members.service';
import * as organizations from '../services/organizations.service';
import { toAuditEntry } from '../services/serializers';
import { getMe } from '../services/auth.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';

export const ZOrgParams = z.object({ orgId: z.uuid() });

/** Org-scoped routes: withUserAuth and withOrgMember run before these (see app.ts). */
export function orgRoutes(deps: HubDeps) {
  const router = createRouter();
  const security = bearerSecurity;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs',
      tags: ['Organizations'],
      summary: 'Organisations you belong to',
      security,
      middleware: [withUserAuth(deps)] as const,
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZOrganization) }), 'Your organisations'),
        ...problems(401),
      },
    }),
    async (c) => {
      const me = await getMe(deps, c.get('actor').userId);
      return c.json({ items: me.memberships.map((membership) => membership.organization) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs',
      tags: ['Organizations'],
      summary: 'Create another organisation (you become its owner)',
      security,
      middleware: [withUserAuth(deps)] as const,
      request: { body: jsonBody(ZCreateOrganizationBody) },
      responses: { 201: jsonResponse(ZOrganization, 'Created'), ...problems(400, 401, 415, 422) },
    }),
    async (c) =>
      c.json(await organizations.createOrganizationForUser(deps, actorContext(c), c.req.valid('json')), 201),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}',
      tags: ['Organizations'],
      summary: 'Organisation settings',
      security,
      request: { params: ZOrgParams },
      responses: { 200: jsonResponse(ZOrganization, 'The organisation'), ...problems(401, 403, 404) },
    }),
    async (c) =>
      c.json(
        await c.var.orgScope((tx) => organizations.getOrganization(tx, c.req.valid('param').orgId)),
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}',
      tags: ['Organizations'],
      summary: 'Change organisation settings (name, time zone, week start, locale, timesheet periods)',
      description:
        'A new period setting keeps submitted, approved and locked timesheets as they are and re-cuts the ' +
        'open ones after the last of them (see `periodEffectiveFrom`); 409 when a date asked for overlaps one.',
      security,
      middleware: [withPermission('org.update')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZUpdateOrganizationBody) },
      responses: {
        200: jsonResponse(ZOrganization, 'Updated'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          organizations.updateOrganizationSettings(tx, actorContext(c), orgId, body),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/members',
      tags: ['Members'],
      summary: 'Members and their roles',
      security,
      middleware: [withPermission('members.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZMember) }), 'Members'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        { items: await c.var.orgScope((tx) => members.listOrgMembers(tx, c.req.valid('param').orgId)) },
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/members/{userId}',
      tags: ['Members'],
      summary: "Change a member's role (the last owner cannot be demoted)",
      security,
      middleware: [withPermission('members.write')] as const,
      request: { params: ZOrgParams.extend({ userId: z.uuid() }), body: jsonBody(ZUpdateMemberBody) },
      responses: { 200: jsonResponse(ZMember, 'Updated'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const body = c.req.valid('json');
      const member = await c.var.orgScope((tx) =>
        members.changeMemberRole(tx, actorContext(c), c.var.membership, { orgId, userId, ...body }),
      );
      return c.json(member, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/members/{userId}',
      tags: ['Members'],
      summary: 'Remove a member (the last owner cannot be removed)',
      security,
      middleware: [withPermission('members.write')] as const,
      request: { params: ZOrgParams.extend({ userId: z.uuid() }) },
      responses: { 204: { description: 'Removed' }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) => members.removeMember(tx, actorContext(c), c.var.membership, params));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/roles',
      tags: ['Roles'],
      summary: 'Custom roles',
      security,
      middleware: [withPermission('members.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZCustomRole) }), 'Roles'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        { items: await c.var.orgScope((tx) => members.listOrgCustomRoles(tx, c.req.valid('param').orgId)) },
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/roles',
      tags: ['Roles'],
      summary: 'Create a custom role from a set of permissions',
      security,
      middleware: [withPermission('roles.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateCustomRoleBody) },
      responses: {
        201: jsonResponse(ZCustomRole, 'Created'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => members.createOrgCustomRole(tx, actorContext(c), { orgId, ...body })),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/roles/{roleId}',
      tags: ['Roles'],
      summary: 'Change a custom role',
      security,
      middleware: [withPermission('roles.write')] as const,
      request: { params: ZOrgParams.extend({ roleId: z.uuid() }), body: jsonBody(ZUpdateCustomRoleBody) },
      responses: {
        200: jsonResponse(ZCustomRole, 'Updated'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, roleId } = c.req.valid('param');
      const changes = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          members.updateOrgCustomRole(tx, actorContext(c), { orgId, roleId, changes }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/roles/{roleId}',
      tags: ['Roles'],
      summary: 'Delete a custom role no member holds',
      security,
      middleware: [withPermission('roles.write')] as const,
      request: { params: ZOrgParams.extend({ roleId: z.uuid() }) },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) => members.deleteOrgCustomRole(tx, actorContext(c), params));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/audit-log',
      tags: ['Audit log'],
      summary: 'Who changed what and when, newest first (cursor pagination)',
      security,
      middleware: [withPermission('audit.read')] as const,
      request: { params: ZOrgParams, query: ZAuditLogQuery },
      responses: {
        200: jsonResponse(pageOf(ZAuditEntry), 'A page of entries'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      const page = await c.var.orgScope((tx) =>
        listAuditLog(tx, {
          orgId,
          limit: query.limit,
          cursor: query.cursor,
          action: query.action,
          entityType: query.entityType,
          entityId: query.entityId,
          actorUserId: query.actorUserId,
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
        }),
      );
      return c.json({ items: page.items.map(toAuditEntry), nextCursor: page.nextCursor }, 200);
    },
  );

  return router;
}
