import { schema, withOrgScope } from '@clockface/db-hub';
import { createShiftAssignment, createShiftPattern, createShiftTemplate } from '@clockface/db-hub/queries';
import { getLocalDate } from '@clockface/timekeeping';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShiftAssignments } from '../../src/services/schedules.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
});
afterAll(async () => {
  await hub?.close();
});

describe('loadShiftAssignments (the projection reads schedules through it)', () => {
  it('expands weekly patterns within their effective dates, and dated rows override the pattern that day', async () => {
    const alice = (await as('POST', '/employees', { code: 'L-1', name: 'Loader Alice' })).body.id as string;
    const bob = (await as('POST', '/employees', { code: 'L-2', name: 'Loader Bob' })).body.id as string;
    const idle = (await as('POST', '/employees', { code: 'L-3', name: 'Loader Idle' })).body.id as string;
    // Carol has exactly Alice's pattern (expansions are shared) but none of her dated overrides.
    const carol = (await as('POST', '/employees', { code: 'L-4', name: 'Loader Carol' })).body.id as string;
    const orgId = owner.orgId;
    await withOrgScope(hub.runtime.deps.db, orgId, async (tx) => {
      const early = await createShiftTemplate(tx, {
        orgId,
        name: 'Early',
        startTime: '06:00',
        endTime: '14:00',
        breakMinutes: 30,
        lateGraceMinutes: 5,
      });
      const night = await createShiftTemplate(tx, {
        orgId,
        name: 'Night',
        startTime: '22:00',
        endTime: '06:00',
      });
      // Mon–Fri early from Tuesday 2026-03-03 to Friday 2026-03-13; Saturdays night for Bob, open-ended.
      await createShiftPattern(tx, {
        orgId,
        employeeId: alice,
        shiftTemplateId: early.id,
        weekdays: [1, 2, 3, 4, 5],
        effectiveFrom: '2026-03-03',
        effectiveTo: '2026-03-13',
      });
      await createShiftPattern(tx, {
        orgId,
        employeeId: carol,
        shiftTemplateId: early.id,
        weekdays: [1, 2, 3, 4, 5],
        effectiveFrom: '2026-03-03',
        effectiveTo: '2026-03-13',
      });
      await createShiftPattern(tx, {
        orgId,
        employeeId: bob,
        shiftTemplateId: night.id,
        weekdays: [6],
        effectiveFrom: '2026-01-01',
      });
      // Wednesday off; Thursday a night shift instead of the early one.
      await createShiftAssignment(tx, { orgId, employeeId: alice, workDate: '2026-03-04', kind: 'day_off' });
      await createShiftAssignment(tx, {
        orgId,
        employeeId: alice,
        workDate: '2026-03-05',
        kind: 'shift',
        shiftTemplateId: night.id,
      });
    });

    const loaded = await withOrgScope(hub.runtime.deps.db, orgId, (tx) =>
      loadShiftAssignments(tx, {
        orgId,
        employeeIds: [alice, bob, idle, carol],
        from: '2026-03-01',
        to: '2026-03-08',
      }),
    );
    const brief = (id: string) =>
      loaded.get(id)!.map((a) => `${a.date} ${a.shift.name} ${a.shift.startTime}-${a.shift.endTime}`);
    expect(brief(alice)).toEqual([
      '2026-03-03 Early 06:00-14:00',
      '2026-03-05 Night 22:00-06:00',
      '2026-03-06 Early 06:00-14:00',
    ]);
    expect(brief(bob)).toEqual(['2026-03-07 Night 22:00-06:00']);
    expect(loaded.get(idle)).toEqual([]);
    expect(brief(carol)).toEqual([
      '2026-03-03 Early 06:00-14:00',
      '2026-03-04 Early 06:00-14:00',
      '2026-03-05 Early 06:00-14:00',
      '2026-03-06 Early 06:00-14:00',
    ]);
    expect(loaded.get(alice)![0]!.shift).toMatchObject({ breakMinutes: 30, lateGraceMinutes: 5 });
  });
});

