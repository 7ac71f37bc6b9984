/**
 * Leave as people use it: an admin sets up types, employees ask for leave for themselves, their
 * manager decides, balances move on an append-only ledger fed by the accrual job, and approved leave
 * is handed to the timesheet projection.
 */
import { ManualClock } from '@clockface/core';
import { schema, withOrgScope } from '@clockface/db-hub';
import { createShiftPattern, createShiftTemplate, listMailTo } from '@clockface/db-hub/queries';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAccrueLeave } from '../../src/jobs/leave-accrual';
import { recomputeEmployee } from '../../src/services/projection.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

/**
 * The hub's clock stands on 1 January 2026, the day the leave types are made, so January is their
 * first accrual period (and access tokens stay valid). The accrual job runs on its own clock.
 */
const clock = new ManualClock('2026-01-01T09:00:00Z');
const jobClock = new ManualClock('2026-01-01T09:00:00Z');
let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const users: Record<'manager' | 'employee', { token: string; userId: string; email: string }> = {} as never;
/** Emma (the employee user, in Ops), Mark (the manager user) and Olga (Sales: not Mark's). */
const employees: Record<'emma' | 'mark' | 'olga', string> = {} as never;
const types: Record<'vacation' | 'unpaid' | 'sick', string> = {} as never;

const org = (suffix: string) => `/api/orgs/${owner.orgId}${suffix}`;
const asOwner = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, org(suffix), { token: owner.accessToken, body });
const asManager = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, org(suffix), { token: users.manager.token, body });
const asEmployee = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, org(suffix), { token: users.employee.token, body });

async function invite(role: 'manager' | 'employee') {
  const email = `${role}.leave@example.com`;
  await asOwner('POST', '/invitations', { email, role });
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: role, password: 'leave passphrase 1' },
  });
  users[role] = { token: accepted.body.tokens.accessToken, userId: accepted.body.userId, email };
}

async function balanceOf(employeeId: string, leaveTypeId: string) {
  const response = await asOwner('GET', `/employees/${employeeId}/leave-balances`);
  expect(response.status).toBe(200);
  return response.body.items.find((item: { leaveTypeId: string }) => item.leaveTypeId === leaveTypeId);
}

const leaveMailsTo = async (to: string) =>
  (await listMailTo(hub.runtime.deps.db, { to })).filter((mail) => mail.template === 'leave');

async function ledgerOf(employeeId: string, leaveTypeId: string) {
  const response = await asOwner(
    'GET',
    `/employees/${employeeId}/leave-ledger?leaveTypeId=${leaveTypeId}&limit=200`,
  );
  expect(response.status).toBe(200);
  return response.body.items as {
    kind: string;
    minutes: number;
    effectiveDate: string;
    note: string | null;
  }[];
}

async function projectionQueueFor(employeeId: string) {
  return withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
    tx.select().from(schema.projectionQueue).where(eq(schema.projectionQueue.employeeId, employeeId)),
  );
}

async function clearProjectionQueue() {
  await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) => tx.delete(schema.projectionQueue));
}

const runAccrual = () => handleAccrueLeave({ ...hub.runtime.deps, clock: jobClock });

beforeAll(async () => {
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
  await invite('manager');
  await invite('employee');
  // Monthly periods make the accrual arithmetic easy to read.
  await hub.runtime.deps.db
    .update(schema.organizations)
    .set({ periodFrequency: 'monthly' })
    .where(eq(schema.organizations.id, owner.orgId));
  const ops = (await asOwner('POST', '/departments', { name: 'Ops' })).body.id;
  const sales = (await asOwner('POST', '/departments', { name: 'Sales' })).body.id;
  // Department managers are set through the structure API elsewhere; here the row is enough.
  await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
    tx
      .update(schema.departments)
      .set({ managerUserId: users.manager.userId })
      .where(eq(schema.departments.id, ops)),
  );
  const add = async (code: string, name: string, extra: Record<string, unknown>) => {
    const response = await asOwner('POST', '/employees', { code, name, ...extra });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  employees.emma = await add('E-1', 'Emma', { userId: users.employee.userId, departmentId: ops });
  employees.mark = await add('E-2', 'Mark', { userId: users.manager.userId });
  employees.olga = await add('E-3', 'Olga', { departmentId: sales, email: 'olga@example.com' });
});
afterAll(async () => {
  await hub?.close();
});

