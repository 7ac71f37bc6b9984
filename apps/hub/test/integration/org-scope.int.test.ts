/**
 * withOrgScope as a transaction: on a real server it pipelines BEGIN, the scope setting and the
 * first statements, and hands the connection back as soon as COMMIT is written (see
 * packages/db-hub/src/client.ts). These prove that it is still a transaction in every way a caller
 * relies on, and that the role and org never outlive it. On PGlite the same assertions run against
 * the plain drizzle transaction.
 *
 * Then the remembered access of org routes (apps/hub/src/middleware/with-org-member.ts): a GET on an
 * access seen before is answered on it, confirmed inside its own scope. Every change to that access
 * must act on the very next request.
 */
import {
  APP_ROLE,
  OrgScopeRefused,
  orgAccessUnchanged,
  readOrgAccessVersion,
  schema,
  withOrgScope,
  type Database,
} from '@clockface/db-hub';
import { setUserSuperadmin } from '@clockface/db-hub/queries';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

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

describe('withOrgScope options', () => {
  it('readOnly: the transaction refuses writes, and what it read is answered', async () => {
    await expect(
      withOrgScope(db, orgA, (tx) => tx.insert(schema.sites).values({ orgId: orgA, name: 'A-ro' }), {
        readOnly: true,
      }),
    ).rejects.toThrow();
    expect(await siteNames(orgA)).toEqual(['A1']);
    const names = await withOrgScope(
      db,
      orgA,
      (tx) => tx.select({ name: schema.sites.name }).from(schema.sites),
      { readOnly: true },
    );
    expect(names).toEqual([{ name: 'A1' }]);
  });

  it('singleStatement: the one statement runs in the scope; on a real server a second one is refused unsent', async () => {
    const inside = rows<{ role: string; org: string; names: string }>(
      await withOrgScope(
        db,
        orgA,
        (tx) =>
          tx.execute(
            sql`select current_user as role, current_setting('app.org_id', true) as org, (select string_agg(name, ',') from sites) as names`,
          ),
        { readOnly: true, singleStatement: true },
      ),
    );
    expect(inside).toEqual([{ role: APP_ROLE, org: orgA, names: 'A1' }]);
    if (testDb.connection.kind !== 'postgres') return; // PGlite runs the plain drizzle transaction
    await expect(
      withOrgScope(
        db,
        orgA,
        async (tx) => {
          await tx.select({ name: schema.sites.name }).from(schema.sites);
          await tx.insert(schema.sites).values({ orgId: orgA, name: 'A-second' });
        },
        { singleStatement: true },
      ),
    ).rejects.toSatisfy((error: Error) =>
      /second statement/.test(String((error.cause as Error | undefined)?.message)),
    );
    expect(await siteNames(orgA)).toEqual(['A1']);
  });

  it('a precondition that raises refuses the scope: none of the work runs, whatever it sent', async () => {
    const [user] = await db
      .insert(schema.users)
      .values({ email: 'scope-user@example.com', name: 'Scope User', passwordHash: 'x' })
      .returning({ id: schema.users.id });
    await db.insert(schema.memberships).values({ orgId: orgA, userId: user!.id, role: 'admin' });
    const [session] = await db
      .insert(schema.sessions)
      .values({ userId: user!.id, expiresAt: new Date(Date.now() + 3_600_000) })
      .returning({ id: schema.sessions.id });
    const key = { sessionId: session!.id, userId: user!.id, orgId: orgA, now: new Date() };
    const version = await readOrgAccessVersion(db, key);
    expect(version).toMatch(/^\d+:\d+:\d+$/);
    expect(await readOrgAccessVersion(db, { ...key, orgId: orgB })).toBeUndefined();

    const insertSite = (name: string) => (tx: Database) =>
      tx.insert(schema.sites).values({ orgId: orgA, name }).returning({ name: schema.sites.name });
    // Unchanged: the work runs.
    await expect(
      withOrgScope(db, orgA, insertSite('A-confirmed'), { precondition: orgAccessUnchanged(key, version!) }),
    ).resolves.toEqual([{ name: 'A-confirmed' }]);
    // The one opening statement both checks and sets the scope: the work runs as the app role in the org.
    const inside = rows<{ role: string; org: string }>(
      await withOrgScope(
        db,
        orgA,
        (tx) => tx.execute(sql`select current_user as role, current_setting('app.org_id', true) as org`),
        { precondition: orgAccessUnchanged(key, version!) },
      ),
    );
    expect(inside).toEqual([{ role: APP_ROLE, org: orgA }]);
    // Any change to the rows (here the role) refutes it; the write is not made.
    await db
      .update(schema.memberships)
      .set({ role: 'employee' })
      .where(and(eq(schema.memberships.orgId, orgA), eq(schema.memberships.userId, user!.id)));
    await expect(
      withOrgScope(db, orgA, insertSite('A-refused'), { precondition: orgAccessUnchanged(key, version!) }),
    ).rejects.toBeInstanceOf(OrgScopeRefused);
    // A revoked session refutes it even at the current version.
    const current = await readOrgAccessVersion(db, key);
    await db
      .update(schema.sessions)
      .set({ revokedAt: new Date() })
      .where(eq(schema.sessions.id, session!.id));
    await expect(
      withOrgScope(db, orgA, insertSite('A-revoked'), { precondition: orgAccessUnchanged(key, current!) }),
    ).rejects.toBeInstanceOf(OrgScopeRefused);
    expect(await siteNames(orgA)).toEqual(['A-confirmed', 'A1']);
    await withOrgScope(db, orgA, (tx) => tx.delete(schema.sites).where(eq(schema.sites.name, 'A-confirmed')));
  });
});

