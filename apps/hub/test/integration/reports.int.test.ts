/**
 * Reports end to end: punches arrive through kiosk sync (the real ingest and its feed trigger), the
 * projection job projects them, and the reports read the projection as an admin, a manager (their
 * department tree only) and an employee (no report access) would.
 */
import { withOrgScope } from '@clockface/db-hub';
import { upsertTimePolicy } from '@clockface/db-hub/queries';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProjectionQueue } from '../../src/services/projection.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let other: Awaited<ReturnType<typeof signUpOwner>>;
let managerToken: string;
let employeeToken: string;
const ids: Record<string, string> = {};

const WEEK = 'from=2026-11-02&to=2026-11-08';

async function as(token: string, path: string) {
  return hub.request('GET', `/api/orgs/${owner.orgId}${path}`, { token });
}
const asOwner = (path: string) => as(owner.accessToken, path);

async function post(path: string, body: unknown) {
  const response = await hub.request('POST', `/api/orgs/${owner.orgId}${path}`, {
    token: owner.accessToken,
    body,
  });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function invite(role: 'manager' | 'employee', email: string) {
  await hub.request('POST', `/api/orgs/${owner.orgId}/invitations`, {
    token: owner.accessToken,
    body: { email, role },
  });
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: role, password: 'reports passphrase 1' },
  });
  return { token: accepted.body.tokens.accessToken as string, userId: accepted.body.userId as string };
}

/** Sends punches (Berlin wall-clock instants with offset) as one signed kiosk batch. */
async function sync(kiosk: TestKiosk, punches: [employeeId: string, type: string, at: string][]) {
  const events = punches.flatMap(([employeeId, type, at]) =>
    kiosk.punches([employeeId], { type: type as 'clock_in', deviceTime: new Date(at) }),
  );
  const response = await kiosk.request('POST', '/api/sync/events', { body: kiosk.batch(events) });
  expect(response.status).toBe(200);
  expect(response.body.results.map((result: { status: string }) => result.status)).toEqual(
    events.map(() => 'accepted'),
  );
}

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub, { organizationName: 'Reports Org' });
  other = await signUpOwner(hub, { organizationName: 'Other Org' });
  const patched = await hub.request('PATCH', `/api/orgs/${owner.orgId}`, {
    token: owner.accessToken,
    body: { timeZone: 'Europe/Berlin' },
  });
  expect(patched.status).toBe(200);
  ids.production = await post('/departments', { name: 'Production' });
  ids.assembly = await post('/departments', { name: 'Assembly', parentId: ids.production });
  ids.office = await post('/departments', { name: 'Office' });
  ids.plant = await post('/sites', { name: 'Plant', timeZone: 'Europe/Berlin' });
  ids.hq = await post('/sites', { name: 'HQ', timeZone: 'Europe/Berlin' });
  ids.ann = await post('/employees', {
    code: 'A1',
    name: 'Ann',
    departmentId: ids.assembly,
    homeSiteId: ids.plant,
  });
  ids.bob = await post('/employees', {
    code: 'B1',
    name: 'Bob',
    departmentId: ids.production,
    homeSiteId: ids.plant,
  });
  ids.cid = await post('/employees', {
    code: 'C1',
    name: 'Cid',
    departmentId: ids.office,
    homeSiteId: ids.hq,
  });
  ids.otherDepartment = (
    await hub.request('POST', `/api/orgs/${other.orgId}/departments`, {
      token: other.accessToken,
      body: { name: 'Elsewhere' },
    })
  ).body.id;

  const manager = await invite('manager', 'manager.reports@example.com');
  managerToken = manager.token;
  employeeToken = (await invite('employee', 'employee.reports@example.com')).token;
  // The API for naming a department's manager belongs to another part; the rule is what is tested here.
  await withOrgScope(hub.runtime.deps.db, owner.orgId, async (tx) => {
    await tx.execute(
      sql`update departments set manager_user_id = ${manager.userId} where id = ${ids.production}`,
    );
    await upsertTimePolicy(tx, {
      orgId: owner.orgId,
      target: { scope: 'org' },
      rules: { overtime: { daily: [{ afterMinutes: 480, multiplier: 1.5 }], weekly: null } },
    });
  });

  const plantKiosk = await registerKiosk(
    hub,
    (await createEnrollmentToken(hub, owner, { siteId: ids.plant })).token,
    'Plant kiosk',
  );
  const hqKiosk = await registerKiosk(
    hub,
    (await createEnrollmentToken(hub, owner, { siteId: ids.hq })).token,
  );
  const now = Date.now();
  await sync(plantKiosk, [
    // Ann: 9.5 h with a 30 min break (9 h worked: 1 h overtime at 1.5×), then a plain 8 h day.
    [ids.ann, 'clock_in', '2026-11-02T08:00:00+01:00'],
    [ids.ann, 'break_start', '2026-11-02T12:00:00+01:00'],
    [ids.ann, 'break_end', '2026-11-02T12:30:00+01:00'],
    [ids.ann, 'clock_out', '2026-11-02T17:30:00+01:00'],
    [ids.ann, 'clock_in', '2026-11-03T08:00:00+01:00'],
    [ids.ann, 'clock_out', '2026-11-03T16:00:00+01:00'],
    // Bob: a night across midnight (counts on Monday), then a clock-in that never ends.
    [ids.bob, 'clock_in', '2026-11-02T22:00:00+01:00'],
    [ids.bob, 'clock_out', '2026-11-03T06:00:00+01:00'],
    [ids.bob, 'clock_in', '2026-11-04T08:00:00+01:00'],
    // Today: Ann is in.
    [ids.ann, 'clock_in', new Date(now - 3_600_000).toISOString()],
  ]);
  await sync(hqKiosk, [
    [ids.cid, 'clock_in', '2026-11-02T09:00:00+01:00'],
    [ids.cid, 'clock_out', '2026-11-02T13:00:00+01:00'],
    // Today: Cid is on a break.
    [ids.cid, 'clock_in', new Date(now - 7_200_000).toISOString()],
    [ids.cid, 'break_start', new Date(now - 1_800_000).toISOString()],
  ]);
  const drained = await drainProjectionQueue(
    hub.runtime.deps.db,
    { now: () => new Date() },
    { orgId: owner.orgId },
  );
  expect(drained.failed).toBe(0);
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

