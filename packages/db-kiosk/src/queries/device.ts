import { createPrivateKey, type KeyObject } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { KioskDbOrTx } from '../open';
import { deviceIdentities } from '../schema/index';
import { decryptRecord, deviceKeyAad, encryptRecord } from '../crypto';

export type DeviceIdentity = typeof deviceIdentities.$inferSelect;

export interface SaveDeviceIdentityParams {
  deviceId: string;
  orgId: string;
  siteId: string | null;
  name: string;
  hubUrl: string;
  audience: string;
  kid: string;
  publicJwk: string;
  privateKey: KeyObject;
  dataKey: Buffer;
  keyVersion: number;
  provisionedAt: Date;
}

/** Stores the identity, with the private key encrypted under the data key (it never leaves the device). */
export function saveDeviceIdentity(db: KioskDbOrTx, params: SaveDeviceIdentityParams): void {
  const pkcs8 = params.privateKey.export({ format: 'der', type: 'pkcs8' });
  const values = {
    id: 1,
    deviceId: params.deviceId,
    orgId: params.orgId,
    siteId: params.siteId,
    name: params.name,
    hubUrl: params.hubUrl,
    audience: params.audience,
    kid: params.kid,
    publicJwk: params.publicJwk,
    privateKeyCiphertext: encryptRecord(params.dataKey, pkcs8, deviceKeyAad(params.deviceId)),
    keyVersion: params.keyVersion,
    provisionedAt: params.provisionedAt.toISOString(),
    revokedAt: null,
    clockOffsetMs: 0,
  };
  pkcs8.fill(0);
  db.insert(deviceIdentities)
    .values(values)
    .onConflictDoUpdate({ target: deviceIdentities.id, set: values })
    .run();
}

export function findDeviceIdentity(db: KioskDbOrTx): DeviceIdentity | undefined {
  return db.select().from(deviceIdentities).where(eq(deviceIdentities.id, 1)).get();
}

/** The device's signing key, or undefined when the data key cannot open it (re-provision). */
export function findDevicePrivateKey(identity: DeviceIdentity, dataKey: Buffer): KeyObject | undefined {
  const pkcs8 = decryptRecord(dataKey, identity.privateKeyCiphertext, deviceKeyAad(identity.deviceId));
  if (!pkcs8) return undefined;
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } finally {
    pkcs8.fill(0);
  }
}

export function markDeviceRevoked(db: KioskDbOrTx, params: { at: Date }): void {
  db.update(deviceIdentities)
    .set({ revokedAt: params.at.toISOString() })
    .where(eq(deviceIdentities.id, 1))
    .run();
}

export function updateClockOffset(db: KioskDbOrTx, params: { clockOffsetMs: number }): void {
  db.update(deviceIdentities)
    .set({ clockOffsetMs: params.clockOffsetMs })
    .where(eq(deviceIdentities.id, 1))
    .run();
}

export function deleteDeviceIdentity(db: KioskDbOrTx): void {
  db.delete(deviceIdentities).run();
}
