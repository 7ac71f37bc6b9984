import {
  ZCreateShiftAssignmentBody,
  ZCreateShiftPatternBody,
  ZCreateShiftTemplateBody,
  ZEmployeeSchedule,
  ZScheduleQuery,
  ZShiftAssignment,
  ZShiftAssignmentListQuery,
  ZShiftPattern,
  ZShiftPatternListQuery,
  ZShiftTemplate,
  ZShiftTemplateListQuery,
  ZUpdateShiftPatternBody,
  ZUpdateShiftTemplateBody,
  pageOf,
  type TPermission,
} from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import { getLocalDate } from '@clockface/timekeeping';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { withPermission } from '../middleware/with-org-member';
import * as schedules from '../services/schedules.service';
import { resolveEmployeeScope } from '../services/visibility.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/** Whose schedules the caller may see or change: admins all, managers their people, everyone else their own. */
export const scopeFor = (c: Context<HubEnv>, tx: Database, permission: TPermission) =>
  resolveEmployeeScope(tx, { membership: c.var.membership, userId: c.var.actor.userId, permission });

export function scheduleRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Schedules'];
  const security = bearerSecurity;
  const ZTemplateParams = ZOrgParams.extend({ shiftTemplateId: z.uuid() });
  const ZPatternParams = ZOrgParams.extend({ shiftPatternId: z.uuid() });
  const ZAssignmentParams = ZOrgParams.extend({ shiftAssignmentId: z.uuid() });
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/shift-templates',
      tags,
      summary: 'Shift templates in name order (deleted ones are left out)',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZOrgParams, query: ZShiftTemplateListQuery },
      responses: {
        200: jsonResponse(pageOf(ZShiftTemplate), 'A page of shift templates'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(
        await c.var.orgScope((tx) => schedules.listOrgShiftTemplates(tx, { orgId, ...query })),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/shift-templates',
      tags,
      summary: 'Add a shift template (an end at or before the start is an overnight shift)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateShiftTemplateBody) },
      responses: { 201: jsonResponse(ZShiftTemplate, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => schedules.createOrgShiftTemplate(tx, actorContext(c), orgId, body)),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/shift-templates/{shiftTemplateId}',
      tags,
      summary: 'One shift template (deleted ones too: past schedules name them)',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZTemplateParams },
      responses: { 200: jsonResponse(ZShiftTemplate, 'The shift template'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, shiftTemplateId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => schedules.getOrgShiftTemplate(tx, orgId, shiftTemplateId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/shift-templates/{shiftTemplateId}',
      tags,
      summary: 'Change a shift template; schedules using it in the current period are recomputed',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZTemplateParams, body: jsonBody(ZUpdateShiftTemplateBody) },
      responses: { 200: jsonResponse(ZShiftTemplate, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { shiftTemplateId } = c.req.valid('param');
      const input = c.req.valid('json');
      const organization = c.var.membership.organization;
      return c.json(
        await c.var.orgScope((tx) =>
          schedules.updateOrgShiftTemplate(deps, tx, actorContext(c), {
            organization,
            shiftTemplateId,
            input,
          }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/shift-templates/{shiftTemplateId}',
      tags,
      summary: 'Delete a shift template (soft: gone from pickers; schedules and reports keep it)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZTemplateParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, shiftTemplateId } = c.req.valid('param');
      await c.var.orgScope((tx) =>
        schedules.deleteOrgShiftTemplate(deps, tx, actorContext(c), orgId, shiftTemplateId),
      );
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/shift-patterns',
      tags,
      summary: 'Weekly shift patterns (a manager sees those of the people they manage)',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZOrgParams, query: ZShiftPatternListQuery },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZShiftPattern) }), 'Weekly patterns'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.listOrgShiftPatterns(tx, await scopeFor(c, tx, 'schedules.read'), { orgId, ...query }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/shift-patterns',
      tags,
      summary:
        'Schedule an employee on a shift template on some weekdays from a date (open-ended or to a date)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateShiftPatternBody) },
      responses: { 201: jsonResponse(ZShiftPattern, 'Created'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const organization = c.var.membership.organization;
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.createOrgShiftPattern(
            deps,
            tx,
            actorContext(c),
            await scopeFor(c, tx, 'schedules.write'),
            {
              organization,
              input,
            },
          ),
        ),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/shift-patterns/{shiftPatternId}',
      tags,
      summary: 'One weekly pattern',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZPatternParams },
      responses: { 200: jsonResponse(ZShiftPattern, 'The pattern'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, shiftPatternId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.getOrgShiftPattern(tx, await scopeFor(c, tx, 'schedules.read'), orgId, shiftPatternId),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/shift-patterns/{shiftPatternId}',
      tags,
      summary: 'Change a weekly pattern (e.g. end it on a date)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZPatternParams, body: jsonBody(ZUpdateShiftPatternBody) },
      responses: { 200: jsonResponse(ZShiftPattern, 'Updated'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { shiftPatternId } = c.req.valid('param');
      const input = c.req.valid('json');
      const organization = c.var.membership.organization;
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.updateOrgShiftPattern(
            deps,
            tx,
            actorContext(c),
            await scopeFor(c, tx, 'schedules.write'),
            {
              organization,
              shiftPatternId,
              input,
            },
          ),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/shift-patterns/{shiftPatternId}',
      tags,
      summary: 'Remove a weekly pattern',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZPatternParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { shiftPatternId } = c.req.valid('param');
      const organization = c.var.membership.organization;
      await c.var.orgScope(async (tx) =>
        schedules.deleteOrgShiftPattern(deps, tx, actorContext(c), await scopeFor(c, tx, 'schedules.write'), {
          organization,
          shiftPatternId,
        }),
      );
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/shift-assignments',
      tags,
      summary: 'Dated shift assignments and days off between two dates (at most 93 days)',
      security,
      middleware: [withPermission('schedules.read')] as const,
      request: { params: ZOrgParams, query: ZShiftAssignmentListQuery },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZShiftAssignment) }), 'Dated assignments'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.listOrgShiftAssignments(tx, await scopeFor(c, tx, 'schedules.read'), { orgId, ...query }),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/shift-assignments',
      tags,
      summary:
        'Schedule a shift or a day off on one date; any dated row replaces the weekly pattern that day (several shifts make a split shift)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateShiftAssignmentBody) },
      responses: {
        201: jsonResponse(ZShiftAssignment, 'Created'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const organization = c.var.membership.organization;
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.createOrgShiftAssignment(
            deps,
            tx,
            actorContext(c),
            await scopeFor(c, tx, 'schedules.write'),
            {
              organization,
              input,
            },
          ),
        ),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/shift-assignments/{shiftAssignmentId}',
      tags,
      summary: 'Remove a dated assignment (the weekly pattern applies again that day)',
      security,
      middleware: [withPermission('schedules.write')] as const,
      request: { params: ZAssignmentParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { shiftAssignmentId } = c.req.valid('param');
      const organization = c.var.membership.organization;
      await c.var.orgScope(async (tx) =>
        schedules.deleteOrgShiftAssignment(
          deps,
          tx,
          actorContext(c),
          await scopeFor(c, tx, 'schedules.write'),
          {
            organization,
            shiftAssignmentId,
          },
        ),
      );
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/schedule',
      tags,
      summary:
        "An employee's shifts date by date (patterns and dated rows merged, as the timesheet sees them); everyone may read their own",
      security,
      request: { params: ZEmployeeParams, query: ZScheduleQuery },
      responses: { 200: jsonResponse(ZEmployeeSchedule, 'The schedule'), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const range = c.req.valid('query');
      const today = getLocalDate(deps.clock.now().toISOString(), c.var.membership.organization.timeZone);
      const from = range.from ?? today;
      const to = range.to ?? schedules.addDays(from, 6);
      return c.json(
        await c.var.orgScope(async (tx) =>
          schedules.getEmployeeSchedule(tx, await scopeFor(c, tx, 'schedules.read'), {
            orgId,
            employeeId,
            from,
            to,
          }),
        ),
        200,
      );
    },
  );

  return router;
}
