import { ZClockBody, ZClockPunch, ZClockState } from '@clockface/contracts/api';
import { createRoute } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import * as webClock from '../services/web-clock.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/** Self-service for the employee linked to the caller's account: any member may call these. */
export function meRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Me'];
  const security = bearerSecurity;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/me/clock',
      tags,
      summary: 'Your clock: off, working or on a break, and what you have worked today',
      security,
      request: { params: ZOrgParams },
      responses: { 200: jsonResponse(ZClockState, 'Your current state'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const userId = c.get('actor').userId;
      return c.json(
        await c.var.orgScope((tx) => webClock.getMyClock(tx, { orgId, userId }, deps.clock.now())),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/me/clock',
      tags,
      summary: 'Clock in (optionally on a project and task), start or end a break, or clock out',
      security,
      request: { params: ZOrgParams, body: jsonBody(ZClockBody) },
      responses: {
        201: jsonResponse(ZClockPunch, 'Recorded'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const userId = c.get('actor').userId;
      const result = await c.var.orgScope((tx) =>
        webClock.punchMyClock(tx, actorContext(c), { orgId, userId }, body, deps.clock.now()),
      );
      // After the commit: project now rather than at the next poll (the poll catches it if this fails).
      deps.jobs?.requestProjection().catch((error: unknown) => {
        c.get('log').warn({ err: error }, 'could not request a projection run');
      });
      return c.json(result, 201);
    },
  );

  return router;
}
