import {
  ZChangePasswordBody,
  ZForgotPasswordBody,
  ZLoginBody,
  ZLoginResponse,
  ZMeResponse,
  ZRefreshBody,
  ZResetPasswordBody,
  ZSession,
  ZSignupBody,
  ZSignupResponse,
  ZTokenPair,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withUserAuth } from '../middleware/with-user-auth';
import * as auth from '../services/auth.service';
import { bearerSecurity, clientInfo, createRouter, jsonBody, jsonResponse, problems } from './router';

export function authRoutes(deps: HubDeps) {
  const router = createRouter();
  const requireUser = withUserAuth(deps);
  const tags = ['Auth'];

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/signup',
      tags,
      summary: 'Create an account and a new organisation owned by it',
      request: { body: jsonBody(ZSignupBody) },
      responses: {
        201: jsonResponse(ZSignupResponse, 'Account, organisation and tokens'),
        ...problems(400, 409, 413, 415, 422),
      },
    }),
    async (c) => c.json(await auth.signup(deps, c.req.valid('json'), clientInfo(c)), 201),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login',
      tags,
      summary: 'Log in with email and password',
      request: { body: jsonBody(ZLoginBody) },
      responses: {
        200: jsonResponse(ZLoginResponse, 'User and tokens'),
        ...problems(400, 401, 415, 422, 429),
      },
    }),
    async (c) => c.json(await auth.login(deps, c.req.valid('json'), clientInfo(c)), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/refresh',
      tags,
      summary: 'Exchange a refresh token for new tokens (the old refresh token stops working)',
      request: { body: jsonBody(ZRefreshBody) },
      responses: { 200: jsonResponse(ZTokenPair, 'New tokens'), ...problems(400, 401, 415, 422) },
    }),
    async (c) => c.json(await auth.refresh(deps, c.req.valid('json').refreshToken), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/logout',
      tags,
      summary: 'End the current session',
      security: bearerSecurity,
      middleware: [requireUser] as const,
      responses: { 204: { description: 'Logged out' }, ...problems(401) },
    }),
    async (c) => {
      await auth.logout(deps, c.get('actor'));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/me',
      tags,
      summary: 'The current user and their organisations',
      security: bearerSecurity,
      middleware: [requireUser] as const,
      responses: { 200: jsonResponse(ZMeResponse, 'User and memberships'), ...problems(401) },
    }),
    async (c) => c.json(await auth.getMe(deps, c.get('actor').userId), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password',
      tags,
      summary: 'Change your password (signs out your other sessions by default)',
      security: bearerSecurity,
      middleware: [requireUser] as const,
      request: { body: jsonBody(ZChangePasswordBody) },
      responses: { 204: { description: 'Changed' }, ...problems(400, 401, 415, 422, 429) },
    }),
    async (c) => {
      await auth.changePassword(deps, c.get('actor'), c.req.valid('json'), clientInfo(c));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password/forgot',
      tags,
      summary: 'Email a password reset link (same answer whether or not the account exists)',
      request: { body: jsonBody(ZForgotPasswordBody) },
      responses: {
        202: { description: 'If the account exists, a link is on its way' },
        ...problems(400, 415, 422, 429),
      },
    }),
    async (c) => {
      await auth.requestPasswordReset(deps, c.req.valid('json').email, clientInfo(c));
      return c.body(null, 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password/reset',
      tags,
      summary: 'Set a new password with the emailed single-use token (ends every session)',
      request: { body: jsonBody(ZResetPasswordBody) },
      responses: { 204: { description: 'Password set' }, ...problems(400, 415, 422) },
    }),
    async (c) => {
      await auth.resetPassword(deps, c.req.valid('json'));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/sessions',
      tags,
      summary: 'Your active sessions (browser, IP, last used)',
      security: bearerSecurity,
      middleware: [requireUser] as const,
      responses: { 200: jsonResponse(z.object({ items: z.array(ZSession) }), 'Sessions'), ...problems(401) },
    }),
    async (c) => c.json({ items: await auth.listSessions(deps, c.get('actor')) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/sessions/{sessionId}',
      tags,
      summary: 'Revoke one of your sessions',
      security: bearerSecurity,
      middleware: [requireUser] as const,
      request: { params: z.object({ sessionId: z.uuid() }) },
      responses: { 204: { description: 'Revoked' }, ...problems(401, 404, 422) },
    }),
    async (c) => {
      await auth.revokeOwnSession(deps, c.get('actor'), c.req.valid('param').sessionId);
      return c.body(null, 204);
    },
  );

  return router;
}
