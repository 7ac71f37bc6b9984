/**
 * The ceilings for bench:api: bare Hono + postgres.js with no auth, no tenancy, no validation.
 * Started as its own process by bench-api.ts.
 * - `/sites`: the plain 50-row select of the site list, rows serialised by JSON.stringify (the
 *   issue's ceiling: the list's query behind the thinnest server).
 * - `/sites.json`: the very statement the hub's site list runs (`siteListJsonQuery`: Postgres writes
 *   the JSON text), sent as it arrives, so the hub's own query choice is compared like for like.
 */
import { siteListJsonQuery } from '@clockface/db-hub/queries';
import { serve } from '@hono/node-server';
import { PgDialect } from 'drizzle-orm/pg-core';
import { Hono } from 'hono';
import postgres from 'postgres';

const [url, orgId] = process.argv.slice(2);
// The same pool size as the hub's default (DATABASE_POOL_SIZE), so only the request path differs.
const sql = postgres(url!, { max: 20, onnotice: () => {} });
const [org] = await sql<
  { timeZone: string }[]
>`select time_zone as "timeZone" from organizations where id = ${orgId!}`;
const sameStatement = new PgDialect().sqlToQuery(
  siteListJsonQuery({ orgId: orgId!, orgTimeZone: org!.timeZone }),
);
const app = new Hono();
app.get('/sites', async (c) => {
  const rows =
    await sql`select * from sites where org_id = ${orgId!} and deleted_at is null order by name, id`;
  return c.json({ items: rows });
});
app.get('/sites.json', async (c) => {
  const [row] = await sql.unsafe<{ items: string }[]>(
    sameStatement.sql,
    sameStatement.params as postgres.ParameterOrJSON<never>[],
    { prepare: true },
  );
  return c.body(`{"items":${row!.items}}`, 200, { 'content-type': 'application/json' });
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (address) =>
  process.stdout.write(`listening ${address.port}\n`),
);
