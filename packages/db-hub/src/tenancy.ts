/**
 * @module Tenant scoping: every org-scoped query runs inside `withOrgScope`, which opens a
 * transaction, switches to the app role and pins the org for row-level security. Query functions
 * still filter by org_id themselves; RLS is the second line of defence, not the first.
 */
import { sql } from 'drizzle-orm';
import { NOT_PIPELINED, runPipelinedTransaction, type Database } from './client';
import { APP_ROLE } from './schema/columns';

const SET_ORG_SCOPE = "select set_config('app.org_id', $1, true), set_config('role', $2, true)";

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
  // On a postgres.js pool the setting is sent with BEGIN, ahead of the first query of `work`.
  const pipelined = await runPipelinedTransaction(
    db,
    { text: SET_ORG_SCOPE, params: [orgId, APP_ROLE] },
    work,
  );
  if (pipelined !== NOT_PIPELINED) return pipelined;
  // PGlite, or a transaction already open (a savepoint then).
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.org_id', ${orgId}, true), set_config('role', ${APP_ROLE}, true)`,
    );
    return work(tx as unknown as Database);
  });
}
