/**
 * Changing the org's timesheet period setting: submitted, approved and locked timesheets keep their
 * dates; open ones from the day after the last of them are re-cut to the new setting (a short first
 * period, no gap, no overlap, no minute lost or counted twice, corrections carried there still
 * counted); the change is audited; a start date that overlaps a closed timesheet is a 409 that
 * changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { csvRecords } from '../helpers/exports';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;

const sheet = (employeeId: string, periodStart: string, action = '') =>
  `/employees/${employeeId}/timesheets/${periodStart}${action ? `/${action}` : ''}`;

async function act(employeeId: string, periodStart: string, actions: string[]) {
  for (const action of actions) {
    const body = action === 'reopen' ? { reason: 'Not yet' } : {};
    const response = await org.as('owner', 'POST', sheet(employeeId, periodStart, action), body);
    expect(response.status, `${action} ${periodStart}: ${response.text}`).toBe(200);
  }
}

/** Alice's payroll rows (period start, end, worked hours) over a range, one per timesheet period. */
async function payrollPeriods(from: string, to: string) {
  const { status, bytes } = await org.download(
    `/exports/payroll?from=${from}&to=${to}&employeeId=${org.employees.alice}`,
  );
  expect(status).toBe(200);
  return csvRecords(bytes).map((row) => [row['Period start'], row['Period end'], row['Worked hours']]);
}

beforeAll(async () => {
  org = await createTimeOrg();
  // Alice works 8 h on Tuesday of each week of March; Bob 4 h on Wednesday 18th.
  for (const day of ['03', '10', '17']) {
    await org.kioskPunch(org.employees.alice, 'clock_in', `2026-03-${day}T08:00:00Z`);
    await org.kioskPunch(org.employees.alice, 'clock_out', `2026-03-${day}T16:00:00Z`);
  }
  await org.kioskPunch(org.employees.bob, 'clock_in', '2026-03-18T08:00:00Z');
  await org.kioskPunch(org.employees.bob, 'clock_out', '2026-03-18T12:00:00Z');
  await org.project();
  // Weekly periods: Alice's first week locked, her second approved; Bob's current week has an
  // open row (submitted and reopened).
  await act(org.employees.alice, '2026-03-02', ['submit', 'approve', 'lock']);
  await act(org.employees.alice, '2026-03-09', ['submit', 'approve']);
  await act(org.employees.bob, '2026-03-16', ['submit', 'reopen']);
  // A correction for the locked week, carried to the next open period (the week of the 16th).
  org.clock.advance(60_000);
  const carried = await org.as('manager', 'POST', `/employees/${org.employees.alice}/adjustments`, {
    kind: 'manual_entry',
    start: '2026-03-05T09:00:00Z',
    end: '2026-03-05T10:00:00Z',
    reason: 'Forgotten hour',
    carryToNextOpenPeriod: true,
  });
  expect(carried.body.carriedToPeriodStart).toBe('2026-03-16');
  await org.project();
}, 120_000);
afterAll(async () => {
  await org?.hub.close();
});

