import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { sites } from './structure';
import { users } from './users';

/**
 * One-time (or few-time) secrets an admin hands to a kiosk installer. Only the SHA-256 of the token
 * is stored; the token itself is shown once. Scoped to one org and one site (DEV-01).
 */
export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id').notNull(),
    label: text('label'),
    /** hex SHA-256 of the token; registration looks the token up by this hash. */
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    maxUses: integer('max_uses').notNull().default(1),
    uses: integer('uses').notNull().default(0),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    unique('enrollment_tokens_org_id_id_key').on(table.orgId, table.id),
    uniqueIndex('enrollment_tokens_hash_key').on(table.tokenHash),
    // Serves the admin list: newest first within an org.
    index('enrollment_tokens_org_idx').on(table.orgId, table.id.desc()),
    check('enrollment_tokens_uses_range', sql`${table.uses} >= 0 and ${table.uses} <= ${table.maxUses}`),
    foreignKey({
      name: 'enrollment_tokens_site_fk',
      columns: [table.orgId, table.siteId],
      foreignColumns: [sites.orgId, sites.id],
    }),
    orgScoped('enrollment_tokens'),
  ],
).enableRLS();

/**
 * A registered kiosk: its Ed25519 public key (the private key never leaves the kiosk), its chain
 * head on the hub and what its last heartbeat said.
 */
export const devices = pgTable(
  'devices',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Null: an org-wide device that gets the whole roster. Registration always sets the token's site. */
    siteId: uuid('site_id'),
    enrollmentTokenId: uuid('enrollment_token_id'),
    name: text('name').notNull(),
    /** RFC 7638 thumbprint of the public JWK: the `kid` of every device JWT. */
    kid: text('kid').notNull(),
    /** `{ kty: 'OKP', crv: 'Ed25519', x }`, only ever used with EdDSA. */
    publicJwk: jsonb('public_jwk').$type<{ kty: 'OKP'; crv: 'Ed25519'; x: string }>().notNull(),
    status: text('status', { enum: ['active', 'revoked'] })
      .notNull()
      .default('active'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
    appVersion: text('app_version'),
    modelId: text('model_id'),
    queueDepth: integer('queue_depth'),
    oldestPendingAt: timestamp('oldest_pending_at', { withTimezone: true }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    /** Hub time − device time at the last heartbeat, ms; punch times are corrected by it. */
    clockOffsetMs: integer('clock_offset_ms'),
    isFlaggedForReview: boolean('is_flagged_for_review').notNull().default(false),
    flagReason: text('flag_reason'),
    /** Head of the device's hash chain as the hub holds it (highest contiguous seq). */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    lastHash: text('last_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    unique('devices_org_id_id_key').on(table.orgId, table.id),
    // A key registers once (DEV-02) and the device-auth lookup is by kid.
    uniqueIndex('devices_kid_key').on(table.kid),
    index('devices_org_idx').on(table.orgId, table.name, table.id),
    foreignKey({
      name: 'devices_site_fk',
      columns: [table.orgId, table.siteId],
      foreignColumns: [sites.orgId, sites.id],
    }),
    foreignKey({
      name: 'devices_enrollment_token_fk',
      columns: [table.orgId, table.enrollmentTokenId],
      foreignColumns: [enrollmentTokens.orgId, enrollmentTokens.id],
    }),
    orgScoped('devices'),
  ],
).enableRLS();

/**
 * Device-token ids already used (JWT-04): the unique key makes a replay fail even when the two
 * requests reach different hub instances. Rows past `expires_at` can be deleted at any time.
 * Device-scoped, not org-scoped: only the device-auth middleware touches it, as the owner role.
 */
export const deviceTokenUses = pgTable(
  'device_token_uses',
  {
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    jti: text('jti').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'device_token_uses_pkey', columns: [table.deviceId, table.jti] }),
    // Serves the purge of expired ids.
    index('device_token_uses_expires_idx').on(table.expiresAt),
  ],
).enableRLS();
