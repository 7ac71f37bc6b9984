/**
 * @module Time and compliance policies in three layers (org → site → employee), merged by
 * timekeeping's `resolveRules`. A change asks the projection to recompute the employees it affects
 * from the start of the current timesheet period: earlier periods keep the rules they were paid by.
 */
import { ZTimeRulesOverride, type TTimeRulesOverride } from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  deleteTimePolicy,
  enqueueProjectionForEmployees,
  findEmployee,
  findSite,
  findTimePolicy,
  listEmployeeIdsAtSite,
  listEmployeeSites,
  listLiveEmployeeIds,
  listTimePolicies,
  listTimePoliciesFor,
  upsertTimePolicy,
  type OrganizationRow,
  type TimePolicyRow,
  type TimePolicyTarget,
} from '@clockface/db-hub/queries';
import { getLocalDate, resolveRules, type TimeRules, type TimeRulesOverride } from '@clockface/timekeeping';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { orgPeriodForDate } from './timesheets.service';

// The API's schema and timekeeping's type must agree: this line stops compiling if they drift.
const asOverride = (rules: TTimeRulesOverride): TimeRulesOverride => rules;

/** Stored rules were validated on the way in; parsing again keeps a hand-edited row from reaching the projection. */
function storedOverride(row: TimePolicyRow | undefined): TimeRulesOverride | null {
  if (!row) return null;
  const parsed = ZTimeRulesOverride.safeParse(row.rules);
  return parsed.success ? asOverride(parsed.data) : null;
}

