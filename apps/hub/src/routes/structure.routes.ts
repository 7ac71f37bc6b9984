import {
  ZCreateDepartmentBody,
  ZCreateSiteBody,
  ZDepartment,
  ZSite,
  ZUpdateDepartmentBody,
  ZUpdateSiteBody,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as structure from '../services/structure.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/** The reads below open their scope READ ONLY: Postgres refuses any write, and COMMIT is not awaited. */
const READ = { readOnly: true } as const;

export function structureRoutes(deps: HubDeps) {
  const router = createRouter();
  const security = bearerSecurity;
  const ZDepartmentParams = ZOrgParams.extend({ departmentId: z.uuid() });
  const ZSiteParams = ZOrgParams.extend({ siteId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/departments',
      tags: ['Departments'],
      summary: 'Departments (flat list; build the tree from parentId)',
      security,
      middleware: [withPermission('departments.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZDepartment) }), 'Departments'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        {
          items: await c.var.orgScope(
            (tx) => structure.listOrgDepartments(tx, c.req.valid('param').orgId),
            READ,
          ),
        },
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/departments',
      tags: ['Departments'],
      summary: 'Create a department, optionally under a parent',
      security,
      middleware: [withPermission('departments.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateDepartmentBody) },
      responses: {
        201: jsonResponse(ZDepartment, 'Created'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => structure.createOrgDepartment(tx, actorContext(c), { orgId, ...body })),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/departments/{departmentId}',
      tags: ['Departments'],
      summary: 'One department',
      security,
      middleware: [withPermission('departments.read')] as const,
      request: { params: ZDepartmentParams },
      responses: { 200: jsonResponse(ZDepartment, 'The department'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, departmentId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => structure.getOrgDepartment(tx, orgId, departmentId), READ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/departments/{departmentId}',
      tags: ['Departments'],
      summary: 'Rename or move a department (no cycles), or set its manager (a member of the org)',
      security,
      middleware: [withPermission('departments.write')] as const,
      request: { params: ZDepartmentParams, body: jsonBody(ZUpdateDepartmentBody) },
      responses: {
        200: jsonResponse(ZDepartment, 'Updated'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, departmentId } = c.req.valid('param');
      const changes = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          structure.updateOrgDepartment(tx, actorContext(c), { orgId, departmentId, changes }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/departments/{departmentId}',
      tags: ['Departments'],
      summary: 'Delete a department with no live sub-departments (soft delete: history keeps it)',
      security,
      middleware: [withPermission('departments.write')] as const,
      request: { params: ZDepartmentParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) => structure.deleteOrgDepartment(deps, tx, actorContext(c), params));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/sites',
      tags: ['Sites'],
      summary: 'Sites (locations) with their effective time zone',
      security,
      middleware: [withPermission('sites.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZSite) }), 'Sites'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      // c.get, not c.var: Hono builds a new object of all the variables on every read of c.var.
      const zone = c.get('membership').organization.timeZone;
      const items = await c.get('orgScope')(
        (tx) => structure.listOrgSitesJson(tx, c.req.valid('param').orgId, zone),
        // One statement: COMMIT leaves with it.
        { ...READ, singleStatement: true },
      );
      // Postgres wrote the items as JSON: they go out as text rather than parsed and stringified again.
      return c.body(`{"items":${items}}`, 200, {
        'content-type': 'application/json',
      }) as unknown as TypedResponse<{ items: z.infer<typeof ZSite>[] }, 200, 'json'>;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/sites',
      tags: ['Sites'],
      summary: 'Create a site; give it a time zone when it differs from the organisation',
      security,
      middleware: [withPermission('sites.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateSiteBody) },
      responses: { 201: jsonResponse(ZSite, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          structure.createOrgSite(
            tx,
            actorContext(c),
            { orgId, ...body },
            c.var.membership.organization.timeZone,
          ),
        ),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/sites/{siteId}',
      tags: ['Sites'],
      summary: 'One site',
      security,
      middleware: [withPermission('sites.read')] as const,
      request: { params: ZSiteParams },
      responses: { 200: jsonResponse(ZSite, 'The site'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, siteId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope(
          (tx) => structure.getOrgSite(tx, orgId, siteId, c.var.membership.organization.timeZone),
          READ,
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/sites/{siteId}',
      tags: ['Sites'],
      summary: 'Change a site',
      security,
      middleware: [withPermission('sites.write')] as const,
      request: { params: ZSiteParams, body: jsonBody(ZUpdateSiteBody) },
      responses: { 200: jsonResponse(ZSite, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId, siteId } = c.req.valid('param');
      const changes = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          structure.updateOrgSite(
            tx,
            actorContext(c),
            { orgId, siteId, changes },
            c.var.membership.organization.timeZone,
          ),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/sites/{siteId}',
      tags: ['Sites'],
      summary: 'Delete a site (soft delete: history keeps it)',
      security,
      middleware: [withPermission('sites.write')] as const,
      request: { params: ZSiteParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) =>
        structure.deleteOrgSite(deps, tx, actorContext(c), params, c.var.membership.organization.timeZone),
      );
      return c.body(null, 204);
    },
  );

  return router;
}
