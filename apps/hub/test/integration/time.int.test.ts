/**
 * Reading projected time, and the late-arrival proof: a week of kiosk punches delivered out of order
 * (batches in shuffled order, one kiosk offline for the whole week delivering at the end),
 * projected after every batch as the job would, ends with exactly the work days, entries and
 * exceptions of the same week delivered in order.
 */
import type { TPunchEvent } from '@clockface/contracts/sync';
import { ManualClock } from '@clockface/core';
import { schema } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProjectionQueue } from '../../src/services/projection.service';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';

let hub: TestHub;
let clock: ManualClock;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;

const drain = () => drainProjectionQueue(hub.runtime.deps.db, { now: () => clock.now() });

async function login(email: string, password: string) {
  const response = await hub.request('POST', '/api/auth/login', { body: { email, password } });
  expect(response.status).toBe(200);
  return response.body.tokens.accessToken as string;
}

/** A seeded generator, so a failure replays the same shuffle. */
function seededRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}

type PunchType = 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
interface PlannedPunch {
  code: 'E1' | 'E2' | 'E3';
  type: PunchType;
  at: string;
}

/**
 * The week of 9–15 March 2026 (Berlin): day shifts with breaks, a double tap, a forgotten clock-out,
 * a clock-out without a clock-in, and E3's night shifts across midnight (E3 punches at the kiosk
 * that is offline all week).
 */
function plannedWeek(): PlannedPunch[] {
  const punches: PlannedPunch[] = [];
  const days = ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'];
  days.forEach((date, index) => {
    const minute = String(index * 7).padStart(2, '0');
    for (const code of ['E1', 'E2'] as const) {
      if (code === 'E2' && index === 2) {
        punches.push({ code, type: 'clock_in', at: `${date}T07:${minute}:00Z` }); // forgets to clock out
        continue;
      }
      punches.push({ code, type: 'clock_in', at: `${date}T07:${minute}:00Z` });
      punches.push({ code, type: 'break_start', at: `${date}T11:00:00Z` });
      punches.push({ code, type: 'break_end', at: `${date}T11:3${index}:00Z` });
      punches.push({ code, type: 'clock_out', at: `${date}T15:${minute}:00Z` });
    }
    punches.push({ code: 'E3', type: 'clock_in', at: `${date}T21:00:00Z` });
    punches.push({ code: 'E3', type: 'clock_out', at: `${nextDate(date)}T05:${minute}:00Z` });
  });
  punches.push({ code: 'E1', type: 'clock_in', at: '2026-03-09T07:01:00Z' }); // double tap
  punches.push({ code: 'E2', type: 'clock_out', at: '2026-03-14T10:00:00Z' }); // no clock-in
  return punches.sort((a, b) => a.at.localeCompare(b.at));
}

function nextDate(date: string) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

interface WeekOrg {
  owner: Owner;
  employees: Record<'E1' | 'E2' | 'E3', string>;
}

async function setUpOrg(): Promise<WeekOrg> {
  const owner = await signUpOwner(hub);
  const as = (method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });
  expect((await as('PATCH', '', { timeZone: 'Europe/Berlin' })).status).toBe(200);
  const employees = {} as WeekOrg['employees'];
  for (const code of ['E1', 'E2', 'E3'] as const)
    employees[code] = (await as('POST', '/employees', { code, name: `Person ${code}`, pin: '4821' })).body.id;
  return { owner, employees };
}

/** Chains the planned punches on a kiosk in time order (the order the kiosk recorded them). */
function record(kiosk: TestKiosk, org: WeekOrg, planned: readonly PlannedPunch[]): TPunchEvent[] {
  return planned.flatMap((punch) =>
    kiosk.punches([org.employees[punch.code]], {
      type: punch.type,
      deviceTime: new Date(punch.at),
      method: 'pin',
    }),
  );
}

async function deliver(kiosk: TestKiosk, events: TPunchEvent[]) {
  const response = await kiosk.request('POST', '/api/sync/events', { body: kiosk.batch(events) });
  expect(response.status).toBe(200);
  expect(response.body.results.filter((result: { status: string }) => result.status !== 'accepted')).toEqual(
    [],
  );
}

