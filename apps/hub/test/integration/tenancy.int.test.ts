/**
 * Tenant isolation, route by route: a member of org A can neither read nor change anything of org B,
 * whether B's id is in the path or B's object ids are used under A's path. Postgres row-level
 * security is checked separately as the second line of defence.
 */
import { APP_ROLE, schema, withOrgScope } from '@clockface/db-hub';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createKeyPair, registrationBody } from '../helpers/test-kiosk';

let hub: TestHub;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;
let orgA: Owner;
let orgB: Owner;
/** Real object ids of each org, by path parameter name. */
const ids: Record<'A' | 'B', Record<string, string>> = { A: {}, B: {} };

async function seedOrg(owner: Owner, key: 'A' | 'B') {
  const as = (method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });
  const department = await as('POST', '/departments', { name: `Dept ${key}` });
  const site = await as('POST', '/sites', { name: `Site ${key}`, timeZone: 'Europe/Berlin' });
  const role = await as('POST', '/roles', { name: `Role ${key}`, permissions: ['sites.read'] });
  const invitation = await as('POST', '/invitations', {
    email: `invitee-${key}@example.com`,
    role: 'employee',
  });
  const employee = await as('POST', '/employees', {
    code: `E-${key}`,
    name: `Employee ${key}`,
    departmentId: department.body.id,
    pin: '1234',
  });
  // The owner is also an employee, so self-service routes (modification requests) have real ids.
  await as('PATCH', `/employees/${employee.body.id}`, { userId: owner.userId });
  const adjustment = await as('POST', `/employees/${employee.body.id}/adjustments`, {
    kind: 'manual_entry',
    start: '2026-03-02T09:00:00Z',
    end: '2026-03-02T10:00:00Z',
    reason: 'Seed',
  });
  const request = await as('POST', '/me/modification-requests', {
    action: 'delete',
    targetId: adjustment.body.id,
    reason: 'Seed',
  });
  const enrollment = await as('POST', '/enrollment-tokens', { siteId: site.body.id, maxUses: 2 });
  const device = await hub.request('POST', '/api/devices/register', {
    body: registrationBody(enrollment.body.token, createKeyPair().publicJwk, `Kiosk ${key}`),
  });
  const leaveType = await as('POST', '/leave-types', { name: `Leave ${key}`, allowNegativeBalance: true });
  const leaveRequest = await as('POST', '/leave-requests', {
    employeeId: employee.body.id,
    leaveTypeId: leaveType.body.id,
    startDate: '2026-06-01',
    endDate: '2026-06-02',
  });
  for (const response of [
    department,
    site,
    role,
    invitation,
    employee,
    enrollment,
    device,
    leaveType,
    leaveRequest,
  ])
    expect(response.status).toBe(201);
  // Schedules, teams and projects (issue 3: workforce model).
  const shiftTemplate = await as('POST', '/shift-templates', {
    name: `Shift ${key}`,
    startTime: '09:00',
    endTime: '17:00',
  });
  const shiftPattern = await as('POST', '/shift-patterns', {
    employeeId: employee.body.id,
    shiftTemplateId: shiftTemplate.body.id,
    weekdays: [1, 2],
    effectiveFrom: '2026-01-05',
  });
  const shiftAssignment = await as('POST', '/shift-assignments', {
    kind: 'day_off',
    employeeId: employee.body.id,
    workDate: '2026-01-06',
  });
  const team = await as('POST', '/teams', { name: `Team ${key}` });
  const teamMember = await as('POST', `/teams/${team.body.id}/members`, { employeeId: employee.body.id });
  const client = await as('POST', '/clients', { name: `Client ${key}` });
  const category = await as('POST', '/project-categories', { name: `Category ${key}` });
  const project = await as('POST', '/projects', { name: `Project ${key}`, clientId: client.body.id });
  const projectMember = await as('POST', `/projects/${project.body.id}/members`, {
    employeeId: employee.body.id,
  });
  const task = await as('POST', `/projects/${project.body.id}/tasks`, { name: `Task ${key}` });
  await as('PUT', `/sites/${site.body.id}/time-policy`, { rounding: { stepMinutes: 15 } });
  await as('PUT', `/employees/${employee.body.id}/time-policy`, { compliance: { maxShiftMinutes: 600 } });
  for (const response of [
    shiftTemplate,
    shiftPattern,
    shiftAssignment,
    team,
    teamMember,
    client,
    category,
    project,
    projectMember,
    task,
  ])
    expect(response.status).toBe(201);
  expect([adjustment.status, request.status]).toEqual([201, 201]);
  ids[key] = {
    orgId: owner.orgId,
    userId: owner.userId,
    departmentId: department.body.id,
    siteId: site.body.id,
    roleId: role.body.id,
    invitationId: invitation.body.id,
    employeeId: employee.body.id,
    tokenId: enrollment.body.id,
    deviceId: device.body.deviceId,
    requestId: request.body.id,
    // A biweekly period start for the default anchor (2024-01-01).
    periodStart: '2026-11-02',
    shiftTemplateId: shiftTemplate.body.id,
    shiftPatternId: shiftPattern.body.id,
    shiftAssignmentId: shiftAssignment.body.id,
    teamId: team.body.id,
    clientId: client.body.id,
    categoryId: category.body.id,
    projectId: project.body.id,
    taskId: task.body.id,
    leaveTypeId: leaveType.body.id,
    leaveRequestId: leaveRequest.body.id,
    // No template needs to exist: another org's (or no) template id must answer the same 404.
    templateId: '0190a000-0000-7000-8000-0000000000cc',
  };
}

