import {
  ZAcceptInvitationBody,
  ZCreateInvitationBody,
  ZInvitation,
  ZInvitationLookupBody,
  ZInvitationPreview,
  ZOrganization,
  ZRole,
  ZTokenPair,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import { withOptionalUserAuth } from '../middleware/with-user-auth';
import * as invitations from '../services/invitations.service';
import { nudgeMailDelivery } from '../services/mail.service';
import {
  actorContext,
  bearerSecurity,
  clientInfo,
  createRouter,
  jsonBody,
  jsonResponse,
  problems,
} from './router';
import { ZOrgParams } from './orgs.routes';

export function invitationRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Invitations'];

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/invitations',
      tags,
      summary: 'Invitations of this organisation (pending, accepted, revoked, expired)',
      security: bearerSecurity,
      middleware: [withPermission('invitations.write')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZInvitation) }), 'Invitations'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(
        { items: await c.var.orgScope((tx) => invitations.listOrgInvitations(deps, tx, orgId)) },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/invitations',
      tags,
      summary: 'Invite an email with a role; the invitee gets a single-use link valid for 7 days',
      security: bearerSecurity,
      middleware: [withPermission('invitations.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateInvitationBody) },
      responses: {
        201: jsonResponse(ZInvitation, 'Invited'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { invitation, mailId } = await c.var.orgScope((tx) =>
        invitations.inviteMember(deps, tx, actorContext(c), c.var.membership, { orgId, ...body }),
      );
      await nudgeMailDelivery(deps, [mailId]);
      return c.json(invitation, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/invitations/{invitationId}',
      tags,
      summary: 'Revoke a pending invitation',
      security: bearerSecurity,
      middleware: [withPermission('invitations.write')] as const,
      request: { params: ZOrgParams.extend({ invitationId: z.uuid() }) },
      responses: { 204: { description: 'Revoked' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const params = c.req.valid('param');
      await c.var.orgScope((tx) => invitations.revokeOrgInvitation(deps, tx, actorContext(c), params));
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/invitations/lookup',
      tags,
      summary: 'What an invitation token is for (org, email, role, whether the account exists)',
      request: { body: jsonBody(ZInvitationLookupBody) },
      responses: { 200: jsonResponse(ZInvitationPreview, 'The invitation'), ...problems(400, 403, 415, 422) },
    }),
    async (c) => c.json(await invitations.previewInvitation(deps, c.req.valid('json').token), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/invitations/accept',
      tags,
      summary: 'Accept an invitation: log in as the invited account, or create it with a name and password',
      security: [{}, ...bearerSecurity],
      middleware: [withOptionalUserAuth(deps)] as const,
      request: { body: jsonBody(ZAcceptInvitationBody) },
      responses: {
        200: jsonResponse(
          z.object({
            organization: ZOrganization,
            role: ZRole,
            userId: z.uuid(),
            tokens: ZTokenPair.nullable(),
          }),
          'Joined; tokens are set when a new account was created',
        ),
        ...problems(400, 401, 403, 409, 415, 422),
      },
    }),
    async (c) => {
      const result = await invitations.acceptInvitation(
        deps,
        c.req.valid('json'),
        c.get('actor')?.userId ?? null,
        clientInfo(c),
      );
      return c.json(result, 200);
    },
  );

  return router;
}
