/**
 * Corrections carried out of a locked period count where they were carried to: the next open
 * timesheet's totals and the payroll export (CSV and XLSX) change by exactly their amount, flagged
 * with the period they correct, while the locked period keeps what it was locked with. Unlocking the
 * source period moves them back (counted once), and locking the destination freezes them with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRecords, xlsxRecords } from '../helpers/exports';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;
const LOCKED = '2026-03-02';
const NEXT = '2026-03-09';
const RANGE = 'from=2026-03-02&to=2026-03-15';
let tuesdayClockOut: string;

const sheetPath = (periodStart: string, action = '') =>
  `/employees/${org.employees.alice}/timesheets/${periodStart}${action ? `/${action}` : ''}`;

async function download(path: string) {
  const { status, bytes } = await org.download(path);
  expect(status).toBe(200);
  return bytes;
}

/** Alice's payroll rows by period start, as header → cell text (CSV). */
async function payrollCsv(): Promise<Map<string, Record<string, string>>> {
  const rows = csvRecords(await download(`/exports/payroll?${RANGE}&format=csv`));
  return new Map(
    rows.filter((row) => row['Employee code'] === 'ALICE').map((row) => [row['Period start']!, row]),
  );
}

/** The same from the XLSX export (period starts are dates there). */
async function payrollXlsx(): Promise<Map<string, Record<string, unknown>>> {
  const rows = await xlsxRecords(await download(`/exports/payroll?${RANGE}&format=xlsx`));
  return new Map(
    rows
      .filter((row) => row['Employee code'] === 'ALICE')
      .map((row) => [(row['Period start'] as Date).toISOString().slice(0, 10), row]),
  );
}

