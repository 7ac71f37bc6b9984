/**
 * Opens the kiosk's SQLite store: pragmas for durability, then the migrations in drizzle/kiosk,
 * applied synchronously before anything can write a punch.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { RunResult } from 'better-sqlite3';
import * as schema from './schema/index';

export type KioskSchema = typeof schema;
export type KioskDb = BetterSQLite3Database<KioskSchema>;
/** The database or a transaction on it: every query function takes either. */
export type KioskDbOrTx = BaseSQLiteDatabase<'sync', RunResult, KioskSchema>;

/** The repository's drizzle/kiosk, resolved from this file so it works from any working directory. */
export const DEFAULT_MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../drizzle/kiosk',
);

/** Waits this long for a lock instead of failing at once (the agent is the only writer; readers such as `status` may overlap). */
const BUSY_TIMEOUT_MS = 5000;

export interface KioskDatabase {
  db: KioskDb;
  sqlite: Database.Database;
  close(): void;
}

export interface OpenKioskDbOptions {
  migrationsFolder?: string;
}

/**
 * @example
 * const store = openKioskDb(join(dataDir, 'kiosk.db'));
 * try { … } finally { store.close(); }
 */
export function openKioskDb(file: string, options: OpenKioskDbOptions = {}): KioskDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const migrationsFolder = options.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER;
  if (!existsSync(resolve(migrationsFolder, 'meta/_journal.json'))) {
    throw new Error(`Expected kiosk migrations in ${migrationsFolder} (meta/_journal.json), found none`);
  }
  const isNew = file !== ':memory:' && !existsSync(file);
  const sqlite = new Database(file);
  try {
    // PIN hashes and the encrypted device key live here: readable by the agent's user only.
    // SQLite gives the -wal and -shm files the same mode.
    if (isNew) chmodSync(file, 0o600);
    sqlite.pragma('journal_mode = WAL');
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and a kiosk's
    // power can be pulled right after the screen said "recorded". FULL fsyncs the WAL per commit.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // Deleted templates and PIN hashes are overwritten, not left in free pages (BIO-02, DEV-04).
    sqlite.pragma('secure_delete = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder });
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
