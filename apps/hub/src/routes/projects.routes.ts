import {
  ZAddProjectMemberBody,
  ZClient,
  ZCreateClientBody,
  ZCreateProjectBody,
  ZCreateProjectCategoryBody,
  ZCreateTaskBody,
  ZPageQuery,
  ZProject,
  ZProjectCategory,
  ZProjectListQuery,
  ZProjectMember,
  ZTask,
  ZUpdateClientBody,
  ZUpdateProjectBody,
  ZUpdateProjectCategoryBody,
  ZUpdateProjectMemberBody,
  ZUpdateTaskBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as projects from '../services/projects.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function projectRoutes(deps: HubDeps) {
  const router = createRouter();
  const security = bearerSecurity;
  const ZClientParams = ZOrgParams.extend({ clientId: z.uuid() });
  const ZCategoryParams = ZOrgParams.extend({ categoryId: z.uuid() });
  const ZProjectParams = ZOrgParams.extend({ projectId: z.uuid() });
  const ZMemberParams = ZProjectParams.extend({ employeeId: z.uuid() });
  const ZTaskParams = ZProjectParams.extend({ taskId: z.uuid() });
  const deleted = { 204: { description: 'Deleted' }, ...problems(401, 403, 404) };

  // Clients ----------------------------------------------------------------------------------
  {
    const tags = ['Clients'];
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/clients',
        tags,
        summary: 'Clients in name order (deleted ones are left out)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZOrgParams, query: ZPageQuery },
        responses: {
          200: jsonResponse(pageOf(ZClient), 'A page of clients'),
          ...problems(401, 403, 404, 422),
        },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const query = c.req.valid('query');
        return c.json(await c.var.orgScope((tx) => projects.listOrgClients(tx, { orgId, ...query })), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/clients',
        tags,
        summary: 'Add a client',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZOrgParams, body: jsonBody(ZCreateClientBody) },
        responses: { 201: jsonResponse(ZClient, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const body = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) => projects.createOrgClient(tx, actorContext(c), orgId, body)),
          201,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/clients/{clientId}',
        tags,
        summary: 'One client (deleted ones too, for reports)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZClientParams },
        responses: { 200: jsonResponse(ZClient, 'The client'), ...problems(401, 403, 404) },
      }),
      async (c) => {
        const { orgId, clientId } = c.req.valid('param');
        return c.json(await c.var.orgScope((tx) => projects.getOrgClient(tx, orgId, clientId)), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/api/orgs/{orgId}/clients/{clientId}',
        tags,
        summary: 'Change a client',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZClientParams, body: jsonBody(ZUpdateClientBody) },
        responses: { 200: jsonResponse(ZClient, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
      }),
      async (c) => {
        const { orgId, clientId } = c.req.valid('param');
        const input = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.updateOrgClient(tx, actorContext(c), { orgId, clientId, input }),
          ),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/clients/{clientId}',
        tags,
        summary: 'Delete a client (soft: its projects and reports keep it)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZClientParams },
        responses: deleted,
      }),
      async (c) => {
        const { orgId, clientId } = c.req.valid('param');
        await c.var.orgScope((tx) => projects.deleteOrgClient(deps, tx, actorContext(c), orgId, clientId));
        return c.body(null, 204);
      },
    );
  }

  // Project categories -------------------------------------------------------------------------
  {
    const tags = ['Project categories'];
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/project-categories',
        tags,
        summary: 'Project categories in name order',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZOrgParams, query: ZPageQuery },
        responses: {
          200: jsonResponse(pageOf(ZProjectCategory), 'A page of categories'),
          ...problems(401, 403, 404, 422),
        },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const query = c.req.valid('query');
        return c.json(
          await c.var.orgScope((tx) => projects.listOrgProjectCategories(tx, { orgId, ...query })),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/project-categories',
        tags,
        summary: 'Add a project category',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZOrgParams, body: jsonBody(ZCreateProjectCategoryBody) },
        responses: {
          201: jsonResponse(ZProjectCategory, 'Created'),
          ...problems(400, 401, 403, 404, 415, 422),
        },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const body = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) => projects.createOrgProjectCategory(tx, actorContext(c), orgId, body)),
          201,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/project-categories/{categoryId}',
        tags,
        summary: 'One project category (deleted ones too)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZCategoryParams },
        responses: { 200: jsonResponse(ZProjectCategory, 'The category'), ...problems(401, 403, 404) },
      }),
      async (c) => {
        const { orgId, categoryId } = c.req.valid('param');
        return c.json(
          await c.var.orgScope((tx) => projects.getOrgProjectCategory(tx, orgId, categoryId)),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/api/orgs/{orgId}/project-categories/{categoryId}',
        tags,
        summary: 'Change a project category',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZCategoryParams, body: jsonBody(ZUpdateProjectCategoryBody) },
        responses: {
          200: jsonResponse(ZProjectCategory, 'Updated'),
          ...problems(400, 401, 403, 404, 415, 422),
        },
      }),
      async (c) => {
        const { orgId, categoryId } = c.req.valid('param');
        const input = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.updateOrgProjectCategory(tx, actorContext(c), { orgId, categoryId, input }),
          ),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/project-categories/{categoryId}',
        tags,
        summary: 'Delete a project category (soft)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZCategoryParams },
        responses: deleted,
      }),
      async (c) => {
        const { orgId, categoryId } = c.req.valid('param');
        await c.var.orgScope((tx) =>
          projects.deleteOrgProjectCategory(deps, tx, actorContext(c), orgId, categoryId),
        );
        return c.body(null, 204);
      },
    );
  }

  // Projects and their members -------------------------------------------------------------------
  {
    const tags = ['Projects'];
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/projects',
        tags,
        summary: 'Projects in name order; filter by status, client, category or text (name, code)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZOrgParams, query: ZProjectListQuery },
        responses: {
          200: jsonResponse(pageOf(ZProject), 'A page of projects'),
          ...problems(401, 403, 404, 422),
        },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const query = c.req.valid('query');
        return c.json(await c.var.orgScope((tx) => projects.listOrgProjects(tx, { orgId, ...query })), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/projects',
        tags,
        summary: 'Add a project (budget in minutes and/or money in minor units with a currency)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZOrgParams, body: jsonBody(ZCreateProjectBody) },
        responses: { 201: jsonResponse(ZProject, 'Created'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      }),
      async (c) => {
        const { orgId } = c.req.valid('param');
        const body = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) => projects.createOrgProject(tx, actorContext(c), orgId, body)),
          201,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/projects/{projectId}',
        tags,
        summary: 'One project (deleted ones too, for reports)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZProjectParams },
        responses: { 200: jsonResponse(ZProject, 'The project'), ...problems(401, 403, 404) },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        return c.json(await c.var.orgScope((tx) => projects.getOrgProject(tx, orgId, projectId)), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/api/orgs/{orgId}/projects/{projectId}',
        tags,
        summary: 'Change a project',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZProjectParams, body: jsonBody(ZUpdateProjectBody) },
        responses: { 200: jsonResponse(ZProject, 'Updated'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        const input = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.updateOrgProject(tx, actorContext(c), { orgId, projectId, input }),
          ),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/projects/{projectId}',
        tags,
        summary: 'Delete a project (soft: time booked on it keeps it; it leaves lists and pickers)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZProjectParams },
        responses: deleted,
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        await c.var.orgScope((tx) => projects.deleteOrgProject(deps, tx, actorContext(c), orgId, projectId));
        return c.body(null, 204);
      },
    );
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/projects/{projectId}/members',
        tags,
        summary: 'The people on a project, with their roles',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZProjectParams },
        responses: {
          200: jsonResponse(z.object({ items: z.array(ZProjectMember) }), 'Project members'),
          ...problems(401, 403, 404),
        },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        return c.json(
          await c.var.orgScope((tx) => projects.listOrgProjectMembers(tx, orgId, projectId)),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/projects/{projectId}/members',
        tags,
        summary: 'Put an employee on a project (role lead, member or viewer)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZProjectParams, body: jsonBody(ZAddProjectMemberBody) },
        responses: {
          201: jsonResponse(ZProjectMember, 'Added'),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        const body = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.addOrgProjectMember(tx, actorContext(c), { orgId, projectId, ...body }),
          ),
          201,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/api/orgs/{orgId}/projects/{projectId}/members/{employeeId}',
        tags,
        summary: 'Change a project member’s role or rate',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZMemberParams, body: jsonBody(ZUpdateProjectMemberBody) },
        responses: {
          200: jsonResponse(ZProjectMember, 'Updated'),
          ...problems(400, 401, 403, 404, 415, 422),
        },
      }),
      async (c) => {
        const params = c.req.valid('param');
        const changes = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.updateOrgProjectMember(tx, actorContext(c), { ...params, changes }),
          ),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/projects/{projectId}/members/{employeeId}',
        tags,
        summary: 'Take an employee off a project',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZMemberParams },
        responses: { 204: { description: 'Removed' }, ...problems(401, 403, 404) },
      }),
      async (c) => {
        const params = c.req.valid('param');
        await c.var.orgScope((tx) => projects.removeOrgProjectMember(tx, actorContext(c), params));
        return c.body(null, 204);
      },
    );
  }

  // Tasks ----------------------------------------------------------------------------------------
  {
    const tags = ['Tasks'];
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/projects/{projectId}/tasks',
        tags,
        summary: 'A project’s tasks, flat, by position (build the tree from parentId)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZProjectParams },
        responses: {
          200: jsonResponse(z.object({ items: z.array(ZTask) }), 'Tasks'),
          ...problems(401, 403, 404),
        },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        return c.json(await c.var.orgScope((tx) => projects.listOrgTasks(tx, orgId, projectId)), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/projects/{projectId}/tasks',
        tags,
        summary: 'Add a task, or a subtask with parentId (a task of the same project)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZProjectParams, body: jsonBody(ZCreateTaskBody) },
        responses: { 201: jsonResponse(ZTask, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
      }),
      async (c) => {
        const { orgId, projectId } = c.req.valid('param');
        const input = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) =>
            projects.createOrgTask(tx, actorContext(c), { orgId, projectId, input }),
          ),
          201,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/projects/{projectId}/tasks/{taskId}',
        tags,
        summary: 'One task (deleted ones too, for reports)',
        security,
        middleware: [withPermission('projects.read')] as const,
        request: { params: ZTaskParams },
        responses: { 200: jsonResponse(ZTask, 'The task'), ...problems(401, 403, 404) },
      }),
      async (c) => {
        const params = c.req.valid('param');
        return c.json(await c.var.orgScope((tx) => projects.getOrgTask(tx, params)), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/api/orgs/{orgId}/projects/{projectId}/tasks/{taskId}',
        tags,
        summary: 'Change a task: progress, status, or move it under another parent (no cycles)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZTaskParams, body: jsonBody(ZUpdateTaskBody) },
        responses: { 200: jsonResponse(ZTask, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
      }),
      async (c) => {
        const params = c.req.valid('param');
        const input = c.req.valid('json');
        return c.json(
          await c.var.orgScope((tx) => projects.updateOrgTask(tx, actorContext(c), { ...params, input })),
          200,
        );
      },
    );
    router.openapi(
      createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/projects/{projectId}/tasks/{taskId}',
        tags,
        summary: 'Delete a task and its subtasks (soft: time booked on them keeps them)',
        security,
        middleware: [withPermission('projects.write')] as const,
        request: { params: ZTaskParams },
        responses: deleted,
      }),
      async (c) => {
        const params = c.req.valid('param');
        await c.var.orgScope((tx) => projects.deleteOrgTask(deps, tx, actorContext(c), params));
        return c.body(null, 204);
      },
    );
  }

  return router;
}