beforeAll(async () => {
  hub = await createTestHub();
  orgA = await signUpOwner(hub, { organizationName: 'Org A' });
  orgB = await signUpOwner(hub, { organizationName: 'Org B' });
  await seedOrg(orgA, 'A');
  await seedOrg(orgB, 'B');
});
afterAll(async () => {
  await hub?.close();
});

/** A valid body for each writable route, so validation passes and only authorisation can stop it. */
function validBody(method: string, path: string): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (path.endsWith('/members/:userId')) return { role: 'employee' };
  if (path.endsWith('/roles') || path.endsWith('/roles/:roleId'))
    return { name: 'Probe role', permissions: [] };
  if (path.endsWith('/invitations')) return { email: 'probe@example.com', role: 'employee' };
  if (path.endsWith('/terminate')) return { terminationDate: '2026-12-31' };
  if (path.endsWith('/rehire')) return { hireDate: '2027-01-04' };
  if (path.endsWith('/employees')) return { code: 'PROBE', name: 'Probe' };
  if (path.endsWith('/employees/:employeeId')) return { name: 'Probe' };
  if (path.endsWith('/adjustments'))
    return {
      kind: 'manual_entry',
      start: '2026-03-03T09:00:00Z',
      end: '2026-03-03T10:00:00Z',
      reason: 'Probe',
    };
  if (path.endsWith('/me/modification-requests'))
    return { action: 'delete', targetId: '0190a000-0000-7000-8000-000000000003', reason: 'Probe' };
  if (path.endsWith('/modification-requests/:requestId/reject')) return { note: 'Probe' };
  if (path.endsWith('/timesheets/lock')) return { periodStart: '2026-11-02' };
  if (
    /\/(modification-requests\/:requestId|timesheets\/:periodStart)\/(approve|cancel|submit|lock)$/.test(path)
  )
    return {};
  if (/\/timesheets\/:periodStart\/(reopen|unlock)$/.test(path)) return { reason: 'Probe' };
  if (path.endsWith('/revoke')) return undefined;
  if (path.endsWith('/me/leave-requests'))
    return {
      leaveTypeId: '0190a000-0000-7000-8000-000000000003',
      startDate: '2026-06-01',
      endDate: '2026-06-01',
    };
  if (path.endsWith('/leave-requests'))
    return {
      employeeId: '0190a000-0000-7000-8000-000000000004',
      leaveTypeId: '0190a000-0000-7000-8000-000000000003',
      startDate: '2026-06-01',
      endDate: '2026-06-01',
    };
  if (path.endsWith('/leave-requests/:leaveRequestId/reject')) return { note: 'Probe' };
  if (path.includes('/leave-requests/:leaveRequestId/')) return {};
  if (path.endsWith('/leave-adjustments'))
    return { leaveTypeId: '0190a000-0000-7000-8000-000000000003', minutes: 60, note: 'Probe' };
  if (/\/leave-types(\/:\w+)?$/.test(path)) return { name: 'Probe' };
  if (path.endsWith('/face-consent'))
    return { textVersion: 'v1', text: 'Probe consent text', method: 'in_person' };
  if (path.endsWith('/face-templates')) return { photos: [{ data: 'cHJvYmU=' }] };
  if (path.endsWith('/face-settings')) return { attackCheckMode: 'block' };
  if (path.endsWith('/enrollment-tokens'))
    return { siteId: '0190a000-0000-7000-8000-000000000002', maxUses: 1 };
  if (path.endsWith('/devices/:deviceId')) return { name: 'Probe' };
  if (path.includes('/shift-templates')) return { name: 'Probe', startTime: '09:00', endTime: '17:00' };
  if (path.endsWith('/shift-patterns'))
    return {
      employeeId: '0190a000-0000-7000-8000-000000000003',
      shiftTemplateId: '0190a000-0000-7000-8000-000000000004',
      weekdays: [1],
      effectiveFrom: '2026-01-05',
    };
  if (path.endsWith('/shift-patterns/:shiftPatternId')) return { weekdays: [3] };
  if (path.endsWith('/shift-assignments'))
    return { kind: 'day_off', employeeId: '0190a000-0000-7000-8000-000000000003', workDate: '2026-01-07' };
  if (path.endsWith('/time-policy') || path.endsWith('/time-policies/org')) return {};
  if (/\/(teams|projects)\/:\w+\/members$/.test(path))
    return { employeeId: '0190a000-0000-7000-8000-000000000003' };
  if (path.endsWith('/teams/:teamId/members/:employeeId')) return { allocationPercent: 50 };
  if (path.endsWith('/projects/:projectId/members/:employeeId')) return { role: 'lead' };
  if (/\/(teams|clients|project-categories|projects|tasks)(\/:\w+)?$/.test(path)) return { name: 'Probe' };
  if (/\/(departments|sites)(\/:\w+)?$/.test(path) || path === '/api/orgs/:orgId') return { name: 'Probe' };
  if (path.endsWith('/me/clock')) return { type: 'clock_in' };
  throw new Error(`No probe body for ${method} ${path}: add one so the isolation test covers this route`);
}