beforeAll(async () => {
  org = await createTimeOrg();
  // Locked week: Tuesday 08:00–16:00 (8 h). Next week: Monday 08:00–12:00 (4 h).
  await org.kioskPunch(org.employees.alice, 'clock_in', '2026-03-03T08:00:00Z');
  tuesdayClockOut = await org.kioskPunch(org.employees.alice, 'clock_out', '2026-03-03T16:00:00Z');
  await org.kioskPunch(org.employees.alice, 'clock_in', '2026-03-09T08:00:00Z');
  await org.kioskPunch(org.employees.alice, 'clock_out', '2026-03-09T12:00:00Z');
  await org.project();
  for (const action of ['submit', 'approve', 'lock'])
    expect((await org.as('owner', 'POST', sheetPath(LOCKED, action), {})).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await org?.hub.close();
});

describe('a correction carried out of a locked period', () => {
  let lockedBefore: Record<string, unknown>;
  let csvBefore: Map<string, Record<string, string>>;
  let xlsxBefore: Map<string, Record<string, unknown>>;
  let addedId: string;
  let editId: string;

  it('before: the next period has only its own work and nothing carried', async () => {
    lockedBefore = (await org.as('owner', 'GET', sheetPath(LOCKED))).body;
    expect(lockedBefore).toMatchObject({ status: 'locked', totals: { workedMinutes: 480 } });
    const next = (await org.as('owner', 'GET', sheetPath(NEXT))).body;
    expect(next).toMatchObject({
      totals: { workedMinutes: 240 },
      carriedTotals: { workedMinutes: 0 },
      carriedAdjustments: [],
    });
    csvBefore = await payrollCsv();
    xlsxBefore = await payrollXlsx();
    expect(csvBefore.get(NEXT)).toMatchObject({
      'Worked hours': '4.00',
      'Carried hours': '',
      'Carried from': '',
    });
  });

  it('is refused without carry-forward, and counted in the next open period with it', async () => {
    org.clock.advance(60_000);
    const entry = {
      kind: 'manual_entry',
      start: '2026-03-05T09:00:00Z',
      end: '2026-03-05T11:00:00Z',
      reason: 'Training, reported late',
    };
    expect(
      (await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, entry)).status,
    ).toBe(409);
    const added = await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
      ...entry,
      carryToNextOpenPeriod: true,
    });
    expect(added.status).toBe(201);
    expect(added.body.carriedToPeriodStart).toBe(NEXT);
    addedId = added.body.id;
    // A second one takes time away: Tuesday's clock-out was at 15:00, not 16:00.
    const edit = await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
      kind: 'edit',
      targetId: tuesdayClockOut,
      occurredAt: '2026-03-03T15:00:00Z',
      reason: 'Left early',
      carryToNextOpenPeriod: true,
    });
    expect(edit.status).toBe(201);
    editId = edit.body.id;
    await org.project();

    const next = (await org.as('owner', 'GET', sheetPath(NEXT))).body;
    expect(next.projectedTotals.workedMinutes).toBe(240);
    expect(next.carriedTotals).toMatchObject({ workedMinutes: 60, regularMinutes: 60 });
    expect(next.totals).toMatchObject({ workedMinutes: 300, regularMinutes: 300 });
    expect(next.carriedAdjustments).toEqual([
      expect.objectContaining({
        id: addedId,
        carriedFrom: { periodStart: LOCKED, periodEnd: '2026-03-08' },
        carriedDelta: expect.objectContaining({ workedMinutes: 120, regularMinutes: 120 }),
      }),
      expect.objectContaining({
        id: editId,
        carriedFrom: { periodStart: LOCKED, periodEnd: '2026-03-08' },
        carriedDelta: expect.objectContaining({ workedMinutes: -60, regularMinutes: -60 }),
      }),
    ]);
    const list = await org.as('owner', 'GET', `/timesheets?periodStart=${NEXT}`);
    expect(
      list.body.items.find((item: { employeeName: string }) => item.employeeName === 'Alice'),
    ).toMatchObject({
      totals: { workedMinutes: 300 },
      carriedTotals: { workedMinutes: 60 },
    });
  });

  it('leaves the locked period exactly as locked', async () => {
    const locked = (await org.as('owner', 'GET', sheetPath(LOCKED))).body;
    expect(locked.totals).toEqual(lockedBefore.totals);
    expect(locked.carriedTotals).toEqual(lockedBefore.carriedTotals);
    expect(locked.status).toBe('locked');
  });

  it('changes the payroll export (CSV and XLSX) of the next period by exactly that amount, flagged', async () => {
    const csv = await payrollCsv();
    expect(csv.get(LOCKED)).toEqual(csvBefore.get(LOCKED));
    expect(csv.get(NEXT)).toMatchObject({
      'Worked hours': '5.00',
      'Regular hours': '5.00',
      'Carried hours': '1.00',
      'Carried from': '2026-03-02…2026-03-08',
    });
    const xlsx = await payrollXlsx();
    expect(xlsx.get(LOCKED)).toEqual(xlsxBefore.get(LOCKED));
    const before = xlsxBefore.get(NEXT)!;
    const after = xlsx.get(NEXT)!;
    expect((after['Worked hours'] as number) - (before['Worked hours'] as number)).toBeCloseTo(1, 5);
    expect((after['Regular hours'] as number) - (before['Regular hours'] as number)).toBeCloseTo(1, 5);
    expect(after).toMatchObject({ 'Carried hours': 1, 'Carried from': '2026-03-02…2026-03-08' });
  });

  it('counts once: unlocking the locked period applies them there and takes them out of the next', async () => {
    const unlocked = await org.as('owner', 'POST', sheetPath(LOCKED, 'unlock'), { reason: 'Apply in place' });
    expect(unlocked.status).toBe(200);
    await org.project();
    expect((await org.as('owner', 'GET', sheetPath(LOCKED))).body.totals.workedMinutes).toBe(480 + 120 - 60);
    const next = (await org.as('owner', 'GET', sheetPath(NEXT))).body;
    expect(next.totals.workedMinutes).toBe(240);
    expect(next.carriedAdjustments.map((a: { carriedFrom: unknown }) => a.carriedFrom)).toEqual([null, null]);
    expect((await payrollCsv()).get(NEXT)).toMatchObject({ 'Worked hours': '4.00', 'Carried hours': '' });
  });

  it('locking the period they were carried to freezes them in its locked totals', async () => {
    // Lock the source again: the corrections recorded before this lock are part of it now.
    for (const action of ['submit', 'approve', 'lock'])
      expect((await org.as('owner', 'POST', sheetPath(LOCKED, action), {})).status).toBe(200);
    org.clock.advance(60_000);
    const late = await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
      kind: 'manual_entry',
      start: '2026-03-06T13:00:00Z',
      end: '2026-03-06T13:45:00Z',
      reason: 'Forgotten meeting',
      carryToNextOpenPeriod: true,
    });
    expect(late.body.carriedToPeriodStart).toBe(NEXT);
    for (const action of ['submit', 'approve', 'lock'])
      expect((await org.as('owner', 'POST', sheetPath(NEXT, action), {})).status).toBe(200);
    const next = (await org.as('owner', 'GET', sheetPath(NEXT))).body;
    expect(next).toMatchObject({
      status: 'locked',
      totals: { workedMinutes: 240 + 45 },
      carriedTotals: { workedMinutes: 45 },
      projectedTotals: { workedMinutes: 240 },
    });
  });

  it('unlocking the source while the destination is locked is a 409 naming it; destination first works', async () => {
    const lockedSource = (await org.as('owner', 'GET', sheetPath(LOCKED))).body;
    const refused = await org.as('owner', 'POST', sheetPath(LOCKED, 'unlock'), { reason: 'Fix in place' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('2026-03-09…2026-03-15');
    expect(refused.body.detail).toContain('unlock that period first');
    // Nothing changed: both still locked, same totals.
    expect((await org.as('owner', 'GET', sheetPath(LOCKED))).body).toMatchObject({
      status: 'locked',
      totals: lockedSource.totals,
    });
    expect((await org.as('owner', 'GET', sheetPath(NEXT))).body).toMatchObject({
      status: 'locked',
      totals: { workedMinutes: 240 + 45 },
    });
    // Destination first, then the source: the correction applies in place, counted once.
    expect(
      (await org.as('owner', 'POST', sheetPath(NEXT, 'unlock'), { reason: 'Reopen payroll' })).status,
    ).toBe(200);
    expect(
      (await org.as('owner', 'POST', sheetPath(LOCKED, 'unlock'), { reason: 'Fix in place' })).status,
    ).toBe(200);
    await org.project();
    expect((await org.as('owner', 'GET', sheetPath(LOCKED))).body.totals.workedMinutes).toBe(
      lockedSource.totals.workedMinutes + 45,
    );
    expect((await org.as('owner', 'GET', sheetPath(NEXT))).body.totals.workedMinutes).toBe(240);
  });
});

