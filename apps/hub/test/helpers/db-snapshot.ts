import type { Database } from '@clockface/db-hub';
import { sql } from 'drizzle-orm';

/** Row counts of every table in the public schema, to assert that a rejected request changed nothing. */
export async function countAllRows(db: Database): Promise<Record<string, number>> {
  const result = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const tables = (
    Array.isArray(result) ? result : (result as unknown as { rows: { table_name: string }[] }).rows
  ).map((row) => row.table_name);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    // rate_limits legitimately changes on failed logins; everything else must stay put.
    if (table === 'rate_limits') continue;
    const rows = await db.execute<{ count: number }>(
      sql`select count(*)::int as count from ${sql.identifier(table)}`,
    );
    counts[table] = (
      Array.isArray(rows) ? rows : (rows as unknown as { rows: { count: number }[] }).rows
    )[0]!.count;
  }
  return counts;
}
