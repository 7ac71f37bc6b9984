import { and, asc, eq, gt, ilike, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { employees } from '../schema/employees';
import { rowsOf } from './rows';

export type EmployeeRow = typeof employees.$inferSelect;
export type NewEmployee = Omit<typeof employees.$inferInsert, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt'>;
export type EmployeeChanges = Partial<Omit<NewEmployee, 'orgId'>> & { deletedAt?: Date | null };

export interface ListEmployeesParams {
  orgId: string;
  limit: number;
  /** Keyset position: the (name, id) of the last row of the previous page. */
  after?: { name: string; id: string } | undefined;
  status?: EmployeeRow['status'] | undefined;
  departmentId?: string | undefined;
  homeSiteId?: string | undefined;
  /** Matches name, code or email, case-insensitively. */
  search?: string | undefined;
}

/** Live employees in name order, one extra row fetched to tell whether another page exists. */
export async function listEmployees(db: Database, params: ListEmployeesParams): Promise<EmployeeRow[]> {
  const conditions: (SQL | undefined)[] = [
    eq(employees.orgId, params.orgId),
    isNull(employees.deletedAt),
    params.status ? eq(employees.status, params.status) : undefined,
    params.departmentId ? eq(employees.departmentId, params.departmentId) : undefined,
    params.homeSiteId ? eq(employees.homeSiteId, params.homeSiteId) : undefined,
    params.after
      ? or(
          gt(employees.name, params.after.name),
          and(eq(employees.name, params.after.name), gt(employees.id, params.after.id)),
        )
      : undefined,
  ];
  if (params.search) {
    // Escape LIKE wildcards so a search for "50%" means the characters, not a pattern.
    const pattern = `%${params.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    conditions.push(
      or(ilike(employees.name, pattern), ilike(employees.code, pattern), ilike(employees.email, pattern)),
    );
  }
  return db
    .select()
    .from(employees)
    .where(and(...conditions))
    .orderBy(asc(employees.name), asc(employees.id))
    .limit(params.limit + 1);
}

export async function findEmployee(
  db: Database,
  params: { orgId: string; employeeId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(employees)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.id, params.employeeId),
        params.includeDeleted ? undefined : isNull(employees.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

/**
 * Locks the employee row until the transaction ends, so changes that check a sum over the
 * employee's other rows (team allocations) run one at a time per employee. `for no key update`:
 * it does not block foreign-key checks of rows that reference the employee (punches, ledger).
 */
export async function lockEmployee(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<EmployeeRow | undefined> {
  const [row] = await db
    .select()
    .from(employees)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.id, params.employeeId),
        isNull(employees.deletedAt),
      ),
    )
    .for('no key update')
    .limit(1);
  return row;
}

export async function findEmployeeByCode(db: Database, params: { orgId: string; code: string }) {
  const [row] = await db
    .select()
    .from(employees)
    .where(
      and(eq(employees.orgId, params.orgId), eq(employees.code, params.code), isNull(employees.deletedAt)),
    )
    .limit(1);
  return row;
}

export async function createEmployee(db: Database, params: NewEmployee): Promise<EmployeeRow> {
  const [row] = await db.insert(employees).values(params).returning();
  return row!;
}

export async function updateEmployee(
  db: Database,
  params: { orgId: string; employeeId: string; changes: EmployeeChanges },
) {
  const [row] = await db
    .update(employees)
    .set(params.changes)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.id, params.employeeId),
        isNull(employees.deletedAt),
      ),
    )
    .returning();
  return row;
}

export async function countEmployees(db: Database, params: { orgId: string }) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), isNull(employees.deletedAt)));
  return row?.count ?? 0;
}

/**
 * Orgs with a scheduled termination (an active employee with a termination date) that is due: the
 * date is before `now`'s date in the org's time zone. Runs across orgs (the owner connection, like
 * the other jobs' org lists); the work itself is then done in each org's scope.
 */
export async function listOrgIdsWithDueTerminations(db: Database, params: { now: Date }): Promise<string[]> {
  const result = await db.execute(sql`
    select distinct e.org_id from employees e
      join organizations o on o.id = e.org_id and o.status = 'active'
     where e.status = 'active' and e.deleted_at is null and e.termination_date is not null
       and e.termination_date < (${params.now.toISOString()}::timestamptz at time zone o.time_zone)::date
  `);
  return rowsOf<{ org_id: string }>(result).map((row) => row.org_id);
}

/**
 * The org's active employees whose scheduled termination date is before `today`, locked like
 * `lockEmployee` so a concurrent run, terminate or rehire waits and then sees the outcome.
 */
export async function lockDueTerminations(
  db: Database,
  params: { orgId: string; today: string },
): Promise<EmployeeRow[]> {
  return db
    .select()
    .from(employees)
    .where(
      and(
        eq(employees.orgId, params.orgId),
        eq(employees.status, 'active'),
        isNull(employees.deletedAt),
        isNotNull(employees.terminationDate),
        lt(employees.terminationDate, params.today),
      ),
    )
    .orderBy(asc(employees.id))
    .for('no key update');
}
