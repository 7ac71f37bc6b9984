import { ZAdjustment, ZAdjustmentListQuery, ZCreateAdjustmentBody, pageOf } from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as adjustments from '../services/adjustments.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function adjustmentRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Time corrections'];
  const security = bearerSecurity;
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/adjustments',
      tags,
      summary:
        'Correct an employee’s time (reason required): a manual entry, a missing punch, or an edit or delete of a punch or manual entry',
      description:
        'Refused with 409 PERIOD_LOCKED when it touches a locked timesheet, unless `carryToNextOpenPeriod` is true: then it is recorded flagged `moved_from_locked_period` and listed on the next open timesheet, and the locked totals stay. An approved timesheet must be reopened first (409). Managers cannot correct their own time.',
      security,
      middleware: [withPermission('time.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZCreateAdjustmentBody) },
      responses: {
        201: jsonResponse(ZAdjustment, 'Recorded; the projection is queued'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId: _orgId, employeeId } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) =>
          adjustments.createEmployeeAdjustment(deps, tx, actorContext(c), caller, employeeId, body),
        ),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/adjustments',
      tags,
      summary:
        'An employee’s corrections, newest first (employees see their own; managers those they manage)',
      security,
      request: { params: ZEmployeeParams, query: ZAdjustmentListQuery },
      responses: {
        200: jsonResponse(pageOf(ZAdjustment), 'A page of corrections'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { employeeId } = c.req.valid('param');
      const query = c.req.valid('query');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) => adjustments.listEmployeeAdjustments(tx, caller, employeeId, query)),
        200,
      );
    },
  );

  return router;
}
