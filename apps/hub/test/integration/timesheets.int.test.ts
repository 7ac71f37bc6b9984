/**
 * Timesheet periods through the API: the org's period setting, open → submitted → approved →
 * locked with who may do what, illegal transitions, and what a locked period does with late events
 * (flagged by the real projection, locked totals kept, corrections carried to the next open period,
 * unlock audited).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;
const LAST_WEEK = '2026-03-09';
const THIS_WEEK = '2026-03-16';

beforeAll(async () => {
  org = await createTimeOrg();
  // Alice worked Tue 2026-03-10 08:00–16:00 (kiosk punches, received on time).
  await org.kioskPunch(org.employees.alice, 'clock_in', '2026-03-10T08:00:00Z');
  await org.kioskPunch(org.employees.alice, 'clock_out', '2026-03-10T16:00:00Z');
  await org.project();
});
afterAll(async () => {
  await org?.hub.close();
});

const sheetPath = (employeeId: string, periodStart: string, action = '') =>
  `/employees/${employeeId}/timesheets/${periodStart}${action ? `/${action}` : ''}`;

async function expectRefused(send: () => ReturnType<TimeOrg['as']>, status: number, code: string) {
  const before = await countAllRows(org.hub.runtime.deps.db);
  const response = await send();
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(await countAllRows(org.hub.runtime.deps.db)).toEqual(before);
  return response.body;
}

describe('periods', () => {
  it('the org setting decides the periods; a date that does not start one is refused with the right start', async () => {
    const settings = await org.as('owner', 'GET', '');
    expect(settings.body).toMatchObject({ periodFrequency: 'weekly', weekStart: 1, periodAnchorDate: null });
    const body = await expectRefused(
      () => org.as('owner', 'GET', sheetPath(org.employees.alice, '2026-03-11')),
      422,
      'VALIDATION_FAILED',
    );
    expect(body.errors).toEqual([{ path: 'periodStart', message: 'Use 2026-03-09' }]);
    const badSetting = await org.as('owner', 'PATCH', '', { periodFrequency: 'fortnightly' });
    expect(badSetting.status).toBe(422);
  });

  it('biweekly periods follow the anchor date', async () => {
    const biweekly = await org.as('owner', 'PATCH', '', {
      periodFrequency: 'biweekly',
      periodAnchorDate: '2026-03-02',
    });
    expect(biweekly.body).toMatchObject({ periodFrequency: 'biweekly', periodAnchorDate: '2026-03-02' });
    const sheet = await org.as('owner', 'GET', sheetPath(org.employees.alice, '2026-03-16'));
    expect(sheet.body).toMatchObject({ periodStart: '2026-03-16', periodEnd: '2026-03-29' });
    const wrong = await org.as('owner', 'GET', sheetPath(org.employees.alice, '2026-03-09'));
    expect(wrong.body.errors).toEqual([{ path: 'periodStart', message: 'Use 2026-03-02' }]);
    const back = await org.as('owner', 'PATCH', '', { periodFrequency: 'weekly', periodAnchorDate: null });
    expect(back.status).toBe(200);
  });

  it("an employee reads their own timesheet with days, entries and totals from the projection, not others'", async () => {
    const own = await org.as('employee', 'GET', sheetPath(org.employees.alice, LAST_WEEK));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      id: null,
      status: 'open',
      periodStart: LAST_WEEK,
      periodEnd: '2026-03-15',
      totals: { workedMinutes: 480 },
      history: [],
    });
    expect(own.body.days).toHaveLength(7);
    expect(own.body.days[1]).toMatchObject({ date: '2026-03-10', workedMinutes: 480 });
    expect(own.body.days[1].entries).toHaveLength(1);
    const other = await org.as('employee', 'GET', sheetPath(org.employees.bob, LAST_WEEK));
    expect(other.status).toBe(404);
  });

  it("lists the period's timesheets for the caller's scope with totals", async () => {
    const all = await org.as('owner', 'GET', `/timesheets?periodStart=${LAST_WEEK}`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((item: { employeeName: string }) => item.employeeName)).toEqual([
      'Alice',
      'Bob',
      'Mia',
    ]);
    expect(all.body.items[0]).toMatchObject({ status: 'open', totals: { workedMinutes: 480 } });
    const managed = await org.as('manager', 'GET', `/timesheets?periodStart=${LAST_WEEK}&limit=1`);
    expect(managed.body.items.map((item: { employeeName: string }) => item.employeeName)).toEqual(['Alice']);
    const next = await org.as(
      'manager',
      'GET',
      `/timesheets?periodStart=${LAST_WEEK}&limit=1&cursor=${managed.body.nextCursor}`,
    );
    expect(next.body).toMatchObject({ items: [{ employeeName: 'Mia' }], nextCursor: null });
    const employee = await org.as('employee', 'GET', `/timesheets?periodStart=${LAST_WEEK}`);
    expect(employee.status).toBe(403);
  });
});

describe('open → submitted → approved → locked', () => {
  it('refuses illegal transitions with 409 and changes nothing', async () => {
    await expectRefused(
      () => org.as('owner', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'approve'), {}),
      409,
      'CONFLICT',
    );
    await expectRefused(
      () => org.as('owner', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'lock'), {}),
      409,
      'CONFLICT',
    );
  });

  it('the employee submits their own; not someone else’s', async () => {
    await expectRefused(
      () => org.as('employee', 'POST', sheetPath(org.employees.bob, LAST_WEEK, 'submit'), {}),
      404,
      'NOT_FOUND',
    );
    const submitted = await org.as('employee', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'submit'), {
      note: 'All good',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'submitted', submittedAt: '2026-03-20T12:00:00.000Z' });
    await expectRefused(
      () => org.as('employee', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'submit'), {}),
      409,
      'CONFLICT',
    );
  });

  it('a manager approves a timesheet they manage, but not their own', async () => {
    await org.as('manager', 'POST', sheetPath(org.employees.mia, LAST_WEEK, 'submit'), {});
    await expectRefused(
      () => org.as('manager', 'POST', sheetPath(org.employees.mia, LAST_WEEK, 'approve'), {}),
      403,
      'FORBIDDEN',
    );
    const approved = await org.as(
      'manager',
      'POST',
      sheetPath(org.employees.alice, LAST_WEEK, 'approve'),
      {},
    );
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    // Managers hold no timesheets.lock.
    const lock = await org.as('manager', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'lock'), {});
    expect(lock.status).toBe(403);
  });

  it('an approved timesheet refuses corrections until reopened', async () => {
    const body = await expectRefused(
      () =>
        org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
          kind: 'manual_entry',
          start: '2026-03-12T09:00:00Z',
          end: '2026-03-12T10:00:00Z',
          reason: 'Training',
        }),
      409,
      'CONFLICT',
    );
    expect(body.detail).toContain('is approved');
  });

  it('the current period cannot be locked before it ends', async () => {
    await org.as('employee', 'POST', sheetPath(org.employees.alice, THIS_WEEK, 'submit'), {});
    await org.as('owner', 'POST', sheetPath(org.employees.alice, THIS_WEEK, 'approve'), {});
    await expectRefused(
      () => org.as('owner', 'POST', sheetPath(org.employees.alice, THIS_WEEK, 'lock'), {}),
      409,
      'CONFLICT',
    );
  });

  it('locking projects what is still queued, so the locked totals are complete', async () => {
    expect(
      (await org.as('owner', 'POST', sheetPath(org.employees.mia, LAST_WEEK, 'approve'), {})).status,
    ).toBe(200);
    // Punches delivered while the timesheet was approved; the projection job has not run yet.
    await org.kioskPunch(org.employees.mia, 'clock_in', '2026-03-11T08:00:00Z');
    await org.kioskPunch(org.employees.mia, 'clock_out', '2026-03-11T10:00:00Z');
    const locked = await org.as('owner', 'POST', sheetPath(org.employees.mia, LAST_WEEK, 'lock'), {});
    expect(locked.status).toBe(200);
    expect(locked.body.totals.workedMinutes).toBe(120);
  });

  it('an admin locks it; the totals are stored and the history shows every step', async () => {
    const locked = await org.as('owner', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'lock'), {});
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({
      status: 'locked',
      lockedAt: '2026-03-20T12:00:00.000Z',
      totals: { workedMinutes: 480 },
    });
    expect(locked.body.history.map((item: { action: string }) => item.action)).toEqual([
      'timesheet.submitted',
      'timesheet.approved',
      'timesheet.locked',
    ]);
  });
});

describe('a locked period', () => {
  it('refuses corrections with PERIOD_LOCKED, and changes nothing', async () => {
    const body = await expectRefused(
      () =>
        org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
          kind: 'manual_entry',
          start: '2026-03-12T09:00:00Z',
          end: '2026-03-12T11:00:00Z',
          reason: 'Training',
        }),
      409,
      'PERIOD_LOCKED',
    );
    expect(body.detail).toContain('2026-03-09…2026-03-15 is locked');
  });

  it("judges the period by the local date in the employee's site zone", async () => {
    const site = await org.as('owner', 'POST', '/sites', { name: 'Berlin', timeZone: 'Europe/Berlin' });
    const carl = await org.as('owner', 'POST', '/employees', {
      code: 'CARL',
      name: 'Carl',
      homeSiteId: site.body.id,
    });
    for (const action of ['submit', 'approve', 'lock']) {
      expect((await org.as('owner', 'POST', sheetPath(carl.body.id, LAST_WEEK, action), {})).status).toBe(
        200,
      );
    }
    const entry = (start: string, end: string) =>
      org.as('owner', 'POST', `/employees/${carl.body.id}/adjustments`, {
        kind: 'manual_entry',
        start,
        end,
        reason: 'Night inventory',
      });
    // Sunday 23:00–23:45 in Berlin is still the locked week…
    await expectRefused(() => entry('2026-03-15T22:00:00Z', '2026-03-15T22:45:00Z'), 409, 'PERIOD_LOCKED');
    // …Monday 00:30 in Berlin is the next one, though it is still Sunday in UTC.
    expect((await entry('2026-03-15T23:30:00Z', '2026-03-16T01:00:00Z')).status).toBe(201);
  });

  it('keeps its locked totals when late events arrive, and flags them', async () => {
    org.clock.advance(60_000);
    // A kiosk that was offline delivers Thursday's punches after the lock.
    await org.kioskPunch(org.employees.alice, 'clock_in', '2026-03-12T08:00:00Z');
    await org.kioskPunch(org.employees.alice, 'clock_out', '2026-03-12T12:00:00Z');
    await org.project();
    const sheet = (await org.as('owner', 'GET', sheetPath(org.employees.alice, LAST_WEEK))).body;
    expect(sheet.status).toBe('locked');
    expect(sheet.totals.workedMinutes).toBe(480);
    expect(sheet.projectedTotals.workedMinutes).toBe(480);
    expect(sheet.exceptions.map((e: { code: string }) => e.code)).toContain('late_event_in_locked_period');
    expect(sheet.lateEventCount).toBeGreaterThan(0);
    const list = await org.as('owner', 'GET', `/timesheets?periodStart=${LAST_WEEK}`);
    expect(list.body.items[0]).toMatchObject({
      employeeName: 'Alice',
      status: 'locked',
      totals: { workedMinutes: 480 },
      lateEventCount: sheet.lateEventCount,
    });
  });

  it('takes a correction carried to the next open period, flagged, without changing the locked totals', async () => {
    const carried = await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
      kind: 'manual_entry',
      start: '2026-03-13T09:00:00Z',
      end: '2026-03-13T11:00:00Z',
      reason: 'Training, reported late',
      carryToNextOpenPeriod: true,
    });
    expect(carried.status).toBe(201);
    // This week is approved (an earlier test), so the next open period is the one after.
    expect(carried.body).toMatchObject({
      flags: ['moved_from_locked_period'],
      carriedToPeriodStart: '2026-03-23',
    });
    await org.project();
    const locked = (await org.as('owner', 'GET', sheetPath(org.employees.alice, LAST_WEEK))).body;
    expect(locked.totals.workedMinutes).toBe(480);
    expect(locked.days.find((d: { date: string }) => d.date === '2026-03-13').workedMinutes).toBe(0);
    const next = (await org.as('employee', 'GET', sheetPath(org.employees.alice, '2026-03-23'))).body;
    expect(next.carriedAdjustments).toEqual([
      expect.objectContaining({ id: carried.body.id, start: '2026-03-13T09:00:00.000Z' }),
    ]);
  });

  it('unlocking needs timesheets.lock and a reason; it is audited and the held-back events apply', async () => {
    const noReason = await org.as('owner', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'unlock'), {});
    expect(noReason.status).toBe(422);
    const manager = await org.as('manager', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'unlock'), {
      reason: 'Late punches',
    });
    expect(manager.status).toBe(403);
    const unlocked = await org.as('owner', 'POST', sheetPath(org.employees.alice, LAST_WEEK, 'unlock'), {
      reason: 'Kiosk punches from Thursday arrived late',
    });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ status: 'open', lockedAt: null });
    expect(unlocked.body.history.at(-1)).toMatchObject({
      action: 'timesheet.unlocked',
      actorUserId: org.userIds.owner,
      reason: 'Kiosk punches from Thursday arrived late',
    });
    await org.project();
    const sheet = (await org.as('owner', 'GET', sheetPath(org.employees.alice, LAST_WEEK))).body;
    // 8 h Tuesday + 4 h late Thursday + the 2 h carried correction (no longer held back).
    expect(sheet.totals.workedMinutes).toBe(480 + 240 + 120);
    expect(sheet.exceptions.map((e: { code: string }) => e.code)).not.toContain(
      'late_event_in_locked_period',
    );
  });

  it('reopen takes an approved timesheet back to open', async () => {
    const reopened = await org.as('manager', 'POST', sheetPath(org.employees.alice, THIS_WEEK, 'reopen'), {
      reason: 'Missing Monday',
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body.status).toBe('open');
    await expectRefused(
      () =>
        org.as('manager', 'POST', sheetPath(org.employees.alice, THIS_WEEK, 'reopen'), { reason: 'Again' }),
      409,
      'CONFLICT',
    );
  });
});

describe('locking a whole period (the payroll run)', () => {
  const WEEK = '2026-03-02';

  it('locks the approved timesheets, lists those still waiting, and refuses a period not yet ended', async () => {
    for (const action of ['submit', 'approve']) {
      expect((await org.as('owner', 'POST', sheetPath(org.employees.bob, WEEK, action), {})).status).toBe(
        200,
      );
    }
    expect((await org.as('manager', 'POST', '/timesheets/lock', { periodStart: WEEK })).status).toBe(403);
    await expectRefused(
      () => org.as('owner', 'POST', '/timesheets/lock', { periodStart: THIS_WEEK }),
      409,
      'CONFLICT',
    );

    const run = await org.as('owner', 'POST', '/timesheets/lock', { periodStart: WEEK });
    expect(run.status).toBe(200);
    expect(run.body.lockedEmployeeIds).toEqual([org.employees.bob]);
    expect(run.body.notApproved.map((row: { employeeName: string }) => row.employeeName)).toEqual([
      'Alice',
      'Carl',
      'Mia',
    ]);
    const bob = (await org.as('owner', 'GET', sheetPath(org.employees.bob, WEEK))).body;
    expect(bob).toMatchObject({ status: 'locked', lockedAt: org.clock.now().toISOString() });
    expect(bob.history.map((item: { action: string }) => item.action)).toEqual([
      'timesheet.submitted',
      'timesheet.approved',
      'timesheet.locked',
    ]);
    const again = await org.as('owner', 'POST', '/timesheets/lock', { periodStart: WEEK });
    expect(again.body.lockedEmployeeIds).toEqual([]);
  });
});
