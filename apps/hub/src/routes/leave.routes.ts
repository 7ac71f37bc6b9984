import {
  ZCreateLeaveRequestBody,
  ZCreateLeaveTypeBody,
  ZCreateOwnLeaveRequestBody,
  ZLeaveAdjustmentBody,
  ZLeaveBalances,
  ZLeaveDecisionBody,
  ZLeaveLedgerLine,
  ZLeaveLedgerQuery,
  ZLeaveRequest,
  ZLeaveRequestListQuery,
  ZLeaveType,
  ZLeaveTypeListQuery,
  ZOwnLeaveRequestListQuery,
  ZRejectLeaveRequestBody,
  ZUpdateLeaveTypeBody,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { withPermission } from '../middleware/with-org-member';
import * as leave from '../services/leave.service';
import { nudgeMailDelivery } from '../services/mail.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

function leaveCaller(c: Context<HubEnv>): leave.LeaveCaller {
  return { membership: c.var.membership, userId: c.var.actor.userId, email: c.var.actor.email };
}

export function leaveRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Leave'];
  const security = bearerSecurity;
  const ZLeaveTypeParams = ZOrgParams.extend({ leaveTypeId: z.uuid() });
  const ZLeaveRequestParams = ZOrgParams.extend({ leaveRequestId: z.uuid() });
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });

  /** Runs a mutation that may queue mail, then asks for delivery once it has committed. */
  async function withMail<T>(
    c: Context<HubEnv>,
    work: (
      tx: Parameters<Parameters<HubEnv['Variables']['orgScope']>[0]>[0],
    ) => Promise<leave.LeaveMutationResult<T>>,
  ): Promise<T> {
    const { result, mailIds } = await c.var.orgScope(work);
    await nudgeMailDelivery(deps, mailIds);
    return result;
  }

  // Leave types ---------------------------------------------------------------------------------

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/leave-types',
      tags,
      summary: 'Leave types in name order (every member may read them, to request leave)',
      security,
      request: { params: ZOrgParams, query: ZLeaveTypeListQuery },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZLeaveType) }), 'Leave types'),
        ...problems(401, 404, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { includeDeleted } = c.req.valid('query');
      const items = await c.var.orgScope((tx) =>
        leave.listOrgLeaveTypes(tx, orgId, { includeDeleted: includeDeleted === 'true' }),
      );
      return c.json({ items }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/leave-types',
      tags,
      summary: 'Add a leave type (paid or unpaid, accrual per timesheet period, carry-over cap)',
      security,
      middleware: [withPermission('leave.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateLeaveTypeBody) },
      responses: { 201: jsonResponse(ZLeaveType, 'Created'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => leave.createOrgLeaveType(deps, tx, actorContext(c), orgId, body)),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/leave-types/{leaveTypeId}',
      tags,
      summary: 'Change a leave type (requests already made keep the minutes they were charged)',
      security,
      middleware: [withPermission('leave.write')] as const,
      request: { params: ZLeaveTypeParams, body: jsonBody(ZUpdateLeaveTypeBody) },
      responses: { 200: jsonResponse(ZLeaveType, 'Updated'), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { orgId, leaveTypeId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => leave.updateOrgLeaveType(tx, actorContext(c), orgId, leaveTypeId, body)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/leave-types/{leaveTypeId}',
      tags,
      summary: 'Delete a leave type (soft delete: past requests and balances keep it; no new requests)',
      security,
      middleware: [withPermission('leave.write')] as const,
      request: { params: ZLeaveTypeParams },
      responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, leaveTypeId } = c.req.valid('param');
      await c.var.orgScope((tx) => leave.deleteOrgLeaveType(deps, tx, actorContext(c), orgId, leaveTypeId));
      return c.body(null, 204);
    },
  );

  // Requests ------------------------------------------------------------------------------------

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/leave-requests',
      tags,
      summary:
        "Leave requests you may see (the org's, your departments' and teams', or your own), newest first",
      security,
      middleware: [withPermission('leave.read')] as const,
      request: { params: ZOrgParams, query: ZLeaveRequestListQuery },
      responses: {
        200: jsonResponse(pageOf(ZLeaveRequest), 'A page of requests'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(
        await c.var.orgScope((tx) => leave.listVisibleLeaveRequests(tx, leaveCaller(c), query)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/leave-requests',
      tags,
      summary: 'Request leave for an employee in your scope (pending until someone else decides)',
      security,
      middleware: [withPermission('leave.approve')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateLeaveRequestBody) },
      responses: {
        201: jsonResponse(ZLeaveRequest, 'Requested'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await withMail(c, (tx) => leave.requestLeaveFor(deps, tx, actorContext(c), leaveCaller(c), body)),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/leave-requests/{leaveRequestId}',
      tags,
      summary: 'One leave request (your own, or one in your scope)',
      security,
      request: { params: ZLeaveRequestParams },
      responses: { 200: jsonResponse(ZLeaveRequest, 'The request'), ...problems(401, 404) },
    }),
    async (c) => {
      const { leaveRequestId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => leave.getLeaveRequest(tx, leaveCaller(c), leaveRequestId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/leave-requests/{leaveRequestId}/approve',
      tags,
      summary: 'Approve a pending request: charges the balance and counts the days in timesheets',
      security,
      middleware: [withPermission('leave.approve')] as const,
      request: { params: ZLeaveRequestParams, body: jsonBody(ZLeaveDecisionBody) },
      responses: {
        200: jsonResponse(ZLeaveRequest, 'Approved'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { leaveRequestId } = c.req.valid('param');
      const { note } = c.req.valid('json');
      return c.json(
        await withMail(c, (tx) =>
          leave.approveLeaveRequest(deps, tx, actorContext(c), leaveCaller(c), leaveRequestId, note ?? null),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/leave-requests/{leaveRequestId}/reject',
      tags,
      summary: 'Reject a pending request, with a note the employee receives',
      security,
      middleware: [withPermission('leave.approve')] as const,
      request: { params: ZLeaveRequestParams, body: jsonBody(ZRejectLeaveRequestBody) },
      responses: {
        200: jsonResponse(ZLeaveRequest, 'Rejected'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { leaveRequestId } = c.req.valid('param');
      const { note } = c.req.valid('json');
      return c.json(
        await withMail(c, (tx) =>
          leave.rejectLeaveRequest(deps, tx, actorContext(c), leaveCaller(c), leaveRequestId, note),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/leave-requests/{leaveRequestId}/cancel',
      tags,
      summary:
        'Cancel: the requester withdraws a pending request; an approver cancels approved leave (the balance is restored)',
      security,
      request: { params: ZLeaveRequestParams, body: jsonBody(ZLeaveDecisionBody) },
      responses: {
        200: jsonResponse(ZLeaveRequest, 'Cancelled'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { leaveRequestId } = c.req.valid('param');
      const { note } = c.req.valid('json');
      return c.json(
        await withMail(c, (tx) =>
          leave.cancelLeaveRequest(deps, tx, actorContext(c), leaveCaller(c), leaveRequestId, note ?? null),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/me/leave-requests',
      tags,
      summary: 'Your own leave requests (the employee linked to your account), newest first',
      security,
      request: { params: ZOrgParams, query: ZOwnLeaveRequestListQuery },
      responses: {
        200: jsonResponse(pageOf(ZLeaveRequest), 'A page of requests'),
        ...problems(401, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => leave.listOwnLeaveRequests(tx, leaveCaller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/me/leave-requests',
      tags,
      summary: 'Request leave for yourself; your approvers are told by email',
      security,
      request: { params: ZOrgParams, body: jsonBody(ZCreateOwnLeaveRequestBody) },
      responses: { 201: jsonResponse(ZLeaveRequest, 'Requested'), ...problems(400, 401, 404, 409, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await withMail(c, (tx) => leave.requestOwnLeave(deps, tx, actorContext(c), leaveCaller(c), body)),
        201,
      );
    },
  );

  // Balances and the ledger ------------------------------------------------------------------------

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/me/leave-balances',
      tags,
      summary: 'Your balances per leave type: accrued, used, pending, available',
      security,
      request: { params: ZOrgParams },
      responses: { 200: jsonResponse(ZLeaveBalances, 'Balances'), ...problems(401, 404) },
    }),
    async (c) => c.json(await c.var.orgScope((tx) => leave.getOwnLeaveBalances(tx, leaveCaller(c))), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/leave-balances',
      tags,
      summary: "An employee's balances per leave type: accrued, used, pending, available",
      security,
      middleware: [withPermission('leave.read')] as const,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZLeaveBalances, 'Balances'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { employeeId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => leave.getLeaveBalances(tx, leaveCaller(c), employeeId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/leave-ledger',
      tags,
      summary: "The ledger lines behind an employee's balances, in effective-date order",
      security,
      middleware: [withPermission('leave.read')] as const,
      request: { params: ZEmployeeParams, query: ZLeaveLedgerQuery },
      responses: {
        200: jsonResponse(pageOf(ZLeaveLedgerLine), 'A page of lines'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { employeeId } = c.req.valid('param');
      const query = c.req.valid('query');
      return c.json(
        await c.var.orgScope((tx) => leave.listLeaveLedgerLines(tx, leaveCaller(c), employeeId, query)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/leave-adjustments',
      tags,
      summary: 'Adjust a balance by hand (opening balance, correction), with a note',
      security,
      middleware: [withPermission('leave.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZLeaveAdjustmentBody) },
      responses: {
        201: jsonResponse(ZLeaveLedgerLine, 'Recorded'),
        ...problems(400, 401, 403, 404, 415, 422),
      },
    }),
    async (c) => {
      const { employeeId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          leave.adjustLeaveBalance(deps, tx, actorContext(c), leaveCaller(c), employeeId, body),
        ),
        201,
      );
    },
  );

  return router;
}
