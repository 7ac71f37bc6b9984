import { sql } from 'drizzle-orm';
import { check, pgPolicy, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { APP_ROLE, createdAt, currentOrgMatches, id, updatedAt } from './columns';

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    name: text('name').notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** ISO weekday the work week starts on: 1 = Monday … 7 = Sunday. */
    weekStart: smallint('week_start').notNull().default(1),
    locale: text('locale').notNull().default('en'),
    status: text('status', { enum: ['active', 'suspended'] })
      .notNull()
      .default('active'),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    suspendedReason: text('suspended_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    check('organizations_week_start_range', sql`${table.weekStart} between 1 and 7`),
    // Inside a request scope an org sees only its own row; signup and the platform admin work
    // outside any scope (see withOrgScope).
    pgPolicy('organizations_tenant_isolation', {
      for: 'all',
      to: APP_ROLE,
      using: currentOrgMatches('id'),
      withCheck: currentOrgMatches('id'),
    }),
  ],
).enableRLS();