const byName = (rows: { groupName: string | null }[]) =>
  Object.fromEntries(rows.map((row) => [row.groupName, row]));

describe('hours report', () => {
  it('by employee: worked, regular, overtime by multiplier and breaks from the projected days', async () => {
    const response = await asOwner(`/reports/hours?${WEEK}`);
    expect(response.status).toBe(200);
    const rows = byName(response.body.rows);
    expect(Object.keys(rows)).toEqual(['Ann', 'Bob', 'Cid']);
    expect(rows.Ann).toMatchObject({
      groupId: ids.ann,
      groupCode: 'A1',
      workedMinutes: 1020,
      regularMinutes: 960,
      overtimeMinutes: 60,
      overtime: [{ multiplier: 1.5, minutes: 60 }],
      unpaidBreakMinutes: 30,
      employeeCount: 1,
    });
    expect(rows.Bob).toMatchObject({ workedMinutes: 480, overtimeMinutes: 0, overtime: [] });
    expect(rows.Cid).toMatchObject({ workedMinutes: 240 });
    expect(response.body.totals).toMatchObject({
      workedMinutes: 1740,
      overtimeMinutes: 60,
      overtime: [{ multiplier: 1.5, minutes: 60 }],
      employeeCount: 3,
    });
  });

  it('by department and by site', async () => {
    const departments = byName((await asOwner(`/reports/hours?${WEEK}&groupBy=department`)).body.rows);
    expect(departments.Assembly).toMatchObject({ groupId: ids.assembly, workedMinutes: 1020 });
    expect(departments.Production).toMatchObject({ workedMinutes: 480 });
    expect(departments.Office).toMatchObject({ workedMinutes: 240 });
    const sites = (await asOwner(`/reports/hours?${WEEK}&groupBy=site`)).body;
    expect(byName(sites.rows).Plant).toMatchObject({ workedMinutes: 1500, employeeCount: 2 });
    expect(byName(sites.rows).HQ).toMatchObject({ workedMinutes: 240, employeeCount: 1 });
    expect(sites.totals.employeeCount).toBe(3);
  });

  it('filters: a department includes its sub-departments; site; employee; the date range', async () => {
    const production = (await asOwner(`/reports/hours?${WEEK}&departmentId=${ids.production}`)).body.rows;
    expect(production.map((row: { groupName: string }) => row.groupName)).toEqual(['Ann', 'Bob']);
    const hq = (await asOwner(`/reports/hours?${WEEK}&siteId=${ids.hq}`)).body.rows;
    expect(hq.map((row: { groupName: string }) => row.groupName)).toEqual(['Cid']);
    const bob = (await asOwner(`/reports/hours?${WEEK}&employeeId=${ids.bob}`)).body;
    expect(bob.rows).toHaveLength(1);
    expect(bob.totals.workedMinutes).toBe(480);
    const tuesday = (await asOwner('/reports/hours?from=2026-11-03&to=2026-11-03')).body;
    expect(tuesday.totals.workedMinutes).toBe(480);
    expect(tuesday.rows.map((row: { groupName: string }) => row.groupName)).toEqual(['Ann', 'Bob', 'Cid']);
  });

  it('by project comes from time entries (no project here: one row without a project)', async () => {
    const response = await asOwner(`/reports/hours?${WEEK}&groupBy=project`);
    expect(response.status).toBe(200);
    expect(response.body.rows).toEqual([
      expect.objectContaining({ groupId: null, workedMinutes: 1740, employeeCount: 3, regularMinutes: null }),
    ]);
  });
});