function orgScopedRoutes() {
  const seen = new Set<string>();
  return hub.runtime.app.routes
    .filter((route) => route.method !== 'ALL' && route.path.startsWith('/api/orgs/:orgId'))
    .filter((route) => {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function fill(path: string, values: Record<string, string>) {
  return path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = values[name];
    if (!value)
      throw new Error(`No id for :${name} in ${path}: seed one so the isolation test covers this route`);
    return value;
  });
}

describe('route inventory', () => {
  it('covers every org-scoped route', () => {
    // Guards the tests below against silently testing nothing.
    expect(orgScopedRoutes().length).toBeGreaterThanOrEqual(20);
  });

  it("another org's id in the path → 404 for every route and method, and B is unchanged", async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const randomOrg = '0190a000-0000-7000-8000-000000000000';
    for (const route of orgScopedRoutes()) {
      const body = validBody(route.method, route.path);
      const intoB = await hub.request(route.method, fill(route.path, ids.B), {
        token: orgA.accessToken,
        body,
      });
      expect({ route: `${route.method} ${route.path}`, status: intoB.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
      });
      // Indistinguishable from an org that does not exist.
      const intoNothing = await hub.request(route.method, fill(route.path, { ...ids.B, orgId: randomOrg }), {
        token: orgA.accessToken,
        body,
      });
      const { requestId: _a, ...bodyB } = intoB.body;
      const { requestId: _b, ...bodyNothing } = intoNothing.body;
      expect(bodyB).toEqual(bodyNothing);
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it("B's object ids under A's own path → 404 for reads and writes", async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const withObjectIds = orgScopedRoutes().filter((route) => /:(?!orgId)\w+/.test(route.path));
    expect(withObjectIds.length).toBeGreaterThanOrEqual(10);
    for (const route of withObjectIds) {
      const response = await hub.request(route.method, fill(route.path, { ...ids.B, orgId: orgA.orgId }), {
        token: orgA.accessToken,
        body: validBody(route.method, route.path),
      });
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
      });
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it("B's ids inside a request body are refused like ids that do not exist", async () => {
    const asA = (body: unknown) =>
      hub.request('POST', `/api/orgs/${orgA.orgId}/departments`, { token: orgA.accessToken, body });
    const foreign = await asA({ name: 'Sneaky', parentId: ids.B.departmentId });
    const missing = await asA({ name: 'Sneaky', parentId: '0190a000-0000-7000-8000-000000000001' });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors).toEqual(missing.body.errors);

    const role = await hub.request('POST', `/api/orgs/${orgA.orgId}/invitations`, {
      token: orgA.accessToken,
      body: { email: 'x@example.com', role: 'custom', customRoleId: ids.B.roleId },
    });
    expect(role.status).toBe(422);
  });
});

describe('row-level security (second line)', () => {
  const rows = <T>(result: unknown) =>
    (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

  it('every table with org_id has RLS enabled and forced, with a policy for the app role', async () => {
    const result = await hub.runtime.deps.db.execute(sql`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             exists (select 1 from pg_policies p where p.tablename = c.relname and ${APP_ROLE} = any(p.roles)) as has_policy
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and (exists (select 1 from information_schema.columns col where col.table_schema = 'public'
                     and col.table_name = c.relname and col.column_name = 'org_id') or c.relname = 'organizations')`);
    const tables = rows<{ table: string; enabled: boolean; forced: boolean; has_policy: boolean }>(result);
    expect(tables.map((table) => table.table)).toEqual(
      expect.arrayContaining([
        'organizations',
        'memberships',
        'sites',
        'departments',
        'audit_log',
        'enrollment_tokens',
        'devices',
        'attendance_events',
      ]),
    );
    for (const table of tables.filter((t) => t.table !== 'mail_outbox')) {
      expect(table).toEqual({ table: table.table, enabled: true, forced: true, has_policy: true });
    }
  });

  it('the app role is neither superuser nor BYPASSRLS', async () => {
    const result = await hub.runtime.deps.db.execute(
      sql`select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_ROLE}`,
    );
    expect(rows(result)).toEqual([{ rolsuper: false, rolbypassrls: false }]);
  });

  it("inside A's scope an unfiltered query sees only A's rows, and writing B's rows fails", async () => {
    const db = hub.runtime.deps.db;
    const visible = await withOrgScope(db, orgA.orgId, (tx) => tx.select().from(schema.sites));
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((site) => site.orgId === orgA.orgId)).toBe(true);

    await expect(
      withOrgScope(db, orgA.orgId, (tx) =>
        tx.insert(schema.sites).values({ orgId: orgB.orgId, name: 'Planted in B' }),
      ),
    ).rejects.toThrow();
    expect(
      (await withOrgScope(db, orgB.orgId, (tx) => tx.select().from(schema.sites))).map((site) => site.name),
    ).not.toContain('Planted in B');
  });

  it('with no org set, the app role sees nothing (not everything), and the setting does not leak', async () => {
    const db = hub.runtime.deps.db;
    const count = await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', ${APP_ROLE}, true)`);
      return rows<{ count: number }>(await tx.execute(sql`select count(*)::int as count from sites`))[0]!
        .count;
    });
    expect(count).toBe(0);
    await withOrgScope(db, orgA.orgId, async () => undefined);
    const after = rows<{ org: string | null; role: string }>(
      await db.execute(sql`select current_setting('app.org_id', true) as org, current_user as role`),
    )[0]!;
    expect(after.org ?? '').toBe('');
    expect(after.role).not.toBe(APP_ROLE);
  });

  it('the audit log is append-only for the app role', async () => {
    const db = hub.runtime.deps.db;
    await expect(withOrgScope(db, orgA.orgId, (tx) => tx.delete(schema.auditLog))).rejects.toThrow();
    await expect(
      withOrgScope(db, orgA.orgId, (tx) => tx.update(schema.auditLog).set({ action: 'rewritten' })),
    ).rejects.toThrow();
  });
});
