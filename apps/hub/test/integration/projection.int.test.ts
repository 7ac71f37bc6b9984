/**
 * The projection engine against a real database: the attendance_events trigger feeds the queue and
 * "who is in now", the drain turns punches into work days, entries and exceptions, and a
 * recomputation rewrites exactly the dates it is given.
 */
import { ManualClock, uuidv7 } from '@clockface/core';
import { schema, withOrgScope, type Database } from '@clockface/db-hub';
import { foldPunchesIntoProjectionQueue } from '@clockface/db-hub/queries';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProjectionQueue, recomputeEmployee } from '../../src/services/projection.service';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let clock: ManualClock;
let db: Database;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;
let owner: Owner;

async function createEmployee(as: Owner, body: Record<string, unknown>) {
  const response = await hub.request('POST', `/api/orgs/${as.orgId}/employees`, {
    token: as.accessToken,
    body,
  });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

type PunchType = 'clock_in' | 'clock_out' | 'break_start' | 'break_end';

/** Inserts punches the way the app does (org-scoped, app role), one multi-row statement. */
async function insertPunches(orgId: string, employeeId: string, punches: [PunchType, string][]) {
  const ids = punches.map(() => uuidv7());
  await withOrgScope(db, orgId, (tx) =>
    tx.insert(schema.attendanceEvents).values(
      punches.map(([type, at], index) => ({
        id: ids[index]!,
        orgId,
        employeeId,
        type,
        source: 'admin' as const,
        method: 'admin' as const,
        occurredAt: new Date(at),
        receivedAt: clock.now(),
      })),
    ),
  );
  return ids;
}

async function queueRow(orgId: string, employeeId: string) {
  // Punches reach the queue through the drain's fold (migration 0012), which the drain runs first.
  await foldPunchesIntoProjectionQueue(db);
  const [row] = await db
    .select()
    .from(schema.projectionQueue)
    .where(and(eq(schema.projectionQueue.orgId, orgId), eq(schema.projectionQueue.employeeId, employeeId)));
  return row;
}

async function workDays(orgId: string, employeeId: string) {
  const rows = await db
    .select()
    .from(schema.workDays)
    .where(and(eq(schema.workDays.orgId, orgId), eq(schema.workDays.employeeId, employeeId)))
    .orderBy(schema.workDays.workDate);
  return rows;
}

const drain = () => drainProjectionQueue(db, { now: () => clock.now() });

beforeAll(async () => {
  clock = new ManualClock(new Date('2026-03-20T12:00:00Z'));
  hub = await createTestHub({ clock });
  db = hub.runtime.deps.db;
  owner = await signUpOwner(hub);
  // Berlin: local dates differ from UTC dates for late-evening punches.
  const patched = await hub.request('PATCH', `/api/orgs/${owner.orgId}`, {
    token: owner.accessToken,
    body: { timeZone: 'Europe/Berlin' },
  });
  expect(patched.status).toBe(200);
});
afterAll(async () => {
  await hub?.close();
});

describe('the attendance_events trigger', () => {
  it('queues the local dates of a batch, widened by a day each side, and merges later batches', async () => {
    const employeeId = await createEmployee(owner, { code: 'T1', name: 'Trigger One' });
    // 23:30 UTC on the 9th is 00:30 on the 10th in Berlin.
    await insertPunches(owner.orgId, employeeId, [
      ['clock_in', '2026-03-09T23:30:00Z'],
      ['clock_out', '2026-03-10T07:00:00Z'],
    ]);
    expect(await queueRow(owner.orgId, employeeId)).toMatchObject({
      fromDate: '2026-03-09',
      toDate: '2026-03-11',
    });

    await insertPunches(owner.orgId, employeeId, [['clock_in', '2026-03-02T08:00:00Z']]);
    expect(await queueRow(owner.orgId, employeeId)).toMatchObject({
      fromDate: '2026-03-01',
      toDate: '2026-03-11',
    });
  });

  // Needs a second connection, which embedded PGlite does not have.
  it.skipIf(!process.env.DATABASE_URL)(
    'folds punches committed after a transaction that is still open, and that one’s once it commits',
    async () => {
      const early = await createEmployee(owner, { code: 'T-OPEN', name: 'Open Transaction' });
      const late = await createEmployee(owner, { code: 'T-LATE', name: 'Committed Later' });
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let inserted!: () => void;
      const insertedOpen = new Promise<void>((resolve) => (inserted = resolve));
      // A punch whose transaction stays open: it takes an xid older than the next punch's.
      const open = withOrgScope(db, owner.orgId, async (tx) => {
        await tx.insert(schema.attendanceEvents).values({
          id: uuidv7(),
          orgId: owner.orgId,
          employeeId: early,
          type: 'clock_in',
          source: 'admin',
          method: 'admin',
          occurredAt: new Date('2026-03-16T08:00:00Z'),
          receivedAt: clock.now(),
        });
        inserted();
        await finished;
      });
      await insertedOpen;
      await insertPunches(owner.orgId, late, [['clock_in', '2026-03-16T09:00:00Z']]);
      // The older open transaction must not hold back the committed punch (migration 0015).
      expect(await queueRow(owner.orgId, late)).toMatchObject({ fromDate: '2026-03-15' });
      expect(await queueRow(owner.orgId, early)).toBeUndefined();
      finish();
      await open;
      expect(await queueRow(owner.orgId, early)).toMatchObject({ fromDate: '2026-03-15' });
    },
  );

  it('moves "who is in now" only with an event newer than the state', async () => {
    const employeeId = await createEmployee(owner, { code: 'T2', name: 'Trigger Two' });
    const state = async () =>
      (
        await db
          .select()
          .from(schema.attendanceStates)
          .where(
            and(
              eq(schema.attendanceStates.orgId, owner.orgId),
              eq(schema.attendanceStates.employeeId, employeeId),
            ),
          )
      )[0];

    await insertPunches(owner.orgId, employeeId, [
      ['clock_in', '2026-03-16T08:00:00Z'],
      ['break_start', '2026-03-16T12:00:00Z'],
    ]);
    expect(await state()).toMatchObject({ state: 'on_break', since: new Date('2026-03-16T12:00:00Z') });

    // A kiosk that was offline delivers last week's clock-out: the state stays.
    await insertPunches(owner.orgId, employeeId, [['clock_out', '2026-03-10T17:00:00Z']]);
    expect(await state()).toMatchObject({ state: 'on_break', since: new Date('2026-03-16T12:00:00Z') });

    await insertPunches(owner.orgId, employeeId, [['break_end', '2026-03-16T12:30:00Z']]);
    expect((await state())?.state).toBe('in');
    await insertPunches(owner.orgId, employeeId, [['clock_out', '2026-03-16T16:00:00Z']]);
    expect((await state())?.state).toBe('out');
  });
});

describe('draining the queue', () => {
  it('projects queued employees into work days, entries and exceptions, and empties the queue', async () => {
    const employeeId = await createEmployee(owner, { code: 'D1', name: 'Drain One' });
    await insertPunches(owner.orgId, employeeId, [
      ['clock_in', '2026-03-03T07:00:00Z'], // 08:00 Berlin
      ['break_start', '2026-03-03T11:00:00Z'],
      ['break_end', '2026-03-03T11:30:00Z'],
      ['clock_out', '2026-03-03T15:30:00Z'],
      ['clock_out', '2026-03-04T15:00:00Z'], // no clock-in that day
    ]);
    const result = await drain();
    expect(result.failed).toBe(0);
    expect(await queueRow(owner.orgId, employeeId)).toBeUndefined();

    const days = await workDays(owner.orgId, employeeId);
    // The queued range (2nd–5th) widened to its whole overtime week (Monday 2nd – Sunday 8th).
    expect(days.map((day) => day.workDate)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
    ]);
    expect(days[1]).toMatchObject({ grossMinutes: 510, unpaidBreakMinutes: 30, workedMinutes: 480 });
    const exceptions = await db
      .select()
      .from(schema.timeExceptions)
      .where(
        and(eq(schema.timeExceptions.orgId, owner.orgId), eq(schema.timeExceptions.employeeId, employeeId)),
      );
    expect(exceptions.map((exception) => [exception.workDate, exception.code])).toEqual([
      ['2026-03-04', 'missing_clock_in'],
    ]);
    const entries = await db
      .select()
      .from(schema.timeEntries)
      .where(and(eq(schema.timeEntries.orgId, owner.orgId), eq(schema.timeEntries.employeeId, employeeId)));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 'complete', grossMinutes: 510, breakMinutes: 30 });
  });

  it('leaves nothing to do on a second drain', async () => {
    await drain();
    expect(await drain()).toMatchObject({ batches: 0, employees: 0 });
  });
});