export function toTimePolicy(row: TimePolicyRow) {
  return {
    id: row.id,
    scope: row.scope,
    siteId: row.siteId,
    employeeId: row.employeeId,
    rules: storedOverride(row) ?? {},
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The rules in force for each employee: defaults, then the org layer, their home site's layer and
 * their own layer. Every requested employee has an entry (unknown ids get the org's rules). Two
 * queries whatever the number of employees; run it inside the org scope.
 *
 * @example
 * const rules = await loadResolvedRules(tx, { orgId, employeeIds });
 * projectEmployeeDays({ …, rules: rules.get(employeeId)! });
 */
export async function loadResolvedRules(
  tx: Database,
  params: { orgId: string; employeeIds: readonly string[] },
): Promise<Map<string, TimeRules>> {
  const layers = await loadPolicyLayers(tx, params);
  return new Map(
    [...layers].map(([employeeId, layer]) => [
      employeeId,
      resolveRules(layer.org, layer.site, layer.employee),
    ]),
  );
}

interface PolicyLayers {
  siteId: string | null;
  org: TimeRulesOverride | null;
  site: TimeRulesOverride | null;
  employee: TimeRulesOverride | null;
}

async function loadPolicyLayers(
  tx: Database,
  params: { orgId: string; employeeIds: readonly string[] },
): Promise<Map<string, PolicyLayers>> {
  const { orgId, employeeIds } = params;
  const sites = new Map(
    (await listEmployeeSites(tx, { orgId, employeeIds })).map((row) => [row.id, row.homeSiteId]),
  );
  const siteIds = [...new Set([...sites.values()].filter((id): id is string => id !== null))];
  const rows = await listTimePoliciesFor(tx, { orgId, siteIds, employeeIds });
  const orgRow = rows.find((row) => row.scope === 'org');
  const bySite = new Map(rows.filter((row) => row.scope === 'site').map((row) => [row.siteId!, row]));
  const byEmployee = new Map(
    rows.filter((row) => row.scope === 'employee').map((row) => [row.employeeId!, row]),
  );
  const org = storedOverride(orgRow);
  return new Map(
    employeeIds.map((employeeId) => {
      const siteId = sites.get(employeeId) ?? null;
      return [
        employeeId,
        {
          siteId,
          org,
          site: siteId ? storedOverride(bySite.get(siteId)) : null,
          employee: storedOverride(byEmployee.get(employeeId)),
        },
      ];
    }),
  );
}

/**
 * Local dates from the start of the org's current timesheet period to today, in the org's zone:
 * what a change of rules or schedules recomputes. Earlier periods are left as they were paid
 * (corrections there are explicit adjustments). The period is the timesheets' own (cut by the
 * setting in force today, clipped where it changed: `organizations.period_history`).
 */
export function currentPeriodWindow(organization: OrganizationRow, now: Date): { from: string; to: string } {
  const today = getLocalDate(now.toISOString(), organization.timeZone);
  return { from: orgPeriodForDate(organization, today).start, to: today };
}

/** Asks the projection to recompute these employees over the current period (see currentPeriodWindow). */
export async function enqueueCurrentPeriod(
  deps: HubDeps,
  tx: Database,
  params: { organization: OrganizationRow; employeeIds: readonly string[] },
) {
  const window = currentPeriodWindow(params.organization, deps.clock.now());
  await enqueueProjectionForEmployees(tx, {
    orgId: params.organization.id,
    employeeIds: params.employeeIds,
    fromDate: window.from,
    toDate: window.to,
  });
}

export type PolicyTargetInput =
  { scope: 'org' } | { scope: 'site'; siteId: string } | { scope: 'employee'; employeeId: string };

async function assertTargetExists(tx: Database, orgId: string, target: TimePolicyTarget) {
  if (target.scope === 'site' && !(await findSite(tx, { orgId, siteId: target.siteId }))) {
    throw new AppError('NOT_FOUND', { message: 'No such site' });
  }
  if (target.scope === 'employee' && !(await findEmployee(tx, { orgId, employeeId: target.employeeId }))) {
    throw new AppError('NOT_FOUND', { message: 'No such employee' });
  }
}

async function affectedEmployees(tx: Database, orgId: string, target: TimePolicyTarget): Promise<string[]> {
  if (target.scope === 'org') return listLiveEmployeeIds(tx, { orgId });
  if (target.scope === 'site') return listEmployeeIdsAtSite(tx, { orgId, siteId: target.siteId });
  return [target.employeeId];
}

const auditEntity = (target: TimePolicyTarget) =>
  target.scope === 'org' ? null : target.scope === 'site' ? target.siteId : target.employeeId;

export async function listOrgPolicies(tx: Database, orgId: string) {
  return { items: (await listTimePolicies(tx, { orgId })).map(toTimePolicy) };
}

export async function getOrgPolicy(tx: Database, orgId: string, target: TimePolicyTarget) {
  await assertTargetExists(tx, orgId, target);
  const row = await findTimePolicy(tx, { orgId, target });
  if (!row) throw new AppError('NOT_FOUND', { message: `No ${target.scope} policy is set` });
  return toTimePolicy(row);
}

/** Replaces one layer's rules whole (PUT semantics) and recomputes the employees it affects. */
export async function putOrgPolicy(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { organization: OrganizationRow; target: TimePolicyTarget; rules: TTimeRulesOverride },
) {
  const orgId = params.organization.id;
  await assertTargetExists(tx, orgId, params.target);
  const before = await findTimePolicy(tx, { orgId, target: params.target });
  const after = await upsertTimePolicy(tx, { orgId, target: params.target, rules: asOverride(params.rules) });
  await recordAudit(tx, actor, {
    orgId,
    action: `time_policy.${params.target.scope}_set`,
    entityType: 'time_policy',
    entityId: auditEntity(params.target),
    before: before ? toTimePolicy(before) : null,
    after: toTimePolicy(after),
  });
  await enqueueCurrentPeriod(deps, tx, {
    organization: params.organization,
    employeeIds: await affectedEmployees(tx, orgId, params.target),
  });
  return toTimePolicy(after);
}

/** Removes a site or employee layer (the lower layers apply again) and recomputes. */
export async function deleteOrgPolicy(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { organization: OrganizationRow; target: TimePolicyTarget },
) {
  const orgId = params.organization.id;
  await assertTargetExists(tx, orgId, params.target);
  const before = await deleteTimePolicy(tx, { orgId, target: params.target });
  if (!before) throw new AppError('NOT_FOUND', { message: `No ${params.target.scope} policy is set` });
  await recordAudit(tx, actor, {
    orgId,
    action: `time_policy.${params.target.scope}_removed`,
    entityType: 'time_policy',
    entityId: auditEntity(params.target),
    before: toTimePolicy(before),
  });
  await enqueueCurrentPeriod(deps, tx, {
    organization: params.organization,
    employeeIds: await affectedEmployees(tx, orgId, params.target),
  });
}

/** The rules in force for one employee, with the layers that made them. */
export async function getResolvedRules(tx: Database, orgId: string, employeeId: string) {
  if (!(await findEmployee(tx, { orgId, employeeId, includeDeleted: true }))) {
    throw new AppError('NOT_FOUND', { message: 'No such employee' });
  }
  const layer = (await loadPolicyLayers(tx, { orgId, employeeIds: [employeeId] })).get(employeeId)!;
  return {
    employeeId,
    siteId: layer.siteId,
    rules: resolveRules(layer.org, layer.site, layer.employee),
    layers: { org: layer.org, site: layer.site, employee: layer.employee },
  };
}
