import { AppError } from '@clockface/core';
import { withOrgScope } from '@clockface/db-hub';
import { findDeviceByKid, recordDeviceTokenUse, type DeviceRow } from '@clockface/db-hub/queries';
import type { Context } from 'hono';
import { DEVICE_TOKEN_CLOCK_TOLERANCE_S, verifyDeviceToken } from '@clockface/sync-protocol';
import { decodeJwt } from 'jose';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { createDeviceThrottle } from '../security/device-throttle';
import { readBearer } from './with-user-auth';

/** The `aud` of every device JWT this hub accepts; handed to the kiosk at registration. */
export function syncAudience(deps: HubDeps): string {
  return `${deps.config.publicUrl}/api/sync`;
}

/**
 * The URL the token's `htu` must equal. The path and method are always this request's; the origin
 * may be PUBLIC_URL or the origin the request arrived at (a kiosk on the site LAN provisioned with
 * http://10.0.0.5:8787 signs that), nothing else.
 */
function expectedUrl(deps: HubDeps, requestUrl: string, token: string): string {
  const request = new URL(requestUrl);
  const allowed = new Set([new URL(deps.config.publicUrl).origin, request.origin]);
  let claimedOrigin: string | undefined;
  try {
    const htu = decodeJwt(token).htu;
    if (typeof htu === 'string') claimedOrigin = new URL(htu).origin;
  } catch {
    // verifyDeviceToken rejects the token with a precise reason below.
  }
  const origin = claimedOrigin && allowed.has(claimedOrigin) ? claimedOrigin : deps.config.publicUrl;
  return `${origin}${request.pathname}`;
}

/** The one request whose token id is recorded inside its own transaction (the punch ingest). */
const DEFERRING_ROUTE = { method: 'POST', path: '/api/sync/events' };

/**
 * A device token id whose use is recorded by the request's own transaction (the punch ingest), so a
 * batch costs one commit. `isRecorded` is set once that transaction has committed; when the request
 * ends without it (any error, a refused batch), the middleware records the id on its own, and
 * answers TOKEN_REPLAYED if it was used before: a token is refused on replay whatever its first
 * request did, and at most one request ever commits anything under it.
 */
export interface DeferredTokenUse {
  deviceId: string;
  jti: string;
  expiresAt: Date;
  isRecorded: boolean;
}

const deferredTokenUses = new WeakMap<Request, DeferredTokenUse>();

/** The token id the route must record in its transaction; undefined on routes that do not defer. */
export function deferredTokenUse(c: Context): DeferredTokenUse | undefined {
  return deferredTokenUses.get(c.req.raw);
}

const replayed = () => new AppError('TOKEN_REPLAYED', { message: 'Device token rejected: jti already used' });

/**
 * Authenticates a kiosk by its self-signed JWT (packages/sync-protocol `verifyDeviceToken`: EdDSA
 * only, typ kiosk+jwt, audience, htm/htu, exp/iat/jti, 120 s, 30 s tolerance) against the key
 * registered under its `kid`, whose device must be the token's `sub`. Sets `device` and `orgScope`:
 * the org, device and site of everything that follows come from the verified key, never from the
 * body (DEV-03). Every failure is a 401 (the org being suspended: 403).
 */
export function withDeviceAuth(deps: HubDeps) {
  const throttle = createDeviceThrottle(deps.db, { requestsPerMinute: deps.config.deviceRequestsPerMinute });
  return createMiddleware<HubEnv>(async function withDeviceAuth(c, next) {
    const token = readBearer(c.req.header('authorization'));
    if (!token) {
      throw new AppError('UNAUTHENTICATED', {
        message: 'Send a device token: Authorization: Bearer <kiosk JWT>',
      });
    }
    let orgStatus: string | undefined;
    const isDeferring = c.req.method === DEFERRING_ROUTE.method && c.req.path === DEFERRING_ROUTE.path;
    let deferred: DeferredTokenUse | undefined;
    const verified = await verifyDeviceToken<DeviceRow>(token, {
      audience: syncAudience(deps),
      method: c.req.method,
      url: expectedUrl(deps, c.req.url, token),
      clock: deps.clock,
      findDeviceKey: async (kid) => {
        const found = await findDeviceByKid(deps.db, { kid });
        if (!found) return undefined;
        orgStatus = found.orgStatus;
        return {
          deviceId: found.device.id,
          publicKey: found.device.publicJwk,
          isRevoked: found.device.status === 'revoked',
          row: found.device,
        };
      },
      isJtiFresh: async ({ deviceId, jti, expiresAt }) => {
        // Kept past exp by the tolerance, so no token that could still verify is forgotten.
        const use = {
          deviceId,
          jti,
          expiresAt: new Date(expiresAt.getTime() + DEVICE_TOKEN_CLOCK_TOLERANCE_S * 1000),
        };
        if (!isDeferring) return recordDeviceTokenUse(deps.db, use);
        deferred = { ...use, isRecorded: false };
        return true;
      },
    });
    // The request's transaction did not commit the id (it failed, was refused or never ran): record
    // it now, so the token cannot be used again; a replay answers 401 whatever else went wrong.
    const settleDeferred = async () => {
      if (!deferred || deferred.isRecorded) return;
      const isFresh = await recordDeviceTokenUse(deps.db, deferred);
      deferred.isRecorded = true;
      if (!isFresh) throw replayed();
    };
    try {
      if (orgStatus === 'suspended') {
        throw new AppError('ORGANIZATION_SUSPENDED', {
          message: 'This organisation is suspended. Contact support.',
        });
      }
      const device = verified.record.row!;
      // Counted only for authenticated requests, so nobody else can use up a kiosk's allowance.
      await throttle.consumeRequest(device.id);
      c.set('device', device);
      c.set('orgScope', (work) => withOrgScope(deps.db, device.orgId, work));
      if (deferred) deferredTokenUses.set(c.req.raw, deferred);
      await next();
    } catch (error) {
      await settleDeferred();
      throw error;
    }
    await settleDeferred();
  });
}

/**
 * Every device answer carries the hub's time in `Date`, errors included: a kiosk told CLOCK_SKEW
 * measures its offset from it (JWT-05). Set here because app.request() and error responses built
 * by hand have no Date of their own, and the hub's clock is injectable.
 */
export function withServerDate(deps: HubDeps) {
  return createMiddleware<HubEnv>(async function withServerDate(c, next) {
    await next();
    c.res.headers.set('date', deps.clock.now().toUTCString());
  });
}
