import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });

async function join(role: 'manager' | 'employee', email: string) {
  await as('POST', '/invitations', { email, role });
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: email.split('@')[0], password: 'teams passphrase 1' },
  });
  return { userId: accepted.body.userId as string, token: accepted.body.tokens.accessToken as string };
}

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
});
afterAll(async () => {
  await hub?.close();
});

describe('teams', () => {
  it('creates a team with a manager, allocates members, and its manager then sees their schedules', async () => {
    const lead = await join('manager', 'team.lead@example.com');
    const department = (await as('POST', '/departments', { name: 'Support' })).body.id;
    const ana = (await as('POST', '/employees', { code: 'T-1', name: 'Ana Agent' })).body.id as string;
    const ben = (await as('POST', '/employees', { code: 'T-2', name: 'Ben Agent' })).body.id as string;

    const team = await as('POST', '/teams', {
      name: 'Night desk',
      departmentId: department,
      managerUserId: lead.userId,
    });
    expect(team.status).toBe(201);
    expect(team.body).toMatchObject({
      name: 'Night desk',
      departmentId: department,
      managerUserId: lead.userId,
    });

    // The manager sees nobody's schedule until they are in the team.
    const schedule = (employeeId: string) =>
      hub.request('GET', `/api/orgs/${owner.orgId}/employees/${employeeId}/schedule`, { token: lead.token });
    expect((await schedule(ana)).status).toBe(404);

    const added = await as('POST', `/teams/${team.body.id}/members`, {
      employeeId: ana,
      allocationPercent: 60,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ employeeId: ana, employeeName: 'Ana Agent', allocationPercent: 60 });
    await as('POST', `/teams/${team.body.id}/members`, { employeeId: ben });
    const members = await as('GET', `/teams/${team.body.id}/members`);
    expect(
      members.body.items.map((m: { employeeName: string; allocationPercent: number }) => [
        m.employeeName,
        m.allocationPercent,
      ]),
    ).toEqual([
      ['Ana Agent', 60],
      ['Ben Agent', 100],
    ]);
    expect((await schedule(ana)).status).toBe(200);

    const changed = await as('PATCH', `/teams/${team.body.id}/members/${ana}`, { allocationPercent: 40 });
    expect(changed.body.allocationPercent).toBe(40);
    expect((await as('DELETE', `/teams/${team.body.id}/members/${ana}`)).status).toBe(204);
    expect((await schedule(ana)).status).toBe(404);
    expect((await schedule(ben)).status).toBe(200);

    // A manager holds teams.read but not teams.write.
    expect((await hub.request('GET', `/api/orgs/${owner.orgId}/teams`, { token: lead.token })).status).toBe(
      200,
    );
    const refused = await hub.request('POST', `/api/orgs/${owner.orgId}/teams`, {
      token: lead.token,
      body: { name: 'Mine' },
    });
    expect(refused.status).toBe(403);

    const audit = await as('GET', `/audit-log?entityId=${team.body.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'team.created',
      'team.member_added',
      'team.member_added',
      'team.member_removed',
      'team.member_updated',
    ]);
  });

  it('lists teams by name in pages; a deleted team leaves the list, its manager stops seeing through it, and stays readable by id', async () => {
    const lead = await join('manager', 'team.gone@example.com');
    const member = (await as('POST', '/employees', { code: 'T-3', name: 'Cam Member' })).body.id as string;
    const team = (await as('POST', '/teams', { name: 'Zulu', managerUserId: lead.userId })).body;
    await as('POST', `/teams/${team.id}/members`, { employeeId: member });
    await as('POST', '/teams', { name: 'Alpha' });

    const first = await as('GET', '/teams?limit=1');
    expect(first.body.items[0].name).toBe('Alpha');
    expect(first.body.nextCursor).not.toBeNull();

    expect((await as('DELETE', `/teams/${team.id}`)).status).toBe(204);
    const all = await as('GET', '/teams?limit=200');
    expect(all.body.items.map((t: { name: string }) => t.name)).not.toContain('Zulu');
    expect((await as('GET', `/teams/${team.id}`)).body).toMatchObject({ name: 'Zulu', isDeleted: true });
    expect((await as('PATCH', `/teams/${team.id}`, { name: 'Back' })).status).toBe(404);
    const seen = await hub.request('GET', `/api/orgs/${owner.orgId}/employees/${member}/schedule`, {
      token: lead.token,
    });
    expect(seen.status).toBe(404);
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    const employee = (await as('POST', '/employees', { code: 'T-4', name: 'Dee Dup' })).body.id as string;
    const team = (await as('POST', '/teams', { name: 'Checks' })).body.id as string;
    await as('POST', `/teams/${team}/members`, { employeeId: employee });
    const other = await signUpOwner(hub, { organizationName: 'Elsewhere' });
    const foreignDepartment = (
      await hub.request('POST', `/api/orgs/${other.orgId}/departments`, {
        token: other.accessToken,
        body: { name: 'X' },
      })
    ).body.id;

    const before = await countAllRows(hub.runtime.deps.db);
    const cases: [string, string, unknown, number, string | null][] = [
      ['POST', '/teams', { name: 'Bad', managerUserId: other.userId }, 422, 'managerUserId'],
      ['POST', '/teams', { name: 'Bad', departmentId: foreignDepartment }, 422, 'departmentId'],
      ['POST', '/teams', { name: '  ' }, 422, 'name'],
      ['POST', `/teams/${team}/members`, { employeeId: employee }, 409, 'employeeId'],
      [
        'POST',
        `/teams/${team}/members`,
        { employeeId: employee, allocationPercent: 0 },
        422,
        'allocationPercent',
      ],
      [
        'POST',
        `/teams/${team}/members`,
        { employeeId: employee, allocationPercent: 101 },
        422,
        'allocationPercent',
      ],
      [
        'POST',
        `/teams/${team}/members`,
        { employeeId: '0190a000-0000-7000-8000-00000000dead' },
        422,
        'employeeId',
      ],
      ['PATCH', `/teams/${team}/members/${employee}`, { allocationPercent: 12.5 }, 422, 'allocationPercent'],
      [
        'PATCH',
        `/teams/${team}/members/0190a000-0000-7000-8000-00000000dead`,
        { allocationPercent: 50 },
        404,
        null,
      ],
      ['POST', '/teams/0190a000-0000-7000-8000-00000000dead/members', { employeeId: employee }, 404, null],
    ];
    for (const [method, path, body, status, field] of cases) {
      const response = await as(method, path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status });
      if (field) expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('an employee’s allocations over their teams stay within 100 %: a change past it is a 409 naming the total, changing nothing', async () => {
    const fay = (await as('POST', '/employees', { code: 'T-5', name: 'Fay Split' })).body.id as string;
    const [a, b, c] = await Promise.all(
      ['Alloc A', 'Alloc B', 'Alloc C'].map(async (name) => (await as('POST', '/teams', { name })).body.id),
    );
    expect((await as('POST', `/teams/${a}/members`, { employeeId: fay, allocationPercent: 60 })).status).toBe(
      201,
    );
    expect((await as('POST', `/teams/${b}/members`, { employeeId: fay, allocationPercent: 40 })).status).toBe(
      201,
    );

    const before = await countAllRows(hub.runtime.deps.db);
    const tooMuch = await as('POST', `/teams/${c}/members`, { employeeId: fay, allocationPercent: 10 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.headers.get('content-type')).toContain('application/problem+json');
    expect(tooMuch.body.detail).toBe(
      'Fay Split is already allocated 100% to other teams; 10% more would make 110% (at most 100%)',
    );
    expect(tooMuch.body.errors).toEqual([
      { path: 'allocationPercent', message: 'At most 0: 100% is allocated to other teams' },
    ]);
    // The default allocation is 100 %, so adding without one is refused too.
    expect((await as('POST', `/teams/${c}/members`, { employeeId: fay })).status).toBe(409);
    const raise = await as('PATCH', `/teams/${a}/members/${fay}`, { allocationPercent: 70 });
    expect(raise.status).toBe(409);
    expect(raise.body.detail).toContain('already allocated 40% to other teams');
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
    expect((await as('GET', `/teams/${a}/members`)).body.items[0].allocationPercent).toBe(60);

    // Lowering one makes room; a deleted team's membership no longer counts.
    expect((await as('PATCH', `/teams/${a}/members/${fay}`, { allocationPercent: 50 })).status).toBe(200);
    expect((await as('POST', `/teams/${c}/members`, { employeeId: fay, allocationPercent: 10 })).status).toBe(
      201,
    );
    expect((await as('DELETE', `/teams/${b}`)).status).toBe(204);
    expect((await as('PATCH', `/teams/${c}/members/${fay}`, { allocationPercent: 50 })).status).toBe(200);
  });

  it('two concurrent allocations that together pass 100 % cannot both succeed', async () => {
    const [x, y] = await Promise.all(
      ['Race X', 'Race Y'].map(async (name) => (await as('POST', '/teams', { name })).body.id as string),
    );
    const racers = await Promise.all(
      [1, 2, 3, 4].map(
        async (n) =>
          (await as('POST', '/employees', { code: `RACE-${n}`, name: `Racer ${n}` })).body.id as string,
      ),
    );
    // Racer 4 already has 50 % in X: its race is an update of X against an add to Y.
    expect(
      (await as('POST', `/teams/${x}/members`, { employeeId: racers[3], allocationPercent: 50 })).status,
    ).toBe(201);
    const responses = await Promise.all([
      ...racers
        .slice(0, 3)
        .flatMap((employeeId) => [
          as('POST', `/teams/${x}/members`, { employeeId, allocationPercent: 60 }),
          as('POST', `/teams/${y}/members`, { employeeId, allocationPercent: 60 }),
        ]),
      as('PATCH', `/teams/${x}/members/${racers[3]}`, { allocationPercent: 60 }),
      as('POST', `/teams/${y}/members`, { employeeId: racers[3], allocationPercent: 50 }),
    ]);
    for (let index = 0; index < 4; index++) {
      const pair = responses.slice(index * 2, index * 2 + 2).map((response) => response.status);
      expect(pair.filter((status) => status === 409)).toHaveLength(1);
      expect(pair.filter((status) => status === 200 || status === 201)).toHaveLength(1);
    }
    const totals = await Promise.all(
      [x, y].map(async (team) => (await as('GET', `/teams/${team}/members`)).body.items),
    );
    for (const employeeId of racers) {
      const total = totals
        .flat()
        .filter((member: { employeeId: string }) => member.employeeId === employeeId)
        .reduce((sum: number, member: { allocationPercent: number }) => sum + member.allocationPercent, 0);
      expect(total).toBeLessThanOrEqual(100);
    }
  });
});
