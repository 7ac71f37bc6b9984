import { sql } from 'drizzle-orm';
import { foreignKey, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { users } from './users';

/** Departments form a tree per org. Soft-deleted: history (timesheets, reports) keeps pointing at them. */
export const departments = pgTable(
  'departments',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    code: text('code'),
    /** The console user who manages the department: sees and approves time of its employees (and sub-departments'). */
    managerUserId: uuid('manager_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('departments_org_id_id_key').on(table.orgId, table.id),
    index('departments_org_parent_idx')
      .on(table.orgId, table.parentId)
      .where(sql`${table.deletedAt} is null`),
    foreignKey({
      name: 'departments_parent_fk',
      columns: [table.orgId, table.parentId],
      foreignColumns: [table.orgId, table.id],
    }),
    orgScoped('departments'),
  ],
).enableRLS();

/** Physical locations (where kiosks hang). `timeZone` null means the org's zone. Soft-deleted. */
export const sites = pgTable(
  'sites',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    timeZone: text('time_zone'),
    address: text('address'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('sites_org_id_id_key').on(table.orgId, table.id),
    index('sites_org_idx')
      .on(table.orgId, table.name)
      .where(sql`${table.deletedAt} is null`),
    orgScoped('sites'),
  ],
).enableRLS();
