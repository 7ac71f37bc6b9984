import { and, asc, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { deviceTokenUses, devices, enrollmentTokens } from '../schema/devices';
import { rowsOf } from './rows';
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

/** What the sync ingest needs of a device while it holds the device's row lock. */
export interface DeviceChainState {
  id: string;
  orgId: string;
  siteId: string | null;
  registeredAt: Date;
  clockOffsetMs: number | null;
  isFlaggedForReview: boolean;
  /** The head of the device's chain on the hub: the highest contiguous, correctly linked seq. */
  lastSeq: number;
  lastHash: string | null;
  /** The row version (xmin): every batch of the device changes it, so equal versions saw the same chain. */
  rowVersion: string;
}

/**
 * Locks the device row (`FOR UPDATE`) so one device's batches never interleave, and reads its chain
 * head. Raw SQL with just these columns: the ingest runs it for every batch, and the select builder
 * over the whole row cost it about 10× the CPU.
 */
export async function lockDeviceChainState(
  db: Database,
  params: { orgId: string; deviceId: string },
): Promise<DeviceChainState | undefined> {
  const [row] = rowsOf<{
    site_id: string | null;
    registered_at: Date | string;
    clock_offset_ms: number | null;
    is_flagged_for_review: boolean;
    last_seq: string | number;
    last_hash: string | null;
    row_version: string;
  }>(
    await db.execute(sql`
      select site_id, registered_at, clock_offset_ms, is_flagged_for_review, last_seq, last_hash,
        xmin::text as row_version
      from devices where org_id = ${params.orgId} and id = ${params.deviceId}
      for update`),
  );
  if (!row) return undefined;
  return {
    id: params.deviceId,
    orgId: params.orgId,
    siteId: row.site_id,
    registeredAt: new Date(row.registered_at),
    clockOffsetMs: row.clock_offset_ms,
    isFlaggedForReview: row.is_flagged_for_review,
    lastSeq: Number(row.last_seq),
    lastHash: row.last_hash,
    rowVersion: row.row_version,
  };
}

/**
 * Moves the device's chain head after a batch and records when it was seen; sets the review flag
 * with its first reason unless the device is flagged already (an admin clears it).
 */
export async function updateDeviceChainHead(
  db: Database,
  params: {
    orgId: string;
    deviceId: string;
    lastSeq: number;
    lastHash: string;
    lastSeenAt: Date;
    flagReason: string | null;
  },
): Promise<void> {
  await db.execute(sql`
    update devices set
      last_seq = ${params.lastSeq}, last_hash = ${params.lastHash},
      last_seen_at = ${params.lastSeenAt.toISOString()}::timestamptz, updated_at = now(),
      is_flagged_for_review = is_flagged_for_review or ${params.flagReason !== null},
      flag_reason = case when is_flagged_for_review or ${params.flagReason}::text is null then flag_reason
        else ${params.flagReason}::text end
    where org_id = ${params.orgId} and id = ${params.deviceId}`);
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

/**
 * Records a device-token id inside the caller's transaction, as the app role (the punch ingest: one
 * commit per batch, migration 0016's policy). A plain insert: a replay raises unique_violation
 * (see `isDeviceTokenReplay`), and a concurrent request with the same id waits for this
 * transaction's outcome, so exactly one of them can commit with it.
 */
export async function insertDeviceTokenUse(
  db: Database,
  params: { deviceId: string; jti: string; expiresAt: Date },
): Promise<void> {
  await db.execute(sql`
    insert into device_token_uses (device_id, jti, expires_at)
    values (${params.deviceId}, ${params.jti}, ${params.expiresAt.toISOString()}::timestamptz)`);
}

/** True when `error` is `insertDeviceTokenUse` meeting a stored id (directly or as drizzle's cause). */
export function isDeviceTokenReplay(error: unknown): boolean {
  const codeOf = (value: unknown) =>
    value as { code?: unknown; constraint_name?: unknown; constraint?: unknown } | null | undefined;
  for (const candidate of [codeOf(error), codeOf((error as { cause?: unknown } | null | undefined)?.cause)]) {
    if (candidate?.code !== '23505') continue;
    const constraint = candidate.constraint_name ?? candidate.constraint;
    if (constraint === undefined || constraint === 'device_token_uses_pkey') return true;
  }
  return false;
}

/** Forgets token ids past their expiry; a replay of those fails on `exp` anyway. */
export async function purgeDeviceTokenUses(db: Database, params: { deviceId: string; before: Date }) {
  await db
    .delete(deviceTokenUses)
    .where(and(eq(deviceTokenUses.deviceId, params.deviceId), lt(deviceTokenUses.expiresAt, params.before)));
}
