/**
 * Terminating an employee through the API: their history stays exactly as it was, and from the
 * termination date on they have no schedule, no team or project membership and no leave, and leave
 * the active lists — all audited. A date in the future ends the schedule and later leave at once
 * but leaves the employee active, on the kiosks and in their teams until the termination job runs
 * after the date. Re-hiring brings none of that back by itself; on a scheduled termination it
 * cancels it. (More of the kiosk side is tested in sync.int.test.ts.)
 */
import { ManualClock } from '@clockface/core';
import { schema, withOrgScope } from '@clockface/db-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { handleCompleteTerminations } from '../../src/jobs/termination';
import { recomputeEmployee } from '../../src/services/projection.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';

/** Tuesday 10 March 2026; Tom leaves on Thursday 12 March. */
const clock = new ManualClock('2026-03-10T09:00:00Z');
const LAST_DAY = '2026-03-12';
/** The termination job runs on its own clock (the API's stays on Tuesday, so tokens stay valid). */
const jobClock = new ManualClock('2026-03-10T09:00:00Z');
const runJob = () => handleCompleteTerminations({ ...hub.runtime.deps, clock: jobClock });
let hub: TestHub;
let kiosk: TestKiosk;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let lead: { userId: string; token: string };
type Key =
  | 'tom'
  | 'sue'
  | 'day'
  | 'late'
  | 'running'
  | 'later'
  | 'before'
  | 'after'
  | 'team'
  | 'project'
  | 'vacation'
  | 'sick'
  | 'pendingBefore'
  | 'pendingAcross'
  | 'pendingAfter'
  | 'approvedAfter';
const ids = {} as Record<Key, string>;

const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });
const asLead = (method: string, suffix: string) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: lead.token });