describe('leave types', () => {
  it('an admin creates paid, unpaid and no-approval types; every member can list them', async () => {
    const vacation = await asOwner('POST', '/leave-types', {
      name: 'Vacation',
      code: 'VAC',
      accrualMinutesPerPeriod: 480,
      carryOverCapMinutes: 960,
      defaultDayMinutes: 480,
    });
    expect(vacation.status).toBe(201);
    expect(vacation.body).toMatchObject({
      name: 'Vacation',
      code: 'VAC',
      isPaid: true,
      accrualMinutesPerPeriod: 480,
      carryOverCapMinutes: 960,
      allowNegativeBalance: false,
      requiresApproval: true,
      isDeleted: false,
    });
    types.vacation = vacation.body.id;
    types.unpaid = (
      await asOwner('POST', '/leave-types', {
        name: 'Unpaid',
        code: 'UNP',
        isPaid: false,
        allowNegativeBalance: true,
      })
    ).body.id;
    types.sick = (
      await asOwner('POST', '/leave-types', {
        name: 'Sick',
        code: 'SICK',
        allowNegativeBalance: true,
        requiresApproval: false,
        defaultDayMinutes: 450,
      })
    ).body.id;

    const listed = await asEmployee('GET', '/leave-types');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((type: { name: string }) => type.name)).toEqual([
      'Sick',
      'Unpaid',
      'Vacation',
    ]);
  });

  it('refuses a duplicate code, bad values and writes by non-admins, changing nothing', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const duplicate = await asOwner('POST', '/leave-types', { name: 'Holiday', code: 'VAC' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.errors).toEqual([{ path: 'code', message: 'Already in use' }]);
    const bad = await asOwner('POST', '/leave-types', {
      name: '',
      accrualMinutesPerPeriod: -5,
      defaultDayMinutes: 2000,
      color: 'red',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'accrualMinutesPerPeriod',
      'color',
      'defaultDayMinutes',
      'name',
    ]);
    expect((await asManager('POST', '/leave-types', { name: 'Manager made' })).status).toBe(403);
    expect(
      (await asOwner('PATCH', '/leave-types/0190a000-0000-7000-8000-000000000001', { name: 'X' })).status,
    ).toBe(404);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('a deleted type disappears from the list (unless asked for) and takes no new requests', async () => {
    const temp = (await asOwner('POST', '/leave-types', { name: 'Temp', allowNegativeBalance: true })).body
      .id;
    expect((await asOwner('PATCH', `/leave-types/${temp}`, { name: 'Temporary' })).body.name).toBe(
      'Temporary',
    );
    expect((await asOwner('DELETE', `/leave-types/${temp}`)).status).toBe(204);
    expect((await asOwner('DELETE', `/leave-types/${temp}`)).status).toBe(404);
    const live = await asOwner('GET', '/leave-types');
    expect(live.body.items.some((type: { id: string }) => type.id === temp)).toBe(false);
    const all = await asOwner('GET', '/leave-types?includeDeleted=true');
    expect(all.body.items.find((type: { id: string }) => type.id === temp).isDeleted).toBe(true);
    const request = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: temp,
      startDate: '2026-06-01',
      endDate: '2026-06-01',
    });
    expect(request.status).toBe(422);
    expect(request.body.errors).toEqual([{ path: 'leaveTypeId', message: 'No such leave type' }]);
  });
});

