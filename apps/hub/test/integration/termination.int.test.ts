/**
 * Terminating an employee through the API: their history stays exactly as it was, and from the
 * termination date on they have no schedule, no team or project membership and no leave, and leave
 * the active lists — all in one audited transaction. Re-hiring brings none of that back by itself.
 * (The kiosk side — an `employee` tombstone in the roster delta — is tested in sync.int.test.ts.)
 */
import { ManualClock } from '@clockface/core';
import { withOrgScope } from '@clockface/db-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeEmployee } from '../../src/services/projection.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

/** Tuesday 10 March 2026; Tom leaves on Thursday 12 March. */
const clock = new ManualClock('2026-03-10T09:00:00Z');
const LAST_DAY = '2026-03-12';
let hub: TestHub;
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

  it('ends the schedule, memberships and later leave on the date, keeps history, and audits it all', async () => {
    const response = await as('POST', `/employees/${ids.tom}/terminate`, { terminationDate: LAST_DAY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'terminated', terminationDate: LAST_DAY, hasPin: false });

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

    // Memberships leave the member lists; Sue stays. The team's manager still sees Tom's history.
    const teamMembers = (await as('GET', `/teams/${ids.team}/members`)).body.items;
    expect(teamMembers.map((m: { employeeId: string }) => m.employeeId)).toEqual([ids.sue]);
    expect((await as('GET', `/projects/${ids.project}/members`)).body.items).toEqual([]);
    expect((await asLead('GET', `/employees/${ids.tom}/timesheets/2026-02-23`)).status).toBe(200);

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

    // Active lists and pickers: gone; the record and every report input stay.
    const active = (await as('GET', '/employees?status=active&limit=100')).body.items;
    expect(active.map((e: { id: string }) => e.id)).toEqual([ids.sue]);
    expect((await as('GET', `/employees/${ids.tom}`)).status).toBe(200);
    expect(await history()).toEqual(historyBefore);

    // One audit entry names everything that was ended.
    const audit = (await as('GET', `/audit-log?entityId=${ids.tom}`)).body.items;
    const terminated = audit.find((entry: { action: string }) => entry.action === 'employee.terminated');
    expect(terminated.after.ended).toEqual({
      endedShiftPatternIds: [ids.running],
      deletedShiftPatternIds: [ids.later],
      deletedShiftAssignmentIds: [ids.after],
      teamIds: [ids.team],
      projectIds: [ids.project],
      cancelledLeaveRequestIds: [ids.pendingAcross, ids.pendingAfter, ids.approvedAfter],
    });
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
});
