/**
 * The accrual job catching up: every whole period owed since hire, the type's creation or the last
 * accrual is credited exactly once — after a long outage, when run twice, and when two runs (or two
 * inserts of the same lines) happen at the same moment.
 */
import { ManualClock } from '@clockface/core';
import { schema, withOrgScope } from '@clockface/db-hub';
import { insertAccrualLines } from '@clockface/db-hub/queries';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAccrueLeave } from '../../src/jobs/leave-accrual';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

/** The types are made on 1 January 2025; the job first runs on 5 March 2026 (14 months later). */
const clock = new ManualClock('2025-01-01T09:00:00Z');
const jobClock = new ManualClock('2026-03-05T09:00:00Z');
let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let vacation: string;
let uncapped: string;
const people: Record<'hired' | 'midMonth' | 'leaver' | 'noDate', string> = {} as never;

const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });
const runAccrual = () => handleAccrueLeave({ ...hub.runtime.deps, clock: jobClock });

async function accrualsOf(employeeId: string, leaveTypeId: string) {
  const rows = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
    tx
      .select()
      .from(schema.leaveLedger)
      .where(
        and(
          eq(schema.leaveLedger.employeeId, employeeId),
          eq(schema.leaveLedger.leaveTypeId, leaveTypeId),
          eq(schema.leaveLedger.kind, 'accrual'),
        ),
      ),
  );
  return rows.map((row) => row.periodStart!).sort();
}