describe('overtime and attendance reports', () => {
  it('overtime lists only those with overtime, by multiplier', async () => {
    const response = await asOwner(`/reports/overtime?${WEEK}`);
    expect(response.status).toBe(200);
    expect(response.body.rows).toEqual([
      {
        groupId: ids.ann,
        groupName: 'Ann',
        groupCode: 'A1',
        workedMinutes: 1020,
        overtimeMinutes: 60,
        overtime: [{ multiplier: 1.5, minutes: 60 }],
      },
    ]);
    expect(response.body.totals).toEqual({
      overtimeMinutes: 60,
      overtime: [{ multiplier: 1.5, minutes: 60 }],
    });
  });

  it('attendance counts days worked and missing punches per employee', async () => {
    const response = await asOwner(`/reports/attendance?${WEEK}`);
    expect(response.status).toBe(200);
    const rows = Object.fromEntries(
      response.body.rows.map((row: { employeeName: string }) => [row.employeeName, row]),
    );
    expect(rows.Ann).toMatchObject({ employeeCode: 'A1', daysWorked: 2, missingPunchCount: 0, lateCount: 0 });
    expect(rows.Bob).toMatchObject({ daysWorked: 1, missingPunchCount: 1 });
    expect(rows.Cid).toMatchObject({ daysWorked: 1, missingPunchCount: 0, absentCount: 0 });
  });
});

describe('who is in now', () => {
  it('lists people in or on a break, per site, live from the punches; a forgotten clock-out is overdue', async () => {
    const response = await asOwner('/reports/who-is-in');
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(3);
    expect(response.body.sites).toEqual([
      { siteId: ids.hq, siteName: 'HQ', count: 1 },
      { siteId: ids.plant, siteName: 'Plant', count: 2 },
    ]);
    expect(response.body.people).toEqual([
      expect.objectContaining({ employeeName: 'Cid', state: 'on_break', siteName: 'HQ', isOverdue: false }),
      expect.objectContaining({
        employeeName: 'Ann',
        state: 'in',
        departmentName: 'Assembly',
        isOverdue: false,
      }),
      // Clocked in on 4 November and never out: still "in", flagged for a manager.
      expect.objectContaining({
        employeeName: 'Bob',
        state: 'in',
        since: '2026-11-04T07:00:00.000Z',
        isOverdue: true,
      }),
    ]);
    const hq = await asOwner(`/reports/who-is-in?siteId=${ids.hq}`);
    expect(hq.body.people.map((person: { employeeName: string }) => person.employeeName)).toEqual(['Cid']);
    const office = await asOwner(`/reports/who-is-in?departmentId=${ids.production}`);
    expect(office.body.people.map((person: { employeeName: string }) => person.employeeName)).toEqual([
      'Ann',
      'Bob',
    ]);
  });
});

