import type { TPermission } from '@clockface/contracts/api';
import { AppError, isUuid } from '@clockface/core';
import {
  OrgScopeRefused,
  isOrgAccessUnchanged,
  orgAccessUnchanged,
  readOrgAccessVersion,
  withOrgScope,
  type OrgAccessKey,
} from '@clockface/db-hub';
import { findOrgAccess } from '@clockface/db-hub/queries';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { Actor, HubEnv, OrgMembership } from '../env';
import { permissionsFor } from '../services/permissions';
import { readBearer } from './with-user-auth';

/** Remembered accesses per process (session × org): a few MB at most. */
const ACCESS_CACHE_SIZE = 10_000;
const NO_ORG = '00000000-0000-0000-0000-000000000000';

interface CachedAccess {
  /** The version of the rows it was read from (see readOrgAccessVersion); the confirmation compares it. */
  version: string;
  actor: Actor;
  membership: OrgMembership;
}

export interface OrgMemberOptions {
  /**
   * Runs a request through the app again. A GET answered from a cached access that its confirmation
   * then refuted is answered again this way, with the access read afresh.
   */
  redispatch?: (request: Request, env: unknown) => Response | Promise<Response>;
}

/**
 * Authenticates the caller and resolves their membership in `:orgId`, setting `actor`, `membership`
 * and `orgScope`. Another org's id, a malformed id and a missing org all answer the same 404, so the
 * API never confirms that an org exists to a non-member; a suspended org answers 403.
 *
 * The access is checked against the database on every request, which is what makes logout, session
 * revocation, removal from the org, role changes and suspension act on the very next request:
 *
 * - Anything but GET/HEAD, and a GET seen for the first time: the session, user, membership, org and
 *   custom role are read (one prepared round trip) before the handler runs.
 * - A GET whose access this process has seen: the handler runs on the remembered access, and every
 *   org scope it opens carries, in its own first round trip and ahead of the work, a statement that
 *   aborts the transaction unless those rows are exactly as remembered (see orgAccessUnchanged). A
 *   GET that opens no scope, or whose scope failed, is checked after the handler. Refuted, the
 *   remembered access is dropped and the request is answered again from a fresh read, so a removed
 *   member gets the 404 and a suspended org the 403 on that very request.
 *
 * So a read costs one round trip, like a bare query, and nothing is ever answered on an access the
 * database no longer holds. Only GETs use it: their handlers write nothing outside a scope.
 */
export function withOrgMember(deps: HubDeps, options: OrgMemberOptions = {}) {
  const remembered = new Map<string, CachedAccess>();
  /** Requests being answered again after a refuted access: these read it afresh. */
  const answeringAgain = new WeakSet<Request>();
  const remember = (key: string, access: CachedAccess) => {
    remembered.delete(key);
    if (remembered.size >= ACCESS_CACHE_SIZE) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, access);
  };

  return createMiddleware<HubEnv>(async function withOrgMember(c, next) {
    const token = readBearer(c.req.header('authorization'));
    if (!token)
      throw new AppError('UNAUTHENTICATED', {
        message: 'Send an access token: Authorization: Bearer <token>',
      });
    const claims = await deps.accessTokens.verify(token);
    const orgId = c.req.param('orgId');
    // Checked before the query: a malformed id would otherwise be a database error.
    const validOrgId = orgId && isUuid(orgId) ? orgId : NO_ORG;
    const key: OrgAccessKey = { ...claims, orgId: validOrgId, now: deps.clock.now() };
    const cacheKey = `${claims.sessionId} ${claims.userId} ${validOrgId}`;
    const mayRemember =
      (c.req.method === 'GET' || c.req.method === 'HEAD') &&
      options.redispatch !== undefined &&
      validOrgId === orgId &&
      !answeringAgain.has(c.req.raw);

    const cached = mayRemember ? remembered.get(cacheKey) : undefined;
    if (cached) return answerFromCache(c, next, key, cacheKey, cached);

    // Read in this order: a version read before the access can only be older, never newer, than it.
    const version = mayRemember ? await readOrgAccessVersion(deps.db, key) : undefined;
    const found = await findOrgAccess(deps.db, key);
    if (!found) throw new AppError('UNAUTHENTICATED', { message: 'The session has ended. Log in again.' });
    const actor: Actor = { ...found.user, userId: found.user.id, sessionId: claims.sessionId };
    c.set('actor', actor);
    if (!found.membership || !found.organization || validOrgId !== orgId) throw new AppError('NOT_FOUND');
    if (found.organization.status === 'suspended') {
      throw new AppError('ORGANIZATION_SUSPENDED', {
        message: 'This organisation is suspended. Contact support.',
      });
    }
    const membership: OrgMembership = {
      orgId: validOrgId,
      role: found.membership.role,
      customRoleId: found.membership.customRoleId,
      permissions: permissionsFor(found.membership.role, found.customPermissions),
      organization: found.organization,
    };
    c.set('membership', membership);
    c.set('orgScope', (work, scopeOptions) =>
      withOrgScope(deps.db, validOrgId, work, {
        readOnly: scopeOptions?.readOnly,
        singleStatement: scopeOptions?.singleStatement,
      }),
    );
    if (version !== undefined) remember(cacheKey, { version, actor, membership });
    await next();
  });

  async function answerFromCache(
    c: Context<HubEnv>,
    next: () => Promise<void>,
    key: OrgAccessKey,
    cacheKey: string,
    cached: CachedAccess,
  ) {
    let isConfirmed = false;
    let isRefuted = false;
    const precondition = orgAccessUnchanged(key, cached.version);
    c.set('actor', cached.actor);
    c.set('membership', cached.membership);
    c.set('orgScope', (work, scopeOptions) =>
      withOrgScope(deps.db, key.orgId, work, {
        precondition,
        readOnly: scopeOptions?.readOnly,
        singleStatement: scopeOptions?.singleStatement,
      }).then(
        (result) => {
          isConfirmed = true;
          return result;
        },
        (error: unknown) => {
          if (error instanceof OrgScopeRefused) isRefuted = true;
          throw error;
        },
      ),
    );
    await next();
    if (isRefuted || !(isConfirmed || (await isOrgAccessUnchanged(deps.db, key, cached.version)))) {
      remembered.delete(cacheKey);
      answeringAgain.add(c.req.raw);
      const again = await options.redispatch!(c.req.raw, c.env);
      c.res = undefined; // replace the answer, headers and all, rather than merge into it
      c.res = again;
    }
  }
}

/** The one permission check every org route uses. */
export function withPermission(permission: TPermission) {
  return createMiddleware<HubEnv>(async function withPermission(c, next) {
    if (!c.get('membership').permissions.has(permission)) {
      throw new AppError('FORBIDDEN', { message: `Your role lacks the "${permission}" permission` });
    }
    await next();
  });
}
