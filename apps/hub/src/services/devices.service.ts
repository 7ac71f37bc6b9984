/**
 * @module Kiosk provisioning: enrollment tokens (created by an admin, shown once, stored hashed),
 * device registration with such a token, and the console's view of devices (health, rename, revoke).
 */
import type { TDeviceRegistration, TDeviceRegistrationResult } from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  consumeEnrollmentToken,
  createDevice,
  createEnrollmentToken,
  findDevice,
  findEnrollmentToken,
  findEnrollmentTokenByHash,
  findOrganization,
  findSite,
  listDevices,
  listEnrollmentTokens,
  revokeEnrollmentToken,
  updateDevice,
  type DeviceRow,
  type EnrollmentTokenRow,
} from '@clockface/db-hub/queries';
import { deviceKeyId } from '@clockface/sync-protocol';
import type { ActorContext, HubDeps } from '../deps';
import { syncAudience } from '../middleware/with-device-auth';
import type { DeviceThrottle } from '../security/device-throttle';
import { createOpaqueToken, hashToken } from '../security/tokens';
import { recordAudit } from './audit.service';
import { kioskSettingsFor } from './sync.service';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function toEnrollmentToken(row: EnrollmentTokenRow, now: Date) {
  const status = row.revokedAt
    ? 'revoked'
    : row.uses >= row.maxUses
      ? 'used'
      : row.expiresAt <= now
        ? 'expired'
        : 'active';
  return {
    id: row.id,
    siteId: row.siteId,
    label: row.label,
    expiresAt: row.expiresAt.toISOString(),
    maxUses: row.maxUses,
    uses: row.uses,
    revokedAt: iso(row.revokedAt),
    status: status as 'active' | 'expired' | 'used' | 'revoked',
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toDevice(row: DeviceRow) {
  return {
    id: row.id,
    name: row.name,
    siteId: row.siteId,
    kid: row.kid,
    status: row.status,
    registeredAt: row.registeredAt.toISOString(),
    revokedAt: iso(row.revokedAt),
    lastSeenAt: iso(row.lastSeenAt),
    lastHeartbeatAt: iso(row.lastHeartbeatAt),
    appVersion: row.appVersion,
    modelId: row.modelId,
    queueDepth: row.queueDepth,
    oldestPendingAt: iso(row.oldestPendingAt),
    lastSyncAt: iso(row.lastSyncAt),
    lastError: row.lastErrorCode ? { code: row.lastErrorCode, message: row.lastErrorMessage ?? '' } : null,
    clockOffsetMs: row.clockOffsetMs,
    isFlaggedForReview: row.isFlaggedForReview,
    flagReason: row.flagReason,
    lastSeq: row.lastSeq,
  };
}

export async function createOrgEnrollmentToken(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  orgId: string,
  input: { siteId: string; label?: string | null | undefined; expiresInHours: number; maxUses: number },
) {
  if (!(await findSite(tx, { orgId, siteId: input.siteId }))) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Some references do not exist',
      issues: [{ path: 'siteId', message: 'No such site' }],
    });
  }
  const { token, tokenHash } = createOpaqueToken();
  const now = deps.clock.now();
  const row = await createEnrollmentToken(tx, {
    orgId,
    siteId: input.siteId,
    label: input.label ?? null,
    tokenHash,
    expiresAt: new Date(now.getTime() + input.expiresInHours * 3_600_000),
    maxUses: input.maxUses,
    createdBy: actor.actorUserId,
  });
  const summary = toEnrollmentToken(row, now);
  await recordAudit(tx, actor, {
    orgId,
    action: 'enrollment_token.created',
    entityType: 'enrollment_token',
    entityId: row.id,
    after: summary,
  });
  const provisioningUri = `clockface://provision?${new URLSearchParams({
    hub: deps.config.publicUrl,
    token,
  }).toString()}`;
  return { ...summary, token, provisioningUri };
}

export async function listOrgEnrollmentTokens(deps: HubDeps, tx: Database, orgId: string) {
  const now = deps.clock.now();
  return { items: (await listEnrollmentTokens(tx, { orgId })).map((row) => toEnrollmentToken(row, now)) };
}

