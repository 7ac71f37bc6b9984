import {
  ENROLL_BODY_LIMIT_BYTES,
  ENROLL_MULTIPART_LIMIT_BYTES,
  MAX_ENROLL_PHOTOS,
  MAX_ENROLL_PHOTO_BYTES,
  ZDeletedTemplates,
  ZEnrollFaceBody,
  ZEnrollFaceForm,
  ZEnrollmentResult,
  ZFaceConsent,
  ZFaceConsentBody,
  ZFaceConsentHistory,
  ZFaceConsentWithdrawal,
  ZFaceSettings,
  ZFaceSettingsPatch,
  ZFaceTemplateList,
  type TEnrollFaceBody,
  type TEnrollFaceForm,
} from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HubDeps } from '../deps';
import { withPermission } from '../middleware/with-org-member';
import * as faces from '../services/faces.service';
import { actorContext, bearerSecurity, createRouter, jsonBody, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

/**
 * The one route whose body may exceed the hub's BODY_LIMIT_BYTES (up to five photos, base64 or
 * multipart). app.ts skips its global limit for exactly this method and path; this route applies its own.
 */
export function isFaceEnrollmentRequest(method: string, path: string): boolean {
  return method === 'POST' && /^\/api\/orgs\/[^/]+\/employees\/[^/]+\/face-templates\/?$/.test(path);
}

/** The one route that also takes `multipart/form-data` (app.ts lets it past the JSON-only check). */
export function isFaceEnrollmentMultipart(method: string, path: string, contentType: string | undefined) {
  return isFaceEnrollmentRequest(method, path) && /^multipart\/form-data\s*(;|$)/i.test(contentType ?? '');
}

const jsonEnrollmentLimit = bodyLimit({
  maxSize: ENROLL_BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError('PAYLOAD_TOO_LARGE', {
      message: `The enrollment body exceeds ${ENROLL_BODY_LIMIT_BYTES} bytes (at most 5 photos of 8 MB)`,
    });
  },
});
const multipartEnrollmentLimit = bodyLimit({
  maxSize: ENROLL_MULTIPART_LIMIT_BYTES,
  onError: () => {
    throw new AppError('PAYLOAD_TOO_LARGE', {
      message: `The enrollment body exceeds ${ENROLL_MULTIPART_LIMIT_BYTES} bytes (at most 5 photos of 8 MB)`,
    });
  },
});
const withEnrollmentBodyLimit: MiddlewareHandler = (c, next) =>
  /^multipart\//i.test(c.req.header('content-type') ?? '')
    ? multipartEnrollmentLimit(c, next)
    : jsonEnrollmentLimit(c, next);

/**
 * The photos of either body form as bytes, with the same limits: 1–5 photos of at most 8 MB
 * (422 naming the photo otherwise); what is in them is judged per photo by the pipeline.
 */
async function enrollmentPhotos(
  isMultipart: boolean,
  json: Partial<TEnrollFaceBody>,
  form: Partial<TEnrollFaceForm>,
): Promise<Buffer[]> {
  if (!isMultipart) {
    if (!json.photos) throw new AppError('VALIDATION_FAILED', { message: 'Expected a body with 1–5 photos' });
    return json.photos.map((photo) => Buffer.from(photo.data, 'base64'));
  }
  const files = form.photos === undefined ? [] : Array.isArray(form.photos) ? form.photos : [form.photos];
  const issues: { path: string; message: string }[] = [];
  if (files.length === 0) issues.push({ path: 'photos', message: 'Expected 1–5 photos' });
  if (files.length > MAX_ENROLL_PHOTOS)
    issues.push({
      path: 'photos',
      message: `Expected at most ${MAX_ENROLL_PHOTOS} photos, got ${files.length}`,
    });
  files.forEach((file, index) => {
    if (file.size === 0) issues.push({ path: `photos.${index}`, message: 'Empty file' });
    if (file.size > MAX_ENROLL_PHOTO_BYTES)
      issues.push({
        path: `photos.${index}`,
        message: `${file.size} bytes; a photo may have at most ${MAX_ENROLL_PHOTO_BYTES} bytes`,
      });
  });
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', { message: 'The photos are not valid', issues });
  return Promise.all(files.map(async (file) => Buffer.from(await file.arrayBuffer())));
}

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
        'Enroll from 1–5 photos (JSON base64 or multipart files): a verdict per photo, templates from the accepted ones, look-alikes to guard with a PIN',
      description:
        'Send either `application/json` `{ photos: [{ data: base64 }] }` or `multipart/form-data` with one `photos` part per image file; both take 1–5 photos of at most 8 MB each (422 naming the photo otherwise; a larger body is 413). Needs a face consent in force (409 otherwise). 422 when no photo is usable (each photo’s reason in `errors`). Photos are discarded after embedding unless the organisation keeps enrollment photos (then stored encrypted).',
      security,
      middleware: [withPermission('faces.write'), withEnrollmentBodyLimit] as const,
      request: {
        params: ZEmployeeParams,
        body: {
          required: false,
          content: {
            'application/json': { schema: ZEnrollFaceBody },
            'multipart/form-data': { schema: ZEnrollFaceForm },
          },
        },
      },
      responses: {
        201: jsonResponse(ZEnrollmentResult, 'Enrolled'),
        ...problems(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const { orgId, employeeId } = c.req.valid('param');
      const isMultipart = /^multipart\//i.test(c.req.header('content-type') ?? '');
      const photos = await enrollmentPhotos(
        isMultipart,
        c.req.valid('json') as Partial<TEnrollFaceBody>,
        c.req.valid('form') as Partial<TEnrollFaceForm>,
      );
      const result = await faces.enrollFromPhotos(
        deps,
        c.var.orgScope,
        actorContext(c),
        orgId,
        employeeId,
        photos,
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

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/face-settings',
      tags,
      summary:
        "The org's face model, attack check and photo keeping, and how many enrolled employees have templates of the model (re-enrollment progress)",
      security,
      middleware: [withPermission('faces.read')] as const,
      request: { params: ZOrgParams },
      responses: { 200: jsonResponse(ZFaceSettings, 'Face settings'), ...problems(401, 403) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(await c.var.orgScope((tx) => faces.getFaceSettings(tx, orgId)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{orgId}/face-settings',
      tags,
      summary:
        'Change the face model, the attack check (off / warn / block) or whether enrollment photos are kept',
      description:
        'Kiosks get the change with their next settings (heartbeat or roster). A new model queues the re-enrollment from kept photos; employees without usable kept photos are listed as needing new photos. Turning photo keeping off deletes every kept photo now (audited); turning it on keeps the photos of later enrollments only.',
      security,
      middleware: [withPermission('faces.write')] as const,
      request: { params: ZOrgParams, body: jsonBody(ZFaceSettingsPatch) },
      responses: { 200: jsonResponse(ZFaceSettings, 'Changed'), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const patch = c.req.valid('json');
      const { settings, isModelChanged } = await c.var.orgScope((tx) =>
        faces.updateFaceSettings(tx, actorContext(c), orgId, patch),
      );
      if (isModelChanged) {
        // After the commit; a lost request is harmless: the next model change or a retry re-queues it.
        await deps.jobs?.requestFaceReenrollment(orgId).catch((error: unknown) => {
          c.var.log.warn({ err: error, orgId }, 'could not queue the face re-enrollment');
        });
      }
      return c.json(settings, 200);
    },
  );

  return router;
}
