import { withOrgScope } from '@clockface/db-hub';
import { createShiftAssignment, createShiftPattern, createShiftTemplate } from '@clockface/db-hub/queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShiftAssignments } from '../../src/services/schedules.service';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

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
        employeeIds: [alice, bob, idle],
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
    expect(loaded.get(alice)![0]!.shift).toMatchObject({ breakMinutes: 30, lateGraceMinutes: 5 });
  });
});
