/**
 * Modification requests through the API: an employee asks to fix their own time, their manager is
 * mailed, approves (applied as a correction in the same transaction, projected) or rejects with a
 * note, and the employee is mailed back. Deciding twice, deciding your own, and bad requests are
 * refused with a problem+json that changes nothing.
 */
import { withOrgScope } from '@clockface/db-hub';
import { endTeamMemberships, listMailTo } from '@clockface/db-hub/queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;

beforeAll(async () => {
  org = await createTimeOrg();
});
afterAll(async () => {
  await org?.hub.close();
});

const fileRequest = (who: 'employee' | 'manager' | 'owner', body: unknown) =>
  org.as(who, 'POST', '/me/modification-requests', body);

async function mailsTo(email: string, template: string) {
  return (await listMailTo(org.hub.runtime.deps.db, { to: email })).filter(
    (mail) => mail.template === template,
  );
}

async function expectRefused(send: () => ReturnType<TimeOrg['as']>, status: number, code: string) {
  const before = await countAllRows(org.hub.runtime.deps.db);
  const response = await send();
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(await countAllRows(org.hub.runtime.deps.db)).toEqual(before);
  return response.body;
}

describe('an employee asks, a manager approves', () => {
  let requestId: string;

  it('files a request for a missing entry; the department manager is mailed', async () => {
    const filed = await fileRequest('employee', {
      action: 'add',
      proposal: {
        kind: 'entry',
        start: '2026-03-17T09:00:00Z',
        end: '2026-03-17T13:00:00Z',
        taskId: org.taskId,
      },
      reason: 'Worked at the client site, no kiosk there',
    });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({
      employeeId: org.employees.alice,
      requestedByUserId: org.userIds.employee,
      action: 'add',
      status: 'pending',
      adjustmentId: null,
    });
    requestId = filed.body.id;
    const [mail] = await mailsTo(org.emails.manager, 'modification_request_submitted');
    expect(mail?.text).toContain(
      'Alice (ALICE) asks to add an entry 2026-03-17T09:00:00Z – 2026-03-17T13:00:00Z',
    );
    expect(mail?.text).toContain('Worked at the client site');

    const mine = await org.as('employee', 'GET', '/me/modification-requests');
    expect(mine.body.items.map((item: { id: string }) => item.id)).toEqual([requestId]);
  });

  it('the manager sees it among pending requests; the employee cannot list or decide others’', async () => {
    const pending = await org.as('manager', 'GET', '/modification-requests?status=pending');
    expect(pending.body.items.map((item: { id: string }) => item.id)).toEqual([requestId]);
    expect((await org.as('employee', 'GET', '/modification-requests')).status).toBe(403);
    expect((await org.as('employee', 'POST', `/modification-requests/${requestId}/approve`, {})).status).toBe(
      403,
    );
  });

  it('approval applies it as a correction with the request id, projects it, and mails the employee', async () => {
    const approved = await org.as('manager', 'POST', `/modification-requests/${requestId}/approve`, {
      note: 'Thanks',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedByUserId: org.userIds.manager,
      decisionNote: 'Thanks',
    });
    const log = await org.as('manager', 'GET', `/employees/${org.employees.alice}/adjustments`);
    expect(log.body.items[0]).toMatchObject({
      id: approved.body.adjustmentId,
      kind: 'manual_entry',
      modificationRequestId: requestId,
      actorUserId: org.userIds.manager,
      projectId: org.projectId,
      reason: 'Worked at the client site, no kiosk there',
    });
    await org.project();
    const sheet = await org.as('employee', 'GET', `/employees/${org.employees.alice}/timesheets/2026-03-16`);
    expect(sheet.body.totals.workedMinutes).toBe(240);
    const [mail] = await mailsTo(org.emails.employee, 'modification_request_decided');
    expect(mail?.subject).toBe('Your time correction request was approved');
  });

  it('a decided request cannot be decided again, or cancelled', async () => {
    await expectRefused(
      () => org.as('owner', 'POST', `/modification-requests/${requestId}/approve`, {}),
      409,
      'CONFLICT',
    );
    await expectRefused(
      () => org.as('owner', 'POST', `/modification-requests/${requestId}/reject`, { note: 'Too late' }),
      409,
      'CONFLICT',
    );
    await expectRefused(
      () => org.as('employee', 'POST', `/me/modification-requests/${requestId}/cancel`),
      409,
      'CONFLICT',
    );
  });
});

