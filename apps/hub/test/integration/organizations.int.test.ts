import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;
let owner: Owner;

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub, { organizationName: 'Riverside Clinic' });
});
afterAll(async () => {
  await hub?.close();
});

const orgPath = (path = '') => `/api/orgs/${owner.orgId}${path}`;

/** Invites `email` with `role` and accepts as a new account; returns the new member's tokens. */
async function addMember(email: string, role: string, extra: Record<string, unknown> = {}) {
  const invited = await hub.request('POST', orgPath('/invitations'), {
    token: owner.accessToken,
    body: { email, role, ...extra },
  });
  expect(invited.status).toBe(201);
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: `Member ${email}`, password: 'member passphrase 1' },
  });
  expect(accepted.status).toBe(200);
  return { accessToken: accepted.body.tokens.accessToken as string, userId: accepted.body.userId as string };
}

describe('organisation settings', () => {
  it('owner updates name, time zone, week start and locale; the change is audited', async () => {
    const response = await hub.request('PATCH', orgPath(), {
      token: owner.accessToken,
      body: { name: 'Riverside Clinic GmbH', timeZone: 'Europe/Vienna', weekStart: 7, locale: 'de-AT' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Riverside Clinic GmbH',
      timeZone: 'Europe/Vienna',
      weekStart: 7,
      locale: 'de-AT',
    });
    const audit = await hub.request('GET', orgPath('/audit-log?action=organization.updated'), {
      token: owner.accessToken,
    });
    expect(audit.body.items[0]).toMatchObject({
      actorUserId: owner.userId,
      action: 'organization.updated',
      before: { name: 'Riverside Clinic' },
      after: { name: 'Riverside Clinic GmbH', timeZone: 'Europe/Vienna' },
    });
  });

  it('rejects an unknown time zone and an out-of-range week start', async () => {
    const response = await hub.request('PATCH', orgPath(), {
      token: owner.accessToken,
      body: { timeZone: 'Mars/Olympus', weekStart: 9 },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'timeZone',
      'weekStart',
    ]);
  });

  it('a user can belong to several organisations', async () => {
    const second = await hub.request('POST', '/api/orgs', {
      token: owner.accessToken,
      body: { name: 'Second Practice' },
    });
    expect(second.status).toBe(201);
    const mine = await hub.request('GET', '/api/orgs', { token: owner.accessToken });
    expect(mine.body.items.map((org: { name: string }) => org.name)).toEqual(
      expect.arrayContaining(['Second Practice']),
    );
    expect(mine.body.items).toHaveLength(2);
  });
});

describe('invitations and members', () => {
  it('an invitee without an account accepts with name and password and joins with the role', async () => {
    const manager = await addMember('manager@riverside.example', 'manager');
    const me = await hub.request('GET', '/api/auth/me', { token: manager.accessToken });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({
        role: 'manager',
        organization: expect.objectContaining({ id: owner.orgId }),
      }),
    ]);
    // A manager reads structure but cannot change members.
    expect((await hub.request('GET', orgPath('/members'), { token: manager.accessToken })).status).toBe(200);
    const forbidden = await hub.request('PATCH', orgPath(`/members/${owner.userId}`), {
      token: manager.accessToken,
      body: { role: 'employee' },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
  });

  it('an invitee with an account must be logged in as it; the token works once', async () => {
    const other = await signUpOwner(hub);
    await hub.request('POST', orgPath('/invitations'), {
      token: owner.accessToken,
      body: { email: other.email, role: 'employee' },
    });
    const token = await readMailToken(hub, other.email, 'invitation');

    const preview = await hub.request('POST', '/api/invitations/lookup', { body: { token } });
    expect(preview.body).toMatchObject({ email: other.email, role: 'employee', accountExists: true });

    const anonymous = await hub.request('POST', '/api/invitations/accept', { body: { token } });
    expect(anonymous.status).toBe(401);
    const wrongUser = await hub.request('POST', '/api/invitations/accept', {
      body: { token },
      token: owner.accessToken,
    });
    expect(wrongUser.status).toBe(403);
    const accepted = await hub.request('POST', '/api/invitations/accept', {
      body: { token },
      token: other.accessToken,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.tokens).toBeNull();
    const again = await hub.request('POST', '/api/invitations/accept', {
      body: { token },
      token: other.accessToken,
    });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_TOKEN');
  });

  it('revoked invitations cannot be used', async () => {
    const invited = await hub.request('POST', orgPath('/invitations'), {
      token: owner.accessToken,
      body: { email: 'revoked@riverside.example', role: 'employee' },
    });
    const token = await readMailToken(hub, 'revoked@riverside.example', 'invitation');
    expect(
      (await hub.request('DELETE', orgPath(`/invitations/${invited.body.id}`), { token: owner.accessToken }))
        .status,
    ).toBe(204);
    const accept = await hub.request('POST', '/api/invitations/accept', {
      body: { token, name: 'Late', password: 'too late to join now' },
    });
    expect(accept.status).toBe(400);
    const list = await hub.request('GET', orgPath('/invitations'), { token: owner.accessToken });
    expect(list.body.items.find((item: { id: string }) => item.id === invited.body.id).status).toBe(
      'revoked',
    );
  });

  it('an admin cannot grant owner; the last owner cannot be demoted or removed', async () => {
    const admin = await addMember('admin@riverside.example', 'admin');
    const escalate = await hub.request('POST', orgPath('/invitations'), {
      token: admin.accessToken,
      body: { email: 'x@riverside.example', role: 'owner' },
    });
    expect(escalate.status).toBe(403);
    const promoteSelf = await hub.request('PATCH', orgPath(`/members/${admin.userId}`), {
      token: admin.accessToken,
      body: { role: 'owner' },
    });
    expect(promoteSelf.status).toBe(403);

    const demoteLast = await hub.request('PATCH', orgPath(`/members/${owner.userId}`), {
      token: owner.accessToken,
      body: { role: 'admin' },
    });
    expect(demoteLast.status).toBe(409);
    expect(demoteLast.body.code).toBe('LAST_OWNER');
    expect(
      (await hub.request('DELETE', orgPath(`/members/${owner.userId}`), { token: owner.accessToken })).status,
    ).toBe(409);

    // With a second owner, the first may step down.
    expect(
      (
        await hub.request('PATCH', orgPath(`/members/${admin.userId}`), {
          token: owner.accessToken,
          body: { role: 'owner' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await hub.request('PATCH', orgPath(`/members/${owner.userId}`), {
          token: owner.accessToken,
          body: { role: 'admin' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await hub.request('PATCH', orgPath(`/members/${owner.userId}`), {
          token: admin.accessToken,
          body: { role: 'owner' },
        })
      ).status,
    ).toBe(200);
  });

  it('removing a member ends their access to the org at once', async () => {
    const employee = await addMember('leaver@riverside.example', 'employee');
    expect((await hub.request('GET', orgPath('/sites'), { token: employee.accessToken })).status).toBe(200);
    expect(
      (await hub.request('DELETE', orgPath(`/members/${employee.userId}`), { token: owner.accessToken }))
        .status,
    ).toBe(204);
    expect((await hub.request('GET', orgPath('/sites'), { token: employee.accessToken })).status).toBe(404);
  });
});

describe('custom roles', () => {
  it('grant exactly their permissions; a role in use cannot be deleted', async () => {
    const role = await hub.request('POST', orgPath('/roles'), {
      token: owner.accessToken,
      body: { name: 'Site coordinator', permissions: ['sites.read', 'sites.write'] },
    });
    expect(role.status).toBe(201);
    const coordinator = await addMember('coordinator@riverside.example', 'custom', {
      customRoleId: role.body.id,
    });
    expect(
      (
        await hub.request('POST', orgPath('/sites'), {
          token: coordinator.accessToken,
          body: { name: 'Annex' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await hub.request('POST', orgPath('/departments'), {
          token: coordinator.accessToken,
          body: { name: 'Nope' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await hub.request('DELETE', orgPath(`/roles/${role.body.id}`), { token: owner.accessToken })).status,
    ).toBe(409);

    // Narrowing the role narrows the member at their next request.
    await hub.request('PATCH', orgPath(`/roles/${role.body.id}`), {
      token: owner.accessToken,
      body: { permissions: ['sites.read'] },
    });
    expect(
      (
        await hub.request('POST', orgPath('/sites'), {
          token: coordinator.accessToken,
          body: { name: 'Annex 2' },
        })
      ).status,
    ).toBe(403);
  });

  it('refuses unknown permission names', async () => {
    const response = await hub.request('POST', orgPath('/roles'), {
      token: owner.accessToken,
      body: { name: 'Bad', permissions: ['everything'] },
    });
    expect(response.status).toBe(422);
  });
});

describe('departments and sites', () => {
  it('departments form a tree without cycles and soft-delete', async () => {
    const create = (body: unknown) =>
      hub.request('POST', orgPath('/departments'), { token: owner.accessToken, body });
    const nursing = await create({ name: 'Nursing', code: 'NUR' });
    const night = await create({ name: 'Night shift', parentId: nursing.body.id });
    expect(night.body.parentId).toBe(nursing.body.id);

    const cycle = await hub.request('PATCH', orgPath(`/departments/${nursing.body.id}`), {
      token: owner.accessToken,
      body: { parentId: night.body.id },
    });
    expect(cycle.status).toBe(422);
    expect(
      (await hub.request('DELETE', orgPath(`/departments/${nursing.body.id}`), { token: owner.accessToken }))
        .status,
    ).toBe(409);

    expect(
      (await hub.request('DELETE', orgPath(`/departments/${night.body.id}`), { token: owner.accessToken }))
        .status,
    ).toBe(204);
    const list = await hub.request('GET', orgPath('/departments'), { token: owner.accessToken });
    expect(list.body.items.map((d: { id: string }) => d.id)).not.toContain(night.body.id);
    expect(
      (await hub.request('GET', orgPath(`/departments/${night.body.id}`), { token: owner.accessToken }))
        .status,
    ).toBe(404);
  });

  it('sites carry their own time zone or inherit the org one', async () => {
    const own = await hub.request('POST', orgPath('/sites'), {
      token: owner.accessToken,
      body: { name: 'Lisbon', timeZone: 'Europe/Lisbon' },
    });
    const inherited = await hub.request('POST', orgPath('/sites'), {
      token: owner.accessToken,
      body: { name: 'Main building' },
    });
    expect(own.body).toMatchObject({ timeZone: 'Europe/Lisbon', effectiveTimeZone: 'Europe/Lisbon' });
    expect(inherited.body).toMatchObject({ timeZone: null, effectiveTimeZone: 'Europe/Vienna' });
  });

  it('stores names exactly as given (no escaping, no mangling)', async () => {
    const name = `O'Hara <img src=x onerror=alert(1)> 🌻 مرحبا`;
    const site = await hub.request('POST', orgPath('/sites'), { token: owner.accessToken, body: { name } });
    expect(site.body.name).toBe(name);
  });
});

describe('audit log', () => {
  it('records every mutation with actor and request id, filterable, with cursor pagination', async () => {
    const first = await hub.request('GET', orgPath('/audit-log?limit=2'), { token: owner.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await hub.request('GET', orgPath(`/audit-log?limit=2&cursor=${first.body.nextCursor}`), {
      token: owner.accessToken,
    });
    expect(second.body.items[0].id < first.body.items[1].id).toBe(true);

    const sites = await hub.request('GET', orgPath('/audit-log?entityType=site&limit=200'), {
      token: owner.accessToken,
    });
    expect(sites.body.items.length).toBeGreaterThanOrEqual(3);
    expect(
      sites.body.items.every(
        (entry: { entityType: string; requestId: string }) => entry.entityType === 'site' && entry.requestId,
      ),
    ).toBe(true);

    expect(
      (await hub.request('GET', orgPath('/audit-log?limit=100000'), { token: owner.accessToken })).status,
    ).toBe(422);
    expect(
      (await hub.request('GET', orgPath('/audit-log?cursor=garbage'), { token: owner.accessToken })).status,
    ).toBe(422);
  });

  it('never stores secrets', async () => {
    const all = await hub.request('GET', orgPath('/audit-log?limit=200'), { token: owner.accessToken });
    expect(JSON.stringify(all.body)).not.toMatch(/passwordHash|tokenHash|argon2/);
  });
});

describe('platform super-admin', () => {
  it('lists organisations and suspends one: its users get a clear 403 until reactivated', async () => {
    // Super-admins come from the CLI (tested in cli.int.test.ts); here we promote through the same query.
    const { setUserSuperadmin } = await import('@clockface/db-hub/queries');
    const admin = await signUpOwner(hub);
    await setUserSuperadmin(hub.runtime.deps.db, { userId: admin.userId, isSuperadmin: true });

    const list = await hub.request('GET', '/api/admin/organizations?limit=200', { token: admin.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items.map((org: { id: string }) => org.id)).toContain(owner.orgId);

    const suspend = await hub.request('POST', `/api/admin/organizations/${owner.orgId}/suspend`, {
      token: admin.accessToken,
      body: { reason: 'Unpaid invoices' },
    });
    expect(suspend.status).toBe(200);
    const blocked = await hub.request('GET', orgPath('/sites'), { token: owner.accessToken });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('ORGANIZATION_SUSPENDED');

    expect(
      (
        await hub.request('POST', `/api/admin/organizations/${owner.orgId}/reactivate`, {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(200);
    expect((await hub.request('GET', orgPath('/sites'), { token: owner.accessToken })).status).toBe(200);
  });

  it('is invisible to everyone else', async () => {
    expect((await hub.request('GET', '/api/admin/organizations', { token: owner.accessToken })).status).toBe(
      404,
    );
    expect((await hub.request('GET', '/api/admin/organizations')).status).toBe(401);
  });
});
