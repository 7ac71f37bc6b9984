/**
 * withOrgScope as a transaction: on a real server it pipelines BEGIN, the scope setting and the
 * first statements, and hands the connection back as soon as COMMIT is written (see
 * packages/db-hub/src/client.ts). These prove that it is still a transaction in every way a caller
 * relies on, and that the role and org never outlive it. On PGlite the same assertions run against
 * the plain drizzle transaction.
 */
import { APP_ROLE, schema, withOrgScope, type Database } from '@clockface/db-hub';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

let testDb: TestDatabase;
let db: Database;
let orgA: string;
let orgB: string;

/** postgres.js answers an array of rows, PGlite an object holding them. */
const rows = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
const siteNames = async (orgId: string) =>
  (await withOrgScope(db, orgId, (tx) => tx.select({ name: schema.sites.name }).from(schema.sites)))
    .map((site) => site.name)
    .sort();

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.connection.db;
  const [a, b] = await db
    .insert(schema.organizations)
    .values([{ name: 'Scope A' }, { name: 'Scope B' }])
    .returning({ id: schema.organizations.id });
  orgA = a!.id;
  orgB = b!.id;
  await db.insert(schema.sites).values([
    { orgId: orgA, name: 'A1' },
    { orgId: orgB, name: 'B1' },
  ]);
});

afterAll(() => testDb?.drop());

describe('withOrgScope transactions', () => {
  it('runs as the app role in the org, and neither setting reaches the next user of the connection', async () => {
    const inside = rows<{ role: string; org: string }>(
      await withOrgScope(db, orgA, (tx) =>
        tx.execute(sql`select current_user as role, current_setting('app.org_id', true) as org`),
      ),
    );
    expect(inside).toEqual([{ role: APP_ROLE, org: orgA }]);
    // More unscoped queries than the pool has connections, so every connection is checked.
    const after = await Promise.all(
      Array.from({ length: 12 }, async () =>
        rows<{ role: string; org: string | null }>(
          await db.execute(sql`select current_user as role, current_setting('app.org_id', true) as org`),
        ),
      ),
    );
    for (const [row] of after) {
      expect(row!.role).not.toBe(APP_ROLE);
      expect(row!.org ?? '').toBe('');
    }
  });

  it('a scope with no statement at all still opens and closes cleanly', async () => {
    await expect(withOrgScope(db, orgA, async () => 'nothing sent')).resolves.toBe('nothing sent');
    expect(await siteNames(orgA)).toEqual(['A1']);
  });

  it('an error thrown by the work rolls back what it wrote', async () => {
    await expect(
      withOrgScope(db, orgA, async (tx) => {
        await tx.insert(schema.sites).values({ orgId: orgA, name: 'A-rolled-back' });
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await siteNames(orgA)).toEqual(['A1']);
  });

  it('a failed statement that the work catches still fails the whole scope, and nothing is written', async () => {
    await expect(
      withOrgScope(db, orgA, async (tx) => {
        await tx.insert(schema.sites).values({ orgId: orgA, name: 'A-swallowed' });
        await tx.execute(sql`select 1 / 0`).catch(() => undefined);
        return 'looked fine';
      }),
    ).rejects.toThrow();
    expect(await siteNames(orgA)).toEqual(['A1']);
  });

  it('a nested transaction is a savepoint: its rollback keeps the outer writes', async () => {
    await withOrgScope(db, orgA, async (tx) => {
      await tx.insert(schema.sites).values({ orgId: orgA, name: 'A-outer' });
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(schema.sites).values({ orgId: orgA, name: 'A-inner' });
          throw new Error('inner failed');
        }),
      ).rejects.toThrow('inner failed');
    });
    expect(await siteNames(orgA)).toEqual(['A-outer', 'A1']);
    await withOrgScope(db, orgA, (tx) => tx.delete(schema.sites).where(eq(schema.sites.name, 'A-outer')));
  });

  it('many more scopes at once than pooled connections each see only their own org', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) => {
        const orgId = index % 2 ? orgB : orgA;
        return siteNames(orgId).then((names) => ({ orgId, names }));
      }),
    );
    for (const { orgId, names } of results) expect(names).toEqual(orgId === orgA ? ['A1'] : ['B1']);
  });

  it.runIf(process.env.DATABASE_URL)(
    'a connection lost mid-scope fails that scope only; the pool carries on',
    async () => {
      const outcome = withOrgScope(db, orgA, async (tx) => {
        const [own] = rows<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
        await db.execute(sql`select pg_terminate_backend(${own!.pid})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return tx.select().from(schema.sites);
      });
      await expect(outcome).rejects.toMatchObject({ code: expect.stringMatching(/^CONNECTION_/) });
      const again = await Promise.all(Array.from({ length: 10 }, () => siteNames(orgB)));
      expect(again).toEqual(Array.from({ length: 10 }, () => ['B1']));
    },
  );
});
