import {
  ZEmployeeTime,
  ZEmployeeTimeQuery,
  ZTimeEntry,
  ZTimeEntryListQuery,
  ZTimeException,
  ZTimeExceptionListQuery,
  ZWorkDay,
  ZWorkDayListQuery,
  pageOf,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import * as time from '../services/time.service';
import { bearerSecurity, createRouter, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

const caller = (c: Context<HubEnv>): time.TimeCaller => ({
  membership: c.get('membership'),
  userId: c.get('actor').userId,
});

/**
 * Projected time. Any member may call these: without `time.read` a user sees only their own linked
 * employee, a manager only the people they manage (visibility.service.ts), so no permission
 * middleware here — the scope is the check.
 */
export function timeRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Time'];
  const security = bearerSecurity;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/time/days',
      tags,
      summary: 'Projected work days (worked, overtime, breaks, leave) of the people you may see',
      security,
      request: { params: ZOrgParams, query: ZWorkDayListQuery },
      responses: {
        200: jsonResponse(pageOf(ZWorkDay), 'A page of work days'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => time.listOrgWorkDays(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/time/entries',
      tags,
      summary: 'Projected time entries (clock-in to clock-out, or manual) of the people you may see',
      security,
      request: { params: ZOrgParams, query: ZTimeEntryListQuery },
      responses: {
        200: jsonResponse(pageOf(ZTimeEntry), 'A page of time entries'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => time.listOrgTimeEntries(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/time/exceptions',
      tags,
      summary: 'Time exceptions (missing punches, lateness, overlaps, compliance) of the people you may see',
      security,
      request: { params: ZOrgParams, query: ZTimeExceptionListQuery },
      responses: {
        200: jsonResponse(pageOf(ZTimeException), 'A page of exceptions'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => time.listOrgTimeExceptions(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/time',
      tags,
      summary: 'One person’s days, entries, breaks, exceptions and totals, projected now from their events',
      security,
      request: { params: ZOrgParams.extend({ employeeId: z.uuid() }), query: ZEmployeeTimeQuery },
      responses: {
        200: jsonResponse(ZEmployeeTime, 'The person’s time for the range'),
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { employeeId } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      return c.json(
        await c.var.orgScope((tx) =>
          time.getEmployeeTime(tx, caller(c), { employeeId, from, to }, deps.clock.now()),
        ),
        200,
      );
    },
  );

  return router;
}
