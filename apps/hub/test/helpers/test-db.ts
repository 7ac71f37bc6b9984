/**
 * A fresh database per test file: a new database on the real server when DATABASE_URL is set
 * (CI), otherwise an in-memory PGlite. Either way migrated, and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { migrateDatabase, openDatabase, type DatabaseConnection } from '@clockface/db-hub';
import postgres from 'postgres';

export interface TestDatabase {
  connection: DatabaseConnection;
  /** The URL of the per-file database (real server only). */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const connection = await openDatabase({});
    await migrateDatabase(connection);
    return { connection, url: undefined, drop: () => connection.close() };
  }
  const name = `clockface_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection = await openDatabase({ url: url.toString(), maxConnections: 5 });
  await migrateDatabase(connection);
  return {
    connection,
    url: url.toString(),
    async drop() {
      await connection.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
