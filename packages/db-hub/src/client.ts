/**
 * @module Opens the hub database: a real Postgres through postgres.js when a URL is given,
 * otherwise embedded PGlite (Postgres in WASM) under a data directory. One drizzle schema and one
 * query layer serve both.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { createTableRelationsHelpers, extractTablesRelationalConfig } from 'drizzle-orm';
import { PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import {
  PostgresJsSession,
  PostgresJsTransaction,
  drizzle as drizzlePostgres,
} from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;
/** A database or a transaction: query functions accept either. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export const HUB_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle/hub', import.meta.url));

export type DatabaseConnection =
  | { kind: 'postgres'; db: Database; client: postgres.Sql; url: string; close(): Promise<void> }
  | { kind: 'pglite'; db: Database; client: PGlite; close(): Promise<void> };

export interface OpenDatabaseOptions {
  /** postgres:// URL of a real server. When absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; absent means in-memory (tests). */
  dataDir?: string | undefined;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** Server-side cap on any one statement, so a runaway report cannot hold a connection for ever. */
  statementTimeoutMs?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseConnection> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: {
        statement_timeout: options.statementTimeoutMs ?? 15_000,
        application_name: 'clockface-hub',
      },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    pipelinedPools.set(db, { pool: client, dialect: new PgDialect(), relations: relationalSchema() });
    return { kind: 'postgres', db, client, url: options.url, close: () => client.end({ timeout: 5 }) };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir);
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  // An unclosed PGlite keeps the process alive, so close() must always be awaited.
  return { kind: 'pglite', db, client, close: () => client.close() };
}

/** Applies drizzle/hub. On a real server this uses its own single connection (drizzle's advice). */
export async function migrateDatabase(connection: DatabaseConnection): Promise<void> {
  if (connection.kind === 'pglite') {
    await migratePglite(connection.db as never, { migrationsFolder: HUB_MIGRATIONS_FOLDER });
    return;
  }
  const migrationClient = postgres(connection.url, { max: 1, onnotice: () => {} });
  try {
    await migratePostgres(drizzlePostgres(migrationClient), { migrationsFolder: HUB_MIGRATIONS_FOLDER });
  } finally {
    await migrationClient.end({ timeout: 5 });
  }
}

/** What a pipelined transaction needs to build a drizzle handle on one reserved connection. */
interface PipelinedPool {
  pool: postgres.Sql;
  dialect: PgDialect;
  relations: ReturnType<typeof relationalSchema>;
}
/** Filled by openDatabase for postgres.js handles only: PGlite runs in-process, with no round trips to save. */
const pipelinedPools = new WeakMap<Database, PipelinedPool>();

function relationalSchema() {
  const { tables, tableNamesMap } = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  return { fullSchema: schema, schema: tables, tableNamesMap };
}

/** One statement with its parameters. */
export interface Statement {
  text: string;
  params: readonly (string | number | boolean | null)[];
}

export interface PipelinedTransactionOptions {
  /**
   * The work only reads. The transaction opens READ ONLY, so Postgres itself refuses any write
   * (25006), and the answer does not wait for COMMIT's reply. Without it, a transaction whose
   * statements all start with `select` is answered the same way early (but not opened READ ONLY).
   */
  readOnly?: boolean | undefined;
  /**
   * The work sends exactly one statement. COMMIT is then queued right behind it, so BEGIN, the
   * prelude, the statement and COMMIT leave in one socket write and Postgres answers them in one
   * go, and the connection goes back to the pool at once. A second statement is refused (it fails
   * without being sent), so nothing can ever run after the COMMIT, outside the transaction.
   */
  singleStatement?: boolean | undefined;
}

/**
 * Runs `work` in a transaction that opens with `prelude`, with as few round trips as the work
 * allows. Answers NOT_PIPELINED when `db` is not a postgres.js pool (PGlite runs in-process, and a
 * transaction already open nests as a savepoint), so the caller falls back to `db.transaction`.
 *
 * postgres.js's own `begin` waits for BEGIN's answer before the first statement and keeps the
 * connection until COMMIT's answer, so a one-query transaction holds a connection for three round
 * trips. Statements on one connection run in the order they are sent, so here BEGIN, the prelude
 * and the first statements of `work` leave together (one round trip), and the connection goes back
 * to the pool as soon as COMMIT is written: the next holder's statements queue behind it on the
 * same socket. A transaction that wrote waits for COMMIT's answer, so a failed commit is an error;
 * one that only read does not wait (see below).
 *
 * Nothing can run outside the transaction: BEGIN cannot fail on an idle connection (the only kind
 * the pool hands out), and if a prelude statement fails Postgres aborts the transaction, so every
 * later statement fails too (25P02) until our ROLLBACK; the scope then fails with the prelude
 * statement's own error, not with the 25P02 of whatever `work` sent after it.
 */
