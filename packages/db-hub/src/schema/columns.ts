import { uuidv7 } from '@clockface/core';
import { sql } from 'drizzle-orm';
import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Primary keys are UUIDv7 made by the application: time-ordered, so the btree stays append-mostly. */
export const id = () =>
  uuid('id')
    .primaryKey()
    .$defaultFn(() => uuidv7());

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdateFn(() => new Date());

/** The Postgres role request transactions switch to (`SET LOCAL ROLE`) so row-level security applies. */
export const APP_ROLE = 'clockface_app';

/**
 * Row-level security predicate for org-scoped tables: the org set by `withOrgScope` for this
 * transaction. `nullif` because a transaction-local setting reads back as '' (not NULL) after it ends.
 */
export const currentOrgMatches = (column = 'org_id') =>
  sql.raw(`${column} = nullif(current_setting('app.org_id', true), '')::uuid`);
