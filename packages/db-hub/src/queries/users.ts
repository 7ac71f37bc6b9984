import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { passwordResetTokens, refreshTokens, sessions, users } from '../schema/users';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export async function findUserByEmail(db: Database, params: { email: string }): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, params.email)).limit(1);
  return row;
}

export async function findUserById(db: Database, params: { userId: string }): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, params.userId)).limit(1);
  return row;
}

export async function createUser(
  db: Database,
  params: { email: string; name: string; passwordHash: string; isSuperadmin?: boolean },
): Promise<UserRow> {
  const [row] = await db.insert(users).values(params).returning();
  return row!;
}

export async function updateUserPassword(
  db: Database,
  params: { userId: string; passwordHash: string; at: Date },
) {
  await db
    .update(users)
    .set({ passwordHash: params.passwordHash, passwordChangedAt: params.at, updatedAt: params.at })
    .where(eq(users.id, params.userId));
}

export async function setUserSuperadmin(db: Database, params: { userId: string; isSuperadmin: boolean }) {
  await db.update(users).set({ isSuperadmin: params.isSuperadmin }).where(eq(users.id, params.userId));
}

export async function createSession(
  db: Database,
  params: { userId: string; userAgent: string | null; ip: string | null; expiresAt: Date; now: Date },
): Promise<SessionRow> {
  const [row] = await db
    .insert(sessions)
    .values({ ...params, createdAt: params.now, lastUsedAt: params.now })
    .returning();
  return row!;
}

/** The session behind an access token, with its user, if still usable at `now`. */
export async function findActiveSession(
  db: Database,
  params: { sessionId: string; userId: string; now: Date },
) {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, params.sessionId),
        eq(sessions.userId, params.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, params.now),
      ),
    )
    .limit(1);
  return row;
}

export async function listActiveSessions(
  db: Database,
  params: { userId: string; now: Date },
): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(
      and(eq(sessions.userId, params.userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, params.now)),
    )
    .orderBy(sql`${sessions.lastUsedAt} desc`);
}

export async function revokeSession(
  db: Database,
  params: { sessionId: string; userId?: string; reason: NonNullable<SessionRow['revokedReason']>; now: Date },
): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: params.now, revokedReason: params.reason })
    .where(
      and(
        eq(sessions.id, params.sessionId),
        isNull(sessions.revokedAt),
        params.userId ? eq(sessions.userId, params.userId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Ends every session of a user, except optionally one (the one changing the password). */
export async function revokeUserSessions(
  db: Database,
  params: {
    userId: string;
    exceptSessionId?: string;
    reason: NonNullable<SessionRow['revokedReason']>;
    now: Date;
  },
): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: params.now, revokedReason: params.reason })
    .where(
      and(
        eq(sessions.userId, params.userId),
        isNull(sessions.revokedAt),
        params.exceptSessionId ? sql`${sessions.id} <> ${params.exceptSessionId}` : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return rows.length;
}

export async function insertRefreshToken(
  db: Database,
  params: { sessionId: string; tokenHash: string; now: Date },
) {
  await db
    .insert(refreshTokens)
    .values({ sessionId: params.sessionId, tokenHash: params.tokenHash, createdAt: params.now });
}

/** The refresh token row (used or not) with its session, for rotation and reuse detection. */
export async function findRefreshToken(db: Database, params: { tokenHash: string }) {
  const [row] = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, params.tokenHash))
    .limit(1);
  return row;
}

/**
 * Marks a refresh token used, only if it was unused: the conditional update is what makes two
 * concurrent refreshes with the same token end with exactly one winner.
 */
export async function markRefreshTokenUsed(
  db: Database,
  params: { tokenId: string; now: Date },
): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ usedAt: params.now })
    .where(and(eq(refreshTokens.id, params.tokenId), isNull(refreshTokens.usedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}

export async function touchSession(db: Database, params: { sessionId: string; now: Date }) {
  await db.update(sessions).set({ lastUsedAt: params.now }).where(eq(sessions.id, params.sessionId));
}

export async function createPasswordResetToken(
  db: Database,
  params: { userId: string; tokenHash: string; expiresAt: Date; now: Date },
) {
  await db.insert(passwordResetTokens).values({ ...params, createdAt: params.now });
}

/** Claims a reset token: succeeds once, only while unexpired. */
export async function consumePasswordResetToken(db: Database, params: { tokenHash: string; now: Date }) {
  const [row] = await db
    .update(passwordResetTokens)
    .set({ usedAt: params.now })
    .where(
      and(
        eq(passwordResetTokens.tokenHash, params.tokenHash),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, params.now),
      ),
    )
    .returning({ userId: passwordResetTokens.userId });
  return row;
}
