import { sql } from 'drizzle-orm';
import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** The roster as the hub last sent it (deltas since a cursor; tombstones delete). */
export const employees = sqliteTable(
  'employees',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** Employee number typed on the keypad. */
    code: text('code').notNull(),
    displayName: text('display_name').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull(),
  },
  (table) => [
    // findEmployeeByCode: the keypad lookup.
    uniqueIndex('employees_org_id_code_idx').on(table.orgId, table.code),
  ],
);

/** argon2id PHC strings from the hub (salted per employee). Deleted with the employee. */
export const pinHashes = sqliteTable('pin_hashes', {
  employeeId: text('employee_id')
    .primaryKey()
    .references(() => employees.id, { onDelete: 'cascade' }),
  orgId: text('org_id').notNull(),
  hash: text('hash').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Wrong-PIN counter per employee on this kiosk (DEV-08): 5 wrong → locked for 15 min. */
export const pinLockouts = sqliteTable('pin_lockouts', {
  employeeId: text('employee_id')
    .primaryKey()
    .references(() => employees.id, { onDelete: 'cascade' }),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: text('locked_until'),
  updatedAt: text('updated_at').notNull(),
});

/** Face templates, AES-256-GCM with AAD orgId|employeeId|modelId|version (BIO-01). Never plaintext on disk. */
export const faceTemplates = sqliteTable(
  'face_templates',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    employeeId: text('employee_id')
      .notNull()
      .references(() => employees.id, { onDelete: 'cascade' }),
    modelId: text('model_id').notNull(),
    dimension: integer('dimension').notNull(),
    version: integer('version').notNull(),
    ciphertext: blob('ciphertext', { mode: 'buffer' }).notNull(),
    keyVersion: integer('key_version').notNull().default(1),
    updatedAt: text('updated_at')
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [
    // listTemplates(modelId): the matcher loads one model's templates at start.
    index('face_templates_model_id_idx').on(table.modelId),
    index('face_templates_employee_id_idx').on(table.employeeId),
  ],
);