/** The org's projected week, keyed by employee code instead of ids (the two orgs' ids differ). */
async function projectedWeek(org: WeekOrg) {
  const db = hub.runtime.deps.db;
  const codeOf = new Map(Object.entries(org.employees).map(([code, id]) => [id, code]));
  const days = await db.select().from(schema.workDays).where(eq(schema.workDays.orgId, org.owner.orgId));
  const entries = await db
    .select()
    .from(schema.timeEntries)
    .where(eq(schema.timeEntries.orgId, org.owner.orgId));
  const exceptions = await db
    .select()
    .from(schema.timeExceptions)
    .where(eq(schema.timeExceptions.orgId, org.owner.orgId));
  const sorted = <T>(rows: T[]) => rows.map((row) => JSON.stringify(row)).sort();
  return {
    days: sorted(
      days.map(({ orgId: _o, employeeId, computedAt: _c, ...rest }) => ({
        employee: codeOf.get(employeeId),
        ...rest,
      })),
    ),
    entries: sorted(
      entries.map(({ orgId: _o, id: _i, employeeId, eventIds, ...rest }) => ({
        employee: codeOf.get(employeeId),
        events: eventIds.length,
        ...rest,
      })),
    ),
    exceptions: sorted(
      exceptions.map(({ orgId: _o, id, employeeId, eventIds, entryId, ...rest }) => ({
        employee: codeOf.get(employeeId),
        kind: id.split(':')[0],
        events: eventIds.length,
        hasEntry: entryId !== null,
        ...rest,
      })),
    ),
  };
}

beforeAll(async () => {
  clock = new ManualClock(new Date('2026-03-16T09:00:00Z'));
  hub = await createTestHub({ clock });
});
afterAll(async () => {
  await hub?.close();
});

describe('late-arriving punches', () => {
  it('a week delivered out of order, with a kiosk offline all week, projects like the week in order', async () => {
    const planned = plannedWeek();
    const dayShift = planned.filter((punch) => punch.code !== 'E3');
    const nightShift = planned.filter((punch) => punch.code === 'E3');

    // In order: one kiosk, each day's punches delivered that day, projected after each delivery.
    const inOrder = await setUpOrg();
    const kiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, inOrder.owner)).token);
    const events = record(kiosk, inOrder, planned);
    const byDay = new Map<string, TPunchEvent[]>();
    events.forEach((event, index) => {
      const day = planned[index]!.at.slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), event]);
    });
    for (const dayEvents of byDay.values()) {
      await deliver(kiosk, dayEvents);
      await drain();
    }

    // Out of order: the day-shift kiosk's batches delivered in shuffled order, projected after each;
    // the night kiosk was offline all week and delivers everything at the end.
    const outOfOrder = await setUpOrg();
    const dayKiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, outOfOrder.owner)).token);
    const nightKiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, outOfOrder.owner)).token);
    const dayEvents = record(dayKiosk, outOfOrder, dayShift);
    const nightEvents = record(nightKiosk, outOfOrder, nightShift);
    // A batch is a signed, contiguous piece of the kiosk's chain; the pieces arrive in any order.
    const random = seededRandom(20260316);
    const pieces: TPunchEvent[][] = [];
    for (let index = 0; index < dayEvents.length; index += 7) pieces.push(dayEvents.slice(index, index + 7));
    const batches = shuffle(pieces, random);
    expect(batches).not.toEqual(pieces);
    for (const batch of batches) {
      await deliver(dayKiosk, batch);
      await drain();
    }
    const beforeNightKiosk = await projectedWeek(outOfOrder);
    await deliver(nightKiosk, nightEvents);
    await drain();

    const expected = await projectedWeek(inOrder);
    const actual = await projectedWeek(outOfOrder);
    // The proof is not vacuous: real time was projected, and the offline kiosk changed it.
    expect(expected.days.length).toBeGreaterThanOrEqual(3 * 7);
    expect(expected.entries.length).toBe(5 * 3);
    expect(beforeNightKiosk.days).not.toEqual(expected.days);
    expect(actual).toEqual(expected);
  });
});

