import {
  ZApproveModificationRequestBody,
  ZCreateModificationRequestBody,
  ZModificationRequest,
  ZModificationRequestListQuery,
  ZRejectModificationRequestBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import { nudgeMailDelivery } from '../services/mail.service';
import * as requests from '../services/modification-requests.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

export function modificationRequestRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Modification requests'];
  const security = bearerSecurity;
  const ZRequestParams = ZOrgParams.extend({ requestId: z.uuid() });
  const ZMyListQuery = ZModificationRequestListQuery.omit({ employeeId: true });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/me/modification-requests',
      tags,
      summary:
        'Ask for a correction of your own time (add, change or delete a punch or entry), with a reason',
      description:
        'Checked like a manager’s correction when filed (end before start, unknown or foreign punches, overlaps: 422). Your approvers are mailed.',
      security,
      request: { params: ZOrgParams, body: jsonBody(ZCreateModificationRequestBody) },
      responses: {
        201: jsonResponse(ZModificationRequest, 'Filed'),
        ...problems(400, 401, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      const { request, mailIds } = await c.var.orgScope((tx) =>
        requests.createMyModificationRequest(deps, tx, actorContext(c), caller, body),
      );
      await nudgeMailDelivery(deps, mailIds);
      return c.json(request, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/me/modification-requests',
      tags,
      summary: 'Your own requests, newest first',
      security,
      request: { params: ZOrgParams, query: ZMyListQuery },
      responses: {
        200: jsonResponse(pageOf(ZModificationRequest), 'A page of requests'),
        ...problems(401, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) => requests.listMyModificationRequests(tx, caller, query)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/me/modification-requests/{requestId}/cancel',
      tags,
      summary: 'Withdraw one of your requests while it is pending',
      security,
      request: { params: ZRequestParams },
      responses: {
        200: jsonResponse(ZModificationRequest, 'Cancelled'),
        ...problems(401, 404, 409),
      },
    }),
    async (c) => {
      const { requestId } = c.req.valid('param');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) =>
          requests.cancelMyModificationRequest(deps, tx, actorContext(c), caller, requestId),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/modification-requests',
      tags,
      summary: 'Requests of the employees you approve for, newest first; filter by status (e.g. pending)',
      security,
      middleware: [withPermission('time.approve')] as const,
      request: { params: ZOrgParams, query: ZModificationRequestListQuery },
      responses: {
        200: jsonResponse(pageOf(ZModificationRequest), 'A page of requests'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      return c.json(
        await c.var.orgScope((tx) => requests.listModificationRequestsForApprover(tx, caller, query)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/modification-requests/{requestId}/approve',
      tags,
      summary:
        'Approve a pending request: applied as a correction in the same transaction; the employee is mailed',
      description:
        'A request for a locked period is refused with 409 PERIOD_LOCKED unless `carryToNextOpenPeriod` is true. Deciding twice, or your own request: 409 / 403.',
      security,
      middleware: [withPermission('time.approve')] as const,
      request: { params: ZRequestParams, body: jsonBody(ZApproveModificationRequestBody) },
      responses: {
        200: jsonResponse(ZModificationRequest, 'Approved and applied'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { requestId } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      const { request, mailIds } = await c.var.orgScope((tx) =>
        requests.decideModificationRequestAs(deps, tx, actorContext(c), caller, {
          requestId,
          decision: 'approved',
          note: body.note,
          carryToNextOpenPeriod: body.carryToNextOpenPeriod,
        }),
      );
      await nudgeMailDelivery(deps, mailIds);
      return c.json(request, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/modification-requests/{requestId}/reject',
      tags,
      summary: 'Reject a pending request with a note; the employee is mailed',
      security,
      middleware: [withPermission('time.approve')] as const,
      request: { params: ZRequestParams, body: jsonBody(ZRejectModificationRequestBody) },
      responses: {
        200: jsonResponse(ZModificationRequest, 'Rejected'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { requestId } = c.req.valid('param');
      const { note } = c.req.valid('json');
      const caller = { membership: c.var.membership, userId: c.var.actor.userId };
      const { request, mailIds } = await c.var.orgScope((tx) =>
        requests.decideModificationRequestAs(deps, tx, actorContext(c), caller, {
          requestId,
          decision: 'rejected',
          note,
        }),
      );
      await nudgeMailDelivery(deps, mailIds);
      return c.json(request, 200);
    },
  );

  return router;
}
