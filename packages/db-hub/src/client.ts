/**
 * @module Opens the hub database: a real Postgres through postgres.js when a URL is given,
 * otherwise embedded PGlite (Postgres in WASM) under a data directory. One drizzle schema and one
 * query layer serve both.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
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