describe('reading projected time', () => {
  let owner: Owner;
  let alice: string;
  let bob: string;
  let salesId: string;
  let operationsId: string;
  let managerToken: string;
  let aliceToken: string;
  const asOwner = (method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });

  beforeAll(async () => {
    owner = await signUpOwner(hub);
    const invite = async (email: string, role: 'manager' | 'employee') => {
      expect((await asOwner('POST', '/invitations', { email, role })).status).toBe(201);
      const token = await readMailToken(hub, email, 'invitation');
      const accepted = await hub.request('POST', '/api/invitations/accept', {
        body: { token, name: role, password: 'time read passphrase' },
      });
      return { userId: accepted.body.userId as string, email };
    };
    const manager = await invite(`manager.${Date.now()}@example.com`, 'manager');
    const aliceUser = await invite(`alice.${Date.now()}@example.com`, 'employee');
    salesId = (await asOwner('POST', '/departments', { name: 'Sales' })).body.id;
    expect(
      (await asOwner('PATCH', `/departments/${salesId}`, { managerUserId: manager.userId })).status,
    ).toBe(200);
    operationsId = (await asOwner('POST', '/departments', { name: 'Operations' })).body.id;
    const support = (await asOwner('POST', '/departments', { name: 'Support', parentId: operationsId })).body
      .id;
    alice = (
      await asOwner('POST', '/employees', {
        code: 'A',
        name: 'Alice',
        departmentId: salesId,
        userId: aliceUser.userId,
      })
    ).body.id;
    bob = (await asOwner('POST', '/employees', { code: 'B', name: 'Bob', departmentId: support })).body.id;
    managerToken = await login(manager.email, 'time read passphrase');
    aliceToken = await login(aliceUser.email, 'time read passphrase');

    const { schema: s, withOrgScope } = await import('@clockface/db-hub');
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx.insert(s.attendanceEvents).values(
        [alice, bob].flatMap((employeeId) =>
          ['2026-03-10', '2026-03-11', '2026-03-12']
            .flatMap((date) => [
              ['clock_in', `${date}T08:00:00Z`],
              ['break_start', `${date}T12:00:00Z`],
              ['break_end', `${date}T12:45:00Z`],
              ['clock_out', `${date}T16:00:00Z`],
            ])
            .map(([type, at]) => ({
              id: crypto.randomUUID(),
              orgId: owner.orgId,
              employeeId,
              type: type as PunchType,
              source: 'admin' as const,
              method: 'admin' as const,
              occurredAt: new Date(at!),
              receivedAt: clock.now(),
            })),
        ),
      ),
    );
  });

  const range = 'from=2026-03-09&to=2026-03-15';

  it('the per-person view is projected on the spot, before the job has run', async () => {
    const response = await asOwner('GET', `/employees/${alice}/time?${range}`);
    expect(response.status).toBe(200);
    expect(response.body.totals).toMatchObject({
      grossMinutes: 3 * 480,
      unpaidBreakMinutes: 3 * 45,
      workedMinutes: 3 * 435,
    });
    expect(response.body.breaks).toHaveLength(3);
    expect(response.body.days).toHaveLength(7);
    // The stored projection catches up when the queue is drained.
    expect((await asOwner('GET', `/time/days?${range}`)).body.items).toEqual([]);
    await drain();
  });

  it('an owner lists everyone’s days, page by page', async () => {
    const first = await asOwner('GET', `/time/days?${range}&limit=10`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(10);
    const second = await asOwner('GET', `/time/days?${range}&limit=10&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(4);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items];
    expect(
      new Set(all.map((day: { employeeId: string; date: string }) => `${day.employeeId}${day.date}`)).size,
    ).toBe(14);
    expect(all.filter((day: { workedMinutes: number }) => day.workedMinutes === 435)).toHaveLength(6);
    const entries = await asOwner('GET', `/time/entries?${range}&employeeId=${bob}`);
    expect(entries.body.items).toHaveLength(3);
    expect(entries.body.items[0]).toMatchObject({
      employeeName: 'Bob',
      status: 'complete',
      grossMinutes: 480,
      breakMinutes: 45,
    });
  });

  it('a manager sees only their department, an employee only themself', async () => {
    const managerDays = await hub.request('GET', `/api/orgs/${owner.orgId}/time/days?${range}`, {
      token: managerToken,
    });
    expect(new Set(managerDays.body.items.map((day: { employeeId: string }) => day.employeeId))).toEqual(
      new Set([alice]),
    );
    const bobForManager = await hub.request(
      'GET',
      `/api/orgs/${owner.orgId}/employees/${bob}/time?${range}`,
      {
        token: managerToken,
      },
    );
    expect(bobForManager.status).toBe(404);
    const aliceOwn = await hub.request('GET', `/api/orgs/${owner.orgId}/time/entries?${range}`, {
      token: aliceToken,
    });
    expect(aliceOwn.body.items.map((entry: { employeeId: string }) => entry.employeeId)).toEqual([
      alice,
      alice,
      alice,
    ]);
    const bobForAlice = await hub.request(
      'GET',
      `/api/orgs/${owner.orgId}/time/days?${range}&employeeId=${bob}`,
      {
        token: aliceToken,
      },
    );
    expect(bobForAlice.status).toBe(404);
    const byDepartment = await asOwner('GET', `/time/days?${range}&departmentId=${salesId}`);
    expect(new Set(byDepartment.body.items.map((day: { employeeId: string }) => day.employeeId))).toEqual(
      new Set([alice]),
    );
    // A department includes its sub-departments (Bob works in Support, under Operations).
    const byParent = await asOwner('GET', `/time/entries?${range}&departmentId=${operationsId}`);
    expect(new Set(byParent.body.items.map((entry: { employeeId: string }) => entry.employeeId))).toEqual(
      new Set([bob]),
    );
  });

  it('filters exceptions by code', async () => {
    // Alice forgets to clock out on Friday.
    const { schema: s, withOrgScope } = await import('@clockface/db-hub');
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx.insert(s.attendanceEvents).values({
        id: crypto.randomUUID(),
        orgId: owner.orgId,
        employeeId: alice,
        type: 'clock_in',
        source: 'admin',
        method: 'admin',
        occurredAt: new Date('2026-03-13T08:00:00Z'),
        receivedAt: clock.now(),
      }),
    );
    await drain();
    const missing = await asOwner('GET', `/time/exceptions?${range}&code=missing_clock_out`);
    expect(missing.body.items).toEqual([
      expect.objectContaining({
        employeeId: alice,
        date: '2026-03-13',
        code: 'missing_clock_out',
        severity: 'error',
      }),
    ]);
    expect((await asOwner('GET', `/time/exceptions?${range}&code=late_arrival`)).body.items).toEqual([]);
  });

  it('bad input gets a problem: reversed or too long ranges, unknown ids, forged cursors', async () => {
    const reversed = await asOwner('GET', '/time/days?from=2026-03-15&to=2026-03-09');
    expect(reversed.status).toBe(422);
    expect(reversed.body.errors).toEqual([expect.objectContaining({ path: 'to' })]);
    expect((await asOwner('GET', '/time/entries?from=2025-01-01&to=2026-03-09')).status).toBe(422);
    expect((await asOwner('GET', '/time/days')).status).toBe(422);
    const unknownEmployee = await asOwner(
      'GET',
      `/time/days?${range}&employeeId=0190a000-0000-7000-8000-0000000000ee`,
    );
    expect(unknownEmployee.status).toBe(404);
    const unknownDepartment = await asOwner(
      'GET',
      `/time/days?${range}&departmentId=0190a000-0000-7000-8000-0000000000dd`,
    );
    expect(unknownDepartment.status).toBe(422);
    expect(unknownDepartment.body.errors).toEqual([{ path: 'departmentId', message: 'No such department' }]);
    const forged = await asOwner(
      'GET',
      `/time/days?${range}&cursor=${Buffer.from('["x"]').toString('base64url')}`,
    );
    expect(forged.status).toBe(422);
    expect((await asOwner('GET', `/employees/${alice}/time?from=2026-03-15&to=2026-03-09`)).status).toBe(422);
    expect((await asOwner('GET', '/employees/0190a000-0000-7000-8000-0000000000ee/time')).status).toBe(404);
  });
});