describe('remembered access on org routes', () => {
  let hub: TestHub;
  let owner: Awaited<ReturnType<typeof signUpOwner>>;

  beforeAll(async () => {
    hub = await createTestHub();
    owner = await signUpOwner(hub, { organizationName: 'Remembered Access' });
  });
  afterAll(() => hub?.close());

  /** A user of their own org, made a member of owner's org with `role`. */
  async function addMember(role: 'admin' | 'employee') {
    const member = await signUpOwner(hub);
    await hub.runtime.deps.db
      .insert(schema.memberships)
      .values({ orgId: owner.orgId, userId: member.userId, role });
    return member;
  }
  const get = (path: string, token: string) =>
    hub.request('GET', `/api/orgs/${owner.orgId}${path}`, { token });
  /** Twice, so the second answer comes from the remembered access. */
  const getTwice = async (path: string, token: string) => {
    expect((await get(path, token)).status).toBe(200);
    expect((await get(path, token)).status).toBe(200);
  };

  it('a removed member gets 404 on the very next request', async () => {
    const member = await addMember('employee');
    await getTwice('/sites', member.accessToken);
    const removed = await hub.request('DELETE', `/api/orgs/${owner.orgId}/members/${member.userId}`, {
      token: owner.accessToken,
    });
    expect(removed.status).toBe(204);
    const next = await get('/sites', member.accessToken);
    expect(next.status).toBe(404);
    expect(next.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await get('', member.accessToken)).status).toBe(404);
  });

  it('a demotion acts on the next request; a promotion too, though the stale role refused before any scope', async () => {
    const member = await addMember('admin');
    await getTwice('/audit-log', member.accessToken);
    const demoted = await hub.request('PATCH', `/api/orgs/${owner.orgId}/members/${member.userId}`, {
      token: owner.accessToken,
      body: { role: 'employee' },
    });
    expect(demoted.status).toBe(200);
    expect((await get('/audit-log', member.accessToken)).status).toBe(403);
    expect((await get('/audit-log', member.accessToken)).status).toBe(403);
    const promoted = await hub.request('PATCH', `/api/orgs/${owner.orgId}/members/${member.userId}`, {
      token: owner.accessToken,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    expect((await get('/audit-log', member.accessToken)).status).toBe(200);
  });

  it('logout gets 401 on the next request', async () => {
    const member = await addMember('employee');
    await getTwice('/sites', member.accessToken);
    expect(
      (await hub.request('POST', '/api/auth/logout', { token: member.accessToken, body: {} })).status,
    ).toBe(204);
    expect((await get('/sites', member.accessToken)).status).toBe(401);
  });

  it('an org setting changed since is read afresh (the answer never uses the remembered org row)', async () => {
    const member = await addMember('employee');
    await getTwice('/sites', owner.accessToken);
    expect(
      (
        await hub.request('POST', `/api/orgs/${owner.orgId}/sites`, {
          token: owner.accessToken,
          body: { name: 'Main Street' },
        })
      ).status,
    ).toBe(201);
    await getTwice('/sites', member.accessToken);
    const changed = await hub.request('PATCH', `/api/orgs/${owner.orgId}`, {
      token: owner.accessToken,
      body: { timeZone: 'Europe/Vienna' },
    });
    expect(changed.status).toBe(200);
    const sites = await get('/sites', member.accessToken);
    expect(sites.body.items.map((site: { effectiveTimeZone: string }) => site.effectiveTimeZone)).toEqual([
      'Europe/Vienna',
    ]);
  });

  it('a suspended org answers 403 on the next request, and the access returns on reactivation', async () => {
    const admin = await signUpOwner(hub);
    await setUserSuperadmin(hub.runtime.deps.db, { userId: admin.userId, isSuperadmin: true });
    await getTwice('/sites', owner.accessToken);
    expect(
      (
        await hub.request('POST', `/api/admin/organizations/${owner.orgId}/suspend`, {
          token: admin.accessToken,
          body: { reason: 'Unpaid invoices' },
        })
      ).status,
    ).toBe(200);
    const blocked = await get('/sites', owner.accessToken);
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('ORGANIZATION_SUSPENDED');
    expect(
      (
        await hub.request('POST', `/api/admin/organizations/${owner.orgId}/reactivate`, {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(200);
    await getTwice('/sites', owner.accessToken);
  });
});
