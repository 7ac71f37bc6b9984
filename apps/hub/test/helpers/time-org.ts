/**
 * An org for the time-correction and timesheet tests, built through the API like a customer would:
 * weekly periods starting Monday (UTC), a department "Ops" managed by a manager user, employees in
 * and out of it, and an employee user linked to Alice. Only what has no API yet (a department's
 * manager, projects and tasks) is written to the database directly, through the app role.
 */
import { ManualClock, uuidv7 } from '@clockface/core';
import { schema, withOrgScope } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { drainProjectionQueue } from '../../src/services/projection.service';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from './test-hub';

/** A Friday: the week of Mon 2026-03-16 is current, the week of Mon 2026-03-09 has ended. */
export const NOW = '2026-03-20T12:00:00Z';

export interface TimeOrg {
  hub: TestHub;
  clock: ManualClock;
  orgId: string;
  tokens: { owner: string; manager: string; employee: string };
  userIds: { owner: string; manager: string; employee: string };
  employees: { alice: string; bob: string; mia: string };
  emails: { owner: string; manager: string; employee: string };
  projectId: string;
  taskId: string;
  otherProjectTaskId: string;
  /** Calls the API as one of the org's users, under the org's path. */
  as(
    who: keyof TimeOrg['tokens'],
    method: string,
    path: string,
    body?: unknown,
  ): ReturnType<TestHub['request']>;
  /** Runs the projection job over everything queued (the real drain, as the job would). */
  project(): Promise<void>;
  /**
   * A kiosk PIN punch received now, inserted as ingest does (app role, org scope), so the
   * projection queue picks it up. Returns its id.
   */
  kioskPunch(
    employeeId: string,
    type: 'clock_in' | 'clock_out',
    at: string,
    options?: { projectId?: string },
  ): Promise<string>;
  /** GET under the org's path as the owner (exports): the status and the body's bytes. */
  download(path: string): Promise<{ status: number; bytes: Buffer }>;
}

let counter = 0;

async function invite(hub: TestHub, orgId: string, ownerToken: string, role: 'manager' | 'employee') {
  counter += 1;
  const email = `${role}.${counter}.${Date.now()}@example.com`;
  const invited = await hub.request('POST', `/api/orgs/${orgId}/invitations`, {
    token: ownerToken,
    body: { email, role },
  });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.text}`);
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: `${role} ${counter}`, password: 'time org passphrase 1' },
  });
  if (accepted.status !== 200 && accepted.status !== 201) throw new Error(`accept failed: ${accepted.text}`);
  return { email, userId: accepted.body.userId as string, token: accepted.body.tokens.accessToken as string };
}

export async function createTimeOrg(options: { hub?: TestHub; clock?: ManualClock } = {}): Promise<TimeOrg> {
  const clock = options.clock ?? new ManualClock(NOW);
  const hub = options.hub ?? (await createTestHub({ clock }));
  const owner = await signUpOwner(hub);
  const orgId = owner.orgId;
  const call = (token: string, method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/orgs/${orgId}${path}`, { token, body });
  const settings = await call(owner.accessToken, 'PATCH', '', { periodFrequency: 'weekly', weekStart: 1 });
  if (settings.status !== 200) throw new Error(`settings failed: ${settings.text}`);

  const manager = await invite(hub, orgId, owner.accessToken, 'manager');
  const employee = await invite(hub, orgId, owner.accessToken, 'employee');
  const ops = await call(owner.accessToken, 'POST', '/departments', { name: 'Ops' });
  const newEmployee = async (body: Record<string, unknown>) => {
    const response = await call(owner.accessToken, 'POST', '/employees', body);
    if (response.status !== 201) throw new Error(`employee failed: ${response.text}`);
    return response.body.id as string;
  };
  const alice = await newEmployee({
    code: 'ALICE',
    name: 'Alice',
    email: employee.email,
    departmentId: ops.body.id,
    userId: employee.userId,
  });
  const bob = await newEmployee({ code: 'BOB', name: 'Bob' });
  const mia = await newEmployee({
    code: 'MIA',
    name: 'Mia',
    departmentId: ops.body.id,
    userId: manager.userId,
  });

  const db = hub.runtime.deps.db;
  const projectId = uuidv7();
  const otherProjectId = uuidv7();
  const taskId = uuidv7();
  const otherProjectTaskId = uuidv7();
  await withOrgScope(db, orgId, async (tx) => {
    await tx
      .update(schema.departments)
      .set({ managerUserId: manager.userId })
      .where(eq(schema.departments.id, ops.body.id));
    await tx.insert(schema.projects).values([
      { id: projectId, orgId, name: 'Warehouse' },
      { id: otherProjectId, orgId, name: 'Office move' },
    ]);
    await tx.insert(schema.tasks).values([
      { id: taskId, orgId, projectId, name: 'Inventory' },
      { id: otherProjectTaskId, orgId, projectId: otherProjectId, name: 'Packing' },
    ]);
  });

  const tokens = { owner: owner.accessToken, manager: manager.token, employee: employee.token };
  return {
    hub,
    clock,
    orgId,
    tokens,
    userIds: { owner: owner.userId, manager: manager.userId, employee: employee.userId },
    employees: { alice, bob, mia },
    emails: { owner: owner.email, manager: manager.email, employee: employee.email },
    projectId,
    taskId,
    otherProjectTaskId,
    as: (who, method, path, body) => call(tokens[who], method, path, body),
    async project() {
      await drainProjectionQueue(db, { now: () => clock.now() }, { orgId });
    },
    async kioskPunch(employeeId, type, at, options = {}) {
      const id = uuidv7();
      await withOrgScope(db, orgId, (tx) =>
        tx.insert(schema.attendanceEvents).values({
          id,
          orgId,
          employeeId,
          type,
          source: 'kiosk',
          method: 'pin',
          occurredAt: new Date(at),
          receivedAt: clock.now(),
          projectId: options.projectId ?? null,
        }),
      );
      return id;
    },
    async download(path) {
      const response = await hub.runtime.app.request(`/api/orgs/${orgId}${path}`, {
        headers: { authorization: `Bearer ${tokens.owner}` },
      });
      return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
    },
  };
}
