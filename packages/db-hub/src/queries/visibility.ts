import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { employees } from '../schema/employees';
import { rowsOf } from './rows';

/** The live employee linked to a console user in this org (self-service), if any. */
export async function findEmployeeIdForUser(
  db: Database,
  params: { orgId: string; userId: string },
): Promise<string | null> {
  const [row] = await db
    .select({ id: employees.id })
    .from(employees)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.userId, params.userId),
        isNull(employees.deletedAt),
      ),
    )
    .limit(1);
  return row?.id ?? null;
}

/**
 * Employees a manager manages: everyone in the departments they manage and those departments'
 * sub-departments, plus the members of the teams they manage. Deleted employees are included
 * (their history stays visible to the same people).
 */
export async function listManagedEmployeeIds(
  db: Database,
  params: { orgId: string; userId: string },
): Promise<string[]> {
  const result = await db.execute(sql`
    with recursive managed_departments as (
      select id from departments
       where org_id = ${params.orgId} and manager_user_id = ${params.userId} and deleted_at is null
      union
      select child.id from departments child
        join managed_departments parent on child.parent_id = parent.id
       where child.org_id = ${params.orgId} and child.deleted_at is null
    )
    select e.id from employees e
     where e.org_id = ${params.orgId} and e.department_id in (select id from managed_departments)
    union
    select tm.employee_id as id from team_members tm
      join teams t on t.org_id = tm.org_id and t.id = tm.team_id
     where tm.org_id = ${params.orgId} and t.manager_user_id = ${params.userId} and t.deleted_at is null
  `);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

/** Which of `employeeIds` exist in the org (deleted included). */
export async function filterExistingEmployeeIds(
  db: Database,
  params: { orgId: string; employeeIds: string[] },
): Promise<string[]> {
  if (params.employeeIds.length === 0) return [];
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), inArray(employees.id, params.employeeIds)));
  return rows.map((row) => row.id);
}
