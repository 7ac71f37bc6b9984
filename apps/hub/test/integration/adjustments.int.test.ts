/**
 * Managers' corrections through the API: manual entries, missing punches, edits and deletes, each
 * projected by the real projection job; who may correct whom; and bad input answered with a clear
 * problem+json that changes nothing.
 */
import { schema } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { signUpOwner } from '../helpers/test-hub';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;

beforeAll(async () => {
  org = await createTimeOrg();
});
afterAll(async () => {
  await org?.hub.close();
});

const adjust = (who: 'owner' | 'manager' | 'employee', employeeId: string, body: unknown) =>
  org.as(who, 'POST', `/employees/${employeeId}/adjustments`, body);

async function timesheet(employeeId: string, periodStart: string) {
  const response = await org.as('owner', 'GET', `/employees/${employeeId}/timesheets/${periodStart}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Sends a request that must be refused with `status`/`code`, and checks no table changed. */
async function expectRefused(
  send: () => ReturnType<TimeOrg['as']>,
  expected: { status: number; code: string; path?: string },
) {
  const before = await countAllRows(org.hub.runtime.deps.db);
  const response = await send();
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: response.status, code: response.body.code }).toEqual({
    status: expected.status,
    code: expected.code,
  });
  if (expected.path)
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(expected.path);
  expect(await countAllRows(org.hub.runtime.deps.db)).toEqual(before);
  return response.body;
}

describe('manual entries', () => {
  it('a manager adds one for an employee they manage; it is projected into the timesheet', async () => {
    const created = await adjust('manager', org.employees.alice, {
      kind: 'manual_entry',
      start: '2026-03-10T09:00:00Z',
      end: '2026-03-10T17:00:00Z',
      breakMinutes: 30,
      taskId: org.taskId,
      reason: 'Forgot to clock in at the warehouse',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'manual_entry',
      employeeId: org.employees.alice,
      start: '2026-03-10T09:00:00.000Z',
      effectiveAt: '2026-03-10T09:00:00.000Z',
      projectId: org.projectId,
      taskId: org.taskId,
      actorUserId: org.userIds.manager,
      flags: [],
      carriedToPeriodStart: null,
    });
    // Queued in the same transaction as the correction, for the entry's local date.
    const [queued] = await org.hub.runtime.deps.db
      .select()
      .from(schema.projectionQueue)
      .where(eq(schema.projectionQueue.employeeId, org.employees.alice));
    expect(queued).toMatchObject({ fromDate: '2026-03-10', toDate: '2026-03-10' });
    await org.project();
    const sheet = await timesheet(org.employees.alice, '2026-03-09');
    const day = sheet.days.find((d: { date: string }) => d.date === '2026-03-10');
    expect(day.entries).toEqual([
      expect.objectContaining({
        id: created.body.id,
        kind: 'manual',
        grossMinutes: 480,
        projectId: org.projectId,
      }),
    ]);
    expect(day.workedMinutes).toBe(450);
    expect(sheet.totals.workedMinutes).toBe(450);

    const audit = await org.as('owner', 'GET', '/audit-log?entityType=time_adjustment');
    expect(audit.body.items[0]).toMatchObject({
      action: 'time_adjustment.manual_entry',
      entityId: created.body.id,
    });
  });

  it('refuses bad entries with a problem+json that changes nothing', async () => {
    const entry = (overrides: Record<string, unknown>) => ({
      kind: 'manual_entry',
      start: '2026-03-11T09:00:00Z',
      end: '2026-03-11T12:00:00Z',
      reason: 'Paper timesheet',
      ...overrides,
    });
    const alice = org.employees.alice;
    await expectRefused(() => adjust('manager', alice, entry({ end: '2026-03-11T08:00:00Z' })), {
      status: 422,
      code: 'VALIDATION_FAILED',
      path: 'end',
    });
    // 3 minutes ahead of the hub's clock is beyond the 2-minute skew.
    await expectRefused(
      () => adjust('manager', alice, entry({ start: '2026-03-20T11:00:00Z', end: '2026-03-20T12:03:00Z' })),
      { status: 422, code: 'VALIDATION_FAILED', path: 'end' },
    );
    await expectRefused(
      () => adjust('manager', alice, entry({ projectId: org.projectId, taskId: org.otherProjectTaskId })),
      { status: 422, code: 'VALIDATION_FAILED', path: 'taskId' },
    );
    await expectRefused(
      () => adjust('manager', alice, entry({ projectId: '0190a000-0000-7000-8000-00000000dead' })),
      { status: 422, code: 'VALIDATION_FAILED', path: 'projectId' },
    );
    await expectRefused(() => adjust('manager', alice, entry({ reason: ' ' })), {
      status: 422,
      code: 'VALIDATION_FAILED',
      path: 'reason',
    });
    await expectRefused(() => adjust('manager', alice, entry({ breakMinutes: 180 })), {
      status: 422,
      code: 'VALIDATION_FAILED',
      path: 'breakMinutes',
    });
    // Overlaps the projected 09:00–17:00 entry of the first test.
    const overlap = await expectRefused(
      () => adjust('manager', alice, entry({ start: '2026-03-10T16:00:00Z', end: '2026-03-10T18:00:00Z' })),
      { status: 422, code: 'VALIDATION_FAILED', path: 'start' },
    );
    expect(overlap.detail).toContain('overlaps an existing entry');
  });

  it('refuses an entry overlapping one recorded moments ago, before the projection ran', async () => {
    const first = await adjust('owner', org.employees.bob, {
      kind: 'manual_entry',
      start: '2026-03-04T09:00:00Z',
      end: '2026-03-04T12:00:00Z',
      reason: 'Paper timesheet',
    });
    expect(first.status).toBe(201);
    await expectRefused(
      () =>
        adjust('owner', org.employees.bob, {
          kind: 'manual_entry',
          start: '2026-03-04T11:00:00Z',
          end: '2026-03-04T13:00:00Z',
          reason: 'Paper timesheet, again',
        }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'start' },
    );
  });

  it('accepts an instant within the 2-minute skew', async () => {
    const response = await adjust('owner', org.employees.bob, {
      kind: 'manual_entry',
      start: '2026-03-20T11:00:00Z',
      end: '2026-03-20T12:01:00Z',
      reason: 'Kiosk clock slightly ahead',
    });
    expect(response.status).toBe(201);
  });
});

describe('punches, edits and deletes', () => {
  let clockIn: string;
  let clockOut: string;

  it('adds a forgotten clock-out to a punched clock-in', async () => {
    const inResponse = await adjust('manager', org.employees.alice, {
      kind: 'punch',
      punchType: 'clock_in',
      occurredAt: '2026-03-17T08:00:00Z',
      reason: 'Kiosk was offline',
    });
    expect(inResponse.status).toBe(201);
    clockIn = inResponse.body.id;
    const outResponse = await adjust('manager', org.employees.alice, {
      kind: 'punch',
      punchType: 'clock_out',
      occurredAt: '2026-03-17T16:00:00Z',
      reason: 'Forgot to clock out',
    });
    expect(outResponse.status).toBe(201);
    expect(outResponse.body).toMatchObject({ kind: 'punch', punchType: 'clock_out', targetId: null });
    clockOut = outResponse.body.id;
    await org.project();
    const day = (await timesheet(org.employees.alice, '2026-03-16')).days.find(
      (d: { date: string }) => d.date === '2026-03-17',
    );
    expect(day.entries).toEqual([
      expect.objectContaining({ id: clockIn, status: 'complete', grossMinutes: 480 }),
    ]);
  });

  it('moves a punch, and the projection follows', async () => {
    const edit = await adjust('manager', org.employees.alice, {
      kind: 'edit',
      targetId: clockOut,
      occurredAt: '2026-03-17T17:00:00Z',
      reason: 'Stayed for the delivery',
    });
    expect(edit.status).toBe(201);
    expect(edit.body).toMatchObject({
      kind: 'edit',
      targetId: clockOut,
      effectiveAt: '2026-03-17T16:00:00.000Z',
    });
    await org.project();
    const day = (await timesheet(org.employees.alice, '2026-03-16')).days.find(
      (d: { date: string }) => d.date === '2026-03-17',
    );
    expect(day.workedMinutes).toBe(540);
  });

  it('refuses edits that make no sense for the target, and targets that are not this employee’s', async () => {
    const alice = org.employees.alice;
    await expectRefused(
      () =>
        adjust('manager', alice, {
          kind: 'edit',
          targetId: clockOut,
          start: '2026-03-17T08:00:00Z',
          reason: 'x y z',
        }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'start' },
    );
    await expectRefused(
      () =>
        adjust('manager', alice, {
          kind: 'edit',
          targetId: clockIn,
          occurredAt: '2026-03-17T18:00:00Z',
          reason: 'typo fix',
        }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'occurredAt' },
    );
    await expectRefused(
      () =>
        adjust('manager', alice, {
          kind: 'delete',
          targetId: '0190a000-0000-7000-8000-00000000beef',
          reason: 'gone',
        }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'targetId' },
    );
    // Bob's entry (the skew test) is not Alice's.
    const bobsLog = await org.as('owner', 'GET', `/employees/${org.employees.bob}/adjustments`);
    await expectRefused(
      () =>
        adjust('owner', alice, {
          kind: 'delete',
          targetId: bobsLog.body.items[0].id,
          reason: 'wrong person',
        }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'targetId' },
    );
    // Another org's correction id fails exactly like an unknown one.
    const other = await signUpOwner(org.hub);
    const otherEmployee = await org.hub.request('POST', `/api/orgs/${other.orgId}/employees`, {
      token: other.accessToken,
      body: { code: 'X', name: 'Other' },
    });
    const foreign = await org.hub.request(
      'POST',
      `/api/orgs/${other.orgId}/employees/${otherEmployee.body.id}/adjustments`,
      {
        token: other.accessToken,
        body: {
          kind: 'manual_entry',
          start: '2026-03-02T09:00:00Z',
          end: '2026-03-02T10:00:00Z',
          reason: 'seed',
        },
      },
    );
    expect(foreign.status).toBe(201);
    const refused = await expectRefused(
      () => adjust('owner', alice, { kind: 'delete', targetId: foreign.body.id, reason: 'cross-tenant' }),
      { status: 422, code: 'VALIDATION_FAILED', path: 'targetId' },
    );
    expect(refused.detail).toBe('No such punch or manual entry for this employee');
  });

  it('deletes a punch once; a second delete is a conflict', async () => {
    const first = await adjust('manager', org.employees.alice, {
      kind: 'delete',
      targetId: clockOut,
      reason: 'Duplicate',
    });
    expect(first.status).toBe(201);
    await expectRefused(
      () => adjust('manager', org.employees.alice, { kind: 'delete', targetId: clockOut, reason: 'Again' }),
      { status: 409, code: 'CONFLICT' },
    );
    await org.project();
    const day = (await timesheet(org.employees.alice, '2026-03-16')).days.find(
      (d: { date: string }) => d.date === '2026-03-17',
    );
    expect(day.workedMinutes).toBe(0);
  });
});

describe('who may correct whom', () => {
  const body = {
    kind: 'manual_entry',
    start: '2026-03-12T09:00:00Z',
    end: '2026-03-12T10:00:00Z',
    reason: 'Meeting',
  };

  it('a manager cannot correct someone outside their departments and teams (404, like another org)', async () => {
    await expectRefused(() => adjust('manager', org.employees.bob, body), { status: 404, code: 'NOT_FOUND' });
  });

  it('a manager cannot correct their own time', async () => {
    await expectRefused(() => adjust('manager', org.employees.mia, body), { status: 403, code: 'FORBIDDEN' });
  });

  it('an employee cannot correct time at all', async () => {
    await expectRefused(() => adjust('employee', org.employees.alice, body), {
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('lists corrections newest first, page by page; an employee sees only their own', async () => {
    const first = await org.as('manager', 'GET', `/employees/${org.employees.alice}/adjustments?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { kind: string }) => item.kind)).toEqual(['delete', 'edit']);
    const second = await org.as(
      'manager',
      'GET',
      `/employees/${org.employees.alice}/adjustments?limit=10&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((item: { kind: string }) => item.kind)).toEqual([
      'punch',
      'punch',
      'manual_entry',
    ]);
    expect(second.body.nextCursor).toBeNull();

    const own = await org.as('employee', 'GET', `/employees/${org.employees.alice}/adjustments`);
    expect(own.body.items).toHaveLength(5);
    const others = await org.as('employee', 'GET', `/employees/${org.employees.bob}/adjustments`);
    expect(others.status).toBe(404);
    const badCursor = await org.as(
      'employee',
      'GET',
      `/employees/${org.employees.alice}/adjustments?cursor=nope`,
    );
    expect(badCursor.status).toBe(422);
  });
});
