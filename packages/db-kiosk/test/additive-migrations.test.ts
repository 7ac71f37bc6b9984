/**
 * Kiosks update at different times and a store is migrated forward only, so every kiosk migration
 * after the first must be additive: no DROP, no RENAME, no new NOT NULL column without a default,
 * and no table rebuild (drizzle-kit's way of altering a SQLite column). Replays drizzle/kiosk on a
 * real SQLite file to prove the chain applies from empty, and then from every intermediate step.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_FOLDER, openKioskDb } from '../src/open';

interface Journal {
  entries: { idx: number; tag: string }[];
}

const journal = JSON.parse(
  readFileSync(join(DEFAULT_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8'),
) as Journal;
const migrations = journal.entries.map((entry) => ({
  tag: entry.tag,
  sql: readFileSync(join(DEFAULT_MIGRATIONS_FOLDER, `${entry.tag}.sql`), 'utf8'),
}));
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-migrations-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The statements of a migration that would break an older kiosk's data or code. */
function findNonAdditiveStatements(sql: string, isFirst: boolean): string[] {
  const statements = sql
    .split('--> statement-breakpoint')
    .map((statement) => statement.replace(/--.*$/gm, '').trim())
    .filter(Boolean);
  const problems: string[] = [];
  for (const statement of statements) {
    const flat = statement.replace(/\s+/g, ' ');
    if (
      /\bDROP\s+(TABLE|COLUMN|INDEX|VIEW|TRIGGER)\b/i.test(flat) ||
      /\bALTER\s+TABLE\b.*\bDROP\b/i.test(flat)
    ) {
      problems.push(`drop: ${flat}`);
    }
    if (/\bRENAME\b/i.test(flat)) problems.push(`rename: ${flat}`);
    if (/__new_/i.test(flat)) problems.push(`table rebuild: ${flat}`);
    const addColumn = /\bALTER\s+TABLE\s+\S+\s+ADD(\s+COLUMN)?\s+(.*)$/i.exec(flat);
    if (addColumn && /\bNOT\s+NULL\b/i.test(addColumn[2]!) && !/\bDEFAULT\b/i.test(addColumn[2]!)) {
      problems.push(`required column without default: ${flat}`);
    }
    if (!isFirst && /\bCREATE\s+UNIQUE\s+INDEX\b/i.test(flat) && !/\bCREATE\s+TABLE\b/i.test(flat)) {
      // A new unique index on existing data can fail on a kiosk that already holds duplicates.
      problems.push(`unique index on an existing table: ${flat}`);
    }
  }
  return problems;
}

describe('drizzle/kiosk migrations', () => {
  it('exist, numbered NNNN_<name>.sql, one per journal entry', () => {
    expect(migrations.length).toBeGreaterThan(0);
    const files = readdirSync(DEFAULT_MIGRATIONS_FOLDER).filter((file) => file.endsWith('.sql'));
    expect(files.sort()).toEqual(migrations.map((migration) => `${migration.tag}.sql`).sort());
    for (const file of files) expect(file).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/);
  });

  it.each(migrations.map((migration, index) => [migration.tag, index] as const))(
    '%s is additive',
    (_tag, index) => {
      expect(findNonAdditiveStatements(migrations[index]!.sql, index === 0)).toEqual([]);
    },
  );

  it('apply from empty on a real SQLite file, and again as a no-op', () => {
    const file = join(scratch, 'replay.db');
    openKioskDb(file).close();
    const store = openKioskDb(file);
    const applied = store.sqlite.prepare('select count(*) as count from __drizzle_migrations').get() as {
      count: number;
    };
    expect(applied.count).toBe(migrations.length);
    store.close();
  });

  it('apply step by step, each one on top of a store that holds the previous schema', () => {
    const file = join(scratch, 'stepwise.db');
    const sqlite = new Database(file);
    for (const migration of migrations) {
      for (const statement of migration.sql.split('--> statement-breakpoint')) {
        if (statement.trim()) sqlite.exec(statement);
      }
    }
    const tables = sqlite.prepare("select name from sqlite_master where type = 'table' order by name").all();
    sqlite.close();
    expect(tables.length).toBeGreaterThanOrEqual(11);
  });

  it('the checker itself rejects drops, renames, rebuilds and required columns', () => {
    expect(findNonAdditiveStatements('DROP TABLE `punches`;', false)).toHaveLength(1);
    expect(findNonAdditiveStatements('ALTER TABLE `punches` RENAME COLUMN `a` TO `b`;', false)).toHaveLength(
      1,
    );
    expect(findNonAdditiveStatements('ALTER TABLE `punches` DROP COLUMN `a`;', false)).toHaveLength(1);
    expect(findNonAdditiveStatements('CREATE TABLE `__new_punches` (`a` text);', false)).toHaveLength(1);
    expect(findNonAdditiveStatements('ALTER TABLE `punches` ADD `note` text NOT NULL;', false)).toHaveLength(
      1,
    );
    expect(
      findNonAdditiveStatements("ALTER TABLE `punches` ADD `note` text DEFAULT '' NOT NULL;", false),
    ).toEqual([]);
    expect(findNonAdditiveStatements('ALTER TABLE `punches` ADD `note` text;', false)).toEqual([]);
  });
});
