/**
 * Project and task filters on the payroll export, the punch log export and the hours report: only
 * time on that project (a task: with its subtasks) counts; a clock-out that carries no project still
 * belongs to the project entry it closes; unknown, another org's, or mismatched ids are 422
 * problem+json; the filters are in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { csvRecords, xlsxRecords } from '../helpers/exports';
import { signUpOwner } from '../helpers/test-hub';
import { createTimeOrg, type TimeOrg } from '../helpers/time-org';

let org: TimeOrg;
const RANGE = 'from=2026-03-09&to=2026-03-15';
const ids: Record<string, string> = {};

/** A CSV export's rows as header → cell. */
async function csv(path: string) {
  const { status, bytes } = await org.download(path);
  expect(status).toBe(200);
  return csvRecords(bytes);
}

beforeAll(async () => {
  org = await createTimeOrg();
  const subtask = await org.as('owner', 'POST', `/projects/${org.projectId}/tasks`, {
    name: 'Counting shelves',
    parentId: org.taskId,
  });
  expect(subtask.status).toBe(201);
  ids.subtask = subtask.body.id;
  const other = await org.as('owner', 'POST', '/projects', { name: 'Elsewhere' });
  ids.otherProject = other.body.id;
  const entry = (employeeId: string, start: string, end: string, extra: Record<string, string>) =>
    org.as('owner', 'POST', `/employees/${employeeId}/adjustments`, {
      kind: 'manual_entry',
      start,
      end,
      reason: 'Project time',
      ...extra,
    });
  // Alice: 2 h on the task, 1 h on its subtask, 3 h on another project.
  for (const [start, end, extra] of [
    ['2026-03-10T09:00:00Z', '2026-03-10T11:00:00Z', { projectId: org.projectId, taskId: org.taskId }],
    ['2026-03-11T09:00:00Z', '2026-03-11T10:00:00Z', { projectId: org.projectId, taskId: ids.subtask! }],
    ['2026-03-12T09:00:00Z', '2026-03-12T12:00:00Z', { projectId: ids.otherProject! }],
  ] as const) {
    const response = await entry(org.employees.alice, start, end, extra);
    expect(response.status).toBe(201);
    ids[`alice_${start}`] = response.body.id;
  }
  // Bob: 4 h on the project from a kiosk clock-in; the clock-out carries no project.
  ids.bobIn = await org.kioskPunch(org.employees.bob, 'clock_in', '2026-03-12T08:00:00Z', {
    projectId: org.projectId,
  });
  ids.bobOut = await org.kioskPunch(org.employees.bob, 'clock_out', '2026-03-12T12:00:00Z');
  await org.project();
  const stranger = await signUpOwner(org.hub);
  const foreign = await org.hub.request('POST', `/api/orgs/${stranger.orgId}/projects`, {
    token: stranger.accessToken,
    body: { name: 'Not yours' },
  });
  expect(foreign.status).toBe(201);
  ids.foreignProject = foreign.body.id;
}, 120_000);
afterAll(async () => {
  await org?.hub.close();
});

const byCode = (rows: Record<string, string>[]) =>
  Object.fromEntries(rows.map((row) => [row['Employee code'], row]));

