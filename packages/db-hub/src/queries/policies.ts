import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { employees } from '../schema/employees';
import { timePolicies } from '../schema/policies';

export type TimePolicyRow = typeof timePolicies.$inferSelect;
export type TimePolicyScope = TimePolicyRow['scope'];
export type TimePolicyTarget =
  { scope: 'org' } | { scope: 'site'; siteId: string } | { scope: 'employee'; employeeId: string };

function targetCondition(orgId: string, target: TimePolicyTarget) {
  return and(
    eq(timePolicies.orgId, orgId),
    eq(timePolicies.scope, target.scope),
    target.scope === 'site' ? eq(timePolicies.siteId, target.siteId) : undefined,
    target.scope === 'employee' ? eq(timePolicies.employeeId, target.employeeId) : undefined,
  );
}

/** Every policy layer of the org: the org row first, then site rows, then employee rows. */
export async function listTimePolicies(db: Database, params: { orgId: string }): Promise<TimePolicyRow[]> {
  return db
    .select()
    .from(timePolicies)
    .where(eq(timePolicies.orgId, params.orgId))
    .orderBy(
      sql`case ${timePolicies.scope} when 'org' then 0 when 'site' then 1 else 2 end`,
      asc(timePolicies.createdAt),
      asc(timePolicies.id),
    );
}

export async function findTimePolicy(db: Database, params: { orgId: string; target: TimePolicyTarget }) {
  const [row] = await db
    .select()
    .from(timePolicies)
    .where(targetCondition(params.orgId, params.target))
    .limit(1);
  return row;
}

/** Creates or replaces one layer (there is at most one per org, site or employee). */
export async function upsertTimePolicy(
  db: Database,
  params: { orgId: string; target: TimePolicyTarget; rules: unknown },
): Promise<TimePolicyRow> {
  const existing = await findTimePolicy(db, params);
  if (existing) {
    const [row] = await db
      .update(timePolicies)
      .set({ rules: params.rules, updatedAt: new Date() })
      .where(and(eq(timePolicies.orgId, params.orgId), eq(timePolicies.id, existing.id)))
      .returning();
    return row!;
  }
  const [row] = await db
    .insert(timePolicies)
    .values({
      orgId: params.orgId,
      scope: params.target.scope,
      siteId: params.target.scope === 'site' ? params.target.siteId : null,
      employeeId: params.target.scope === 'employee' ? params.target.employeeId : null,
      rules: params.rules,
    })
    .returning();
  return row!;
}

export async function deleteTimePolicy(db: Database, params: { orgId: string; target: TimePolicyTarget }) {
  const [row] = await db.delete(timePolicies).where(targetCondition(params.orgId, params.target)).returning();
  return row;
}

/** Each employee's home site (null without one), deleted employees included: their history is recomputed too. */
export async function listEmployeeSites(
  db: Database,
  params: { orgId: string; employeeIds: readonly string[] },
): Promise<{ id: string; homeSiteId: string | null }[]> {
  if (params.employeeIds.length === 0) return [];
  return db
    .select({ id: employees.id, homeSiteId: employees.homeSiteId })
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), inArray(employees.id, [...params.employeeIds])));
}

/**
 * The policy rows that can apply to these employees: the org row, their sites' rows and their own
 * rows, in one query.
 */
export async function listTimePoliciesFor(
  db: Database,
  params: { orgId: string; siteIds: readonly string[]; employeeIds: readonly string[] },
): Promise<TimePolicyRow[]> {
  return db
    .select()
    .from(timePolicies)
    .where(
      and(
        eq(timePolicies.orgId, params.orgId),
        or(
          eq(timePolicies.scope, 'org'),
          params.siteIds.length > 0 ? inArray(timePolicies.siteId, [...params.siteIds]) : undefined,
          params.employeeIds.length > 0
            ? inArray(timePolicies.employeeId, [...params.employeeIds])
            : undefined,
        ),
      ),
    );
}

/** Live employees whose home site is this site (whose rules a site layer changes). */
export async function listEmployeeIdsAtSite(
  db: Database,
  params: { orgId: string; siteId: string },
): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.homeSiteId, params.siteId),
        isNull(employees.deletedAt),
      ),
    );
  return rows.map((row) => row.id);
}

/** Every live employee of the org (an org layer changes everyone's rules). */
export async function listLiveEmployeeIds(db: Database, params: { orgId: string }): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), isNull(employees.deletedAt)));
  return rows.map((row) => row.id);
}

/**
 * `enqueueProjection` for many employees in one statement (ids travel as one bound array literal) (an org-wide policy change touches
 * everyone; one round trip each would hold the request for seconds in a large org). Same merge rule.
 */
export async function enqueueProjectionForEmployees(
  db: Database,
  params: { orgId: string; employeeIds: readonly string[]; fromDate: string; toDate: string },
): Promise<void> {
  if (params.employeeIds.length === 0) return;
  await db.execute(sql`
    insert into projection_queue (org_id, employee_id, from_date, to_date)
    select ${params.orgId}::uuid, employee_id, ${params.fromDate}::date, ${params.toDate}::date
      from unnest(${`{${params.employeeIds.join(',')}}`}::uuid[]) as ids(employee_id)
    on conflict (org_id, employee_id) do update
       set from_date = least(projection_queue.from_date, excluded.from_date),
           to_date = greatest(projection_queue.to_date, excluded.to_date),
           requested_at = now()
  `);
}
