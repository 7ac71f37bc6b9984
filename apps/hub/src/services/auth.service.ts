/**
 * @module Accounts and sessions: signup, login, refresh-token rotation with reuse detection,
 * logout, password change and reset, and the user's own session list.
 */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  consumePasswordResetToken,
  createPasswordResetToken,
  createSession,
  createUser,
  findActiveSession,
  findRefreshToken,
  findUserByEmail,
  findUserById,
  insertRefreshToken,
  listActiveSessions,
  listUserMemberships,
  markRefreshTokenUsed,
  revokeSession,
  revokeUserSessions,
  touchSession,
  updateUserPassword,
  type SessionRow,
  type UserRow,
} from '@clockface/db-hub/queries';
import type { HubDeps } from '../deps';
import { assertPasswordAcceptable, hashPassword, verifyPassword } from '../security/passwords';
import { createOpaqueToken, hashToken } from '../security/tokens';
import { createOrganizationWithOwner } from './organizations.service';
import { nudgeMailDelivery, queueMail } from './mail.service';
import { permissionsFor } from './permissions';
import { toOrganization, toSession, toUser } from './serializers';

/** Password reset links expire quickly (ASVS 2.5: short-lived, single-use). */
const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
  requestId: string | null;
}

const minutes = (n: number) => n * 60 * 1000;
const hours = (n: number) => n * 60 * 60 * 1000;

async function startSession(deps: HubDeps, tx: Database, userId: string, client: ClientInfo) {
  const now = deps.clock.now();
  const session = await createSession(tx, {
    userId,
    userAgent: client.userAgent?.slice(0, 500) ?? null,
    ip: client.ip,
    expiresAt: new Date(now.getTime() + hours(deps.config.sessionMaxHours)),
    now,
  });
  return issueTokens(deps, tx, session);
}

/** A fresh refresh token in the session's family plus a new access token. */
async function issueTokens(deps: HubDeps, tx: Database, session: SessionRow) {
  const now = deps.clock.now();
  const { token: refreshToken, tokenHash } = createOpaqueToken();
  await insertRefreshToken(tx, { sessionId: session.id, tokenHash, now });
  const access = await deps.accessTokens.sign({ userId: session.userId, sessionId: session.id });
  const idleEnd = now.getTime() + minutes(deps.config.sessionIdleMinutes);
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt.toISOString(),
    refreshToken,
    refreshTokenExpiresAt: new Date(Math.min(idleEnd, session.expiresAt.getTime())).toISOString(),
    tokenType: 'Bearer' as const,
  };
}

export async function signup(
  deps: HubDeps,
  input: {
    organizationName: string;
    name: string;
    email: string;
    password: string;
    timeZone?: string | undefined;
  },
  client: ClientInfo,
) {
  assertPasswordAcceptable(input.password, { email: input.email, orgName: input.organizationName });
  if (await findUserByEmail(deps.db, { email: input.email })) {
    throw new AppError('CONFLICT', {
      message: 'An account with this email already exists: log in and create the organisation from there',
      issues: [{ path: 'email', message: 'Already registered' }],
    });
  }
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx) => {
    const user = await createUser(tx, { email: input.email, name: input.name, passwordHash });
    const actor = {
      actorUserId: user.id,
      actorType: 'user' as const,
      requestId: client.requestId,
      ip: client.ip,
    };
    const organization = await createOrganizationWithOwner(tx, actor, {
      name: input.organizationName,
      timeZone: input.timeZone,
    });
    const tokens = await startSession(deps, tx as Database, user.id, client);
    return { user: toUser(user), organization, tokens };
  });
}

export async function login(deps: HubDeps, input: { email: string; password: string }, client: ClientInfo) {
  const key = { email: input.email, ip: client.ip };
  await deps.loginThrottle.assertAllowed(key);
  const user = await findUserByEmail(deps.db, { email: input.email });
  // Unknown emails still pay for one argon2 verify, so timing does not reveal which accounts exist.
  const isValid = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !isValid) {
    deps.log.warn({ event: 'authn_login_fail', ip: client.ip }, 'login failed');
    await deps.loginThrottle.recordFailure(key);
    throw new AppError('INVALID_CREDENTIALS', { message: 'Wrong email or password' });
  }
  await deps.loginThrottle.recordSuccess({ email: input.email });
  const tokens = await deps.db.transaction((tx) => startSession(deps, tx as Database, user.id, client));
  return { user: toUser(user), tokens };
}

/**
 * Rotates a refresh token. A token that was already used means it was copied: the whole session
 * (token family) is revoked, the thief's and the owner's copies alike (RFC 9700 §4.14.2).
 */
export async function refresh(deps: HubDeps, refreshToken: string) {
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx) => {
    const found = await findRefreshToken(tx, { tokenHash: hashToken(refreshToken) });
    if (!found) return { kind: 'unknown' as const };
    const { token, session } = found;
    const claimed = token.usedAt === null && (await markRefreshTokenUsed(tx, { tokenId: token.id, now }));
    if (!claimed) {
      await revokeSession(tx, { sessionId: session.id, reason: 'token_reuse', now });
      return { kind: 'reused' as const, sessionId: session.id, userId: session.userId };
    }
    const isIdle = now.getTime() - session.lastUsedAt.getTime() > minutes(deps.config.sessionIdleMinutes);
    if (session.revokedAt || session.expiresAt <= now || isIdle) return { kind: 'ended' as const };
    await touchSession(tx, { sessionId: session.id, now });
    return { kind: 'rotated' as const, tokens: await issueTokens(deps, tx as Database, session) };
  });
  switch (outcome.kind) {
    case 'rotated':
      return outcome.tokens;
    case 'reused':
      deps.log.warn(
        { event: 'authn_token_reuse', sessionId: outcome.sessionId, userId: outcome.userId },
        'refresh token reused',
      );
      throw new AppError('REFRESH_TOKEN_REUSED', {
        message: 'This refresh token was already used; the session has been ended. Log in again.',
      });
    default:
      throw new AppError('UNAUTHENTICATED', { message: 'The session has ended. Log in again.' });
  }
}

