import { sql } from 'drizzle-orm';
import { check, foreignKey, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { employees } from './employees';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { sites } from './structure';

/**
 * Time and compliance rules in layers: one `org` row, optional `site` and `employee` rows overriding
 * it field by field (timekeeping's `resolveRules(org, site, employee)`). `rules` holds a
 * `TimeRulesOverride` validated by the API; stored as JSON because the rule set grows with the
 * product and is always read whole.
 */
export const timePolicies = pgTable(
  'time_policies',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    scope: text('scope', { enum: ['org', 'site', 'employee'] }).notNull(),
    siteId: uuid('site_id'),
    employeeId: uuid('employee_id'),
    rules: jsonb('rules').notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('time_policies_org_scope_key')
      .on(table.orgId)
      .where(sql`${table.scope} = 'org'`),
    uniqueIndex('time_policies_site_scope_key')
      .on(table.orgId, table.siteId)
      .where(sql`${table.scope} = 'site'`),
    uniqueIndex('time_policies_employee_scope_key')
      .on(table.orgId, table.employeeId)
      .where(sql`${table.scope} = 'employee'`),
    check(
      'time_policies_scope_target',
      sql`(${table.scope} = 'org' and ${table.siteId} is null and ${table.employeeId} is null)
        or (${table.scope} = 'site' and ${table.siteId} is not null and ${table.employeeId} is null)
        or (${table.scope} = 'employee' and ${table.employeeId} is not null and ${table.siteId} is null)`,
    ),
    foreignKey({
      name: 'time_policies_site_fk',
      columns: [table.orgId, table.siteId],
      foreignColumns: [sites.orgId, sites.id],
    }),
    foreignKey({
      name: 'time_policies_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('time_policies'),
  ],
).enableRLS();
