/**
 * The site list is written as JSON by Postgres (`listSitesJson`) rather than by `toSite`: these hold the two
 * to the same output, field for field and byte for byte, on awkward data. And a route's org scope
 * opened with `{ readOnly: true }` really is read only, on a first request and on a remembered access.
 */
import { schema, withOrgScope } from '@clockface/db-hub';
import { listSites } from '@clockface/db-hub/queries';
import { and, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEnv } from '../../src/env';
import { withOrgMember } from '../../src/middleware/with-org-member';
import { toSite } from '../../src/services/serializers';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const orgPath = (path = '') => `/api/orgs/${owner.orgId}${path}`;

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub, { organizationName: 'Site list parity' });
});
afterAll(async () => {
  await hub?.close();
});

describe('the site list', () => {
  it('answers exactly what toSite makes of the same rows, in the same order', async () => {
    const awkward = [
      { name: 'Zürich "Nord" \\ depot', timeZone: 'Europe/Zurich', address: 'Line 1\nLine 2\tTabbed' },
      { name: 'alpha', address: null },
      { name: 'Alpha', timeZone: 'America/New_York', address: '\u0001 control \u2028 separator 😀' },
      { name: 'same name' },
      { name: 'same name', address: "O'Brien's yard" },
      { name: 'to delete' },
    ];
    const created: { id: string; name: string }[] = [];
    for (const body of awkward) {
      const response = await hub.request('POST', orgPath('/sites'), { token: owner.accessToken, body });
      expect(response.status).toBe(201);
      created.push(response.body);
    }
    const deleted = created.at(-1)!;
    expect(
      (await hub.request('DELETE', orgPath(`/sites/${deleted.id}`), { token: owner.accessToken })).status,
    ).toBe(204);
    // Microseconds, a time before 1970 and one in the far future: formatting must still match Date's.
    const db = hub.runtime.deps.db;
    const setTimes = (id: string, created: string, updated: string) =>
      withOrgScope(db, owner.orgId, (tx) =>
        tx
          .update(schema.sites)
          .set({ createdAt: sql`${created}::timestamptz`, updatedAt: sql`${updated}::timestamptz` })
          .where(and(eq(schema.sites.orgId, owner.orgId), eq(schema.sites.id, id))),
      );
    await setTimes(created[0]!.id, '2024-02-29 23:59:59.999999+00', '2024-03-01 00:00:00.000001+00');
    await setTimes(created[1]!.id, '1969-12-31 23:59:59.123456-05', '2999-12-31 12:00:00+14');

    const response = await hub.request('GET', orgPath('/sites'), { token: owner.accessToken });
    expect(response.status).toBe(200);
    const org = await hub.request('GET', orgPath(), { token: owner.accessToken });
    const expected = (await withOrgScope(db, owner.orgId, (tx) => listSites(tx, { orgId: owner.orgId }))).map(
      (site) => toSite(site, org.body.timeZone),
    );
    expect(response.body.items).toHaveLength(awkward.length - 1);
    expect(response.body.items.map((site: { id: string }) => site.id)).not.toContain(deleted.id);
    // Byte for byte: the same keys in the same order, the same escaping, the same timestamps.
    expect(response.text).toBe(JSON.stringify({ items: expected }));
    const inherited = response.body.items.find((site: { name: string }) => site.name === 'alpha');
    expect(inherited).toMatchObject({ timeZone: null, effectiveTimeZone: org.body.timeZone });

    // And each item is what the single-site GET (toSite, c.json) answers, with the same content type.
    for (const item of response.body.items) {
      const one = await hub.request('GET', orgPath(`/sites/${item.id}`), { token: owner.accessToken });
      expect(one.body).toEqual(item);
      expect(response.headers.get('content-type')).toBe(one.headers.get('content-type'));
    }
  });

  it('is empty, not missing, for an org without sites', async () => {
    const other = await signUpOwner(hub);
    const response = await hub.request('GET', `/api/orgs/${other.orgId}/sites`, { token: other.accessToken });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"items":[]}');
  });
});

describe("a route's org scope with { readOnly: true }", () => {
  /** The real middleware, with a route that tries to write in its scope. */
  function probeApp(readOnly: boolean) {
    const app = new Hono<HubEnv>();
    app.use(
      '/api/orgs/:orgId/*',
      withOrgMember(hub.runtime.deps, { redispatch: (request, env) => app.fetch(request, env as never) }),
    );
    app.get('/api/orgs/:orgId/probe', async (c) => {
      try {
        await c.var.orgScope(
          (tx) =>
            tx.insert(schema.sites).values({ orgId: c.var.membership.orgId, name: `probe ${readOnly}` }),
          { readOnly },
        );
        return c.json({ wrote: true });
      } catch (error) {
        const code = (error as { code?: string; cause?: { code?: string } }).cause?.code;
        return c.json({ wrote: false, code: code ?? (error as { code?: string }).code });
      }
    });
    return app;
  }
  const probe = async (app: Hono<HubEnv>) =>
    (
      await app.request(orgPath('/probe'), { headers: { authorization: `Bearer ${owner.accessToken}` } })
    ).json();
  const probeSites = async (name: string) =>
    (await hub.request('GET', orgPath('/sites'), { token: owner.accessToken })).body.items.filter(
      (site: { name: string }) => site.name === name,
    );

  it('refuses a write (25006), on a first request and on a remembered access; without it the write goes in', async () => {
    const readOnly = probeApp(true);
    // The first GET reads the access afresh, the second is answered on the remembered one.
    expect(await probe(readOnly)).toEqual({ wrote: false, code: '25006' });
    expect(await probe(readOnly)).toEqual({ wrote: false, code: '25006' });
    expect(await probeSites('probe true')).toHaveLength(0);

    const writing = probeApp(false);
    expect(await probe(writing)).toEqual({ wrote: true });
    expect(await probe(writing)).toEqual({ wrote: true });
    expect(await probeSites('probe false')).toHaveLength(2);
  });
});