describe('accrual job', () => {
  it('credits each completed period once, however often it runs', async () => {
    jobClock.set('2026-03-02T09:00:00Z');
    expect(await runAccrual()).toBe('SUCCESS');
    expect(await runAccrual()).toBe('SUCCESS');
    const lines = await ledgerOf(employees.emma, types.vacation);
    expect(lines.map((line) => [line.kind, line.minutes, line.effectiveDate])).toEqual([
      ['accrual', 480, '2026-01-31'],
      ['accrual', 480, '2026-02-28'],
    ]);
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      accruedMinutes: 960,
      usedMinutes: 0,
      balanceMinutes: 960,
      pendingMinutes: 0,
      availableMinutes: 960,
    });
    // Types without accrual get no lines.
    expect(await ledgerOf(employees.emma, types.unpaid)).toEqual([]);
  });
});

describe('requests and decisions', () => {
  let vacationId: string;

  it('an employee asks for leave; working days Monday to Friday are charged and the manager is mailed', async () => {
    const response = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: types.vacation,
      startDate: '2026-03-13',
      endDate: '2026-03-16',
      reason: 'Family visit',
    });
    expect(response.status).toBe(201);
    // Friday and Monday; the weekend between costs nothing.
    expect(response.body).toMatchObject({
      employeeId: employees.emma,
      status: 'pending',
      totalMinutes: 960,
      minutesPerDay: null,
      requestedByUserId: users.employee.userId,
    });
    vacationId = response.body.id;
    const mails = await leaveMailsTo(users.manager.email);
    expect(mails.at(-1)).toMatchObject({ subject: 'Leave request to decide: Emma' });
    expect(mails.at(-1)!.text).toContain('2026-03-13 to 2026-03-16 (16 h)');
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      balanceMinutes: 960,
      pendingMinutes: 960,
      availableMinutes: 0,
    });
    const own = await asEmployee('GET', '/me/leave-requests');
    expect(own.body.items.map((item: { id: string }) => item.id)).toEqual([vacationId]);
    expect((await asEmployee('GET', `/leave-requests/${vacationId}`)).body.status).toBe('pending');
  });

  it('refuses bad dates, overlaps and an exhausted balance, each with a clear error and no change', async () => {
    const leaver = (
      await asOwner('POST', '/employees', { code: 'E-9', name: 'Leaver', hireDate: '2026-02-02' })
    ).body.id;
    await asOwner('POST', `/employees/${leaver}/terminate`, { terminationDate: '2026-04-30' });
    const before = await countAllRows(hub.runtime.deps.db);
    const ask = (body: Record<string, unknown>) => asEmployee('POST', '/me/leave-requests', body);
    const backwards = await ask({
      leaveTypeId: types.unpaid,
      startDate: '2026-04-10',
      endDate: '2026-04-09',
    });
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors).toEqual([{ path: 'endDate', message: 'Before the start date' }]);
    const weekend = await ask({ leaveTypeId: types.unpaid, startDate: '2026-04-11', endDate: '2026-04-12' });
    expect(weekend.status).toBe(422);
    expect(weekend.body.detail).toContain('no working day');
    const overlap = await ask({ leaveTypeId: types.unpaid, startDate: '2026-03-16', endDate: '2026-03-17' });
    expect(overlap.status).toBe(409);
    expect(overlap.body.detail).toContain('Overlaps the pending request');
    const tooMuch = await ask({
      leaveTypeId: types.vacation,
      startDate: '2026-04-06',
      endDate: '2026-04-06',
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.detail).toBe('Not enough Vacation: 0 minutes available, 480 requested');
    const malformed = await ask({
      leaveTypeId: 'nope',
      startDate: '2026-02-30',
      endDate: '2026-04-06',
      extra: 1,
    });
    expect(malformed.status).toBe(422);
    const unknownType = await ask({
      leaveTypeId: '0190a000-0000-7000-8000-000000000001',
      startDate: '2026-04-06',
      endDate: '2026-04-06',
    });
    expect(unknownType.status).toBe(422);
    const tooLong = await ask({ leaveTypeId: types.unpaid, startDate: '2026-04-06', endDate: '2027-06-06' });
    expect(tooLong.status).toBe(422);
    // Outside employment: before the hire date, after the termination date.
    const forLeaver = (startDate: string, endDate: string) =>
      asOwner('POST', '/leave-requests', {
        employeeId: leaver,
        leaveTypeId: types.unpaid,
        startDate,
        endDate,
      });
    const beforeHire = await forLeaver('2026-01-26', '2026-02-03');
    expect(beforeHire.status).toBe(422);
    expect(beforeHire.body.errors).toEqual([{ path: 'startDate', message: 'Before the hire date' }]);
    const afterLeaving = await forLeaver('2026-04-29', '2026-05-04');
    expect(afterLeaving.status).toBe(422);
    expect(afterLeaving.body.errors).toEqual([{ path: 'endDate', message: 'After the termination date' }]);
    // The owner has no employee record: self-service has no one to charge.
    const noEmployee = await asOwner('POST', '/me/leave-requests', {
      leaveTypeId: types.unpaid,
      startDate: '2026-04-06',
      endDate: '2026-04-06',
    });
    expect(noEmployee.status).toBe(404);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('a manager sees only the requests of the people they manage; an employee decides nothing', async () => {
    const olgas = await asOwner('POST', '/leave-requests', {
      employeeId: employees.olga,
      leaveTypeId: types.unpaid,
      startDate: '2026-03-18',
      endDate: '2026-03-18',
    });
    expect(olgas.status).toBe(201);
    // Olga's department has no manager: the org's owners and admins are asked instead.
    expect((await leaveMailsTo(owner.email)).at(-1)).toBeUndefined(); // the owner asked, so is not mailed
    const managed = await asManager('GET', '/leave-requests');
    expect(managed.status).toBe(200);
    expect(managed.body.items.map((item: { employeeId: string }) => item.employeeId)).toEqual([
      employees.emma,
    ]);
    expect((await asManager('GET', `/leave-requests?employeeId=${employees.olga}`)).body.items).toEqual([]);
    expect((await asManager('GET', `/leave-requests/${olgas.body.id}`)).status).toBe(404);
    expect((await asManager('POST', `/leave-requests/${olgas.body.id}/approve`, {})).status).toBe(404);
    expect(
      (
        await asManager('POST', '/leave-requests', {
          employeeId: employees.olga,
          leaveTypeId: types.unpaid,
          startDate: '2026-03-19',
          endDate: '2026-03-19',
        })
      ).status,
    ).toBe(404);
    expect((await asOwner('GET', '/leave-requests')).body.items).toHaveLength(2);
    expect((await asEmployee('GET', '/leave-requests')).status).toBe(403);
    expect((await asEmployee('POST', `/leave-requests/${vacationId}/approve`, {})).status).toBe(403);
    expect((await asEmployee('GET', `/leave-requests/${olgas.body.id}`)).status).toBe(404);
  });

  it('approval charges the balance, queues the dates for the timesheet projection and mails the employee', async () => {
    await clearProjectionQueue();
    const approved = await asManager('POST', `/leave-requests/${vacationId}/approve`, { note: 'Enjoy' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedByUserId: users.manager.userId,
      decisionNote: 'Enjoy',
    });
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      accruedMinutes: 960,
      usedMinutes: 960,
      balanceMinutes: 0,
      pendingMinutes: 0,
      availableMinutes: 0,
    });
    expect((await ledgerOf(employees.emma, types.vacation)).at(-1)).toMatchObject({
      kind: 'usage',
      minutes: -960,
      effectiveDate: '2026-03-13',
    });
    expect(await projectionQueueFor(employees.emma)).toEqual([
      expect.objectContaining({ fromDate: '2026-03-13', toDate: '2026-03-16' }),
    ]);
    const mail = (await leaveMailsTo(users.employee.email)).at(-1)!;
    expect(mail.subject).toBe('Leave approved: Vacation');
    expect(mail.text).toContain('Note: Enjoy');
  });

  it('a decision cannot be made twice', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const again = await asManager('POST', `/leave-requests/${vacationId}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('This request is already approved');
    expect((await asManager('POST', `/leave-requests/${vacationId}/reject`, { note: 'No' })).status).toBe(
      409,
    );
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('only an approver cancels approved leave; the balance comes back and the days are recomputed', async () => {
    const byEmployee = await asEmployee('POST', `/leave-requests/${vacationId}/cancel`, {});
    expect(byEmployee.status).toBe(403);
    await clearProjectionQueue();
    const cancelled = await asManager('POST', `/leave-requests/${vacationId}/cancel`, {
      note: 'Plans changed',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await ledgerOf(employees.emma, types.vacation)).slice(-2).map((line) => line.minutes)).toEqual([
      -960, 960,
    ]);
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      usedMinutes: 0,
      balanceMinutes: 960,
      availableMinutes: 960,
    });
    expect(await projectionQueueFor(employees.emma)).toEqual([
      expect.objectContaining({ fromDate: '2026-03-13', toDate: '2026-03-16' }),
    ]);
    expect((await leaveMailsTo(users.employee.email)).at(-1)!.subject).toBe('Leave cancelled: Vacation');
    expect((await asManager('POST', `/leave-requests/${vacationId}/cancel`, {})).status).toBe(409);
  });

  it('a part-day request charges its minutes; a rejection needs a note and reaches the employee', async () => {
    const partDay = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: types.unpaid,
      startDate: '2026-03-20',
      endDate: '2026-03-20',
      minutesPerDay: 240,
    });
    expect(partDay.status).toBe(201);
    expect(partDay.body.totalMinutes).toBe(240);
    const noNote = await asManager('POST', `/leave-requests/${partDay.body.id}/reject`, {});
    expect(noNote.status).toBe(422);
    const rejected = await asManager('POST', `/leave-requests/${partDay.body.id}/reject`, {
      note: 'Stocktake day',
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'Stocktake day' });
    expect((await leaveMailsTo(users.employee.email)).at(-1)!.text).toContain('Stocktake day');
    // Rejected leave frees its dates.
    const sameDay = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: types.unpaid,
      startDate: '2026-03-20',
      endDate: '2026-03-20',
    });
    expect(sameDay.status).toBe(201);
    // The employee withdraws their own pending request; the approvers hear of it.
    const withdrawn = await asEmployee('POST', `/leave-requests/${sameDay.body.id}/cancel`, {});
    expect(withdrawn.body.status).toBe('cancelled');
    expect((await leaveMailsTo(users.manager.email)).at(-1)!.subject).toBe('Leave request withdrawn: Emma');
    expect((await asManager('POST', `/leave-requests/${sameDay.body.id}/approve`, {})).status).toBe(409);
  });

  it('a manager may request leave for themselves but not approve it', async () => {
    const own = await asManager('POST', '/me/leave-requests', {
      leaveTypeId: types.unpaid,
      startDate: '2026-03-23',
      endDate: '2026-03-24',
    });
    expect(own.status).toBe(201);
    // Mark has no department: the owner is the approver who is told.
    expect((await leaveMailsTo(owner.email)).at(-1)!.subject).toBe('Leave request to decide: Mark');
    const selfApproval = await asManager('POST', `/leave-requests/${own.body.id}/approve`, {});
    expect(selfApproval.status).toBe(403);
    expect((await asOwner('POST', `/leave-requests/${own.body.id}/approve`, {})).body.status).toBe(
      'approved',
    );
  });

  it('approved leave counts in the timesheet, working days only, as much as the balance was charged', async () => {
    await clearProjectionQueue();
    const request = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: types.unpaid,
      startDate: '2026-03-27',
      endDate: '2026-03-30',
    });
    await asManager('POST', `/leave-requests/${request.body.id}/approve`, {});
    const [queued] = await projectionQueueFor(employees.emma);
    expect(queued).toMatchObject({ fromDate: '2026-03-27', toDate: '2026-03-30' });
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      recomputeEmployee(tx, {
        orgId: owner.orgId,
        employeeId: employees.emma,
        fromDate: queued!.fromDate,
        toDate: queued!.toDate,
        asOf: clock.now(),
      }),
    );
    const days = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx
        .select()
        .from(schema.workDays)
        .where(eq(schema.workDays.employeeId, employees.emma))
        .orderBy(schema.workDays.workDate),
    );
    expect(
      days
        .filter((day) => day.leaveMinutes > 0)
        .map((day) => [day.workDate, day.leaveMinutes, day.paidLeaveMinutes]),
    ).toEqual([
      ['2026-03-27', 480, 0],
      ['2026-03-30', 480, 0],
    ]);
    expect(request.body.totalMinutes).toBe(960);
  });

  it('a type that needs no approval is approved as it is made, and may go negative', async () => {
    await clearProjectionQueue();
    const sick = await asEmployee('POST', '/me/leave-requests', {
      leaveTypeId: types.sick,
      startDate: '2026-03-25',
      endDate: '2026-03-26',
    });
    expect(sick.status).toBe(201);
    expect(sick.body).toMatchObject({ status: 'approved', totalMinutes: 900 });
    expect(await balanceOf(employees.emma, types.sick)).toMatchObject({
      usedMinutes: 900,
      balanceMinutes: -900,
    });
    expect(await projectionQueueFor(employees.emma)).toHaveLength(1);
  });
});

describe('races and other orgs', () => {
  it('two approvers at once: one approves, the other gets 409, and the balance is charged once', async () => {
    const request = await asOwner('POST', '/leave-requests', {
      employeeId: employees.emma,
      leaveTypeId: types.unpaid,
      startDate: '2026-05-04',
      endDate: '2026-05-04',
    });
    const usedBefore = (await balanceOf(employees.emma, types.unpaid)).usedMinutes;
    const answers = await Promise.all([
      asOwner('POST', `/leave-requests/${request.body.id}/approve`, {}),
      asManager('POST', `/leave-requests/${request.body.id}/approve`, {}),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect((await balanceOf(employees.emma, types.unpaid)).usedMinutes).toBe(usedBefore + 480);
  });

  it('overlapping requests at once: exactly one is made', async () => {
    const ask = () =>
      asEmployee('POST', '/me/leave-requests', {
        leaveTypeId: types.unpaid,
        startDate: '2026-05-11',
        endDate: '2026-05-12',
      });
    const answers = await Promise.all(Array.from({ length: 6 }, ask));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it("another org's leave type or employee is refused like one that does not exist", async () => {
    const other = await signUpOwner(hub);
    const foreignType = await hub.request('POST', `/api/orgs/${other.orgId}/leave-types`, {
      token: other.accessToken,
      body: { name: 'Elsewhere', allowNegativeBalance: true },
    });
    const foreignEmployee = await hub.request('POST', `/api/orgs/${other.orgId}/employees`, {
      token: other.accessToken,
      body: { code: 'X-1', name: 'Elsewhere' },
    });
    const before = await countAllRows(hub.runtime.deps.db);
    const withType = (leaveTypeId: string) =>
      asEmployee('POST', '/me/leave-requests', {
        leaveTypeId,
        startDate: '2026-05-18',
        endDate: '2026-05-18',
      });
    const foreign = await withType(foreignType.body.id);
    const missing = await withType('0190a000-0000-7000-8000-000000000001');
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors).toEqual(missing.body.errors);
    const forForeignEmployee = await asOwner('POST', '/leave-requests', {
      employeeId: foreignEmployee.body.id,
      leaveTypeId: types.unpaid,
      startDate: '2026-05-18',
      endDate: '2026-05-18',
    });
    expect(forForeignEmployee.status).toBe(404);
    expect(
      (
        await asOwner('POST', `/employees/${employees.emma}/leave-adjustments`, {
          leaveTypeId: foreignType.body.id,
          minutes: 60,
          note: 'Sneaky',
        })
      ).status,
    ).toBe(422);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });
});

describe('with a schedule', () => {
  it("charges the employee's scheduled minutes on their working days, not Monday to Friday", async () => {
    const orgId = owner.orgId;
    await withOrgScope(hub.runtime.deps.db, orgId, async (tx) => {
      // Tuesday to Thursday, 06:00–14:00: 480 minutes a day (the break is part of the shift).
      const early = await createShiftTemplate(tx, {
        orgId,
        name: 'Early',
        startTime: '06:00',
        endTime: '14:00',
        breakMinutes: 30,
      });
      await createShiftPattern(tx, {
        orgId,
        employeeId: employees.olga,
        shiftTemplateId: early.id,
        weekdays: [2, 3, 4],
        effectiveFrom: '2026-04-01',
      });
    });
    const request = (body: Record<string, unknown>) =>
      asOwner('POST', '/leave-requests', { employeeId: employees.olga, leaveTypeId: types.unpaid, ...body });
    // Monday 6 to Friday 10 April: three scheduled days.
    const week = await request({ startDate: '2026-04-06', endDate: '2026-04-10' });
    expect(week.status).toBe(201);
    expect(week.body.totalMinutes).toBe(1440);
    // A part day charges the smaller of the part and the shift.
    const partDays = await request({ startDate: '2026-04-14', endDate: '2026-04-17', minutesPerDay: 240 });
    expect(partDays.body.totalMinutes).toBe(720);
    // Her Monday off costs nothing, so a request for it alone is refused.
    const dayOff = await request({ startDate: '2026-04-20', endDate: '2026-04-20' });
    expect(dayOff.status).toBe(422);
    expect(dayOff.body.detail).toContain('no working day');
    // Before the pattern took effect, the weekday rule applies.
    const before = await request({ startDate: '2026-03-30', endDate: '2026-03-31' });
    expect(before.body.totalMinutes).toBe(960);
  });
});

describe('adjustments and the ledger', () => {
  it('an admin adjusts a balance with a note; the line is audited and paged in date order', async () => {
    const adjusted = await asOwner('POST', `/employees/${employees.emma}/leave-adjustments`, {
      leaveTypeId: types.vacation,
      minutes: 120,
      effectiveDate: '2026-03-01',
      note: 'Opening balance from the old system',
    });
    expect(adjusted.status).toBe(201);
    expect(adjusted.body).toMatchObject({ kind: 'adjustment', minutes: 120, actorUserId: owner.userId });
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      adjustedMinutes: 120,
      balanceMinutes: 1080,
    });
    const audit = await asOwner('GET', '/audit-log?limit=200');
    const actions = new Set(audit.body.items.map((entry: { action: string }) => entry.action));
    for (const action of [
      'leave_type.created',
      'leave_type.deleted',
      'leave_request.created',
      'leave_request.approved',
      'leave_request.rejected',
      'leave_request.cancelled',
      'leave_balance.adjusted',
      'leave.accrued',
    ])
      expect(actions).toContain(action);

    const first = await asOwner(
      'GET',
      `/employees/${employees.emma}/leave-ledger?leaveTypeId=${types.vacation}&limit=2`,
    );
    expect(first.body.items.map((line: { effectiveDate: string }) => line.effectiveDate)).toEqual([
      '2026-01-31',
      '2026-02-28',
    ]);
    const second = await asOwner(
      'GET',
      `/employees/${employees.emma}/leave-ledger?leaveTypeId=${types.vacation}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items[0]).toMatchObject({ kind: 'adjustment', effectiveDate: '2026-03-01' });
    expect((await asOwner('GET', `/employees/${employees.emma}/leave-ledger?cursor=garbage`)).status).toBe(
      422,
    );
  });

  it('refuses zero, note-less and unknown-type adjustments, and managers', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const adjust = (body: Record<string, unknown>) =>
      asOwner('POST', `/employees/${employees.emma}/leave-adjustments`, body);
    expect((await adjust({ leaveTypeId: types.vacation, minutes: 0, note: 'x' })).status).toBe(422);
    expect((await adjust({ leaveTypeId: types.vacation, minutes: 60 })).status).toBe(422);
    expect(
      (await adjust({ leaveTypeId: '0190a000-0000-7000-8000-000000000001', minutes: 60, note: 'x' })).status,
    ).toBe(422);
    expect(
      (
        await asOwner('POST', '/employees/0190a000-0000-7000-8000-000000000001/leave-adjustments', {
          leaveTypeId: types.vacation,
          minutes: 60,
          note: 'x',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await asManager('POST', `/employees/${employees.emma}/leave-adjustments`, {
          leaveTypeId: types.vacation,
          minutes: 60,
          note: 'x',
        })
      ).status,
    ).toBe(403);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('balances: an employee reads their own; a manager only their people', async () => {
    const own = await asEmployee('GET', '/me/leave-balances');
    expect(own.status).toBe(200);
    expect(own.body.employeeId).toBe(employees.emma);
    expect((await asEmployee('GET', `/employees/${employees.emma}/leave-balances`)).status).toBe(403);
    expect((await asManager('GET', `/employees/${employees.emma}/leave-balances`)).status).toBe(200);
    expect((await asManager('GET', `/employees/${employees.olga}/leave-balances`)).status).toBe(404);
    expect((await asManager('GET', `/employees/${employees.olga}/leave-ledger`)).status).toBe(404);
    expect((await asOwner('GET', '/me/leave-balances')).status).toBe(404);
  });

  it('the ledger is append-only for the app role', async () => {
    const db = hub.runtime.deps.db;
    await expect(withOrgScope(db, owner.orgId, (tx) => tx.delete(schema.leaveLedger))).rejects.toThrow();
    await expect(
      withOrgScope(db, owner.orgId, (tx) => tx.update(schema.leaveLedger).set({ minutes: 999_999 })),
    ).rejects.toThrow();
  });
});

describe('year boundary', () => {
  it('carries over up to the cap and expires the rest on 1 January, once', async () => {
    // The job runs through the year (hourly in production; monthly is enough to see every period).
    for (let month = 4; month <= 12; month++) {
      jobClock.set(`2026-${String(month).padStart(2, '0')}-02T09:00:00Z`);
      expect(await runAccrual()).toBe('SUCCESS');
    }
    jobClock.set('2027-01-05T09:00:00Z');
    expect(await runAccrual()).toBe('SUCCESS');
    expect(await runAccrual()).toBe('SUCCESS');
    // 12 accruals of 480 + the 120 adjustment = 5,880 at the end of 2026; the cap keeps 960.
    const expiries = (await ledgerOf(employees.emma, types.vacation)).filter(
      (line) => line.kind === 'carry_over_expiry',
    );
    expect(expiries).toEqual([expect.objectContaining({ minutes: -4920, effectiveDate: '2027-01-01' })]);
    expect(await balanceOf(employees.emma, types.vacation)).toMatchObject({
      accruedMinutes: 5760,
      expiredMinutes: 4920,
      balanceMinutes: 960,
    });
    // Olga never used leave either: the same cap applies to everyone with a balance.
    expect(await balanceOf(employees.olga, types.vacation)).toMatchObject({ balanceMinutes: 960 });
    // Types without a cap keep everything.
    const [unpaidExpiry] = await hub.runtime.deps.db
      .select()
      .from(schema.leaveLedger)
      .where(
        and(
          eq(schema.leaveLedger.leaveTypeId, types.unpaid),
          eq(schema.leaveLedger.kind, 'carry_over_expiry'),
        ),
      );
    expect(unpaidExpiry).toBeUndefined();
  });
});