describe('who may see what', () => {
  it('a manager sees only the departments they manage (and their sub-departments)', async () => {
    const hours = await as(managerToken, `/reports/hours?${WEEK}`);
    expect(hours.status).toBe(200);
    expect(hours.body.rows.map((row: { groupName: string }) => row.groupName)).toEqual(['Ann', 'Bob']);
    expect(hours.body.totals.workedMinutes).toBe(1500);
    const present = await as(managerToken, '/reports/who-is-in');
    expect(present.body.people.map((person: { employeeName: string }) => person.employeeName)).toEqual([
      'Ann',
      'Bob',
    ]);
    const outside = await as(managerToken, `/reports/hours?${WEEK}&employeeId=${ids.cid}`);
    expect(outside.status).toBe(404);
  });

  it('an employee has no report access: 403 on every report, before the query is even read', async () => {
    for (const path of [
      `/reports/hours?${WEEK}`,
      '/reports/hours?from=bad',
      `/reports/overtime?${WEEK}`,
      `/reports/attendance?${WEEK}`,
      '/reports/who-is-in',
      `/exports/payroll?${WEEK}`,
    ]) {
      const response = await as(employeeToken, path);
      expect({ path, status: response.status, code: response.body.code }).toEqual({
        path,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
  });
});

describe('bad input gets a problem+json error and changes nothing', () => {
  it.each([
    ['end before start', '/reports/hours?from=2026-11-08&to=2026-11-02', 'to'],
    ['a range over 366 days', '/reports/hours?from=2025-01-01&to=2026-01-02', 'to'],
    ['a malformed date', '/reports/hours?from=2026-13-01&to=2026-12-31', 'from'],
    ['no range', '/reports/attendance', 'from'],
    ['an unknown grouping', `/reports/hours?${WEEK}&groupBy=planet`, 'groupBy'],
    [
      'an unknown department',
      `/reports/hours?${WEEK}&departmentId=0190a000-0000-7000-8000-000000000001`,
      'departmentId',
    ],
    ['an unknown site', `/reports/who-is-in?siteId=0190a000-0000-7000-8000-000000000002`, 'siteId'],
    [
      'an unknown project',
      `/reports/hours?${WEEK}&projectId=0190a000-0000-7000-8000-000000000003`,
      'projectId',
    ],
    ['a malformed id', `/reports/overtime?${WEEK}&siteId=nope`, 'siteId'],
  ])('%s → 422', async (_name, path, field) => {
    const before = await countAllRows(hub.runtime.deps.db);
    const response = await asOwner(path);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it("another org's department is refused exactly like an unknown one", async () => {
    const foreign = await asOwner(`/reports/hours?${WEEK}&departmentId=${ids.otherDepartment}`);
    const unknown = await asOwner(`/reports/hours?${WEEK}&departmentId=0190a000-0000-7000-8000-000000000001`);
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors).toEqual(unknown.body.errors);
  });

  it('an unknown employee is 404', async () => {
    const response = await asOwner(`/reports/hours?${WEEK}&employeeId=0190a000-0000-7000-8000-000000000004`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  it("another org's member cannot read this org's reports", async () => {
    const response = await hub.request('GET', `/api/orgs/${owner.orgId}/reports/hours?${WEEK}`, {
      token: other.accessToken,
    });
    expect(response.status).toBe(404);
  });
});
