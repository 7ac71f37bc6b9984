import {
  ZCreateEnrollmentTokenBody,
  ZCreatedEnrollmentToken,
  ZDevice,
  ZEnrollmentToken,
  ZUpdateDeviceBody,
} from '@clockface/contracts/api';
import { ZDeviceRegistration, ZDeviceRegistrationResult } from '@clockface/contracts/sync';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { zodIssuesToAppError } from '../errors';
import { withPermission } from '../middleware/with-org-member';
import { createDeviceThrottle } from '../security/device-throttle';
import * as devices from '../services/devices.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/** Console side of kiosks (org routes: withUserAuth and withOrgMember run first, see app.ts) and registration. */
export function deviceRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Devices'];
  const security = bearerSecurity;
  const ZTokenParams = ZOrgParams.extend({ tokenId: z.uuid() });
  const ZDeviceParams = ZOrgParams.extend({ deviceId: z.uuid() });
  const throttle = createDeviceThrottle(deps.db, {
    requestsPerMinute: deps.config.deviceRequestsPerMinute,
    registrationsPerToken: deps.config.deviceRegistrationsPerToken,
    registrationsPerIp: deps.config.deviceRegistrationsPerIp,
  });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/enrollment-tokens',
      tags,
      summary: 'Create an enrollment token for a site (the token is in this answer only)',
      security,
      middleware: [withPermission('devices.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZCreateEnrollmentTokenBody) },
      responses: {
        201: jsonResponse(ZCreatedEnrollmentToken, 'Created; show the token or its QR code once'),
        ...problems(400, 401, 403, 404, 415, 422),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) =>
          devices.createOrgEnrollmentToken(deps, tx, actorContext(c), orgId, body),
        ),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/enrollment-tokens',
      tags,
      summary: 'Enrollment tokens, newest first (never the token itself)',
      security,
      middleware: [withPermission('devices.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZEnrollmentToken) }), 'Tokens'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => devices.listOrgEnrollmentTokens(deps, tx, orgId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/enrollment-tokens/{tokenId}/revoke',
      tags,
      summary: 'Revoke an enrollment token (kiosks already registered stay registered)',
      security,
      middleware: [withPermission('devices.write')] as const,
      request: { params: ZTokenParams },
      responses: { 200: jsonResponse(ZEnrollmentToken, 'Revoked'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, tokenId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) =>
          devices.revokeOrgEnrollmentToken(deps, tx, actorContext(c), orgId, tokenId),
        ),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/devices',
      tags,
      summary: 'Kiosks with their last heartbeat, version, queue depth and clock offset',
      security,
      middleware: [withPermission('devices.read')] as const,
      request: { params: ZOrgParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZDevice) }), 'Devices'),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => devices.listOrgDevices(tx, orgId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/devices/{deviceId}',
      tags,
      summary: 'One kiosk',
      security,
      middleware: [withPermission('devices.read')] as const,
      request: { params: ZDeviceParams },
      responses: { 200: jsonResponse(ZDevice, 'The device'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, deviceId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => devices.getOrgDevice(tx, orgId, deviceId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/devices/{deviceId}',
      tags,
      summary: 'Rename a kiosk, or clear its review flag (isFlaggedForReview: false)',
      security,
      middleware: [withPermission('devices.write')] as const,
      request: { params: ZDeviceParams, body: jsonBody(ZUpdateDeviceBody) },
      responses: { 200: jsonResponse(ZDevice, 'Renamed'), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { orgId, deviceId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => devices.updateOrgDevice(tx, actorContext(c), orgId, deviceId, body)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/devices/{deviceId}/revoke',
      tags,
      summary: 'Revoke a kiosk: its next request gets 401 DEVICE_REVOKED and it wipes its roster',
      security,
      middleware: [withPermission('devices.write')] as const,
      request: { params: ZDeviceParams },
      responses: { 200: jsonResponse(ZDevice, 'Revoked'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, deviceId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => devices.revokeOrgDevice(deps, tx, actorContext(c), orgId, deviceId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/devices/register',
      tags,
      summary: "Register a kiosk's Ed25519 public key with an enrollment token",
      description:
        'A refused token says why in `code`: ENROLLMENT_TOKEN_UNKNOWN, _EXPIRED or _REVOKED (401), ' +
        'ENROLLMENT_TOKEN_USED_UP (409).',
      request: { body: jsonBody(ZDeviceRegistration) },
      responses: {
        201: jsonResponse(ZDeviceRegistrationResult, 'Registered'),
        ...problems(400, 401, 403, 409, 415, 422, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await devices.registerDevice(
        deps,
        throttle,
        { requestId: c.get('requestId'), ip: c.get('clientIp') },
        body,
      );
      return c.json(result, 201);
    },
    (result, c): undefined => {
      if (result.success) return undefined;
      // DEV-02: a private key sent to the hub is refused and never stored, but it is worth knowing about.
      if (
        result.error.issues.some((issue) => issue.code === 'unrecognized_keys' && issue.keys.includes('d'))
      ) {
        c.get('log').warn(
          { securityEvent: 'registration_with_private_key' },
          'registration carried a private key',
        );
      }
      throw zodIssuesToAppError(result.error);
    },
  );

  return router;
}
