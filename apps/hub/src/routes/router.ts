import { ZProblem } from '@clockface/contracts/api';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ActorContext } from '../deps';
import type { HubEnv } from '../env';
import { zodIssuesToAppError } from '../errors';
import type { ClientInfo } from '../services/auth.service';

/** Every router validates with the same hook, so a bad body is the same problem+json everywhere. */
export function createRouter() {
  return new OpenAPIHono<HubEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodIssuesToAppError(result.error);
    },
  });
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ZProblem } },
});

/** The error answers a route can give, for the OpenAPI document. */
export function problems(...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429>) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request',
    401: 'Not authenticated',
    403: 'Not permitted',
    404: 'Not found (or not visible to you)',
    409: 'Conflicts with the current state',
    413: 'Body too large',
    415: 'Content-Type must be application/json',
    422: 'Validation failed',
    429: 'Too many attempts',
  };
  return Object.fromEntries(statuses.map((status) => [status, problem(descriptions[status]!)]));
}

export const jsonBody = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
export const jsonResponse = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const bearerSecurity = [{ bearerAuth: [] }];

export function actorContext(c: Context<HubEnv>): ActorContext & { actorUserId: string } {
  const actor = c.get('actor');
  return {
    actorUserId: actor.userId,
    actorType: actor.isSuperadmin && !c.get('membership') ? 'superadmin' : 'user',
    requestId: c.get('requestId'),
    ip: c.get('clientIp'),
  };
}

export function clientInfo(c: Context<HubEnv>): ClientInfo {
  return {
    userAgent: c.req.header('user-agent') ?? null,
    ip: c.get('clientIp'),
    requestId: c.get('requestId'),
  };
}
