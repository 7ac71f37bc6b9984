import { AppError } from '@clockface/core';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { resolveSession } from '../services/auth.service';

/** Longest Authorization header we parse; anything longer is refused before any crypto runs. */
const MAX_AUTHORIZATION_LENGTH = 4096;

export function readBearer(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/.exec(header);
  return match?.[1];
}

/**
 * Requires a valid access token whose session is still live, and sets `actor`. The session check
 * on every request is what makes logout and revocation take effect before the token expires.
 */
export function withUserAuth(deps: HubDeps) {
  return createMiddleware<HubEnv>(async function withUserAuth(c, next) {
    const token = readBearer(c.req.header('authorization'));
    if (!token)
      throw new AppError('UNAUTHENTICATED', {
        message: 'Send an access token: Authorization: Bearer <token>',
      });
    const claims = await deps.accessTokens.verify(token);
    const user = await resolveSession(deps, claims);
    c.set('actor', {
      userId: user.id,
      sessionId: claims.sessionId,
      email: user.email,
      name: user.name,
      isSuperadmin: user.isSuperadmin,
    });
    await next();
  });
}

/** Like withUserAuth, but lets anonymous requests through (actor stays unset). */
export function withOptionalUserAuth(deps: HubDeps) {
  const required = withUserAuth(deps);
  return createMiddleware<HubEnv>(async function withOptionalUserAuth(c, next) {
    if (!c.req.header('authorization')) return next();
    return required(c, next);
  });
}

export function withSuperadmin() {
  return createMiddleware<HubEnv>(async function withSuperadmin(c, next) {
    // Not 403: the platform routes do not exist for anyone else.
    if (!c.get('actor')?.isSuperadmin) throw new AppError('NOT_FOUND');
    await next();
  });
}
