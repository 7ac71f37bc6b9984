import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
});
afterAll(async () => {
  await hub?.close();
});

describe('clients, categories and projects', () => {
  it('creates a client project with budgets in minutes and money, filters the list, and soft-deletes', async () => {
    const client = await as('POST', '/clients', { name: 'Acme', email: 'ops@acme.example' });
    expect(client.status).toBe(201);
    const category = await as('POST', '/project-categories', { name: 'Fixed price', color: '#aa0000' });
    expect(category.status).toBe(201);
    const project = await as('POST', '/projects', {
      name: 'Warehouse roll-out',
      code: 'WH-1',
      clientId: client.body.id,
      categoryId: category.body.id,
      status: 'planned',
      startDate: '2026-01-01',
      endDate: '2026-06-30',
      budgetMinutes: 60_000,
      budgetAmountMinor: 1_250_000_00,
      currency: 'EUR',
    });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      code: 'WH-1',
      status: 'planned',
      budgetMinutes: 60_000,
      budgetAmountMinor: 1_250_000_00,
      currency: 'EUR',
      isBillable: true,
      progressPercent: null,
      isDeleted: false,
    });
    const internal = await as('POST', '/projects', { name: 'Internal tooling', isBillable: false });

    const byClient = await as('GET', `/projects?clientId=${client.body.id}`);
    expect(byClient.body.items.map((p: { id: string }) => p.id)).toEqual([project.body.id]);
    const bySearch = await as('GET', '/projects?q=wh-');
    expect(bySearch.body.items.map((p: { id: string }) => p.id)).toEqual([project.body.id]);
    const active = await as('GET', '/projects?status=active');
    expect(active.body.items.map((p: { id: string }) => p.id)).toEqual([internal.body.id]);

    const started = await as('PATCH', `/projects/${project.body.id}`, {
      status: 'active',
      endDate: '2026-07-31',
    });
    expect(started.body).toMatchObject({ status: 'active', endDate: '2026-07-31', startDate: '2026-01-01' });

    // Deleting the client keeps it on the project and readable by id; it leaves the pickers.
    expect((await as('DELETE', `/clients/${client.body.id}`)).status).toBe(204);
    expect((await as('GET', '/clients')).body.items).toEqual([]);
    expect((await as('GET', `/clients/${client.body.id}`)).body).toMatchObject({
      name: 'Acme',
      isDeleted: true,
    });
    expect((await as('GET', `/projects/${project.body.id}`)).body.clientId).toBe(client.body.id);

    expect((await as('DELETE', `/projects/${project.body.id}`)).status).toBe(204);
    expect((await as('GET', '/projects')).body.items.map((p: { id: string }) => p.id)).toEqual([
      internal.body.id,
    ]);
    expect((await as('GET', `/projects/${project.body.id}`)).body).toMatchObject({
      isDeleted: true,
      code: 'WH-1',
    });
    // The code of a deleted project is free again.
    expect((await as('POST', '/projects', { name: 'Roll-out 2', code: 'WH-1' })).status).toBe(201);
    expect((await as('DELETE', `/project-categories/${category.body.id}`)).status).toBe(204);
    expect((await as('GET', `/project-categories/${category.body.id}`)).body.isDeleted).toBe(true);
  });

  it('refuses bad projects with the field named, and changes nothing', async () => {
    const project = (await as('POST', '/projects', { name: 'Dated', code: 'DT', startDate: '2026-03-01' }))
      .body;
    const deletedClient = (await as('POST', '/clients', { name: 'Gone' })).body.id;
    await as('DELETE', `/clients/${deletedClient}`);
    const other = await signUpOwner(hub, { organizationName: 'Other' });
    const foreignClient = (
      await hub.request('POST', `/api/orgs/${other.orgId}/clients`, {
        token: other.accessToken,
        body: { name: 'Theirs' },
      })
    ).body.id;

    const before = await countAllRows(hub.runtime.deps.db);
    const cases: [string, string, unknown, number, string][] = [
      [
        'POST',
        '/projects',
        { name: 'Backwards', startDate: '2026-05-01', endDate: '2026-04-30' },
        422,
        'endDate',
      ],
      ['PATCH', `/projects/${project.id}`, { endDate: '2026-02-28' }, 422, 'endDate'],
      ['POST', '/projects', { name: 'Money', budgetAmountMinor: 1000 }, 422, 'currency'],
      [
        'POST',
        '/projects',
        { name: 'Cents', budgetAmountMinor: 10.5, currency: 'EUR' },
        422,
        'budgetAmountMinor',
      ],
      ['POST', '/projects', { name: 'Currency', currency: 'euro' }, 422, 'currency'],
      ['POST', '/projects', { name: 'Theirs', clientId: foreignClient }, 422, 'clientId'],
      ['POST', '/projects', { name: 'Gone', clientId: deletedClient }, 422, 'clientId'],
      ['POST', '/projects', { name: 'Twin', code: 'DT' }, 409, 'code'],
      ['POST', '/projects', { name: 'Status', status: 'paused' }, 422, 'status'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const response = await as(method, path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status });
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });
});

describe('project members', () => {
  it('puts people on a project with roles and rates, and refuses a second membership', async () => {
    const project = (await as('POST', '/projects', { name: 'Staffed' })).body.id as string;
    const dev = (await as('POST', '/employees', { code: 'PM-1', name: 'Dev One' })).body.id as string;
    const added = await as('POST', `/projects/${project}/members`, {
      employeeId: dev,
      role: 'lead',
      hourlyRateMinor: 9500,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ employeeName: 'Dev One', role: 'lead', hourlyRateMinor: 9500 });
    expect((await as('POST', `/projects/${project}/members`, { employeeId: dev })).status).toBe(409);
    expect((await as('PATCH', `/projects/${project}/members/${dev}`, { role: 'viewer' })).body.role).toBe(
      'viewer',
    );
    expect((await as('GET', `/projects/${project}/members`)).body.items).toHaveLength(1);
    expect((await as('DELETE', `/projects/${project}/members/${dev}`)).status).toBe(204);
    expect((await as('GET', `/projects/${project}/members`)).body.items).toEqual([]);
    expect((await as('POST', `/projects/${project}/members`, { employeeId: dev, role: 'boss' })).status).toBe(
      422,
    );
  });
});

