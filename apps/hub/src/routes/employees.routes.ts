import {
  ZCreateEmployeeBody,
  ZEmployee,
  ZEmployeeListQuery,
  ZRehireEmployeeBody,
  ZTerminateEmployeeBody,
  ZUpdateEmployeeBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as employees from '../services/employees.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function employeeRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Employees'];
  const security = bearerSecurity;
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees',
      tags,
      summary: 'Employees in name order; filter by status, department, site or text (name, code, email)',
      security,
      middleware: [withPermission('employees.read')] as const,
      request: { params: ZOrgParams, query: ZEmployeeListQuery },
      responses: {
        200: jsonResponse(pageOf(ZEmployee), 'A page of employees'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => employees.listOrgEmployees(tx, { orgId, ...query })), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees',
      tags,
      summary: 'Add an employee (optionally with a kiosk PIN)',
      security,
      middleware: [withPermission('employees.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateEmployeeBody) },
      responses: { 201: jsonResponse(ZEmployee, 'Created'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => employees.createOrgEmployee(tx, actorContext(c), orgId, body)),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}',
      tags,
      summary: 'One employee',
      security,
      middleware: [withPermission('employees.read')] as const,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZEmployee, 'The employee'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => employees.getOrgEmployee(tx, orgId, employeeId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/employees/{employeeId}',
      tags,
      summary: 'Change an employee (a null PIN removes it)',
      security,
      middleware: [withPermission('employees.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZUpdateEmployeeBody) },
      responses: { 200: jsonResponse(ZEmployee, 'Updated'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          employees.updateOrgEmployee(tx, actorContext(c), orgId, employeeId, body),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/terminate',
      tags,
      summary:
        'End employment on a date: history stays, the employee leaves the kiosks (a future date is scheduled: active until the day after it)',
      security,
      middleware: [withPermission('employees.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZTerminateEmployeeBody) },
      responses: {
        200: jsonResponse(ZEmployee, 'Terminated, or the termination scheduled'),
        ...problems(400, 401, 403, 404, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const { terminationDate } = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          employees.terminateOrgEmployee(deps, tx, actorContext(c), orgId, employeeId, terminationDate),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/rehire',
      tags,
      summary:
        'Take a terminated employee back on a new hire date, or cancel a scheduled termination (what the termination ended stays ended)',
      security,
      middleware: [withPermission('employees.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZRehireEmployeeBody) },
      responses: { 200: jsonResponse(ZEmployee, 'Rehired'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          employees.rehireOrgEmployee(tx, actorContext(c), orgId, employeeId, body),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/employees/{employeeId}',
      tags,
      summary: 'Delete an employee record (soft delete: reports that used it stay right)',
      security,
      middleware: [withPermission('employees.write')] as const,
      request: { params: ZEmployeeParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      await c.var.orgScope((tx) => employees.deleteOrgEmployee(deps, tx, actorContext(c), orgId, employeeId));
      return c.body(null, 204);
    },
  );

  return router;
}