const months = (from: string, count: number) =>
  Array.from({ length: count }, (_, index) => {
    const [year, month] = from.split('-').map(Number) as [number, number];
    const total = year * 12 + (month - 1) + index;
    return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-01`;
  });

beforeAll(async () => {
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
  await hub.runtime.deps.db
    .update(schema.organizations)
    .set({ periodFrequency: 'monthly' })
    .where(eq(schema.organizations.id, owner.orgId));
  vacation = (
    await as('POST', '/leave-types', {
      name: 'Vacation',
      accrualMinutesPerPeriod: 480,
      carryOverCapMinutes: 960,
    })
  ).body.id;
  uncapped = (await as('POST', '/leave-types', { name: 'Training', accrualMinutesPerPeriod: 60 })).body.id;
  const add = async (code: string, extra: Record<string, unknown>) => {
    const response = await as('POST', '/employees', { code, name: code, ...extra });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  people.hired = await add('HIRED', { hireDate: '2025-01-01' });
  people.midMonth = await add('MID', { hireDate: '2025-03-10' });
  people.leaver = await add('LEAVER', { hireDate: '2025-01-01' });
  people.noDate = await add('NODATE', {});
  expect(
    (await as('POST', `/employees/${people.leaver}/terminate`, { terminationDate: '2025-06-15' })).status,
  ).toBe(200);
});
afterAll(async () => {
  await hub?.close();
});

describe('accrual catch-up', () => {
  it('two runs at once after 14 months credit every whole period exactly once', async () => {
    expect(await Promise.all([runAccrual(), runAccrual()])).toEqual(['SUCCESS', 'SUCCESS']);
    // Hired on the type's first day: January 2025 to February 2026, all 14 months.
    expect(await accrualsOf(people.hired, vacation)).toEqual(months('2025-01', 14));
    expect(await accrualsOf(people.noDate, uncapped)).toEqual(months('2025-01', 14));
    // Hired part-way through March: April onwards.
    expect(await accrualsOf(people.midMonth, vacation)).toEqual(months('2025-04', 11));
    // Left on 15 June: January to May; nothing after the termination date.
    expect(await accrualsOf(people.leaver, vacation)).toEqual(months('2025-01', 5));
  });

  it('a rerun adds nothing, and the carry-over cap applied to the caught-up year', async () => {
    const before = await hub.runtime.deps.db.select().from(schema.leaveLedger);
    expect(await runAccrual()).toBe('SUCCESS');
    expect(await hub.runtime.deps.db.select().from(schema.leaveLedger)).toHaveLength(before.length);

    const balances = await as('GET', `/employees/${people.hired}/leave-balances`);
    const ofType = (id: string) =>
      balances.body.items.find((item: { leaveTypeId: string }) => item.leaveTypeId === id);
    // 12 × 480 in 2025, capped to 960 on 1 January 2026, then January and February 2026.
    expect(ofType(vacation)).toMatchObject({
      accruedMinutes: 14 * 480,
      expiredMinutes: 12 * 480 - 960,
      balanceMinutes: 960 + 2 * 480,
    });
    expect(ofType(uncapped)).toMatchObject({ accruedMinutes: 14 * 60, expiredMinutes: 0 });
    // The leaver's 2025 (5 × 480) was above the cap too.
    const leaver = await as('GET', `/employees/${people.leaver}/leave-balances`);
    expect(
      leaver.body.items.find((item: { leaveTypeId: string }) => item.leaveTypeId === vacation),
    ).toMatchObject({ accruedMinutes: 5 * 480, balanceMinutes: 960 });
  });

  it('continues from the last accrual: the next run credits only the new period', async () => {
    jobClock.set('2026-04-01T09:00:00Z');
    expect(await runAccrual()).toBe('SUCCESS');
    expect(await accrualsOf(people.hired, vacation)).toEqual(months('2025-01', 15));
    expect(await accrualsOf(people.leaver, vacation)).toEqual(months('2025-01', 5));
  });

  it('a re-hire accrues from the new hire date: the time away earns nothing', async () => {
    const rehired = await as('POST', `/employees/${people.leaver}/rehire`, { hireDate: '2025-11-01' });
    expect(rehired.status).toBe(200);
    expect(await runAccrual()).toBe('SUCCESS');
    expect(await accrualsOf(people.leaver, vacation)).toEqual([
      ...months('2025-01', 5),
      ...months('2025-11', 5),
    ]);
  });

  it('two transactions inserting the same lines at once add each line once (the idempotency key)', async () => {
    const lines = [
      { employeeId: people.hired, start: '2024-11-01', end: '2024-11-30' },
      { employeeId: people.hired, start: '2024-12-01', end: '2024-12-31' },
    ];
    const insert = () =>
      withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
        insertAccrualLines(tx, { orgId: owner.orgId, leaveTypeId: uncapped, minutes: 60, lines }),
      );
    const added = await Promise.all([insert(), insert()]);
    expect(added.reduce((sum, count) => sum + count, 0)).toBe(2);
    expect(await insert()).toBe(0);
    expect((await accrualsOf(people.hired, uncapped)).slice(0, 3)).toEqual([
      '2024-11-01',
      '2024-12-01',
      '2025-01-01',
    ]);
  });
});

describe('accrual after a change of the period setting', () => {
  it('credits the periods the timesheets had: monthly until the change, then weekly (clipped first week)', async () => {
    // Monthly until 30 April 2026, weekly (Monday) from 1 May: the first weekly period is 1–3 May.
    await hub.runtime.deps.db
      .update(schema.organizations)
      .set({
        periodFrequency: 'weekly',
        weekStart: 1,
        periodHistory: [
          { until: '2026-04-30', frequency: 'monthly', weekStart: 1, anchorDate: '2024-01-01' },
        ],
      })
      .where(eq(schema.organizations.id, owner.orgId));
    jobClock.set('2026-05-20T09:00:00Z');
    expect(await runAccrual()).toBe('SUCCESS');
    expect((await accrualsOf(people.hired, vacation)).slice(15)).toEqual([
      '2026-04-01',
      '2026-05-01',
      '2026-05-04',
      '2026-05-11',
    ]);
    // The timesheets agree on those periods.
    for (const start of ['2026-04-01', '2026-05-01', '2026-05-04', '2026-05-11'])
      expect((await as('GET', `/employees/${people.hired}/timesheets/${start}`)).status).toBe(200);
  });
});