describe('a forgotten clock-out carried out of a locked period', () => {
  it('counts in the next period, which gets a payroll row of its own when it has no work day', async () => {
    const bob = org.employees.bob;
    await org.kioskPunch(bob, 'clock_in', '2026-03-04T08:00:00Z');
    await org.project();
    for (const action of ['submit', 'approve', 'lock'])
      expect(
        (await org.as('owner', 'POST', `/employees/${bob}/timesheets/${LOCKED}/${action}`, {})).status,
      ).toBe(200);
    const lockedTotals = (await org.as('owner', 'GET', `/employees/${bob}/timesheets/${LOCKED}`)).body.totals;
    org.clock.advance(60_000);
    const added = await org.as('owner', 'POST', `/employees/${bob}/adjustments`, {
      kind: 'punch',
      punchType: 'clock_out',
      occurredAt: '2026-03-04T12:00:00Z',
      reason: 'Forgot to clock out',
      carryToNextOpenPeriod: true,
    });
    expect(added.status).toBe(201);
    expect(added.body.carriedToPeriodStart).toBe(NEXT);
    await org.project();
    expect((await org.as('owner', 'GET', `/employees/${bob}/timesheets/${LOCKED}`)).body.totals).toEqual(
      lockedTotals,
    );
    const next = (await org.as('owner', 'GET', `/employees/${bob}/timesheets/${NEXT}`)).body;
    expect(next).toMatchObject({
      projectedTotals: { workedMinutes: 0 },
      carriedTotals: { workedMinutes: 240 - lockedTotals.workedMinutes },
      totals: { workedMinutes: 240 },
      carriedAdjustments: [expect.objectContaining({ id: added.body.id, kind: 'punch' })],
    });
    const rows = csvRecords(await download(`/exports/payroll?${RANGE}&format=csv&employeeId=${bob}`));
    expect(rows.map((row) => [row['Period start'], row['Worked hours'], row['Carried hours']])).toEqual([
      [LOCKED, (lockedTotals.workedMinutes / 60).toFixed(2), ''],
      [
        NEXT,
        ((240 - lockedTotals.workedMinutes) / 60).toFixed(2),
        ((240 - lockedTotals.workedMinutes) / 60).toFixed(2),
      ],
    ]);
  });
});

describe('a project-filtered payroll export', () => {
  it('counts carried corrections that name the project, and leaves out those that name none', async () => {
    const bob = org.employees.bob;
    const entry = (start: string, end: string, extra: Record<string, unknown> = {}) =>
      org.as('owner', 'POST', `/employees/${bob}/adjustments`, {
        kind: 'manual_entry',
        start,
        end,
        taskId: org.taskId,
        reason: 'Inventory count',
        ...extra,
      });
    // An hour on the project in the open period, and 90 minutes carried out of the locked one.
    expect((await entry('2026-03-10T09:00:00Z', '2026-03-10T10:00:00Z')).status).toBe(201);
    org.clock.advance(60_000);
    const carried = await entry('2026-03-05T13:00:00Z', '2026-03-05T14:30:00Z', {
      carryToNextOpenPeriod: true,
    });
    expect(carried.status).toBe(201);
    expect(carried.body.carriedToPeriodStart).toBe(NEXT);
    await org.project();
    const rows = csvRecords(
      await download(`/exports/payroll?${RANGE}&format=csv&employeeId=${bob}&projectId=${org.projectId}`),
    );
    // The carried clock-out of the earlier test names no project: not here.
    expect(
      rows.map((row) => [
        row['Period start'],
        row['Worked hours'],
        row['Carried hours'],
        row['Carried from'],
      ]),
    ).toEqual([[NEXT, '2.50', '1.50', '2026-03-02…2026-03-08']]);
  });
});
