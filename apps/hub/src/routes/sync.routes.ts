import {
  MAX_EVENTS_PER_BATCH,
  ZBatchAck,
  ZEventBatch,
  ZHeartbeat,
  ZHeartbeatAck,
  ZKioskSettings,
  ZRosterDelta,
  parseEventBatch,
} from '@clockface/contracts/sync';
import { ZodError } from 'zod';
import { AppError } from '@clockface/core';
import { createRoute, z } from '@hono/zod-openapi';
import type { HubDeps } from '../deps';
import { zodIssuesToAppError } from '../errors';
import { deferredTokenUse } from '../middleware/with-device-auth';
import {
  getRosterDelta,
  kioskSettingsFor,
  purgeUsedDeviceTokens,
  recordHeartbeat,
} from '../services/sync.service';
import { ingestEventBatch, type ParsedEventBatch } from '../services/sync-ingest.service';
import { createRouter, jsonBody, jsonResponse, problems } from './router';

const deviceSecurity = [{ deviceAuth: [] }];
const EVENT_BATCH_JSON_SCHEMA = z.toJSONSchema(ZEventBatch, {
  io: 'input',
  unrepresentable: 'any',
}) as Record<string, unknown>;

function parseBatch(raw: unknown): ParsedEventBatch {
  try {
    const { batch, events } = parseEventBatch(raw);
    return { batch, events, raw: (raw as { events: unknown[] }).events };
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    // The kiosk halves its batch on 413 (DEV-07), so an oversized batch says so instead of 422.
    if (error.issues.some((issue) => issue.path[0] === 'events' && issue.code === 'too_big')) {
      throw new AppError('PAYLOAD_TOO_LARGE', {
        message: `Expected at most ${MAX_EVENTS_PER_BATCH} events per batch`,
      });
    }
    throw zodIssuesToAppError(error);
  }
}

/** Kiosk endpoints; withServerDate and withDeviceAuth run first (see app.ts), so `device` is set. */
export function syncRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Sync'];
  router.openAPIRegistry.registerComponent('securitySchemes', 'deviceAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT (typ kiosk+jwt, EdDSA, signed by the device key, one per request)',
  });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/sync/events',
      tags,
      summary: 'Push a signed batch of punches; one ack per event (idempotent by event id)',
      security: deviceSecurity,
      request: {
        // Documentation only (a JSON Schema, not zod, so no validator runs): the handler parses the
        // batch event by event, so one malformed event is rejected alone instead of failing the batch.
        body: {
          required: true,
          content: { 'application/json': { schema: EVENT_BATCH_JSON_SCHEMA } },
        },
      },
      responses: {
        200: jsonResponse(ZBatchAck, 'Per-event results and the hub-side chain head'),
        ...problems(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const raw: unknown = await c.req.json().catch(() => {
        throw new AppError('MALFORMED_JSON', { message: 'The request body is not valid JSON' });
      });
      const parsed = parseBatch(raw);
      const context = { actor: { requestId: c.get('requestId'), ip: c.get('clientIp') }, log: c.get('log') };
      // The token's id is recorded in the ingest transaction: one commit per batch.
      const tokenUse = deferredTokenUse(c);
      const ack = await ingestEventBatch(deps, c.var.orgScope, context, c.get('device'), parsed, tokenUse);
      return c.json(ack, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/sync/roster',
      tags,
      summary: 'Roster changes since a cursor: employees, PIN hashes, templates, tombstones',
      security: deviceSecurity,
      request: { query: z.object({ cursor: z.string().min(1).max(256).optional() }) },
      responses: {
        200: jsonResponse(ZRosterDelta, 'One page; pull again while hasMore'),
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const { cursor } = c.req.valid('query');
      const device = c.get('device');
      return c.json(await c.var.orgScope((tx) => getRosterDelta(deps, tx, device, cursor)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/sync/heartbeat',
      tags,
      summary: "Report the kiosk's health; answers the hub's time, the measured clock offset and settings",
      security: deviceSecurity,
      request: { body: jsonBody(ZHeartbeat) },
      responses: {
        200: jsonResponse(
          ZHeartbeatAck.extend({ settings: ZKioskSettings }),
          'Stored; the settings are the current ones, which the kiosk stores',
        ),
        ...problems(400, 401, 403, 415, 422),
      },
    }),
    async (c) => {
      const heartbeat = c.req.valid('json');
      const actor = { requestId: c.get('requestId'), ip: c.get('clientIp') };
      const device = c.get('device');
      const answer = await c.var.orgScope((tx) => recordHeartbeat(deps, tx, actor, device, heartbeat));
      await purgeUsedDeviceTokens(deps, device);
      return c.json(answer, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/sync/settings',
      tags,
      summary: 'The kiosk settings the admin set (recognition thresholds, duplicate window, time zone)',
      security: deviceSecurity,
      responses: { 200: jsonResponse(ZKioskSettings, 'Settings'), ...problems(401, 403) },
    }),
    async (c) => {
      const device = c.get('device');
      return c.json(await c.var.orgScope((tx) => kioskSettingsFor(tx, device)), 200);
    },
  );

  return router;
}