describe('an employee whose history the projection refuses', () => {
  it('stays queued, does not hold up the others, and does not keep the drain spinning', async () => {
    const broken = await createEmployee(owner, { code: 'X1', name: 'Broken History' });
    const fine = await createEmployee(owner, { code: 'X2', name: 'Fine History' });
    const [punchId] = await insertPunches(owner.orgId, broken, [['clock_in', '2026-03-17T08:00:00Z']]);
    // A delete with a blank reason: the database takes it, timekeeping refuses it.
    await withOrgScope(db, owner.orgId, (tx) =>
      tx.insert(schema.timeAdjustments).values({
        orgId: owner.orgId,
        employeeId: broken,
        kind: 'delete',
        targetId: punchId!,
        effectiveAt: new Date('2026-03-17T08:00:00Z'),
        reason: '   ',
      }),
    );
    await insertPunches(owner.orgId, fine, [
      ['clock_in', '2026-03-17T08:00:00Z'],
      ['clock_out', '2026-03-17T09:00:00Z'],
    ]);

    const started = Date.now();
    const result = await drain();
    // Batch 1 projects both (the broken one fails), batch 2 gets only the broken one again and
    // completes nothing, so the run stops there instead of spinning until its time budget.
    expect(result).toMatchObject({ batches: 2, failed: 2, hasMore: true });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await queueRow(owner.orgId, broken)).toBeDefined();
    expect(await queueRow(owner.orgId, fine)).toBeUndefined();
    expect(
      (await workDays(owner.orgId, fine)).find((day) => day.workDate === '2026-03-17')?.workedMinutes,
    ).toBe(60);
    expect(await workDays(owner.orgId, broken)).toEqual([]);
    // Out of the way for the tests below.
    await db.delete(schema.projectionQueue).where(eq(schema.projectionQueue.employeeId, broken));
  });
});