async function created(method: string, suffix: string, body: unknown) {
  const response = await as(method, suffix, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** What must not change: the (biweekly) timesheet, the corrections log and the reports over it. */
async function history() {
  const read = async (suffix: string) => {
    const response = await as('GET', suffix);
    expect(response.status, suffix).toBe(200);
    return response.body;
  };
  return {
    timesheet: await read(`/employees/${ids.tom}/timesheets/2026-02-23`),
    adjustments: await read(`/employees/${ids.tom}/adjustments`),
    hours: await read('/reports/hours?from=2026-03-01&to=2026-03-08&groupBy=employee'),
    attendance: await read('/reports/attendance?from=2026-03-01&to=2026-03-08'),
  };
}

type Roster = {
  cursor: string;
  employees: { id: string }[];
  tombstones: { kind: string; id: string }[];
};
async function pullRoster(cursor?: string): Promise<Roster> {
  const path = cursor ? `/api/sync/roster?cursor=${encodeURIComponent(cursor)}` : '/api/sync/roster';
  const response = await kiosk.request('GET', path);
  expect(response.status).toBe(200);
  return response.body as Roster;
}

/** The team and project membership rows of an employee, ended or not. */
async function membershipRows(employeeId: string) {
  return withOrgScope(hub.runtime.deps.db, owner.orgId, async (tx) => ({
    teams: await tx
      .select({ endedOn: schema.teamMembers.endedOn })
      .from(schema.teamMembers)
      .where(and(eq(schema.teamMembers.employeeId, employeeId))),
    projects: await tx
      .select({ endedOn: schema.projectMembers.endedOn })
      .from(schema.projectMembers)
      .where(and(eq(schema.projectMembers.employeeId, employeeId))),
  }));
}

beforeAll(async () => {
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
  await as('POST', '/invitations', { email: 'lead.term@example.com', role: 'manager' });
  const token = await readMailToken(hub, 'lead.term@example.com', 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: 'Lead', password: 'termination passphrase 1' },
  });
  lead = { userId: accepted.body.userId, token: accepted.body.tokens.accessToken };

  ids.tom = await created('POST', '/employees', {
    code: 'TOM',
    name: 'Tom Leaver',
    hireDate: '2025-01-01',
    pin: '4321',
  });
  ids.sue = await created('POST', '/employees', { code: 'SUE', name: 'Sue Stayer' });
  kiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
  ids.day = await created('POST', '/shift-templates', { name: 'Day', startTime: '09:00', endTime: '17:00' });
  ids.late = await created('POST', '/shift-templates', {
    name: 'Late',
    startTime: '13:00',
    endTime: '21:00',
  });
  ids.running = await created('POST', '/shift-patterns', {
    employeeId: ids.tom,
    shiftTemplateId: ids.day,
    weekdays: [1, 2, 3, 4, 5],
    effectiveFrom: '2026-01-05',
  });
  ids.later = await created('POST', '/shift-patterns', {
    employeeId: ids.tom,
    shiftTemplateId: ids.late,
    weekdays: [6],
    effectiveFrom: '2026-05-02',
  });
  ids.before = await created('POST', '/shift-assignments', {
    kind: 'shift',
    employeeId: ids.tom,
    workDate: '2026-03-07',
    shiftTemplateId: ids.late,
  });
  ids.after = await created('POST', '/shift-assignments', {
    kind: 'shift',
    employeeId: ids.tom,
    workDate: '2026-03-14',
    shiftTemplateId: ids.late,
  });
  ids.team = await created('POST', '/teams', { name: 'Desk', managerUserId: lead.userId });
  expect(
    (await as('POST', `/teams/${ids.team}/members`, { employeeId: ids.tom, allocationPercent: 50 })).status,
  ).toBe(201);
  await as('POST', `/teams/${ids.team}/members`, { employeeId: ids.sue });
  ids.project = await created('POST', '/projects', { name: 'Migration' });
  expect((await as('POST', `/projects/${ids.project}/members`, { employeeId: ids.tom })).status).toBe(201);

  ids.vacation = await created('POST', '/leave-types', { name: 'Vacation', allowNegativeBalance: true });
  ids.sick = await created('POST', '/leave-types', {
    name: 'Sick',
    allowNegativeBalance: true,
    requiresApproval: false,
  });
  const leave = (leaveTypeId: string, startDate: string, endDate: string) =>
    created('POST', '/leave-requests', { employeeId: ids.tom, leaveTypeId, startDate, endDate });
  ids.pendingBefore = await leave(ids.vacation, '2026-03-11', '2026-03-11');
  ids.pendingAcross = await leave(ids.vacation, '2026-03-12', '2026-03-13');
  ids.pendingAfter = await leave(ids.vacation, '2026-03-16', '2026-03-17');
  ids.approvedAfter = await leave(ids.sick, '2026-03-18', '2026-03-18');

  // A week of worked time before the termination: a correction, projected into the timesheet.
  expect(
    (
      await as('POST', `/employees/${ids.tom}/adjustments`, {
        kind: 'manual_entry',
        start: '2026-03-02T09:00:00Z',
        end: '2026-03-02T17:00:00Z',
        reason: 'Forgot to clock',
      })
    ).status,
  ).toBe(201);
  await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
    recomputeEmployee(tx, {
      orgId: owner.orgId,
      employeeId: ids.tom,
      fromDate: '2026-03-02',
      toDate: '2026-03-08',
      asOf: clock.now(),
    }),
  );
});
afterAll(async () => {
  await hub?.close();
});

