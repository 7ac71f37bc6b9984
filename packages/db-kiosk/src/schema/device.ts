import { sql } from 'drizzle-orm';
import { blob, check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The one identity this kiosk has (row id 1). Written by provisioning; wiped by `provision --force`. */
export const deviceIdentities = sqliteTable(
  'device_identities',
  {
    id: integer('id').primaryKey().default(1),
    deviceId: text('device_id').notNull(),
    orgId: text('org_id').notNull(),
    siteId: text('site_id'),
    name: text('name').notNull(),
    hubUrl: text('hub_url').notNull(),
    /** `aud` of every device JWT, as the hub issued it at registration. */
    audience: text('audience').notNull(),
    /** RFC 7638 thumbprint of the public key. */
    kid: text('kid').notNull(),
    publicJwk: text('public_jwk').notNull(),
    /** PKCS#8 DER of the Ed25519 private key, AES-256-GCM under the data key (see crypto.ts). */
    privateKeyCiphertext: blob('private_key_ciphertext', { mode: 'buffer' }).notNull(),
    keyVersion: integer('key_version').notNull().default(1),
    provisionedAt: text('provisioned_at').notNull(),
    /** Set when the hub answered DEVICE_REVOKED; the agent then wipes the biometric cache. */
    revokedAt: text('revoked_at'),
    /** Hub − device clock, ms, measured from response `Date` headers. */
    clockOffsetMs: integer('clock_offset_ms').notNull().default(0),
  },
  (table) => [check('device_identities_single_row', sql`${table.id} = 1`)],
);

/**
 * One row per data-key version: a known plaintext encrypted under that key. Opening the store
 * decrypts it to tell "right key" from "wrong or missing key" before anything else is read.
 */
export const dataKeyChecks = sqliteTable('data_key_checks', {
  keyVersion: integer('key_version').primaryKey(),
  ciphertext: blob('ciphertext', { mode: 'buffer' }).notNull(),
  createdAt: text('created_at').notNull(),
});