describe('recomputeEmployee', () => {
  it('rewrites exactly the dates it is given', async () => {
    const employeeId = await createEmployee(owner, { code: 'R1', name: 'Recompute One' });
    await insertPunches(owner.orgId, employeeId, [
      ['clock_in', '2026-03-10T08:00:00Z'],
      ['clock_out', '2026-03-10T12:00:00Z'],
      ['clock_in', '2026-03-11T08:00:00Z'],
      ['clock_out', '2026-03-11T10:00:00Z'],
    ]);
    await withOrgScope(db, owner.orgId, (tx) =>
      recomputeEmployee(tx, {
        orgId: owner.orgId,
        employeeId,
        fromDate: '2026-03-10',
        toDate: '2026-03-11',
        asOf: clock.now(),
      }),
    );
    expect((await workDays(owner.orgId, employeeId)).map((day) => [day.workDate, day.workedMinutes])).toEqual(
      [
        ['2026-03-10', 240],
        ['2026-03-11', 120],
      ],
    );

    // Another clock-in/out on the 11th; recomputing only the 10th leaves the 11th as it was.
    await insertPunches(owner.orgId, employeeId, [
      ['clock_in', '2026-03-11T12:00:00Z'],
      ['clock_out', '2026-03-11T13:00:00Z'],
    ]);
    await recomputeEmployee(db, {
      orgId: owner.orgId,
      employeeId,
      fromDate: '2026-03-10',
      toDate: '2026-03-10',
      asOf: clock.now(),
    });
    expect((await workDays(owner.orgId, employeeId)).map((day) => [day.workDate, day.workedMinutes])).toEqual(
      [
        ['2026-03-10', 240],
        ['2026-03-11', 120],
      ],
    );
    await recomputeEmployee(db, {
      orgId: owner.orgId,
      employeeId,
      fromDate: '2026-03-11',
      toDate: '2026-03-11',
      asOf: clock.now(),
    });
    expect((await workDays(owner.orgId, employeeId)).map((day) => [day.workDate, day.workedMinutes])).toEqual(
      [
        ['2026-03-10', 240],
        ['2026-03-11', 180],
      ],
    );
  });

  it('refuses a range that ends before it starts, changing nothing', async () => {
    const employeeId = await createEmployee(owner, { code: 'R2', name: 'Recompute Two' });
    await expect(
      recomputeEmployee(db, {
        orgId: owner.orgId,
        employeeId,
        fromDate: '2026-03-11',
        toDate: '2026-03-10',
        asOf: clock.now(),
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await workDays(owner.orgId, employeeId)).toEqual([]);
  });
});

describe('approved leave', () => {
  it('counts on working days only (Monday to Friday without a schedule), pending leave not at all', async () => {
    const employeeId = await createEmployee(owner, { code: 'L1', name: 'Leave One' });
    const leaveTypeId = uuidv7();
    await withOrgScope(db, owner.orgId, async (tx) => {
      await tx.insert(schema.leaveTypes).values({ id: leaveTypeId, orgId: owner.orgId, name: 'Vacation' });
      await tx.insert(schema.leaveRequests).values([
        // Friday to Monday: the weekend in between is not leave.
        {
          orgId: owner.orgId,
          employeeId,
          leaveTypeId,
          startDate: '2026-03-13',
          endDate: '2026-03-16',
          totalMinutes: 960,
          status: 'approved',
        },
        {
          orgId: owner.orgId,
          employeeId,
          leaveTypeId,
          startDate: '2026-03-17',
          endDate: '2026-03-17',
          totalMinutes: 480,
          status: 'pending',
        },
      ]);
    });
    await recomputeEmployee(db, {
      orgId: owner.orgId,
      employeeId,
      fromDate: '2026-03-12',
      toDate: '2026-03-17',
      asOf: clock.now(),
    });
    expect(
      (await workDays(owner.orgId, employeeId)).map((day) => [
        day.workDate,
        day.leaveMinutes,
        day.paidLeaveMinutes,
      ]),
    ).toEqual([
      ['2026-03-12', 0, 0],
      ['2026-03-13', 480, 480],
      ['2026-03-14', 0, 0],
      ['2026-03-15', 0, 0],
      ['2026-03-16', 480, 480],
      ['2026-03-17', 0, 0],
    ]);
  });
});

describe('the project-time job', () => {
  it('projects a punch within seconds, with no one calling the drain', async () => {
    const jobsHub = await createTestHub({ withJobs: true, env: { RUN_JOBS: 'true' } });
    try {
      const jobsOwner = await signUpOwner(jobsHub);
      const employee = await jobsHub.request('POST', `/api/orgs/${jobsOwner.orgId}/employees`, {
        token: jobsOwner.accessToken,
        body: { code: 'J1', name: 'Job One' },
      });
      const employeeId = employee.body.id as string;
      const jobsDb = jobsHub.runtime.deps.db;
      await withOrgScope(jobsDb, jobsOwner.orgId, (tx) =>
        tx.insert(schema.attendanceEvents).values(
          (
            [
              ['clock_in', '2026-03-03T08:00:00Z'],
              ['clock_out', '2026-03-03T12:00:00Z'],
            ] as const
          ).map(([type, at]) => ({
            id: uuidv7(),
            orgId: jobsOwner.orgId,
            employeeId,
            type,
            source: 'admin' as const,
            method: 'admin' as const,
            occurredAt: new Date(at),
            receivedAt: new Date(),
          })),
        ),
      );
      const worked = async () =>
        (
          await jobsDb
            .select({ workedMinutes: schema.workDays.workedMinutes })
            .from(schema.workDays)
            .where(
              and(
                eq(schema.workDays.orgId, jobsOwner.orgId),
                eq(schema.workDays.employeeId, employeeId),
                eq(schema.workDays.workDate, '2026-03-03'),
              ),
            )
        )[0]?.workedMinutes;
      // The worker polls the queue every 2 s; allow for a slow, shared machine.
      const deadline = Date.now() + 30_000;
      while ((await worked()) === undefined && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await worked()).toBe(240);
      const [queued] = await jobsDb
        .select()
        .from(schema.projectionQueue)
        .where(eq(schema.projectionQueue.employeeId, employeeId));
      expect(queued).toBeUndefined();
    } finally {
      await jobsHub.close();
    }
  }, 60_000);
});
