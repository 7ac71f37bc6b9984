/**
 * The ceiling for bench:api: bare Hono + postgres.js answering the same query as the hub's
 * site list, with no auth, no tenancy, no validation. Started as its own process by bench-api.ts.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';

const [url, orgId] = process.argv.slice(2);
// The same pool size as the hub's default (DATABASE_POOL_SIZE), so only the request path differs.
const sql = postgres(url!, { max: 20, onnotice: () => {} });
const app = new Hono();
app.get('/sites', async (c) => {
  const rows =
    await sql`select * from sites where org_id = ${orgId!} and deleted_at is null order by name, id`;
  return c.json({ items: rows });
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (address) =>
  process.stdout.write(`listening ${address.port}\n`),
);