export async function runPipelinedTransaction<T>(
  db: Database,
  prelude: readonly Statement[],
  work: (tx: Database) => Promise<T>,
  options: PipelinedTransactionOptions = {},
): Promise<T | typeof NOT_PIPELINED> {
  const pipelined = pipelinedPools.get(db);
  if (!pipelined) return NOT_PIPELINED;
  const connection = await pipelined.pool.reserve();
  const unsafe = connection.unsafe;

  // Once the socket closes, nothing more may be sent on this connection (postgres.js would write to
  // the closed socket and throw from a timer, taking the process down) and the transaction fails at
  // once, as postgres.js's own begin does. postgres.js calls `onclose` of the pooled connection,
  // which BEGIN's `onexecute` hands us.
  let lostWith: Error | undefined;
  let pooled: { onclose?: ((error: Error) => void) | null } | undefined;
  let rejectClosed!: (error: Error) => void;
  const closed = new Promise<never>((_, reject) => (rejectClosed = reject));
  closed.catch(() => {});
  const onclose = (error: Error) => {
    lostWith = error;
    rejectClosed(error);
  };
  const watchClose = (connectionInPool: NonNullable<typeof pooled>) => {
    pooled = connectionInPool;
    pooled.onclose = onclose;
    return true; // keep pipelining
  };
  // Declared read-only: Postgres enforces it, so no statement needs inspecting.
  const isReadOnly = options.readOnly === true;
  let hasOnlyReads = true;
  const isSingleStatement = options.singleStatement === true;
  /** Set once COMMIT has been sent behind a single-statement scope's statement. */
  let committedEarly: ReturnType<typeof endTransaction> | undefined;
  const guardedUnsafe = ((text: string, params?: never[], queryOptions?: postgres.UnsafeQueryOptions) => {
    if (lostWith) return failedQuery(lostWith);
    if (committedEarly) return failedQuery(new Error('A single-statement scope sent a second statement'));
    if (!isReadOnly && hasOnlyReads && !READ_STATEMENT.test(text)) hasOnlyReads = false;
    // Prepared (named, parsed and planned once per connection, as postgres.js does for its own
    // tagged queries) unless drizzle's text is one-off: a long IN list makes a new text per length.
    const query = unsafe(text, params, { ...queryOptions, prepare: text.length <= MAX_PREPARED_TEXT });
    if (!isSingleStatement) return query;
    // Queued now (postgres.js sends a query on its first await otherwise), COMMIT right behind it:
    // both go out with BEGIN and the prelude in the same write.
    // The connection goes back to the pool once BEGIN is answered (postgres.js refuses a BEGIN
    // answered on a connection that is no longer reserved), not as soon as COMMIT is written.
    query.execute();
    committedEarly = endTransaction(connection, unsafe, 'commit', Promise.allSettled([began]));
    committedEarly.catch(() => {});
    return query;
  }) as typeof unsafe;

  let savepoints = 0;
  const transactionSql = Object.assign(connection, {
    unsafe: guardedUnsafe,
    // drizzle's nested transactions call `savepoint` on the transaction's client.
    async savepoint<R>(nested: (sql: postgres.TransactionSql) => Promise<R>): Promise<R> {
      const name = `s${savepoints++}`;
      await guardedUnsafe(`savepoint ${name}`);
      try {
        const result = await nested(transactionSql as unknown as postgres.TransactionSql);
        await guardedUnsafe(`release savepoint ${name}`);
        return result;
      } catch (error) {
        await guardedUnsafe(`rollback to savepoint ${name}`);
        throw error;
      }
    },
  });
  const session = new PostgresJsSession(transactionSql, pipelined.dialect, pipelined.relations);
  // Without the relational schema: drizzle would build a query builder for every table of the
  // schema on each transaction (a measurable share of a short request). `tx.query` is built on
  // first use instead.
  const tx = new PostgresJsTransaction(
    pipelined.dialect,
    session as unknown as ConstructorParameters<typeof PostgresJsTransaction>[1],
    undefined,
  ) as unknown as Database;
  let relationalQueries: Database['query'] | undefined;
  Object.defineProperty(tx, 'query', {
    configurable: true,
    get: () =>
      (relationalQueries ??= new PgDatabase(pipelined.dialect, session as never, pipelined.relations as never)
        .query as unknown as Database['query']),
  });

  const began = unsafe(isReadOnly ? 'begin read only' : 'begin', [], {
    onexecute: watchClose,
  } as postgres.UnsafeQueryOptions).execute();
  // Prepared: the same texts on every transaction, so each connection parses and plans them once.
  const preluded = prelude.map((statement) =>
    unsafe(statement.text, [...statement.params], { prepare: true }).execute(),
  );
  const setup = [began, ...preluded];
  // Their failures also surface through the statements after them; awaited below.
  for (const statement of setup) statement.catch(() => {});
  /** The first failure of BEGIN or a prelude statement (all answered before anything `work` sent). */
  const setupFailure = async () => {
    for (const outcome of await Promise.allSettled(setup))
      if (outcome.status === 'rejected')
        return (outcome.reason ?? new Error('BEGIN or a prelude statement failed')) as unknown;
    return undefined;
  };

  const end = async (statement: 'commit' | 'rollback') => {
    // Answered long ago unless `work` sent nothing; postgres.js also refuses a BEGIN answered on a
    // connection that is no longer reserved.
    await Promise.allSettled(setup);
    if (lostWith) throw lostWith;
    if (pooled?.onclose) pooled.onclose = null;
    return endTransaction(connection, unsafe, statement);
  };

  let result: T;
  try {
    result = await Promise.race([work(tx), closed]);
  } catch (error) {
    if (lostWith || isConnectionLost(error)) throw error;
    // Already ended: a failed statement made Postgres answer that COMMIT with ROLLBACK.
    await (committedEarly ?? end('rollback')).catch(() => {});
    // A failed prelude statement is the cause of whatever `work` then saw (25P02).
    throw (await setupFailure()) ?? error;
  } finally {
    // Sent early, the COMMIT handed the connection back before the answers came: stop watching it.
    if (committedEarly && pooled?.onclose === onclose) pooled.onclose = null;
  }
  const committing = committedEarly ?? end('commit');
  const failedSetup = await setupFailure();
  if (failedSetup) {
    await committing.catch(() => {});
    throw failedSetup;
  }
  if (isReadOnly || hasOnlyReads) {
    // Nothing to make durable and nothing that can fail at commit (no deferred constraints, and
    // selects fire no triggers): what `work` read is already final, so answer without waiting for
    // COMMIT's reply. The connection goes back to the pool as soon as the COMMIT is written.
    committing.catch(() => {});
    return result;
  }
  // A statement that failed inside `work` and was caught there aborted the transaction: Postgres
  // answers COMMIT with ROLLBACK, and nothing was written.
  if ((await committing).command === 'ROLLBACK')
    throw new Error('The transaction was rolled back: a statement in it failed');
  return result;
}

