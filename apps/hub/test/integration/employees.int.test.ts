import { schema } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let departmentId: string;
let siteId: string;

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
  departmentId = (
    await hub.request('POST', `/api/orgs/${owner.orgId}/departments`, {
      token: owner.accessToken,
      body: { name: 'Kitchen' },
    })
  ).body.id;
  siteId = (
    await hub.request('POST', `/api/orgs/${owner.orgId}/sites`, {
      token: owner.accessToken,
      body: { name: 'Depot' },
    })
  ).body.id;
});
afterAll(async () => {
  await hub?.close();
});

const path = (suffix = '') => `/api/orgs/${owner.orgId}/employees${suffix}`;
const as = (method: string, url: string, body?: unknown) =>
  hub.request(method, url, { token: owner.accessToken, body });

describe('employees', () => {
  it('creates an employee with profile details and a PIN that is stored hashed and never returned', async () => {
    const created = await as('POST', path(), {
      code: 'E-001',
      name: 'Jamie Baker',
      email: 'Jamie@Example.com',
      departmentId,
      homeSiteId: siteId,
      employmentType: 'part_time',
      payType: 'hourly',
      hireDate: '2026-01-05',
      pin: '4821',
      phone: '+49 30 123456',
      emergencyContactName: 'Sam Baker',
      emergencyContactPhone: '+49 30 654321',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 'E-001',
      email: 'jamie@example.com',
      status: 'active',
      hasPin: true,
      departmentId,
      homeSiteId: siteId,
    });
    expect(JSON.stringify(created.body)).not.toMatch(/"pin"|pinHash|4821|argon2/i);
    const [row] = await hub.runtime.deps.db
      .select()
      .from(schema.employees)
      .where(eq(schema.employees.id, created.body.id));
    expect(row!.pinHash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a duplicate code, bad PINs, unknown references and dates with field errors', async () => {
    await as('POST', path(), { code: 'E-dup', name: 'First' });
    const duplicate = await as('POST', path(), { code: 'E-dup', name: 'Second' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.errors).toEqual([{ path: 'code', message: 'Already in use' }]);

    const bad = await as('POST', path(), {
      code: 'has space',
      name: 'X',
      pin: '12',
      hireDate: '2026-02-30',
      employmentType: 'boss',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'code',
      'employmentType',
      'hireDate',
      'pin',
    ]);

    const missing = await as('POST', path(), {
      code: 'E-ref',
      name: 'X',
      departmentId: '0190a000-0000-7000-8000-00000000beef',
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ path: 'departmentId', message: 'No such department' }]);
  });

  it('lists in name order with keyset pagination, filters and search', async () => {
    for (const [code, name] of [
      ['L-1', 'Aaron Alpha'],
      ['L-2', 'Betty Beta'],
      ['L-3', 'Carla Gamma'],
      ['L-4', 'Dora 50% Delta'],
    ]) {
      await as('POST', path(), { code, name, departmentId });
    }
    const first = await as('GET', path(`?departmentId=${departmentId}&limit=2`));
    expect(first.body.items.map((e: { name: string }) => e.name)).toEqual(['Aaron Alpha', 'Betty Beta']);
    const second = await as(
      'GET',
      path(`?departmentId=${departmentId}&limit=2&cursor=${first.body.nextCursor}`),
    );
    expect(second.body.items.map((e: { name: string }) => e.name)).toEqual(['Carla Gamma', 'Dora 50% Delta']);

    const search = await as('GET', path('?q=50%25'));
    expect(search.body.items.map((e: { name: string }) => e.name)).toEqual(['Dora 50% Delta']);
    const byCode = await as('GET', path('?q=l-3'));
    expect(byCode.body.items.map((e: { code: string }) => e.code)).toEqual(['L-3']);
    expect((await as('GET', path('?cursor=bm9wZQ'))).status).toBe(422);
  });

  it('termination keeps the record, clears the PIN and is audited; deletion hides it but frees the code', async () => {
    const employee = (
      await as('POST', path(), { code: 'T-1', name: 'Terry Leaving', hireDate: '2026-03-01', pin: '1111' })
    ).body;
    const early = await as('POST', path(`/${employee.id}/terminate`), { terminationDate: '2026-02-01' });
    expect(early.status).toBe(422);
    const terminated = await as('POST', path(`/${employee.id}/terminate`), { terminationDate: '2026-03-31' });
    expect(terminated.body).toMatchObject({
      status: 'terminated',
      terminationDate: '2026-03-31',
      hasPin: false,
    });
    expect(
      (await as('GET', path('?status=terminated'))).body.items.map((e: { id: string }) => e.id),
    ).toContain(employee.id);

    expect((await as('DELETE', path(`/${employee.id}`))).status).toBe(204);
    expect((await as('GET', path(`/${employee.id}`))).status).toBe(404);
    expect((await as('POST', path(), { code: 'T-1', name: 'New Terry' })).status).toBe(201);
    const audit = await as('GET', `/api/orgs/${owner.orgId}/audit-log?entityId=${employee.id}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual([
      'employee.deleted',
      'employee.terminated',
      'employee.created',
    ]);
  });

  it('an employee-role member cannot read the employee list; a manager can but cannot write', async () => {
    const { readMailToken } = await import('../helpers/test-hub');
    for (const role of ['employee', 'manager']) {
      const email = `${role}.${Date.now()}@example.com`;
      await as('POST', `/api/orgs/${owner.orgId}/invitations`, { email, role });
      const token = await readMailToken(hub, email, 'invitation');
      const accepted = await hub.request('POST', '/api/invitations/accept', {
        body: { token, name: role, password: 'member passphrase 2' },
      });
      const memberToken = accepted.body.tokens.accessToken;
      const list = await hub.request('GET', path(), { token: memberToken });
      expect(list.status).toBe(role === 'manager' ? 200 : 403);
      const write = await hub.request('POST', path(), {
        token: memberToken,
        body: { code: `X-${role}`, name: 'Nope' },
      });
      expect(write.status).toBe(403);
    }
  });
});
