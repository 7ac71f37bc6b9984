import { and, asc, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { deviceTokenUses, devices, enrollmentTokens } from '../schema/devices';
import { organizations } from '../schema/organizations';

export type EnrollmentTokenRow = typeof enrollmentTokens.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type DeviceChanges = Partial<
  Omit<typeof devices.$inferInsert, 'id' | 'orgId' | 'kid' | 'publicJwk' | 'createdAt'>
>;

export async function createEnrollmentToken(
  db: Database,
  params: Omit<typeof enrollmentTokens.$inferInsert, 'id' | 'uses' | 'revokedAt' | 'createdAt'>,
): Promise<EnrollmentTokenRow> {
  const [row] = await db.insert(enrollmentTokens).values(params).returning();
  return row!;
}

export async function listEnrollmentTokens(db: Database, params: { orgId: string }) {
  return db
    .select()
    .from(enrollmentTokens)
    .where(eq(enrollmentTokens.orgId, params.orgId))
    .orderBy(desc(enrollmentTokens.id))
    .limit(500);
}

export async function findEnrollmentToken(db: Database, params: { orgId: string; tokenId: string }) {
  const [row] = await db
    .select()
    .from(enrollmentTokens)
    .where(and(eq(enrollmentTokens.orgId, params.orgId), eq(enrollmentTokens.id, params.tokenId)))
    .limit(1);
  return row;
}

export async function revokeEnrollmentToken(
  db: Database,
  params: { orgId: string; tokenId: string; at: Date },
) {
  const [row] = await db
    .update(enrollmentTokens)
    .set({ revokedAt: params.at })
    .where(
      and(
        eq(enrollmentTokens.orgId, params.orgId),
        eq(enrollmentTokens.id, params.tokenId),
        isNull(enrollmentTokens.revokedAt),
      ),
    )
    .returning();
  return row;
}

/**
 * Takes one use of a token, atomically: the conditional UPDATE holds the row lock, so of two
 * parallel registrations with a 1-use token exactly one gets the row (DEV-01). Runs as the owner
 * role: the token, not a session, says which org it belongs to.
 */
export async function consumeEnrollmentToken(db: Database, params: { tokenHash: string; now: Date }) {
  const [row] = await db
    .update(enrollmentTokens)
    .set({ uses: sql`${enrollmentTokens.uses} + 1` })
    .where(
      and(
        eq(enrollmentTokens.tokenHash, params.tokenHash),
        isNull(enrollmentTokens.revokedAt),
        gt(enrollmentTokens.expiresAt, params.now),
        lt(enrollmentTokens.uses, enrollmentTokens.maxUses),
      ),
    )
    .returning();
  return row;
}

/** The token by hash with its org's status, to explain why it could not be used. */
export async function findEnrollmentTokenByHash(db: Database, params: { tokenHash: string }) {
  const [row] = await db
    .select({ token: enrollmentTokens, orgStatus: organizations.status })
    .from(enrollmentTokens)
    .innerJoin(organizations, eq(organizations.id, enrollmentTokens.orgId))
    .where(eq(enrollmentTokens.tokenHash, params.tokenHash))
    .limit(1);
  return row;
}

export async function createDevice(
  db: Database,
  params: Omit<typeof devices.$inferInsert, 'createdAt' | 'updatedAt'>,
): Promise<DeviceRow> {
  const [row] = await db.insert(devices).values(params).returning();
  return row!;
}

export async function listDevices(db: Database, params: { orgId: string }) {
  return db
    .select()
    .from(devices)
    .where(eq(devices.orgId, params.orgId))
    .orderBy(asc(devices.name), asc(devices.id))
    .limit(1000);
}

export async function findDevice(
  db: Database,
  params: { orgId: string; deviceId: string; forUpdate?: boolean },
) {
  const query = db
    .select()
    .from(devices)
    .where(and(eq(devices.orgId, params.orgId), eq(devices.id, params.deviceId)))
    .limit(1);
  const [row] = params.forUpdate ? await query.for('update') : await query;
  return row;
}

/**
 * The device-auth lookup (owner role: the key, not a session, names the org). Parameterised, so a
 * hostile `kid` is only ever a value (JWT-06).
 */
export async function findDeviceByKid(db: Database, params: { kid: string }) {
  const [row] = await db
    .select({ device: devices, orgStatus: organizations.status })
    .from(devices)
    .innerJoin(organizations, eq(organizations.id, devices.orgId))
    .where(eq(devices.kid, params.kid))
    .limit(1);
  return row;
}

export async function updateDevice(
  db: Database,
  params: { orgId: string; deviceId: string; changes: DeviceChanges },
) {
  const [row] = await db
    .update(devices)
    .set(params.changes)
    .where(and(eq(devices.orgId, params.orgId), eq(devices.id, params.deviceId)))
    .returning();
  return row;
}

/** Records a device-token id; false when it was seen before (a replay, JWT-04). */
export async function recordDeviceTokenUse(
  db: Database,
  params: { deviceId: string; jti: string; expiresAt: Date },
): Promise<boolean> {
  const rows = await db
    .insert(deviceTokenUses)
    .values(params)
    .onConflictDoNothing()
    .returning({ jti: deviceTokenUses.jti });
  return rows.length === 1;
}

/** Forgets token ids past their expiry; a replay of those fails on `exp` anyway. */
export async function purgeDeviceTokenUses(db: Database, params: { deviceId: string; before: Date }) {
  await db
    .delete(deviceTokenUses)
    .where(and(eq(deviceTokenUses.deviceId, params.deviceId), lt(deviceTokenUses.expiresAt, params.before)));
}