/** Invites someone with a built-in role and returns their user id and token. */
async function join(role: 'manager' | 'employee', email: string) {
  await as('POST', '/invitations', { email, role });
  const token = await readMailToken(hub, email, 'invitation');
  const accepted = await hub.request('POST', '/api/invitations/accept', {
    body: { token, name: email.split('@')[0], password: 'schedule passphrase 1' },
  });
  return { userId: accepted.body.userId as string, token: accepted.body.tokens.accessToken as string };
}
const asUser = (token: string, method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token, body });

describe('shift templates', () => {
  it('creates day and overnight templates, lists them by name in pages, edits and soft-deletes them', async () => {
    const night = await as('POST', '/shift-templates', {
      name: 'Night',
      startTime: '22:00',
      endTime: '06:00',
      breakMinutes: 30,
      lateGraceMinutes: 5,
      earlyLeaveGraceMinutes: 10,
      color: '#112233',
    });
    expect(night.status).toBe(201);
    expect(night.body).toMatchObject({
      name: 'Night',
      startTime: '22:00',
      endTime: '06:00',
      isOvernight: true,
      durationMinutes: 480,
      breakMinutes: 30,
      lateGraceMinutes: 5,
      earlyLeaveGraceMinutes: 10,
      isDeleted: false,
    });
    const day = await as('POST', '/shift-templates', { name: 'Day', startTime: '08:30', endTime: '17:00' });
    expect(day.body).toMatchObject({
      isOvernight: false,
      durationMinutes: 510,
      earlyLeaveGraceMinutes: null,
    });

    // Walk the pages one row at a time: every live template once, in name order.
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await as('GET', `/shift-templates?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items).toHaveLength(1);
      names.push(page.body.items[0].name);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Day', 'Night']));
    expect((await as('GET', '/shift-templates?cursor=not-ours')).status).toBe(422);

    const edited = await as('PATCH', `/shift-templates/${day.body.id}`, {
      endTime: '16:30',
      lateGraceMinutes: 3,
    });
    expect(edited.body).toMatchObject({ endTime: '16:30', durationMinutes: 480, lateGraceMinutes: 3 });

    expect((await as('DELETE', `/shift-templates/${night.body.id}`)).status).toBe(204);
    const list = await as('GET', '/shift-templates');
    expect(list.body.items.map((t: { id: string }) => t.id)).not.toContain(night.body.id);
    // Still resolvable by id: past schedules and reports name it.
    const gone = await as('GET', `/shift-templates/${night.body.id}`);
    expect(gone.body).toMatchObject({ name: 'Night', isDeleted: true });
    expect((await as('PATCH', `/shift-templates/${night.body.id}`, { name: 'Again' })).status).toBe(404);

    const audit = await as('GET', `/audit-log?entityId=${night.body.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'shift_template.created',
      'shift_template.deleted',
    ]);
  });

  it('refuses bad templates with a problem+json that names the field, and changes nothing', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const cases: [unknown, string][] = [
      [{ name: 'Zero', startTime: '09:00', endTime: '09:00' }, 'endTime'],
      [{ name: 'Long break', startTime: '09:00', endTime: '10:00', breakMinutes: 60 }, 'breakMinutes'],
      [{ name: 'Bad time', startTime: '24:00', endTime: '10:00' }, 'startTime'],
      [{ name: 'Seconds', startTime: '09:00:00', endTime: '10:00' }, 'startTime'],
      [{ name: 'Grace', startTime: '09:00', endTime: '17:00', lateGraceMinutes: -1 }, 'lateGraceMinutes'],
      [{ name: 'Extra', startTime: '09:00', endTime: '17:00', unknown: 1 }, ''],
    ];
    for (const [body, path] of cases) {
      const response = await as('POST', '/shift-templates', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      if (path) expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const template = await as('POST', '/shift-templates', {
      name: 'Short',
      startTime: '09:00',
      endTime: '10:00',
    });
    const after = await countAllRows(hub.runtime.deps.db);
    const shrink = await as('PATCH', `/shift-templates/${template.body.id}`, { breakMinutes: 90 });
    expect(shrink.status).toBe(422);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(after);
    expect(after.shift_templates).toBe(before.shift_templates! + 1);
  });
});

describe('patterns, dated assignments and the expanded schedule', () => {
  it('merges a weekly pattern with a day off and a replacement shift, date by date', async () => {
    const employee = (await as('POST', '/employees', { code: 'S-1', name: 'Sam Shift' })).body.id as string;
    const early = (
      await as('POST', '/shift-templates', { name: 'Early', startTime: '06:00', endTime: '14:00' })
    ).body;
    const late = (
      await as('POST', '/shift-templates', { name: 'Late', startTime: '14:00', endTime: '22:00' })
    ).body;
    const pattern = await as('POST', '/shift-patterns', {
      employeeId: employee,
      shiftTemplateId: early.id,
      weekdays: [5, 1, 2, 3, 4],
      effectiveFrom: '2026-03-02',
    });
    expect(pattern.status).toBe(201);
    expect(pattern.body).toMatchObject({ weekdays: [1, 2, 3, 4, 5], effectiveTo: null });
    const dayOff = await as('POST', '/shift-assignments', {
      kind: 'day_off',
      employeeId: employee,
      workDate: '2026-03-04',
      note: 'Dentist',
    });
    expect(dayOff.status).toBe(201);
    // A split shift on Thursday: two dated shifts replace the early one.
    for (const template of [early, late]) {
      const split = await as('POST', '/shift-assignments', {
        kind: 'shift',
        employeeId: employee,
        workDate: '2026-03-05',
        shiftTemplateId: template.id,
      });
      expect(split.status).toBe(201);
    }

    const schedule = await as('GET', `/employees/${employee}/schedule?from=2026-03-02&to=2026-03-08`);
    expect(schedule.status).toBe(200);
    expect(schedule.body.shifts.map((s: { date: string; name: string }) => `${s.date} ${s.name}`)).toEqual([
      '2026-03-02 Early',
      '2026-03-03 Early',
      '2026-03-05 Early',
      '2026-03-05 Late',
      '2026-03-06 Early',
    ]);
    expect(schedule.body.daysOff).toEqual(['2026-03-04']);

    // Ending the pattern on Tuesday leaves Monday and Tuesday, plus the dated Thursday.
    const ended = await as('PATCH', `/shift-patterns/${pattern.body.id}`, { effectiveTo: '2026-03-03' });
    expect(ended.body.effectiveTo).toBe('2026-03-03');
    const shorter = await as('GET', `/employees/${employee}/schedule?from=2026-03-02&to=2026-03-08`);
    expect(shorter.body.shifts.map((s: { date: string }) => s.date)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-05',
      '2026-03-05',
    ]);

    // Removing the dated day off lets the pattern decide Wednesday again (when it is in force).
    await as('PATCH', `/shift-patterns/${pattern.body.id}`, { effectiveTo: null });
    expect((await as('DELETE', `/shift-assignments/${dayOff.body.id}`)).status).toBe(204);
    const again = await as('GET', `/employees/${employee}/schedule?from=2026-03-04&to=2026-03-04`);
    expect(again.body.shifts.map((s: { name: string }) => s.name)).toEqual(['Early']);

    const listed = await as('GET', `/shift-assignments?from=2026-03-01&to=2026-03-31&employeeId=${employee}`);
    expect(listed.body.items).toHaveLength(2);
    const patterns = await as('GET', `/shift-patterns?employeeId=${employee}`);
    expect(patterns.body.items.map((p: { id: string }) => p.id)).toEqual([pattern.body.id]);
    expect((await as('DELETE', `/shift-patterns/${pattern.body.id}`)).status).toBe(204);
    expect((await as('GET', `/shift-patterns/${pattern.body.id}`)).status).toBe(404);
  });

  it('refuses bad schedules with a clear error and changes nothing', async () => {
    const employee = (await as('POST', '/employees', { code: 'S-2', name: 'Bad Input' })).body.id as string;
    const template = (
      await as('POST', '/shift-templates', { name: 'Mid', startTime: '10:00', endTime: '18:00' })
    ).body;
    const deleted = (
      await as('POST', '/shift-templates', { name: 'Old', startTime: '10:00', endTime: '18:00' })
    ).body;
    await as('DELETE', `/shift-templates/${deleted.id}`);
    await as('POST', '/shift-assignments', { kind: 'day_off', employeeId: employee, workDate: '2026-04-01' });
    const other = await signUpOwner(hub, { organizationName: 'Other org' });
    const foreignTemplate = (
      await hub.request('POST', `/api/orgs/${other.orgId}/shift-templates`, {
        token: other.accessToken,
        body: { name: 'Theirs', startTime: '10:00', endTime: '18:00' },
      })
    ).body.id;
    const pattern = (body: object) => ({
      employeeId: employee,
      shiftTemplateId: template.id,
      weekdays: [1],
      effectiveFrom: '2026-04-06',
      ...body,
    });
    expect((await as('POST', '/shift-patterns', pattern({}))).status).toBe(201);

    const before = await countAllRows(hub.runtime.deps.db);
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/shift-patterns', pattern({ effectiveTo: '2026-04-05' }), 422, 'effectiveTo'],
      ['POST', '/shift-patterns', pattern({ weekdays: [1, 1] }), 422, 'weekdays'],
      ['POST', '/shift-patterns', pattern({ weekdays: [8] }), 422, 'weekdays.0'],
      ['POST', '/shift-patterns', pattern({ weekdays: [] }), 422, 'weekdays'],
      ['POST', '/shift-patterns', pattern({ shiftTemplateId: deleted.id }), 422, 'shiftTemplateId'],
      ['POST', '/shift-patterns', pattern({ shiftTemplateId: foreignTemplate }), 422, 'shiftTemplateId'],
      [
        'POST',
        '/shift-patterns',
        pattern({ employeeId: '0190a000-0000-7000-8000-00000000dead' }),
        422,
        'employeeId',
      ],
      // Monday from 2026-04-06 is already scheduled by the pattern made above.
      [
        'POST',
        '/shift-patterns',
        pattern({ weekdays: [1, 3], effectiveFrom: '2026-03-01' }),
        409,
        'weekdays',
      ],
      [
        'POST',
        '/shift-assignments',
        { kind: 'shift', employeeId: employee, workDate: '2026-04-01', shiftTemplateId: template.id },
        409,
        'workDate',
      ],
      [
        'POST',
        '/shift-assignments',
        { kind: 'day_off', employeeId: employee, workDate: '2026-04-01' },
        409,
        'workDate',
      ],
      [
        'POST',
        '/shift-assignments',
        { kind: 'shift', employeeId: employee, workDate: '2026-04-02' },
        422,
        'shiftTemplateId',
      ],
      [
        'POST',
        '/shift-assignments',
        { kind: 'day_off', employeeId: employee, workDate: '2026-02-30' },
        422,
        'workDate',
      ],
      ['GET', `/shift-assignments?from=2026-04-10&to=2026-04-01`, undefined, 422, 'to'],
      ['GET', `/shift-assignments?from=2026-01-01&to=2026-12-31`, undefined, 422, 'to'],
      ['GET', `/employees/${employee}/schedule?from=2026-04-10&to=2026-04-01`, undefined, 422, 'to'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const response = await as(method, path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status });
      expect(response.body.errors?.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('a schedule change in the current period asks the projection to recompute that day', async () => {
    const employee = (await as('POST', '/employees', { code: 'S-3', name: 'Queue Me' })).body.id as string;
    const template = (
      await as('POST', '/shift-templates', { name: 'Today', startTime: '09:00', endTime: '17:00' })
    ).body;
    const today = getLocalDate(new Date().toISOString(), 'UTC');
    const future = '2099-01-01';
    const queued = async () =>
      hub.runtime.deps.db
        .select()
        .from(schema.projectionQueue)
        .where(eq(schema.projectionQueue.employeeId, employee));
    await as('POST', '/shift-assignments', {
      kind: 'shift',
      employeeId: employee,
      workDate: future,
      shiftTemplateId: template.id,
    });
    expect(await queued()).toEqual([]); // the future is not projected yet
    await as('POST', '/shift-assignments', {
      kind: 'shift',
      employeeId: employee,
      workDate: today,
      shiftTemplateId: template.id,
    });
    expect((await queued()).map((row) => [row.fromDate, row.toDate])).toEqual([[today, today]]);

    // Editing the template changes every schedule using it: the current period is recomputed.
    await hub.runtime.deps.db.delete(schema.projectionQueue);
    await as('PATCH', `/shift-templates/${template.id}`, { lateGraceMinutes: 10 });
    const [request] = await queued();
    expect(request?.toDate).toBe(today);
    expect(request!.fromDate <= today).toBe(true);
  });
});

describe('who may see and change schedules', () => {
  it('a manager schedules the people of the departments they manage; an employee reads only their own schedule', async () => {
    const manager = await join('manager', 'sched.manager@example.com');
    const worker = await join('employee', 'sched.worker@example.com');
    const department = (await as('POST', '/departments', { name: 'Warehouse' })).body.id;
    // The department manager is set on the department itself (visibility follows it).
    const patched = await as('PATCH', `/departments/${department}`, { managerUserId: manager.userId });
    expect(patched.body.managerUserId).toBe(manager.userId);
    const notMember = await as('PATCH', `/departments/${department}`, {
      managerUserId: '0190a000-0000-7000-8000-00000000beef',
    });
    expect(notMember.status).toBe(422);
    expect(notMember.body.errors[0].path).toBe('managerUserId');

    const managed = (
      await as('POST', '/employees', {
        code: 'W-1',
        name: 'Wren Worker',
        departmentId: department,
        userId: worker.userId,
      })
    ).body.id as string;
    const outsider = (await as('POST', '/employees', { code: 'W-2', name: 'Olive Outside' })).body
      .id as string;
    const template = (
      await as('POST', '/shift-templates', { name: 'Warehouse', startTime: '07:00', endTime: '15:00' })
    ).body;
    const patternFor = (employeeId: string) => ({
      employeeId,
      shiftTemplateId: template.id,
      weekdays: [1, 2, 3],
      effectiveFrom: '2026-05-04',
    });

    expect((await asUser(manager.token, 'POST', '/shift-patterns', patternFor(managed))).status).toBe(201);
    const refused = await asUser(manager.token, 'POST', '/shift-patterns', patternFor(outsider));
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('employeeId');
    await as('POST', '/shift-patterns', patternFor(outsider));
    const managerList = await asUser(manager.token, 'GET', '/shift-patterns');
    expect(new Set(managerList.body.items.map((p: { employeeId: string }) => p.employeeId))).toEqual(
      new Set([managed]),
    );
    expect((await asUser(manager.token, 'GET', `/employees/${outsider}/schedule`)).status).toBe(404);

    const own = await asUser(
      worker.token,
      'GET',
      `/employees/${managed}/schedule?from=2026-05-04&to=2026-05-10`,
    );
    expect(own.status).toBe(200);
    expect(own.body.shifts).toHaveLength(3);
    expect((await asUser(worker.token, 'GET', `/employees/${outsider}/schedule`)).status).toBe(404);
    expect((await asUser(worker.token, 'GET', '/shift-templates')).status).toBe(403);
    expect((await asUser(worker.token, 'POST', '/shift-patterns', patternFor(managed))).status).toBe(403);
  });
});
