import { foreignKey, index, pgPolicy, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { APP_ROLE, createdAt, currentOrgMatches, id, updatedAt } from './columns';
import { organizations } from './organizations';
import { users } from './users';

const orgScoped = (name: string) =>
  pgPolicy(`${name}_tenant_isolation`, {
    for: 'all',
    to: APP_ROLE,
    using: currentOrgMatches(),
    withCheck: currentOrgMatches(),
  });

/** An org's own roles beyond the built-in four, each a named set of permissions. */
export const customRoles = pgTable(
  'custom_roles',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    permissions: text('permissions').array().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // Target of composite foreign keys, so a row can only point at a role of its own org (TEN-03).
    unique('custom_roles_org_id_id_key').on(table.orgId, table.id),
    uniqueIndex('custom_roles_org_name_key').on(table.orgId, table.name),
    orgScoped('custom_roles'),
  ],
).enableRLS();

export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'admin', 'manager', 'employee', 'custom'] }).notNull(),
    /** Set exactly when role = 'custom'. */
    customRoleId: uuid('custom_role_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('memberships_org_user_key').on(table.orgId, table.userId),
    index('memberships_user_idx').on(table.userId),
    foreignKey({
      name: 'memberships_custom_role_fk',
      columns: [table.orgId, table.customRoleId],
      foreignColumns: [customRoles.orgId, customRoles.id],
    }),
    orgScoped('memberships'),
  ],
).enableRLS();

export { orgScoped };