describe('changing weekly periods to monthly', () => {
  let lockedBefore: unknown;
  let totalBefore: string;

  it('re-cuts the open periods from the day after the last closed one, and audits it', async () => {
    lockedBefore = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-02'))).body.totals;
    totalBefore = (await payrollPeriods('2026-03-02', '2026-03-31').then((rows) => rows))
      .reduce((sum, row) => sum + Number(row[2]), 0)
      .toFixed(2);
    const changed = await org.as('owner', 'PATCH', '', { periodFrequency: 'monthly' });
    expect(changed.status).toBe(200);
    expect(changed.body.periodFrequency).toBe('monthly');
    const audit = await org.as('owner', 'GET', '/audit-log?action=organization.periods_recut');
    const entry = (audit.body.items ?? []).find(
      (item: { action: string }) => item.action === 'organization.periods_recut',
    );
    expect(entry?.after).toMatchObject({
      periodFrequency: 'monthly',
      effectiveFrom: '2026-03-16',
      recutOpenTimesheets: [
        expect.objectContaining({ employeeId: org.employees.bob, periodStart: '2026-03-16' }),
      ],
    });
  });

  it('keeps the locked and approved weeks exactly as they were', async () => {
    const locked = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-02'))).body;
    expect(locked).toMatchObject({ status: 'locked', periodStart: '2026-03-02', periodEnd: '2026-03-08' });
    expect(locked.totals).toEqual(lockedBefore);
    const approved = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-09'))).body;
    expect(approved).toMatchObject({
      status: 'approved',
      periodEnd: '2026-03-15',
      totals: { workedMinutes: 480 },
    });
  });

  it('cuts a short first month from the 16th, then whole months; other dates are refused with the right start', async () => {
    const first = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-16'))).body;
    expect(first).toMatchObject({ periodStart: '2026-03-16', periodEnd: '2026-03-31', status: 'open' });
    // Tuesday's 8 h, plus the hour carried out of the locked week (carried to the 16th, still counted).
    expect(first.totals.workedMinutes).toBe(480 + 60);
    expect(first.carriedTotals.workedMinutes).toBe(60);
    const april = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-04-01'))).body;
    expect(april).toMatchObject({ periodStart: '2026-04-01', periodEnd: '2026-04-30' });
    const wrong = await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-01'));
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([{ path: 'periodStart', message: 'Use 2026-02-23' }]);
    // Bob's open row of the old week is gone: his period is open, with his work in it.
    const bob = await org.as('owner', 'GET', `/timesheets?periodStart=2026-03-16`);
    expect(
      bob.body.items.find((item: { employeeName: string }) => item.employeeName === 'Bob'),
    ).toMatchObject({
      id: null,
      status: 'open',
      periodEnd: '2026-03-31',
      totals: { workedMinutes: 240 },
    });
  });

  it('no gap, no overlap, no minute lost or counted twice (payroll by period)', async () => {
    const rows = await payrollPeriods('2026-03-02', '2026-03-31');
    expect(rows).toEqual([
      ['2026-03-02', '2026-03-08', '8.00'],
      ['2026-03-09', '2026-03-15', '8.00'],
      ['2026-03-16', '2026-03-31', '9.00'],
    ]);
    // The carried hour was already in the payroll before (in the week it was carried to).
    expect(rows.reduce((sum, row) => sum + Number(row[2]), 0).toFixed(2)).toBe(totalBefore);
  });
});

describe('refused and repeated changes', () => {
  it('a start date overlapping a closed timesheet is a 409 problem+json and changes nothing', async () => {
    const before = await countAllRows(org.hub.runtime.deps.db);
    const settings = (await org.as('owner', 'GET', '')).body;
    const refused = await org.as('owner', 'PATCH', '', {
      periodFrequency: 'semimonthly',
      periodEffectiveFrom: '2026-03-10',
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toContain('approved timesheet of Alice for 2026-03-09…2026-03-15');
    expect(await countAllRows(org.hub.runtime.deps.db)).toEqual(before);
    expect((await org.as('owner', 'GET', '')).body).toEqual(settings);
  });

  it('biweekly without an anchor starts its cycle at the cut; a later explicit date keeps a submitted period', async () => {
    expect((await org.as('owner', 'PATCH', '', { periodFrequency: 'biweekly' })).status).toBe(200);
    const first = (await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-16'))).body;
    expect(first).toMatchObject({ periodStart: '2026-03-16', periodEnd: '2026-03-29' });
    await act(org.employees.alice, '2026-03-16', ['submit']);
    const weekly = await org.as('owner', 'PATCH', '', {
      periodFrequency: 'weekly',
      periodAnchorDate: null,
      periodEffectiveFrom: '2026-04-06',
    });
    expect(weekly.status).toBe(200);
    expect((await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-16'))).body).toMatchObject({
      status: 'submitted',
      periodEnd: '2026-03-29',
    });
    // Biweekly until the 5th (a short period 30 March – 5 April), weekly from the 6th.
    expect(await payrollPeriods('2026-03-02', '2026-04-19')).toEqual([
      ['2026-03-02', '2026-03-08', '8.00'],
      ['2026-03-09', '2026-03-15', '8.00'],
      ['2026-03-16', '2026-03-29', '9.00'],
    ]);
    expect((await org.as('owner', 'GET', sheet(org.employees.alice, '2026-03-30'))).body).toMatchObject({
      periodEnd: '2026-04-05',
    });
    expect((await org.as('owner', 'GET', sheet(org.employees.alice, '2026-04-06'))).body).toMatchObject({
      periodEnd: '2026-04-12',
    });
  });
});
