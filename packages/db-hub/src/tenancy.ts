/**
 * @module Tenant scoping: every org-scoped query runs inside `withOrgScope`, which opens a
 * transaction, switches to the app role and pins the org for row-level security. Query functions
 * still filter by org_id themselves; RLS is the second line of defence, not the first.
 */
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { NOT_PIPELINED, runPipelinedTransaction, type Database, type Statement } from './client';
import { APP_ROLE } from './schema/columns';

const SET_ORG_SCOPE = "select set_config('app.org_id', $1, true), set_config('role', $2, true)";

export interface OrgScopeOptions {
  /**
   * The work only reads: the transaction is opened READ ONLY (Postgres refuses any write) and, on a
   * real server, the answer does not wait for COMMIT's reply. Callers that do not say so keep the
   * older rule: a scope whose statements all begin with `select` does not wait for COMMIT either.
   */
  readOnly?: boolean | undefined;
  /**
   * The work sends exactly one statement: on a real server COMMIT leaves in the same write as it
   * (see PipelinedTransactionOptions.singleStatement), and a second statement fails unsent.
   */
  singleStatement?: boolean | undefined;
  /**
   * A query evaluated in the statement that sets the scope, before the role switch takes effect,
   * that raises division by zero (22012) when the scope must not run: see `orgAccessUnchanged`.
   * Sent with BEGIN in the same round trip as the work's first statements; when it raises,
   * Postgres aborts the transaction, so nothing the work sent runs (and the role and org are never
   * set), and the scope fails with OrgScopeRefused. It must be a single-row, single-column select
   * whose parameters are $1…$n.
   */
  precondition?: ScopePrecondition | undefined;
}

/** A statement for the pipelined path (prepared by its text), and the same for drizzle (PGlite). */
export interface ScopePrecondition extends Statement {
  toSql(): SQL;
}

/** The scope's precondition raised: none of the work's statements ran. */
export class OrgScopeRefused extends Error {
  constructor() {
    super('The org scope was refused by its precondition');
    this.name = 'OrgScopeRefused';
  }
}

const isDivisionByZero = (error: unknown) =>
  (error as { code?: unknown } | null | undefined)?.code === '22012' ||
  (error as { cause?: { code?: unknown } } | null | undefined)?.cause?.code === '22012';

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
  options: OrgScopeOptions = {},
): Promise<T> {
  const precondition = options.precondition;
  const refusedOr = (error: unknown): never => {
    throw precondition && isDivisionByZero(error) ? new OrgScopeRefused() : error;
  };
  // On a postgres.js pool the setting (with the precondition, one statement) is sent with BEGIN,
  // ahead of the first query of `work`.
  const pipelined = await runPipelinedTransaction(db, [openingStatement(orgId, precondition)], work, {
    readOnly: options.readOnly,
    singleStatement: options.singleStatement,
  }).catch(refusedOr);
  if (pipelined !== NOT_PIPELINED) return pipelined;
  // PGlite, or a transaction already open (a savepoint then).
  return db
    .transaction(
      async (tx) => {
        const setting = sql`set_config('app.org_id', ${orgId}, true), set_config('role', ${APP_ROLE}, true)`;
        await tx
          .execute(
            precondition
              ? sql`select (${precondition.toSql()}) as unchanged, ${setting}`
              : sql`select ${setting}`,
          )
          .catch(refusedOr);
        return work(tx as unknown as Database);
      },
      options.readOnly ? { accessMode: 'read only' } : undefined,
    )
    .catch(refusedOr);
}

/**
 * The statement that opens a scope: the setting alone, or with a precondition one statement that
 * evaluates the precondition (as a scalar subquery, first) and then sets the scope, so the check
 * costs no statement of its own. Tables are read with the privileges the statement started with
 * (the connection's own role): the role switch applies from the next statement on.
 */
