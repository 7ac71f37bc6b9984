import {
  ZLockPeriodBody,
  ZLockPeriodResult,
  ZReopenTimesheetBody,
  ZTimesheet,
  ZTimesheetActionBody,
  ZTimesheetListQuery,
  ZTimesheetSummary,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as timesheets from '../services/timesheets.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function timesheetRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Timesheets'];
  const security = bearerSecurity;
  const ZTimesheetParams = ZOrgParams.extend({ employeeId: z.uuid(), periodStart: z.iso.date() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/timesheets',
      tags,
      summary: 'Every timesheet of one period for the employees you may see, with totals, in name order',
      description:
        'Employees without a timesheet row yet are listed as `open` (rows are created on first action). Locked timesheets show the totals they were locked with.',
      security,
      middleware: [withPermission('time.read')] as const,
      request: { params: ZOrgParams, query: ZTimesheetListQuery },
      responses: {
        200: jsonResponse(pageOf(ZTimesheetSummary), 'A page of timesheets'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) =>
          timesheets.listTimesheetsForPeriod(tx, { ...caller, now: deps.clock.now() }, query),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/timesheets/lock',
      tags,
      summary: 'Lock every approved timesheet of an ended period at once (the payroll run)',
      description:
        'Projects the period first, then stores each timesheet’s locked totals (audited one by one). Open and submitted timesheets are left as they are and listed in `notApproved`.',
      security,
      middleware: [withPermission('timesheets.lock')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZLockPeriodBody) },
      responses: {
        200: jsonResponse(ZLockPeriodResult, 'What was locked and what is still waiting'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { periodStart } = c.req.valid('json');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) => timesheets.lockPeriod(deps, tx, actorContext(c), caller, periodStart)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/timesheets/{periodStart}',
      tags,
      summary: 'One timesheet: days with entries, totals, exceptions, carried corrections and status history',
      description:
        'Employees see their own. Events that arrived after the period was locked are not applied: they show as `late_event_in_locked_period` exceptions, `totals` stay the locked ones and `projectedTotals` show the live projection.',
      security,
      request: { params: ZTimesheetParams },
      responses: { 200: jsonResponse(ZTimesheet, 'The timesheet'), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { employeeId, periodStart } = c.req.valid('param');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) =>
          timesheets.getEmployeeTimesheet(tx, caller, employeeId, periodStart, deps.clock.now()),
        ),
        200,
      );
    },
  );

  const transitions = [
    {
      name: 'submit',
      permission: null,
      summary: 'Submit a timesheet (open → submitted): the employee for their own, or an approver',
    },
    { name: 'approve', permission: 'time.approve', summary: 'Approve a submitted timesheet' },
    {
      name: 'lock',
      permission: 'timesheets.lock',
      summary: 'Lock an approved timesheet after its period ended; its totals are frozen',
    },
  ] as const;
  for (const transition of transitions) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/api/orgs/{orgId}/employees/{employeeId}/timesheets/{periodStart}/${transition.name}`,
        tags,
        summary: transition.summary,
        security,
        middleware: transition.permission ? ([withPermission(transition.permission)] as const) : [],
        request: { params: ZTimesheetParams, body: { ...jsonBody(ZTimesheetActionBody), required: false } },
        responses: {
          200: jsonResponse(ZTimesheet, 'The timesheet after the change'),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      }),
      async (c) => {
        const { employeeId, periodStart } = c.req.valid('param');
        const body = c.req.valid('json') ?? {};
        const caller = { membership: c.var.membership, userId: c.var.actor.userId };
        return c.json(
          await c.var.orgScope((tx) =>
            timesheets.transitionTimesheet(deps, tx, actorContext(c), caller, {
              employeeId,
              periodStart,
              transition: transition.name,
              note: body.note,
            }),
          ),
          200,
        );
      },
    );
  }

  const reopenings = [
    {
      name: 'reopen',
      permission: 'time.approve',
      summary: 'Reopen a submitted or approved timesheet (→ open) with a reason (audited)',
    },
    {
      name: 'unlock',
      permission: 'timesheets.lock',
      summary:
        'Unlock a locked timesheet (→ open) with a reason (audited); late events held back are applied by the next projection',
    },
  ] as const;
  for (const reopening of reopenings) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/api/orgs/{orgId}/employees/{employeeId}/timesheets/{periodStart}/${reopening.name}`,
        tags,
        summary: reopening.summary,
        security,
        middleware: [withPermission(reopening.permission)] as const,
        request: { params: ZTimesheetParams, body: jsonBody(ZReopenTimesheetBody) },
        responses: {
          200: jsonResponse(ZTimesheet, 'The timesheet after the change'),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      }),
      async (c) => {
        const { employeeId, periodStart } = c.req.valid('param');
        const { reason } = c.req.valid('json');
        const caller = { membership: c.var.membership, userId: c.var.actor.userId };
        return c.json(
          await c.var.orgScope((tx) =>
            timesheets.transitionTimesheet(deps, tx, actorContext(c), caller, {
              employeeId,
              periodStart,
              transition: reopening.name,
              note: reason,
            }),
          ),
          200,
        );
      },
    );
  }

  return router;
}
