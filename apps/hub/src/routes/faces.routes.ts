import {
  ENROLL_BODY_LIMIT_BYTES,
  ZDeletedTemplates,
  ZEnrollFaceBody,
  ZEnrollmentResult,
  ZFaceConsent,
  ZFaceConsentBody,
  ZFaceConsentHistory,
  ZFaceConsentWithdrawal,
  ZFaceTemplateList,
} from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as faces from '../services/faces.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/**
 * The one route whose body may exceed the hub's BODY_LIMIT_BYTES (up to five photos, base64).
 * app.ts skips its global limit for exactly this method and path; this route applies its own.
 */
export function isFaceEnrollmentRequest(method: string, path: string): boolean {
  return method === 'POST' && /^\/api\/orgs\/[^/]+\/employees\/[^/]+\/face-templates\/?$/.test(path);
}

const withEnrollmentBodyLimit = bodyLimit({
  maxSize: ENROLL_BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError('PAYLOAD_TOO_LARGE', {
      message: `The enrollment body exceeds ${ENROLL_BODY_LIMIT_BYTES} bytes (at most 5 photos of 8 MB)`,
    });
  },
});

export function faceRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Faces'];
  const security = bearerSecurity;
  const ZEmployeeParams = ZOrgParams.extend({ employeeId: z.uuid() });
  const ZTemplateParams = ZEmployeeParams.extend({ templateId: z.uuid() });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-consent',
      tags,
      summary: "The employee's face consent in force and every consent record, newest first",
      security,
      middleware: [withPermission('faces.read')] as const,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZFaceConsentHistory, 'Consent history'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => faces.listConsentHistory(tx, orgId, employeeId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-consent',
      tags,
      summary: 'Record face consent: text version, SHA-256 of the exact text shown, method, when',
      security,
      middleware: [withPermission('faces.write')] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZFaceConsentBody) },
      responses: {
        201: jsonResponse(ZFaceConsent, 'Recorded'),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(
        await c.var.orgScope((tx) => faces.recordConsent(deps, tx, actorContext(c), orgId, employeeId, body)),
        201,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-consent',
      tags,
      summary:
        'Withdraw face consent: deletes every template of the person (kiosks drop them at their next sync)',
      security,
      middleware: [withPermission('faces.write')] as const,
      request: { params: ZEmployeeParams },
      responses: {
        200: jsonResponse(ZFaceConsentWithdrawal, 'Withdrawn'),
        ...problems(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => faces.withdrawConsent(deps, tx, actorContext(c), orgId, employeeId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-templates',
      tags,
      summary: "The employee's face templates (id, model, quality, created; never the vector)",
      security,
      middleware: [withPermission('faces.read')] as const,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZFaceTemplateList, 'Templates'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => faces.listTemplates(tx, orgId, employeeId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-templates',
      tags,
      summary:
        'Enroll from 1–5 photos (base64): a verdict per photo, templates from the accepted ones, look-alikes to guard with a PIN',
      description:
        'Needs a face consent in force (409 otherwise). 422 when no photo is usable (each photo’s reason in `errors`). Photos are discarded after embedding unless the organisation keeps enrollment photos (then stored encrypted).',
      security,
      middleware: [withPermission('faces.write'), withEnrollmentBodyLimit] as const,
      request: { params: ZEmployeeParams, body: jsonBody(ZEnrollFaceBody) },
      responses: {
        201: jsonResponse(ZEnrollmentResult, 'Enrolled'),
        ...problems(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const { photos } = c.req.valid('json');
      const result = await faces.enrollFromPhotos(
        deps,
        c.var.orgScope,
        actorContext(c),
        orgId,
        employeeId,
        photos.map((photo) => Buffer.from(photo.data, 'base64')),
      );
      return c.json(result, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-templates',
      tags,
      summary: "Delete all of the employee's face templates (and kept photos)",
      security,
      middleware: [withPermission('faces.write')] as const,
      request: { params: ZEmployeeParams },
      responses: { 200: jsonResponse(ZDeletedTemplates, 'Deleted'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) => faces.deleteTemplates(deps, tx, actorContext(c), orgId, employeeId)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{orgId}/employees/{employeeId}/face-templates/{templateId}',
      tags,
      summary: 'Delete one face template',
      security,
      middleware: [withPermission('faces.write')] as const,
      request: { params: ZTemplateParams },
      responses: { 200: jsonResponse(ZDeletedTemplates, 'Deleted'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { orgId, employeeId, templateId } = c.req.valid('param');
      return c.json(
        await c.var.orgScope((tx) =>
          faces.deleteTemplates(deps, tx, actorContext(c), orgId, employeeId, templateId),
        ),
        200,
      );
    },
  );

  return router;
}