/** The user behind a verified access token, if their session is still live (revocation is immediate). */
export async function resolveSession(deps: HubDeps, claims: { userId: string; sessionId: string }) {
  const row = await findActiveSession(deps.db, { ...claims, now: deps.clock.now() });
  if (!row) throw new AppError('UNAUTHENTICATED', { message: 'The session has ended. Log in again.' });
  return row.user;
}

export async function logout(deps: HubDeps, actor: { userId: string; sessionId: string }) {
  await revokeSession(deps.db, {
    sessionId: actor.sessionId,
    userId: actor.userId,
    reason: 'logout',
    now: deps.clock.now(),
  });
}

export async function getMe(deps: HubDeps, userId: string) {
  const user = await findUserById(deps.db, { userId });
  if (!user) throw new AppError('UNAUTHENTICATED');
  const memberships = await listUserMemberships(deps.db, { userId });
  return {
    user: toUser(user),
    memberships: memberships.map(({ membership, organization, customPermissions }) => ({
      organization: toOrganization(organization),
      role: membership.role,
      customRoleId: membership.customRoleId,
      permissions: [...permissionsFor(membership.role, customPermissions)],
    })),
  };
}

export async function changePassword(
  deps: HubDeps,
  actor: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string; signOutOtherSessions: boolean },
  client: ClientInfo,
) {
  const user = (await findUserById(deps.db, { userId: actor.userId })) as UserRow;
  await deps.loginThrottle.assertAllowed({ email: user.email, ip: client.ip });
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await deps.loginThrottle.recordFailure({ email: user.email, ip: client.ip });
    throw new AppError('VALIDATION_FAILED', {
      message: 'The current password is not correct',
      issues: [{ path: 'currentPassword', message: 'Not correct' }],
    });
  }
  assertPasswordAcceptable(input.newPassword, { email: user.email });
  const passwordHash = await hashPassword(input.newPassword);
  const now = deps.clock.now();
  const mailId = await deps.db.transaction(async (tx) => {
    await updateUserPassword(tx, { userId: user.id, passwordHash, at: now });
    if (input.signOutOtherSessions) {
      await revokeUserSessions(tx, {
        userId: user.id,
        exceptSessionId: actor.sessionId,
        reason: 'password_changed',
        now,
      });
    }
    return queueMail(tx, {
      to: user.email,
      subject: 'Your Clockface password was changed',
      text: `Hello ${user.name},\n\nThe password of your Clockface account was changed. If this was not you, reset it now: ${deps.config.publicUrl}/forgot-password\n`,
      template: 'password_changed',
    });
  });
  await nudgeMailDelivery(deps, [mailId]);
}

/** Always answers the same way, whether or not the email has an account. */
export async function requestPasswordReset(deps: HubDeps, email: string, client: ClientInfo) {
  await deps.loginThrottle.consumeResetRequest({ email, ip: client.ip });
  const user = await findUserByEmail(deps.db, { email });
  if (!user) return;
  const now = deps.clock.now();
  const { token, tokenHash } = createOpaqueToken();
  const mailId = await deps.db.transaction(async (tx) => {
    await createPasswordResetToken(tx, {
      userId: user.id,
      tokenHash,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
      now,
    });
    return queueMail(tx, {
      to: user.email,
      subject: 'Reset your Clockface password',
      // The token travels in the fragment, which browsers never send to servers or in Referer headers.
      text: `Hello ${user.name},\n\nTo choose a new password, open this link within 30 minutes:\n${deps.config.publicUrl}/reset-password#token=${token}\n\nIf you did not ask for this, ignore this email.\n`,
      template: 'password_reset',
    });
  });
  await nudgeMailDelivery(deps, [mailId]);
}

export async function resetPassword(deps: HubDeps, input: { token: string; newPassword: string }) {
  const now = deps.clock.now();
  const passwordHash = await hashPassword(input.newPassword);
  await deps.db.transaction(async (tx) => {
    const claimed = await consumePasswordResetToken(tx, { tokenHash: hashToken(input.token), now });
    if (!claimed)
      throw new AppError('INVALID_TOKEN', {
        message: 'This reset link is invalid, used or expired. Ask for a new one.',
      });
    const user = (await findUserById(tx, { userId: claimed.userId })) as UserRow;
    assertPasswordAcceptable(input.newPassword, { email: user.email });
    await updateUserPassword(tx, { userId: claimed.userId, passwordHash, at: now });
    await revokeUserSessions(tx, { userId: claimed.userId, reason: 'password_reset', now });
  });
}

export async function listSessions(deps: HubDeps, actor: { userId: string; sessionId: string }) {
  const sessions = await listActiveSessions(deps.db, { userId: actor.userId, now: deps.clock.now() });
  return sessions.map((session) => toSession(session, actor.sessionId));
}

export async function revokeOwnSession(deps: HubDeps, actor: { userId: string }, sessionId: string) {
  const revoked = await revokeSession(deps.db, {
    sessionId,
    userId: actor.userId,
    reason: 'user_revoked',
    now: deps.clock.now(),
  });
  if (!revoked) throw new AppError('NOT_FOUND', { message: 'No such active session' });
}
