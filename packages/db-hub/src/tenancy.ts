/**
 * @module Tenant scoping: every org-scoped query runs inside `withOrgScope`, which opens a
 * transaction, switches to the app role and pins the org for row-level security. Query functions
 * still filter by org_id themselves; RLS is the second line of defence, not the first.
 */
import { sql } from 'drizzle-orm';
import type { Database } from './client';
import { APP_ROLE } from './schema/columns';

/**
 * Runs `work` in a transaction confined to one organisation.
 *
 * `set_config(…, true)` is transaction-local (SET LOCAL semantics), so neither the role nor the org
 * survives into the next transaction on the same pooled connection.
 */
export async function withOrgScope<T>(
  db: Database,
  orgId: string,
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    // Pipelined: the setting is sent without waiting for its answer, so the first query of `work`
    // follows it on the same connection in the same round trip. Statements on one connection run
    // in the order sent, so that query already runs as the app role in the org.
    const setup = Promise.resolve(
      tx.execute(sql`select set_config('app.org_id', ${orgId}, true), set_config('role', ${APP_ROLE}, true)`),
    );
    const [, result] = await Promise.all([setup, work(tx as unknown as Database)]);
    return result;
  });
}