describe('termination', () => {
  let historyBefore: Awaited<ReturnType<typeof history>>;

  it('a refused termination changes nothing', async () => {
    historyBefore = await history();
    expect(historyBefore.timesheet.totals.workedMinutes).toBe(480);
    expect(JSON.stringify(historyBefore.hours)).toContain(ids.tom);
    const before = await countAllRows(hub.runtime.deps.db);
    const early = await as('POST', `/employees/${ids.tom}/terminate`, { terminationDate: '2024-12-31' });
    expect(early.status).toBe(422);
    expect(early.body.errors).toEqual([{ path: 'terminationDate', message: 'Before the hire date' }]);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  let roster: Roster;

  it('a future date ends the schedule and later leave now, but the employee stays active, on the kiosks and in their teams', async () => {
    roster = await pullRoster();
    expect(roster.employees.map((e) => e.id)).toContain(ids.tom);
    const response = await as('POST', `/employees/${ids.tom}/terminate`, { terminationDate: LAST_DAY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'active', terminationDate: LAST_DAY, hasPin: true });
    expect((await as('GET', `/employees/${ids.tom}`)).body).toMatchObject({
      status: 'active',
      terminationDate: LAST_DAY,
    });

    // Schedule: the running pattern ends on the date, the later one and the later dated shift go.
    const patterns = (await as('GET', `/shift-patterns?employeeId=${ids.tom}`)).body.items;
    expect(patterns.map((p: { id: string; effectiveTo: string | null }) => [p.id, p.effectiveTo])).toEqual([
      [ids.running, LAST_DAY],
    ]);
    const assignments = (
      await as('GET', `/shift-assignments?from=2026-03-01&to=2026-03-31&employeeId=${ids.tom}`)
    ).body.items;
    expect(assignments.map((a: { id: string }) => a.id)).toEqual([ids.before]);
    const schedule = (await as('GET', `/employees/${ids.tom}/schedule?from=2026-03-09&to=2026-03-20`)).body;
    const scheduledDates = JSON.stringify(schedule);
    expect(scheduledDates).toContain('2026-03-12');
    for (const date of ['2026-03-13', '2026-03-14', '2026-03-16']) expect(scheduledDates).not.toContain(date);

    // Leave: what has a day after the date is cancelled (approved leave with its usage reversed).
    const status = async (id: string) => (await as('GET', `/leave-requests/${id}`)).body.status;
    expect(await status(ids.pendingBefore)).toBe('pending');
    expect(await status(ids.pendingAcross)).toBe('cancelled');
    expect(await status(ids.pendingAfter)).toBe('cancelled');
    expect(await status(ids.approvedAfter)).toBe('cancelled');
    const sick = (await as('GET', `/employees/${ids.tom}/leave-balances`)).body.items.find(
      (item: { leaveTypeId: string }) => item.leaveTypeId === ids.sick,
    );
    expect(sick).toMatchObject({ usedMinutes: 0, balanceMinutes: 0 });

    // Still working until then: active lists, teams, projects and the kiosk roster keep Tom.
    const active = (await as('GET', '/employees?status=active&limit=100')).body.items;
    expect(active.map((e: { id: string }) => e.id).sort()).toEqual([ids.sue, ids.tom].sort());
    const teamMembers = (await as('GET', `/teams/${ids.team}/members`)).body.items;
    expect(teamMembers.map((m: { employeeId: string }) => m.employeeId).sort()).toEqual(
      [ids.sue, ids.tom].sort(),
    );
    expect((await as('GET', `/projects/${ids.project}/members`)).body.items).toHaveLength(1);
    expect(await membershipRows(ids.tom)).toEqual({
      teams: [{ endedOn: null }],
      projects: [{ endedOn: null }],
    });
    const delta = await pullRoster(roster.cursor);
    expect(delta.tombstones.filter((t) => t.id === ids.tom)).toEqual([]);

    const audit = (await as('GET', `/audit-log?entityId=${ids.tom}`)).body.items;
    expect(audit.map((entry: { action: string }) => entry.action)).not.toContain('employee.terminated');
    const scheduled = audit.find(
      (entry: { action: string }) => entry.action === 'employee.termination_scheduled',
    );
    expect(scheduled.after.ended).toEqual({
      endedShiftPatternIds: [ids.running],
      deletedShiftPatternIds: [ids.later],
      deletedShiftAssignmentIds: [ids.after],
      teamIds: [],
      projectIds: [],
      cancelledLeaveRequestIds: [ids.pendingAcross, ids.pendingAfter, ids.approvedAfter],
    });
  });

  it('terminating again with another date moves the scheduled date', async () => {
    const moved = await as('POST', `/employees/${ids.tom}/terminate`, { terminationDate: '2026-03-20' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'active', terminationDate: '2026-03-20' });
    const back = await as('POST', `/employees/${ids.tom}/terminate`, { terminationDate: LAST_DAY });
    expect(back.body).toMatchObject({ status: 'active', terminationDate: LAST_DAY });
    const audit = (await as('GET', `/audit-log?entityId=${ids.tom}`)).body.items;
    const actions = audit.map((entry: { action: string }) => entry.action);
    expect(actions.filter((action: string) => action === 'employee.termination_scheduled')).toHaveLength(3);
  });

  it('the job changes nothing up to the last day, completes the termination the day after, once', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    jobClock.set('2026-03-12T22:59:00Z'); // still the last day (the org is on UTC)
    expect(await runJob()).toBe('SKIPPED');
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
    expect((await as('GET', `/employees/${ids.tom}`)).body.status).toBe('active');

    jobClock.set('2026-03-13T00:30:00Z');
    expect(await runJob()).toBe('SUCCESS');
    expect((await as('GET', `/employees/${ids.tom}`)).body).toMatchObject({
      status: 'terminated',
      terminationDate: LAST_DAY,
      hasPin: false,
    });
    // Memberships end on the date: they leave member lists, the rows stay. Sue stays.
    expect(await membershipRows(ids.tom)).toEqual({
      teams: [{ endedOn: LAST_DAY }],
      projects: [{ endedOn: LAST_DAY }],
    });
    const teamMembers = (await as('GET', `/teams/${ids.team}/members`)).body.items;
    expect(teamMembers.map((m: { employeeId: string }) => m.employeeId)).toEqual([ids.sue]);
    expect((await as('GET', `/projects/${ids.project}/members`)).body.items).toEqual([]);
    expect((await asLead('GET', `/employees/${ids.tom}/timesheets/2026-02-23`)).status).toBe(200);
    const active = (await as('GET', '/employees?status=active&limit=100')).body.items;
    expect(active.map((e: { id: string }) => e.id)).toEqual([ids.sue]);
    expect(await history()).toEqual(historyBefore);

    // The kiosks drop Tom at their next sync.
    const delta = await pullRoster(roster.cursor);
    expect(delta.tombstones).toEqual(expect.arrayContaining([{ kind: 'employee', id: ids.tom }]));
    expect(delta.employees.map((e) => e.id)).not.toContain(ids.tom);

    // One audit entry by the system names what the job ended (the schedule was ended at scheduling).
    const audit = (await as('GET', `/audit-log?entityId=${ids.tom}`)).body.items;
    const terminated = audit.filter((entry: { action: string }) => entry.action === 'employee.terminated');
    expect(terminated).toHaveLength(1);
    expect(terminated[0]).toMatchObject({ actorType: 'system', actorUserId: null });
    expect(terminated[0].after.ended).toEqual({
      endedShiftPatternIds: [],
      deletedShiftPatternIds: [],
      deletedShiftAssignmentIds: [],
      teamIds: [ids.team],
      projectIds: [ids.project],
      cancelledLeaveRequestIds: [],
    });

    // Again (and later): nothing is due any more.
    const after = await countAllRows(hub.runtime.deps.db);
    expect(await runJob()).toBe('SKIPPED');
    jobClock.set('2026-03-20T09:00:00Z');
    expect(await runJob()).toBe('SKIPPED');
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(after);
  });

  it('a terminated employee cannot be added to a team or project', async () => {
    const team = await as('POST', `/teams/${ids.team}/members`, { employeeId: ids.tom });
    expect(team.status).toBe(422);
    expect(team.body.errors).toEqual([{ path: 'employeeId', message: 'Terminated' }]);
    const project = await as('POST', `/projects/${ids.project}/members`, { employeeId: ids.tom });
    expect(project.status).toBe(422);
  });

  it('nothing can be scheduled, or taken as leave, after the termination date: 422, nothing stored', async () => {
    const refused = async (suffix: string, body: unknown, path: string) => {
      const before = await countAllRows(hub.runtime.deps.db);
      const response = await as('POST', suffix, body);
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body.detail).toContain(LAST_DAY);
      expect(response.body.errors[0].path).toBe(path);
      expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
    };
    const shift = { kind: 'shift', employeeId: ids.tom, shiftTemplateId: ids.day };
    await refused('/shift-assignments', { ...shift, workDate: '2026-03-13' }, 'workDate');
    await refused(
      '/shift-assignments',
      { kind: 'day_off', employeeId: ids.tom, workDate: '2026-03-16' },
      'workDate',
    );
    const pattern = { employeeId: ids.tom, shiftTemplateId: ids.late, weekdays: [6] };
    await refused('/shift-patterns', { ...pattern, effectiveFrom: '2026-03-07' }, 'effectiveTo');
    await refused(
      '/shift-patterns',
      { ...pattern, effectiveFrom: '2026-03-07', effectiveTo: '2026-03-31' },
      'effectiveTo',
    );
    await refused(
      '/leave-requests',
      { employeeId: ids.tom, leaveTypeId: ids.vacation, startDate: '2026-03-13', endDate: '2026-03-13' },
      'endDate',
    );
    // An existing pattern cannot be stretched past the date either.
    const stretch = await as('PATCH', `/shift-patterns/${ids.running}`, { effectiveTo: null });
    expect(stretch.status).toBe(422);
    // Up to the date is still fine (a late correction of the schedule).
    const onLastDay = await as('POST', '/shift-assignments', { ...shift, workDate: LAST_DAY });
    expect(onLastDay.status, JSON.stringify(onLastDay.body)).toBe(201);
    expect((await as('DELETE', `/shift-assignments/${onLastDay.body.id}`)).status).toBe(204);
  });

  it('re-hiring makes them active again without bringing back what the termination ended', async () => {
    const rehired = await as('POST', `/employees/${ids.tom}/rehire`, { hireDate: '2026-04-01' });
    expect(rehired.status).toBe(200);
    expect(rehired.body).toMatchObject({ status: 'active', terminationDate: null, hireDate: '2026-04-01' });
    expect((await as('POST', `/employees/${ids.tom}/rehire`, { hireDate: '2026-04-01' })).status).toBe(409);
    expect((await as('POST', `/employees/${ids.sue}/rehire`, {})).status).toBe(422);

    const patterns = (await as('GET', `/shift-patterns?employeeId=${ids.tom}`)).body.items;
    expect(patterns.map((p: { effectiveTo: string | null }) => p.effectiveTo)).toEqual([LAST_DAY]);
    expect(
      (await as('GET', `/shift-assignments?from=2026-03-13&to=2026-03-31&employeeId=${ids.tom}`)).body.items,
    ).toEqual([]);
    expect((await as('GET', `/teams/${ids.team}/members`)).body.items).toHaveLength(1);
    expect((await as('GET', `/projects/${ids.project}/members`)).body.items).toEqual([]);
    expect((await as('GET', `/leave-requests/${ids.pendingAfter}`)).body.status).toBe('cancelled');

    // Added back on purpose: the ended membership row is reused, with the new allocation.
    const back = await as('POST', `/teams/${ids.team}/members`, {
      employeeId: ids.tom,
      allocationPercent: 80,
    });
    expect(back.status).toBe(201);
    expect(back.body.allocationPercent).toBe(80);
    expect((await as('POST', `/projects/${ids.project}/members`, { employeeId: ids.tom })).status).toBe(201);
    const audit = (await as('GET', `/audit-log?entityId=${ids.tom}`)).body.items;
    expect(audit.map((entry: { action: string }) => entry.action)).toContain('employee.rehired');
  });

  it('a date of today takes effect at once; rehire cancels a scheduled termination, and the job leaves them be', async () => {
    const today = await as('POST', '/employees', { code: 'NOW', name: 'Nora Today' });
    const now = await as('POST', `/employees/${today.body.id}/terminate`, { terminationDate: '2026-03-10' });
    expect(now.body).toMatchObject({ status: 'terminated', terminationDate: '2026-03-10' });

    const scheduled = await as('POST', `/employees/${ids.sue}/terminate`, { terminationDate: '2026-04-30' });
    expect(scheduled.body).toMatchObject({ status: 'active', terminationDate: '2026-04-30' });
    const cancelled = await as('POST', `/employees/${ids.sue}/rehire`, { hireDate: '2025-06-01' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'active', terminationDate: null, hireDate: '2025-06-01' });
    expect((await as('POST', `/employees/${ids.sue}/rehire`, { hireDate: '2025-06-01' })).status).toBe(409);
    const audit = (await as('GET', `/audit-log?entityId=${ids.sue}`)).body.items;
    expect(audit.map((entry: { action: string }) => entry.action)).toContain(
      'employee.termination_cancelled',
    );

    jobClock.set('2026-05-02T09:00:00Z');
    expect(await runJob()).toBe('SKIPPED');
    expect((await as('GET', `/employees/${ids.sue}`)).body).toMatchObject({
      status: 'active',
      terminationDate: null,
    });
    expect(
      (await as('GET', `/teams/${ids.team}/members`)).body.items.map(
        (m: { employeeId: string }) => m.employeeId,
      ),
    ).toContain(ids.sue);
  });
});
