import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns';
import { employees } from './employees';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { users } from './users';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Biometric consent (DESIGN.md "Biometric privacy"): who agreed, when, to which version of the text,
 * and who recorded it. Enrollment requires a consent that is not withdrawn; withdrawing deletes the
 * person's templates everywhere within one sync.
 */
export const faceConsents = pgTable(
  'face_consents',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    /** The consent text's version identifier as shown to the employee. */
    textVersion: text('text_version').notNull(),
    /** SHA-256 of the exact text shown, so the record proves what was agreed to. */
    textSha256: text('text_sha256'),
    method: text('method', { enum: ['in_person', 'electronic'] })
      .notNull()
      .default('in_person'),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull(),
    recordedByUserId: uuid('recorded_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawnByUserId: uuid('withdrawn_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    unique('face_consents_org_id_id_key').on(table.orgId, table.id),
    index('face_consents_employee_idx').on(table.orgId, table.employeeId, table.grantedAt),
    foreignKey({
      name: 'face_consents_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('face_consents'),
  ],
).enableRLS();

/**
 * Face templates (L2-normalised embeddings), encrypted at rest (AES-256-GCM, the hub's data key;
 * `key_version` names it). Deleted templates keep a row with `deleted_at` and no ciphertext until the
 * kiosks have seen the tombstone (`roster_xid` pages the kiosk roster delta like employees').
 */
export const faceTemplates = pgTable(
  'face_templates',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    consentId: uuid('consent_id').notNull(),
    /** Embedder id, e.g. `fr_feature@1`; a model change needs re-enrollment. */
    modelId: text('model_id').notNull(),
    dimensions: integer('dimensions').notNull(),
    /** Null once deleted (the biometric data itself is gone; the row is the tombstone). */
    encryptedEmbedding: bytea('encrypted_embedding'),
    keyVersion: integer('key_version').notNull().default(1),
    quality: doublePrecision('quality'),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    rosterXid: bigint('roster_xid', { mode: 'number' }),
  },
  (table) => [
    unique('face_templates_org_id_id_key').on(table.orgId, table.id),
    index('face_templates_employee_idx')
      .on(table.orgId, table.employeeId)
      .where(sql`${table.deletedAt} is null`),
    index('face_templates_org_roster_xid_idx').on(table.orgId, table.rosterXid, table.id),
    foreignKey({
      name: 'face_templates_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'face_templates_consent_fk',
      columns: [table.orgId, table.consentId],
      foreignColumns: [faceConsents.orgId, faceConsents.id],
    }),
    orgScoped('face_templates'),
  ],
).enableRLS();

/** Enrollment photos, kept only when the org opted in (`organizations.keep_enrollment_photos`). */
export const facePhotos = pgTable(
  'face_photos',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    templateId: uuid('template_id'),
    mimeType: text('mime_type').notNull(),
    /** Encrypted like the templates. */
    encryptedContent: bytea('encrypted_content').notNull(),
    keyVersion: integer('key_version').notNull().default(1),
    /**
     * Set when re-enrollment for a new face model found no usable face in this photo (that model
     * id): the employee then needs new photos rather than another try with the same one.
     */
    rejectedModelId: text('rejected_model_id'),
    createdAt: createdAt(),
  },
  (table) => [
    index('face_photos_employee_idx').on(table.orgId, table.employeeId),
    foreignKey({
      name: 'face_photos_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('face_photos'),
  ],
).enableRLS();
