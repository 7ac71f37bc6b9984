import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  foreignKey,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { departments, sites } from './structure';
import { users } from './users';

/**
 * The people who clock in. Not the same as users: most employees never log in to the console; an
 * optional `userId` links the two for self-service. Terminated and deleted employees stay here
 * (soft delete) because timesheets and reports refer to them.
 */
export const employees = pgTable(
  'employees',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The org's own employee number, typed on the kiosk keypad with the PIN. */
    code: text('code').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    departmentId: uuid('department_id'),
    homeSiteId: uuid('home_site_id'),
    employmentType: text('employment_type', {
      enum: ['full_time', 'part_time', 'contractor', 'temporary', 'intern'],
    })
      .notNull()
      .default('full_time'),
    payType: text('pay_type', { enum: ['hourly', 'salaried'] })
      .notNull()
      .default('hourly'),
    hireDate: date('hire_date'),
    terminationDate: date('termination_date'),
    status: text('status', { enum: ['active', 'terminated'] })
      .notNull()
      .default('active'),
    /** argon2id of the kiosk fallback PIN; never returned by the API. */
    pinHash: text('pin_hash'),
    phone: text('phone'),
    emergencyContactName: text('emergency_contact_name'),
    emergencyContactPhone: text('emergency_contact_phone'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /**
     * Id of the transaction that last changed the row, set by a trigger (migration 0006). The kiosk
     * roster delta pages on it: unlike a timestamp it cannot be passed by a slower transaction that
     * commits later (see queries/roster.ts).
     */
    rosterXid: bigint('roster_xid', { mode: 'number' }),
  },
  (table) => [
    unique('employees_org_id_id_key').on(table.orgId, table.id),
    // Codes are unique among live employees; a deleted employee's code may be reused.
    uniqueIndex('employees_org_code_key')
      .on(table.orgId, table.code)
      .where(sql`${table.deletedAt} is null`),
    // Serves the employee list: name order within an org, keyset-paginated on (name, id).
    index('employees_org_name_idx')
      .on(table.orgId, table.name, table.id)
      .where(sql`${table.deletedAt} is null`),
    index('employees_org_department_idx').on(table.orgId, table.departmentId),
    // Serves the kiosk roster delta: changes since a transaction id, keyset on (roster_xid, id).
    index('employees_org_roster_xid_idx').on(table.orgId, table.rosterXid, table.id),
    foreignKey({
      name: 'employees_department_fk',
      columns: [table.orgId, table.departmentId],
      foreignColumns: [departments.orgId, departments.id],
    }),
    foreignKey({
      name: 'employees_home_site_fk',
      columns: [table.orgId, table.homeSiteId],
      foreignColumns: [sites.orgId, sites.id],
    }),
    orgScoped('employees'),
  ],
).enableRLS();