function openingStatement(orgId: string, precondition: ScopePrecondition | undefined): Statement {
  if (!precondition) return { text: SET_ORG_SCOPE, params: [orgId, APP_ROLE] };
  let text = openingTexts.get(precondition.text);
  if (!text) {
    const shifted = precondition.text.replace(/\$(\d+)/g, (_, index: string) => `$${Number(index) + 2}`);
    text = `select (${shifted}) as unchanged, set_config('app.org_id', $1, true), set_config('role', $2, true)`;
    openingTexts.set(precondition.text, text);
  }
  return { text, params: [orgId, APP_ROLE, ...precondition.params] };
}
/** Per precondition text (there is one in practice: orgAccessUnchanged's). */
const openingTexts = new Map<string, string>();

export interface OrgAccessKey {
  sessionId: string;
  userId: string;
  orgId: string;
  now: Date;
}

/**
 * The rows an org-scoped request's access rests on: the live session, its user, the membership in
 * the org, the org and the membership's custom role (as `findOrgAccess` reads them).
 */
const orgAccessRows = (key: OrgAccessKey) => sql`
  from sessions s
  join users u on u.id = s.user_id
  join memberships m on m.user_id = s.user_id and m.org_id = ${key.orgId}
  join organizations o on o.id = m.org_id
  left join custom_roles cr on cr.org_id = m.org_id and cr.id = m.custom_role_id
  where s.id = ${key.sessionId} and s.user_id = ${key.userId}
    and s.revoked_at is null and s.expires_at > ${key.now.toISOString()}::timestamptz`;

/**
 * The version of those rows: their transaction ids (xmin), which change whenever a row is updated,
 * deleted and re-inserted. Equal versions mean none of the rows changed in between.
 */
const ORG_ACCESS_VERSION = sql`concat_ws(':', u.xmin, m.xmin, o.xmin, cr.xmin)`;

/**
 * The current version of `key`'s access, or undefined when there is none (session ended, not a
 * member). Read it BEFORE reading the access itself: if anything changes after this read, the
 * version no longer matches, so a cached copy can never be confirmed with data older than its version.
 */
export async function readOrgAccessVersion(db: Database, key: OrgAccessKey): Promise<string | undefined> {
  const result = await db.execute<{ version: string }>(
    sql`select ${ORG_ACCESS_VERSION} as version ${orgAccessRows(key)}`,
  );
  const rows = Array.isArray(result) ? result : (result as unknown as { rows: { version: string }[] }).rows;
  return rows[0]?.version;
}

const accessUnchangedSql = (key: OrgAccessKey, version: string) =>
  sql`select 1 / count(*)::int as unchanged ${orgAccessRows(key)} and ${ORG_ACCESS_VERSION} = ${version}`;
/** Its text, rendered once: the parameters are, in order, org, session, user, now and version. */
let accessUnchangedText: string | undefined;

/**
 * A precondition for `withOrgScope`: raises 22012 unless the session is still live and the
 * membership, org, user and custom role are exactly as they were at `version`.
 */
export function orgAccessUnchanged(key: OrgAccessKey, version: string): ScopePrecondition {
  accessUnchangedText ??= new PgDialect().sqlToQuery(accessUnchangedSql(key, version)).sql;
  return {
    text: accessUnchangedText,
    params: [key.orgId, key.sessionId, key.userId, key.now.toISOString(), version],
    toSql: () => accessUnchangedSql(key, version),
  };
}

/** The same check on its own, for a request that opened no scope: true when access is unchanged. */
export async function isOrgAccessUnchanged(
  db: Database,
  key: OrgAccessKey,
  version: string,
): Promise<boolean> {
  const result = await db.execute<{ unchanged: number }>(
    sql`select count(*)::int as unchanged ${orgAccessRows(key)} and ${ORG_ACCESS_VERSION} = ${version}`,
  );
  const rows = Array.isArray(result) ? result : (result as unknown as { rows: { unchanged: number }[] }).rows;
  return rows[0]?.unchanged === 1;
}