/**
 * Longest statement text prepared inside a scope. postgres.js keeps a connection's prepared
 * statements until the connection is recycled (max_lifetime), so texts that vary without bound
 * must not be prepared; drizzle's usual statements are well under this.
 */
const MAX_PREPARED_TEXT = 4096;

/** Statements that only read: drizzle's selects and raw `select …`. Anything else is treated as a write. */
const READ_STATEMENT = /^\s*select\s/i;

/** Returned by runPipelinedTransaction when the database has no pipelined pool. */
export const NOT_PIPELINED: unique symbol = Symbol('not pipelined');

/** Stands in for a query that must not be sent: rejects, whether drizzle awaits it or its values(). */
function failedQuery(error: Error) {
  const failed = Promise.reject(error);
  failed.catch(() => {});
  return Object.assign(failed, { values: () => failed, execute: () => failed }) as never;
}

/**
 * Sends COMMIT or ROLLBACK and hands the connection back to the pool as soon as it is written
 * (postgres.js's `onexecute`), not when it is answered; then waits for the answer.
 */
async function endTransaction(
  connection: postgres.ReservedSql,
  unsafe: postgres.ReservedSql['unsafe'],
  statement: 'commit' | 'rollback',
  /** Hand the connection back once this settles, if later than the write. */
  heldUntil?: Promise<unknown>,
) {
  let isReleased = false;
  const release = () => {
    if (isReleased) return;
    isReleased = true;
    connection.release();
  };
  const onexecute = () => {
    if (heldUntil) void heldUntil.then(release);
    else queueMicrotask(release); // not from inside postgres.js's execute()
    return true;
  };
  try {
    return await unsafe(statement, [], { onexecute } as postgres.UnsafeQueryOptions).execute();
  } catch (error) {
    if (isConnectionLost(error)) isReleased = true; // postgres.js has taken it back
    throw error;
  } finally {
    release();
  }
}

/** A dropped socket, not a statement error: postgres.js returns such a connection to its pool itself. */
function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code.startsWith('CONNECTION_');
}
