/**
 * The web clock: a member whose account is linked to an employee clocks in (on a project and task),
 * takes a break and clocks out through the API; nonsense punches, wrong projects and tasks, and
 * terminated or unlinked people are refused with a problem that records nothing.
 */
import { ManualClock } from '@clockface/core';
import { schema } from '@clockface/db-hub';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProjectionQueue } from '../../src/services/projection.service';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let clock: ManualClock;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;
let owner: Owner;
const PASSWORD = 'web clock passphrase 1';
let workerEmail: string;
let employeeId: string;
let projectId: string;
let taskId: string;
let otherTaskId: string;

/** Access tokens live 10 minutes and the test moves the clock by hours: log in afresh each time. */
async function tokenOf(email: string, password: string) {
  const response = await hub.request('POST', '/api/auth/login', { body: { email, password } });
  expect(response.status).toBe(200);
  return response.body.tokens.accessToken as string;
}

const asOwner = async (method: string, path: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${path}`, {
    token: await tokenOf(owner.email, owner.password),
    body,
  });

async function asWorker(method: string, body?: unknown) {
  return hub.request(method, `/api/orgs/${owner.orgId}/me/clock`, {
    token: await tokenOf(workerEmail, PASSWORD),
    body,
  });
}

async function inviteMember(email: string) {
  expect((await asOwner('POST', '/invitations', { email, role: 'employee' })).status).toBe(201);
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: email.split('@')[0], password: PASSWORD },
  });
  expect(accepted.status).toBe(200);
  return accepted.body.userId as string;
}

async function eventsOf(id: string) {
  return hub.runtime.deps.db
    .select()
    .from(schema.attendanceEvents)
    .where(and(eq(schema.attendanceEvents.orgId, owner.orgId), eq(schema.attendanceEvents.employeeId, id)));
}

const MINUTE = 60_000;

beforeAll(async () => {
  clock = new ManualClock(new Date('2026-05-04T07:00:00Z')); // a Monday, 09:00 in Berlin
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
  expect((await asOwner('PATCH', '', { timeZone: 'Europe/Berlin' })).status).toBe(200);
  workerEmail = `worker.${Date.now()}@example.com`;
  const userId = await inviteMember(workerEmail);
  const employee = await asOwner('POST', '/employees', { code: 'W1', name: 'Web Worker', userId });
  expect(employee.status).toBe(201);
  employeeId = employee.body.id;

  const project = await asOwner('POST', '/projects', { name: 'Website', status: 'active' });
  expect(project.status).toBe(201);
  projectId = project.body.id;
  const task = await asOwner('POST', `/projects/${projectId}/tasks`, { name: 'Landing page' });
  expect(task.status).toBe(201);
  taskId = task.body.id;
  const other = await asOwner('POST', '/projects', { name: 'Intranet', status: 'active' });
  otherTaskId = (await asOwner('POST', `/projects/${other.body.id}/tasks`, { name: 'Search' })).body.id;
});
afterAll(async () => {
  await hub?.close();
});

describe('a working day on the web clock', () => {
  it('starts off, with clock-in as the only sensible punch', async () => {
    const response = await asWorker('GET');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      employeeId,
      status: 'off',
      nextPunchTypes: ['clock_in'],
      today: { date: '2026-05-04', workedMinutes: 0 },
    });
  });

  it('refuses a clock-out without a clock-in, recording nothing', async () => {
    const response = await asWorker('POST', { type: 'clock_out' });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.detail).toMatch(/not clocked in/);
    expect(await eventsOf(employeeId)).toEqual([]);
  });

  it('refuses a task of another project, an unknown project and a project on a clock-out', async () => {
    const wrongTask = await asWorker('POST', { type: 'clock_in', projectId, taskId: otherTaskId });
    expect(wrongTask.status).toBe(422);
    expect(wrongTask.body.errors).toEqual([
      { path: 'taskId', message: 'The task belongs to another project' },
    ]);
    const unknown = await asWorker('POST', {
      type: 'clock_in',
      projectId: '0190a000-0000-7000-8000-0000000000ff',
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ path: 'projectId', message: 'No such project' }]);
    const taskAlone = await asWorker('POST', { type: 'clock_in', taskId });
    expect(taskAlone.status).toBe(422);
    const notAType = await asWorker('POST', { type: 'lunch' });
    expect(notAType.status).toBe(422);
    expect(await eventsOf(employeeId)).toEqual([]);
  });

  it('clocks in on a project and task, and refuses a second clock-in', async () => {
    const response = await asWorker('POST', { type: 'clock_in', projectId, taskId });
    expect(response.status).toBe(201);
    expect(response.body.event).toMatchObject({ type: 'clock_in', projectId, taskId });
    expect(response.body.state).toMatchObject({
      status: 'working',
      since: '2026-05-04T07:00:00Z',
      projectId,
      taskId,
      nextPunchTypes: ['clock_out', 'break_start'],
    });
    const [event] = await eventsOf(employeeId);
    expect(event).toMatchObject({ source: 'web', method: 'password', type: 'clock_in', projectId, taskId });

    clock.advance(MINUTE);
    const again = await asWorker('POST', { type: 'clock_in' });
    expect(again.status).toBe(409);
    expect(await eventsOf(employeeId)).toHaveLength(1);
  });

  it('counts the running entry without its break, then the finished day', async () => {
    clock.set('2026-05-04T10:00:00Z');
    expect((await asWorker('POST', { type: 'break_start' })).body.state.status).toBe('on_break');
    clock.set('2026-05-04T10:30:00Z');
    expect((await asWorker('POST', { type: 'break_end' })).status).toBe(201);
    clock.set('2026-05-04T12:00:00Z');
    expect((await asWorker('GET')).body.today).toEqual({
      date: '2026-05-04',
      completedMinutes: 0,
      openEntryMinutes: 270, // 07:00 → 12:00 minus the 30-minute break
      workedMinutes: 270,
    });

    const out = await asWorker('POST', { type: 'clock_out' });
    expect(out.status).toBe(201);
    expect(out.body.state).toMatchObject({
      status: 'off',
      today: { completedMinutes: 270, workedMinutes: 270 },
    });

    // The punches reach the projected tables through the queue (trigger → job).
    await drainProjectionQueue(hub.runtime.deps.db, { now: () => clock.now() });
    const [day] = await hub.runtime.deps.db
      .select()
      .from(schema.workDays)
      .where(
        and(
          eq(schema.workDays.orgId, owner.orgId),
          eq(schema.workDays.employeeId, employeeId),
          eq(schema.workDays.workDate, '2026-05-04'),
        ),
      );
    expect(day).toMatchObject({ grossMinutes: 300, unpaidBreakMinutes: 30, workedMinutes: 270 });
    const [entry] = await hub.runtime.deps.db
      .select()
      .from(schema.timeEntries)
      .where(and(eq(schema.timeEntries.orgId, owner.orgId), eq(schema.timeEntries.employeeId, employeeId)));
    expect(entry).toMatchObject({ projectId, taskId, status: 'complete' });
  });

  it('refuses a project that is not active', async () => {
    const onHold = await asOwner('POST', '/projects', { name: 'Paused', status: 'on_hold' });
    expect(onHold.status).toBe(201);
    const response = await asWorker('POST', { type: 'clock_in', projectId: onHold.body.id });
    expect(response.status).toBe(422);
    expect(response.body.errors[0].path).toBe('projectId');
    expect((await asWorker('GET')).body.status).toBe('off');
  });
});

describe('who may clock', () => {
  it('a member with no linked employee gets 404 and records nothing', async () => {
    const email = `unlinked.${Date.now()}@example.com`;
    await inviteMember(email);
    const token = await tokenOf(email, PASSWORD);
    const get = await hub.request('GET', `/api/orgs/${owner.orgId}/me/clock`, { token });
    expect(get.status).toBe(404);
    const post = await hub.request('POST', `/api/orgs/${owner.orgId}/me/clock`, {
      token,
      body: { type: 'clock_in' },
    });
    expect(post.status).toBe(404);
    expect(post.body.detail).toMatch(/No employee record is linked/);
  });

  it('a terminated employee cannot clock', async () => {
    const email = `leaver.${Date.now()}@example.com`;
    const userId = await inviteMember(email);
    const leaver = await asOwner('POST', '/employees', { code: 'L1', name: 'Leaver', userId });
    expect(
      (await asOwner('POST', `/employees/${leaver.body.id}/terminate`, { terminationDate: '2026-05-01' }))
        .status,
    ).toBe(200);
    const response = await hub.request('POST', `/api/orgs/${owner.orgId}/me/clock`, {
      token: await tokenOf(email, PASSWORD),
      body: { type: 'clock_in' },
    });
    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/employment ended on 2026-05-01/);
    expect(await eventsOf(leaver.body.id)).toEqual([]);
  });
});