describe('tasks', () => {
  it('builds a task tree with progress; moving a task under its own subtask or into another project is refused', async () => {
    const project = (await as('POST', '/projects', { name: 'Tree' })).body.id as string;
    const otherProject = (await as('POST', '/projects', { name: 'Other tree' })).body.id as string;
    const task = async (body: object, projectId = project) =>
      (await as('POST', `/projects/${projectId}/tasks`, body)).body;
    const design = await task({ name: 'Design', progressPercent: 100, status: 'done', position: 1 });
    const build = await task({ name: 'Build', progressPercent: 20, position: 2 });
    const backend = await task({ name: 'Backend', parentId: build.id, estimateMinutes: 600 });
    const api = await task({ name: 'API', parentId: backend.id, progressPercent: 50 });
    const foreign = await task({ name: 'Elsewhere' }, otherProject);

    const list = await as('GET', `/projects/${project}/tasks`);
    // Flat, by position then name; the client builds the tree from parentId.
    expect(
      list.body.items.map((t: { name: string; parentId: string | null }) => [t.name, t.parentId]),
    ).toEqual([
      ['API', backend.id],
      ['Backend', build.id],
      ['Design', null],
      ['Build', null],
    ]);
    // Project progress: mean of the top-level tasks (100 and 20).
    expect((await as('GET', `/projects/${project}`)).body.progressPercent).toBe(60);

    const before = await countAllRows(hub.runtime.deps.db);
    const refusals: [string, unknown, number, string][] = [
      [`/projects/${project}/tasks/${build.id}`, { parentId: api.id }, 422, 'parentId'], // its own grandchild
      [`/projects/${project}/tasks/${build.id}`, { parentId: build.id }, 422, 'parentId'], // itself
      [`/projects/${project}/tasks/${build.id}`, { parentId: foreign.id }, 422, 'parentId'], // another project
      [`/projects/${project}/tasks/${build.id}`, { progressPercent: 101 }, 422, 'progressPercent'],
      [`/projects/${project}/tasks/${build.id}`, { status: 'blocked' }, 422, 'status'],
      [
        `/projects/${project}/tasks/${build.id}`,
        { assigneeEmployeeId: '0190a000-0000-7000-8000-00000000dead' },
        422,
        'assigneeEmployeeId',
      ],
    ];
    for (const [path, body, status, field] of refusals) {
      const response = await as('PATCH', path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status });
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const crossCreate = await as('POST', `/projects/${project}/tasks`, {
      name: 'Sneaky',
      parentId: foreign.id,
    });
    expect(crossCreate.status).toBe(422);
    expect(crossCreate.body.errors[0]).toEqual({ path: 'parentId', message: 'A task of another project' });
    // A task addressed under the wrong project is not found there.
    expect((await as('GET', `/projects/${otherProject}/tasks/${build.id}`)).status).toBe(404);
    expect((await as('PATCH', `/projects/${otherProject}/tasks/${build.id}`, { name: 'x' })).status).toBe(
      404,
    );
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);

    // A legal move: API goes directly under Build.
    const moved = await as('PATCH', `/projects/${project}/tasks/${api.id}`, {
      parentId: build.id,
      progressPercent: 80,
    });
    expect(moved.body).toMatchObject({ parentId: build.id, progressPercent: 80 });

    // Deleting Build takes its subtasks with it; they stay readable by id for reports.
    expect((await as('DELETE', `/projects/${project}/tasks/${build.id}`)).status).toBe(204);
    const left = await as('GET', `/projects/${project}/tasks`);
    expect(left.body.items.map((t: { id: string }) => t.id)).toEqual([design.id]);
    expect((await as('GET', `/projects/${project}/tasks/${backend.id}`)).body).toMatchObject({
      isDeleted: true,
    });
    expect((await as('GET', `/projects/${project}`)).body.progressPercent).toBe(100);
    const audit = await as('GET', `/audit-log?entityId=${build.id}`);
    const deletion = audit.body.items.find((e: { action: string }) => e.action === 'task.deleted');
    expect(new Set(deletion.before.deletedSubtaskIds)).toEqual(new Set([backend.id, api.id]));
  });

  it('a manager reads projects but cannot change them; an employee sees none', async () => {
    const invite = async (role: 'manager' | 'employee', email: string) => {
      await as('POST', '/invitations', { email, role });
      const token = await readMailToken(hub, email, 'invitation');
      const accepted = await hub.request('POST', '/api/invitations/accept', {
        body: { token, name: role, password: 'projects passphrase 1' },
      });
      return accepted.body.tokens.accessToken as string;
    };
    const manager = await invite('manager', 'projects.manager@example.com');
    const employee = await invite('employee', 'projects.employee@example.com');
    const call = (token: string, method: string, suffix: string, body?: unknown) =>
      hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token, body });
    expect((await call(manager, 'GET', '/projects')).status).toBe(200);
    expect((await call(manager, 'POST', '/projects', { name: 'No' })).status).toBe(403);
    expect((await call(employee, 'GET', '/projects')).status).toBe(403);
    expect((await call(employee, 'GET', '/clients')).status).toBe(403);
  });
});
