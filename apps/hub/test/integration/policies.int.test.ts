import { schema, withOrgScope } from '@clockface/db-hub';
import { DEFAULT_RULES } from '@clockface/timekeeping';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResolvedRules } from '../../src/services/policies.service';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let siteId: string;
let atSite: string;
let elsewhere: string;
const as = (method: string, suffix: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: owner.accessToken, body });

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
  siteId = (await as('POST', '/sites', { name: 'Night depot', timeZone: 'Europe/Berlin' })).body.id;
  atSite = (await as('POST', '/employees', { code: 'P-1', name: 'Pat Depot', homeSiteId: siteId })).body.id;
  elsewhere = (await as('POST', '/employees', { code: 'P-2', name: 'Eli Office' })).body.id;
});
afterAll(async () => {
  await hub?.close();
});

const queue = () => hub.runtime.deps.db.select().from(schema.projectionQueue);
const clearQueue = () => hub.runtime.deps.db.delete(schema.projectionQueue);

describe('time policy layers', () => {
  it('merges org, site and employee layers field by field over the defaults', async () => {
    const org = await as('PUT', '/time-policies/org', {
      rounding: { stepMinutes: 15, mode: 'employee_favour' },
      overtime: {
        daily: [{ afterMinutes: 480, multiplier: 1.5 }],
        weekly: { afterMinutes: 2400, multiplier: 1.5 },
      },
      compliance: { maxShiftMinutes: 720, minRestMinutes: 660 },
    });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ scope: 'org', siteId: null, employeeId: null });
    const site = await as('PUT', `/sites/${siteId}/time-policy`, {
      rounding: { stepMinutes: 5 },
      breaks: { paidMinutesPerDay: 15, autoDeduct: { afterMinutes: 360, minutes: 30 } },
    });
    expect(site.body).toMatchObject({ scope: 'site', siteId });
    const employee = await as('PUT', `/employees/${atSite}/time-policy`, {
      compliance: { maxShiftMinutes: null, requiredBreaks: [{ afterMinutes: 360, minBreakMinutes: 30 }] },
    });
    expect(employee.body).toMatchObject({ scope: 'employee', employeeId: atSite });

    const resolved = await as('GET', `/employees/${atSite}/time-rules`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.siteId).toBe(siteId);
    expect(resolved.body.rules).toEqual({
      ...DEFAULT_RULES,
      rounding: { stepMinutes: 5, mode: 'employee_favour' },
      overtime: {
        daily: [{ afterMinutes: 480, multiplier: 1.5 }],
        weekly: { afterMinutes: 2400, multiplier: 1.5 },
      },
      breaks: { paidMinutesPerDay: 15, autoDeduct: { afterMinutes: 360, minutes: 30 } },
      compliance: {
        maxShiftMinutes: null,
        minRestMinutes: 660,
        requiredBreaks: [{ afterMinutes: 360, minBreakMinutes: 30 }],
      },
    });
    expect(resolved.body.layers.site).toEqual(site.body.rules);

    const other = await as('GET', `/employees/${elsewhere}/time-rules`);
    expect(other.body.rules.rounding).toEqual({ stepMinutes: 15, mode: 'employee_favour' });
    expect(other.body.layers).toEqual({ org: org.body.rules, site: null, employee: null });

    // The projection reads the same rules, for many employees at once.
    const loaded = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      loadResolvedRules(tx, { orgId: owner.orgId, employeeIds: [atSite, elsewhere] }),
    );
    expect(loaded.get(atSite)).toEqual(resolved.body.rules);
    expect(loaded.get(elsewhere)).toEqual(other.body.rules);

    const layers = await as('GET', '/time-policies');
    expect(layers.body.items.map((p: { scope: string }) => p.scope)).toEqual(['org', 'site', 'employee']);

    // Removing the employee layer brings back the site's and org's values.
    expect((await as('DELETE', `/employees/${atSite}/time-policy`)).status).toBe(204);
    const back = await as('GET', `/employees/${atSite}/time-rules`);
    expect(back.body.rules.compliance).toEqual({
      maxShiftMinutes: 720,
      minRestMinutes: 660,
      requiredBreaks: [],
    });
    expect((await as('GET', `/employees/${atSite}/time-policy`)).status).toBe(404);
    expect((await as('DELETE', `/employees/${atSite}/time-policy`)).status).toBe(404);

    const audit = await as('GET', '/audit-log?entityType=time_policy');
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'time_policy.employee_removed',
      'time_policy.employee_set',
      'time_policy.org_set',
      'time_policy.site_set',
    ]);
  });

  it('a policy change queues the affected employees from the start of the current period to today', async () => {
    await as('PATCH', '', { periodFrequency: 'weekly', weekStart: 1 });
    await clearQueue();
    await as('PUT', `/sites/${siteId}/time-policy`, { rounding: { stepMinutes: 10 } });
    const today = new Date().toISOString().slice(0, 10);
    const monday = new Date(
      Date.parse(`${today}T00:00:00Z`) - ((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7) * 86_400_000,
    )
      .toISOString()
      .slice(0, 10);
    expect((await queue()).map((row) => [row.employeeId, row.fromDate, row.toDate])).toEqual([
      [atSite, monday, today],
    ]);

    await clearQueue();
    await as('PUT', '/time-policies/org', { duplicateWindowMinutes: 3 });
    expect(new Set((await queue()).map((row) => row.employeeId))).toEqual(new Set([atSite, elsewhere]));
  });

  it('refuses bad rules with the field named, and changes nothing', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const cases: [unknown, string][] = [
      [{ rounding: { stepMinutes: 0 } }, 'rounding.stepMinutes'],
      [{ rounding: { mode: 'sideways' } }, 'rounding.mode'],
      [
        {
          overtime: {
            daily: [
              { afterMinutes: 600, multiplier: 2 },
              { afterMinutes: 480, multiplier: 1.5 },
            ],
          },
        },
        'overtime.daily',
      ],
      [{ overtime: { weekly: { afterMinutes: 2400, multiplier: 0.5 } } }, 'overtime.weekly.multiplier'],
      [{ breaks: { paidMinutesPerDay: -5 } }, 'breaks.paidMinutesPerDay'],
      [{ compliance: { maxShiftMinutes: 10 } }, 'compliance.maxShiftMinutes'],
      [
        { compliance: { requiredBreaks: [{ afterMinutes: 360 }] } },
        'compliance.requiredBreaks.0.minBreakMinutes',
      ],
      [{ overtime: { daily: [], monthly: [] } }, 'overtime'],
    ];
    for (const [body, path] of cases) {
      const response = await as('PUT', '/time-policies/org', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const unknownSite = await as('PUT', '/sites/0190a000-0000-7000-8000-00000000dead/time-policy', {});
    expect(unknownSite.status).toBe(404);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('everyone reads their own rules; only policies.write may change them', async () => {
    const email = 'policy.worker@example.com';
    await as('POST', '/invitations', { email, role: 'employee' });
    const token = await readMailToken(hub, email, 'invitation');
    const accepted = await hub.request('POST', '/api/invitations/accept', {
      body: { token, name: 'Worker', password: 'policy passphrase 1' },
    });
    const worker = accepted.body.tokens.accessToken as string;
    await as('PATCH', `/employees/${elsewhere}`, { userId: accepted.body.userId });
    const asWorker = (method: string, suffix: string, body?: unknown) =>
      hub.request(method, `/api/orgs/${owner.orgId}${suffix}`, { token: worker, body });

    expect((await asWorker('GET', `/employees/${elsewhere}/time-rules`)).status).toBe(200);
    expect((await asWorker('GET', `/employees/${atSite}/time-rules`)).status).toBe(404);
    expect((await asWorker('PUT', '/time-policies/org', {})).status).toBe(403);
    expect((await asWorker('GET', '/time-policies')).status).toBe(403);
    const stored = await hub.runtime.deps.db
      .select()
      .from(schema.timePolicies)
      .where(eq(schema.timePolicies.scope, 'org'));
    expect(stored).toHaveLength(1);
  });
});