describe('changes, deletes, rejections and cancellations', () => {
  let entryId: string;

  beforeAll(async () => {
    const log = await org.as('owner', 'GET', `/employees/${org.employees.alice}/adjustments`);
    entryId = log.body.items[0].id;
  });

  it('a change request is rejected with a note; nothing is applied and the employee is mailed', async () => {
    const filed = await fileRequest('employee', {
      action: 'change',
      targetId: entryId,
      proposal: { kind: 'change', end: '2026-03-17T14:00:00Z' },
      reason: 'Stayed an hour longer',
    });
    expect(filed.status).toBe(201);
    const before = await org.as('owner', 'GET', `/employees/${org.employees.alice}/adjustments`);
    const rejected = await org.as('manager', 'POST', `/modification-requests/${filed.body.id}/reject`, {
      note: 'The client says 13:00',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      adjustmentId: null,
      decisionNote: 'The client says 13:00',
    });
    const after = await org.as('owner', 'GET', `/employees/${org.employees.alice}/adjustments`);
    expect(after.body.items).toEqual(before.body.items);
    const mails = await mailsTo(org.emails.employee, 'modification_request_decided');
    expect(mails.at(-1)?.text).toContain('was rejected.\n\nNote: The client says 13:00');
  });

  it('a reject needs a note', async () => {
    const filed = await fileRequest('employee', { action: 'delete', targetId: entryId, reason: 'Wrong day' });
    await expectRefused(
      () => org.as('manager', 'POST', `/modification-requests/${filed.body.id}/reject`, {}),
      422,
      'VALIDATION_FAILED',
    );
    const cancelled = await org.as('employee', 'POST', `/me/modification-requests/${filed.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('a delete request, approved, voids the entry', async () => {
    const filed = await fileRequest('employee', { action: 'delete', targetId: entryId, reason: 'Wrong day' });
    const approved = await org.as('owner', 'POST', `/modification-requests/${filed.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    await org.project();
    const sheet = await org.as('employee', 'GET', `/employees/${org.employees.alice}/timesheets/2026-03-16`);
    expect(sheet.body.totals.workedMinutes).toBe(0);
  });

  it('a missing punch request, approved, becomes an admin punch', async () => {
    const filed = await fileRequest('employee', {
      action: 'add',
      proposal: { kind: 'punch', punchType: 'clock_in', occurredAt: '2026-03-18T08:00:00Z' },
      reason: 'Kiosk did not recognise me',
    });
    const approved = await org.as('manager', 'POST', `/modification-requests/${filed.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    const log = await org.as('employee', 'GET', `/employees/${org.employees.alice}/adjustments`);
    expect(log.body.items[0]).toMatchObject({
      id: approved.body.adjustmentId,
      kind: 'punch',
      punchType: 'clock_in',
      occurredAt: '2026-03-18T08:00:00.000Z',
      actorUserId: org.userIds.manager,
    });
  });
});

describe('races and locked periods', () => {
  it('two approvers deciding at once: one wins, the other gets 409, and it is applied once', async () => {
    const filed = await fileRequest('employee', {
      action: 'add',
      proposal: { kind: 'entry', start: '2026-03-19T09:00:00Z', end: '2026-03-19T10:00:00Z' },
      reason: 'Stand-up at the office',
    });
    const [first, second] = await Promise.all([
      org.as('manager', 'POST', `/modification-requests/${filed.body.id}/approve`, {}),
      org.as('owner', 'POST', `/modification-requests/${filed.body.id}/reject`, { note: 'Not needed' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const log = await org.as('owner', 'GET', `/employees/${org.employees.alice}/adjustments?limit=50`);
    const applied = log.body.items.filter(
      (item: { modificationRequestId: string | null }) => item.modificationRequestId === filed.body.id,
    );
    expect(applied).toHaveLength(first.status === 200 ? 1 : 0);
  });

  it('a request for a locked period is refused on approval unless carried to the next open period', async () => {
    const week = `/employees/${org.employees.alice}/timesheets/2026-03-02`;
    for (const action of ['submit', 'approve', 'lock']) {
      expect((await org.as('owner', 'POST', `${week}/${action}`, {})).status).toBe(200);
    }
    org.clock.advance(60_000);
    const filed = await fileRequest('employee', {
      action: 'add',
      proposal: { kind: 'entry', start: '2026-03-03T09:00:00Z', end: '2026-03-03T17:00:00Z' },
      reason: 'Forgot the whole Tuesday',
    });
    expect(filed.status).toBe(201);
    await expectRefused(
      () => org.as('manager', 'POST', `/modification-requests/${filed.body.id}/approve`, {}),
      409,
      'PERIOD_LOCKED',
    );
    const carried = await org.as('manager', 'POST', `/modification-requests/${filed.body.id}/approve`, {
      carryToNextOpenPeriod: true,
    });
    expect(carried.status).toBe(200);
    const log = await org.as('owner', 'GET', `/employees/${org.employees.alice}/adjustments`);
    expect(log.body.items[0]).toMatchObject({
      id: carried.body.adjustmentId,
      flags: ['moved_from_locked_period'],
      carriedToPeriodStart: '2026-03-09',
    });
  });
});

describe('bad requests and own requests', () => {
  it('refuses bad proposals when filed, with nothing stored', async () => {
    await expectRefused(
      () =>
        fileRequest('employee', {
          action: 'add',
          proposal: { kind: 'entry', start: '2026-03-17T09:00:00Z', end: '2026-03-17T08:00:00Z' },
          reason: 'Oops',
        }),
      422,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      () =>
        fileRequest('employee', {
          action: 'add',
          proposal: { kind: 'punch', punchType: 'clock_out', occurredAt: '2026-03-21T08:00:00Z' },
          reason: 'Tomorrow',
        }),
      422,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      () =>
        fileRequest('employee', {
          action: 'delete',
          targetId: '0190a000-0000-7000-8000-00000000beef',
          reason: 'Gone',
        }),
      422,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      () =>
        fileRequest('employee', {
          action: 'change',
          targetId: '0190a000-0000-7000-8000-00000000beef',
          reason: 'x',
        }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it('a user without a linked employee has no requests to file', async () => {
    await expectRefused(
      () =>
        fileRequest('owner', {
          action: 'delete',
          targetId: '0190a000-0000-7000-8000-00000000beef',
          reason: 'Mine',
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('a manager files their own, but cannot approve it; an admin can', async () => {
    const managerMails = (await mailsTo(org.emails.manager, 'modification_request_submitted')).length;
    const filed = await fileRequest('manager', {
      action: 'add',
      proposal: { kind: 'entry', start: '2026-03-18T09:00:00Z', end: '2026-03-18T10:00:00Z' },
      reason: 'Team meeting',
    });
    expect(filed.status).toBe(201);
    // Ops is managed by Mia herself, so the owner is asked instead.
    const [ownerMail] = await mailsTo(org.emails.owner, 'modification_request_submitted');
    expect(ownerMail?.text).toContain('Mia (MIA) asks to add an entry');
    expect(await mailsTo(org.emails.manager, 'modification_request_submitted')).toHaveLength(managerMails);
    await expectRefused(
      () => org.as('manager', 'POST', `/modification-requests/${filed.body.id}/approve`, {}),
      403,
      'FORBIDDEN',
    );
    const approved = await org.as('owner', 'POST', `/modification-requests/${filed.body.id}/approve`, {});
    expect(approved.status).toBe(200);
  });

  it('a manager cannot see requests of employees they do not manage', async () => {
    const unknown = await org.as('manager', 'GET', `/modification-requests?employeeId=${org.employees.bob}`);
    expect(unknown.body.items).toEqual([]);
  });
});

describe('who is mailed', () => {
  it('the manager of a team the employee has left is not mailed; a current team manager is', async () => {
    const team = await org.as('owner', 'POST', '/teams', {
      name: 'Night shift',
      managerUserId: org.userIds.owner,
    });
    expect(team.status).toBe(201);
    const added = await org.as('owner', 'POST', `/teams/${team.body.id}/members`, {
      employeeId: org.employees.alice,
      allocationPercent: 10,
    });
    expect(added.status).toBe(201);
    const proposal = (day: string) => ({
      action: 'add',
      proposal: {
        kind: 'entry',
        start: `2026-03-${day}T15:00:00Z`,
        end: `2026-03-${day}T16:00:00Z`,
        taskId: org.taskId,
      },
      reason: 'Forgot the kiosk',
    });
    const ownerMails = async () => (await mailsTo(org.emails.owner, 'modification_request_submitted')).length;
    const before = await ownerMails();
    const first = await fileRequest('employee', proposal('18'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await ownerMails()).toBe(before + 1);

    await withOrgScope(org.hub.runtime.deps.db, org.orgId, (tx) =>
      endTeamMemberships(tx, { orgId: org.orgId, employeeId: org.employees.alice, endedOn: '2026-03-20' }),
    );
    expect((await fileRequest('employee', proposal('19'))).status).toBe(201);
    expect(await ownerMails()).toBe(before + 1);
    // The department manager still is.
    const [latest] = (await mailsTo(org.emails.manager, 'modification_request_submitted')).filter((mail) =>
      mail.text.includes('2026-03-19T15:00:00Z'),
    );
    expect(latest).toBeDefined();
  });
});
