import { sql } from 'drizzle-orm';
import { foreignKey, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns';
import { customRoles, orgScoped } from './memberships';
import { organizations } from './organizations';
import { users } from './users';

/** An emailed, single-use, expiring invitation to join an org with a role. Token stored as SHA-256. */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'manager', 'employee', 'custom'] }).notNull(),
    customRoleId: uuid('custom_role_id'),
    tokenHash: text('token_hash').notNull(),
    invitedByUserId: uuid('invited_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedByUserId: uuid('accepted_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('invitations_token_hash_key').on(table.tokenHash),
    index('invitations_org_pending_idx')
      .on(table.orgId, table.email)
      .where(sql`${table.acceptedAt} is null and ${table.revokedAt} is null`),
    foreignKey({
      name: 'invitations_custom_role_fk',
      columns: [table.orgId, table.customRoleId],
      foreignColumns: [customRoles.orgId, customRoles.id],
    }),
    orgScoped('invitations'),
  ],
).enableRLS();