describe('payroll export', () => {
  it('without a filter counts all work; projectId only the project’s entries, day-level columns empty', async () => {
    const all = byCode(await csv(`/exports/payroll?${RANGE}`));
    expect(all.ALICE!['Worked hours']).toBe('6.00');
    const project = byCode(await csv(`/exports/payroll?${RANGE}&projectId=${org.projectId}`));
    expect(Object.keys(project).sort()).toEqual(['ALICE', 'BOB']);
    expect(project.ALICE).toMatchObject({
      'Worked hours': '3.00',
      'Regular hours': '',
      'Overtime hours': '',
    });
    expect(project.BOB).toMatchObject({ 'Worked hours': '4.00', 'Period start': '2026-03-09' });
  });

  it('taskId counts the task and its subtasks; XLSX has the same figures as numbers', async () => {
    const task = byCode(await csv(`/exports/payroll?${RANGE}&taskId=${org.taskId}`));
    expect(Object.keys(task)).toEqual(['ALICE']);
    expect(task.ALICE!['Worked hours']).toBe('3.00');
    const sub = byCode(
      await csv(`/exports/payroll?${RANGE}&projectId=${org.projectId}&taskId=${ids.subtask}`),
    );
    expect(sub.ALICE!['Worked hours']).toBe('1.00');
    const { bytes } = await org.download(`/exports/payroll?${RANGE}&taskId=${org.taskId}&format=xlsx`);
    const rows = await xlsxRecords(bytes);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ 'Worked hours': 3, 'Regular hours': null });
  });
});

describe('punch log export', () => {
  it('projectId keeps the project’s punches (its clock-out too) and manual entries, nothing else', async () => {
    const rows = await csv(`/exports/punches?${RANGE}&projectId=${org.projectId}`);
    expect(rows.map((row) => row.Id).sort()).toEqual(
      [ids.bobIn, ids.bobOut, ids['alice_2026-03-10T09:00:00Z'], ids['alice_2026-03-11T09:00:00Z']].sort(),
    );
    const task = await csv(`/exports/punches?${RANGE}&taskId=${ids.subtask}`);
    expect(task.map((row) => row.Id)).toEqual([ids['alice_2026-03-11T09:00:00Z']]);
    const all = await csv(`/exports/punches?${RANGE}`);
    expect(all.length).toBeGreaterThan(rows.length);
  });
});

describe('hours report', () => {
  it('takes the same filters', async () => {
    const project = await org.as('owner', 'GET', `/reports/hours?${RANGE}&projectId=${org.projectId}`);
    expect(project.status).toBe(200);
    expect(project.body.totals).toMatchObject({
      workedMinutes: 180 + 240,
      employeeCount: 2,
      regularMinutes: null,
    });
    const task = await org.as('owner', 'GET', `/reports/hours?${RANGE}&taskId=${org.taskId}&groupBy=task`);
    expect(task.body.totals.workedMinutes).toBe(180);
    expect(task.body.rows.map((row: { groupId: string }) => row.groupId).sort()).toEqual(
      [org.taskId, ids.subtask].sort(),
    );
  });
});

describe('bad filters', () => {
  it.each([
    ['/exports/payroll', 'projectId', () => `projectId=${ids.foreignProject}`],
    ['/exports/punches', 'projectId', () => `projectId=0190a000-0000-7000-8000-000000000009`],
    ['/reports/hours', 'projectId', () => `projectId=${ids.foreignProject}`],
    ['/exports/payroll', 'taskId', () => `taskId=0190a000-0000-7000-8000-000000000009`],
    ['/exports/punches', 'taskId', () => `projectId=${ids.otherProject}&taskId=${org.taskId}`],
    ['/reports/hours', 'taskId', () => `projectId=${ids.otherProject}&taskId=${org.taskId}`],
    ['/exports/payroll', 'projectId', () => 'projectId=not-a-uuid'],
  ])('%s with a bad %s → 422 problem+json, nothing changed', async (path, field, query) => {
    const before = await countAllRows(org.hub.runtime.deps.db);
    const response = await org.as('owner', 'GET', `${path}?${RANGE}&${query()}`);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    expect(await countAllRows(org.hub.runtime.deps.db)).toEqual(before);
  });

  it('are documented in the OpenAPI document', async () => {
    const document = await org.hub.request('GET', '/api/openapi.json');
    for (const path of ['exports/payroll', 'exports/punches', 'reports/hours']) {
      const names = document.body.paths[`/api/orgs/{orgId}/${path}`].get.parameters.map(
        (parameter: { name: string }) => parameter.name,
      );
      expect(names).toEqual(expect.arrayContaining(['projectId', 'taskId']));
    }
  });
});