export async function revokeOrgEnrollmentToken(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  tokenId: string,
) {
  const before = await findEnrollmentToken(tx, { orgId, tokenId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such enrollment token' });
  const now = deps.clock.now();
  // Revoking twice is not an error: the token stays revoked at its first time.
  const after = (await revokeEnrollmentToken(tx, { orgId, tokenId, at: now })) ?? before;
  await recordAudit(tx, actor, {
    orgId,
    action: 'enrollment_token.revoked',
    entityType: 'enrollment_token',
    entityId: tokenId,
    before: toEnrollmentToken(before, now),
    after: toEnrollmentToken(after, now),
  });
  return toEnrollmentToken(after, now);
}

export async function listOrgDevices(tx: Database, orgId: string) {
  return { items: (await listDevices(tx, { orgId })).map(toDevice) };
}

export async function getOrgDevice(tx: Database, orgId: string, deviceId: string) {
  const device = await findDevice(tx, { orgId, deviceId });
  if (!device) throw new AppError('NOT_FOUND', { message: 'No such device' });
  return toDevice(device);
}

/** Renames a device and/or clears its review flag (after someone looked at the reason). */
export async function updateOrgDevice(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  deviceId: string,
  input: { name?: string | undefined; isFlaggedForReview?: false | undefined },
) {
  const before = await findDevice(tx, { orgId, deviceId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such device' });
  const after = (await updateDevice(tx, {
    orgId,
    deviceId,
    changes: {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.isFlaggedForReview === false ? { isFlaggedForReview: false, flagReason: null } : {}),
    },
  }))!;
  const snapshot = (row: typeof before) => ({
    name: row.name,
    isFlaggedForReview: row.isFlaggedForReview,
    flagReason: row.flagReason,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: input.isFlaggedForReview === false ? 'device.flag_cleared' : 'device.renamed',
    entityType: 'device',
    entityId: deviceId,
    before: snapshot(before),
    after: snapshot(after),
  });
  return toDevice(after);
}

/** Ends the device's access at its next request (401 DEVICE_REVOKED), which makes the kiosk wipe itself. */
export async function revokeOrgDevice(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  deviceId: string,
) {
  const before = await findDevice(tx, { orgId, deviceId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such device' });
  if (before.status === 'revoked') return toDevice(before);
  const after = (await updateDevice(tx, {
    orgId,
    deviceId,
    changes: { status: 'revoked', revokedAt: deps.clock.now() },
  }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'device.revoked',
    entityType: 'device',
    entityId: deviceId,
    before: { status: before.status },
    after: { status: after.status },
  });
  return toDevice(after);
}

/**
 * Why a token could not be used, for the installer: a code per reason (the kiosk switches on the
 * code; the detail is for people), 401 for unknown, expired and revoked, 409 for used up.
 */
async function explainUnusableToken(deps: HubDeps, tokenHash: string, now: Date): Promise<never> {
  const found = await findEnrollmentTokenByHash(deps.db, { tokenHash });
  if (!found) throw new AppError('ENROLLMENT_TOKEN_UNKNOWN', { message: 'Enrollment token not recognised' });
  if (found.orgStatus === 'suspended') {
    throw new AppError('ORGANIZATION_SUSPENDED', {
      message: 'This organisation is suspended. Contact support.',
    });
  }
  if (found.token.revokedAt) {
    throw new AppError('ENROLLMENT_TOKEN_REVOKED', { message: 'Enrollment token revoked' });
  }
  if (found.token.expiresAt <= now) {
    throw new AppError('ENROLLMENT_TOKEN_EXPIRED', {
      message: `Enrollment token expired at ${found.token.expiresAt.toISOString()}`,
    });
  }
  throw new AppError('ENROLLMENT_TOKEN_USED_UP', {
    message: `Enrollment token already used (${found.token.uses} of ${found.token.maxUses})`,
  });
}

/**
 * Registers a kiosk's public key with an enrollment token. The token use, the device row and the
 * audit entry commit together: if the key is already registered (409) the use is given back.
 */
export async function registerDevice(
  deps: HubDeps,
  throttle: DeviceThrottle,
  actor: Omit<ActorContext, 'actorUserId' | 'actorType'>,
  input: TDeviceRegistration,
): Promise<TDeviceRegistrationResult> {
  const tokenHash = hashToken(input.enrollmentToken);
  await throttle.consumeRegistration({ ip: actor.ip, tokenHash });
  const now = deps.clock.now();
  const kid = await deviceKeyId(input.publicJwk);
  const device = await deps.db.transaction(async (tx) => {
    const token = await consumeEnrollmentToken(tx as unknown as Database, { tokenHash, now });
    if (!token) return undefined;
    const organization = await findOrganization(tx as unknown as Database, { orgId: token.orgId });
    if (organization?.status !== 'active') {
      throw new AppError('ORGANIZATION_SUSPENDED', {
        message: 'This organisation is suspended. Contact support.',
      });
    }
    return withOrgScope(tx as unknown as Database, token.orgId, async (scoped) => {
      const created = await createDevice(scoped, {
        orgId: token.orgId,
        siteId: token.siteId,
        enrollmentTokenId: token.id,
        name: input.name,
        kid,
        publicJwk: { kty: 'OKP', crv: 'Ed25519', x: input.publicJwk.x },
        registeredAt: now,
        appVersion: input.appVersion,
      }).catch((error: unknown) => {
        const failure = error as { code?: string; cause?: { code?: string } } | null;
        if (failure?.code === '23505' || failure?.cause?.code === '23505') {
          throw new AppError('CONFLICT', { message: 'This public key is already registered to a device' });
        }
        throw error;
      });
      await recordAudit(
        scoped,
        { ...actor, actorUserId: null, actorType: 'device' },
        {
          orgId: token.orgId,
          action: 'device.registered',
          entityType: 'device',
          entityId: created.id,
          after: { ...toDevice(created), enrollmentTokenId: token.id },
        },
      );
      return created;
    });
  });
  if (!device) return explainUnusableToken(deps, tokenHash, now);
  return {
    deviceId: device.id,
    orgId: device.orgId,
    siteId: device.siteId,
    kid,
    audience: syncAudience(deps),
    serverTime: now.toISOString(),
    settings: await withOrgScope(deps.db, device.orgId, (tx) => kioskSettingsFor(tx, device)),
  };
}
