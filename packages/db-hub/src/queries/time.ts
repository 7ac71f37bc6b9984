import { and, asc, eq, gt, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceEvents } from '../schema/attendance';
import { employees } from '../schema/employees';
import { timeEntries, timeExceptions, workDays } from '../schema/time';

/** Filters shared by the projected-time lists. `employeeIds` null = the whole org (already scoped). */
export interface TimeListFilter {
  orgId: string;
  from: string;
  to: string;
  employeeIds: readonly string[] | null;
  /** A department and its sub-departments (the service expands the tree); undefined: any. */
  departmentIds?: readonly string[] | undefined;
  limit: number;
}

const employeeColumns = { employeeName: employees.name, employeeCode: employees.code };

function employeeFilter(
  column: typeof workDays.employeeId | typeof timeEntries.employeeId | typeof timeExceptions.employeeId,
  ids: readonly string[] | null,
): SQL | undefined {
  if (ids === null) return undefined;
  // An empty scope sees nothing (no linked employee, no managed people).
  return ids.length === 0 ? sql`false` : inArray(column, [...ids]);
}

/** Work days in (date, employee) order, one extra row fetched to tell whether another page exists. */
export async function listWorkDays(
  db: Database,
  params: TimeListFilter & { after?: { date: string; employeeId: string } | undefined },
) {
  return db
    .select({ ...employeeColumns, day: workDays })
    .from(workDays)
    .innerJoin(employees, and(eq(employees.orgId, workDays.orgId), eq(employees.id, workDays.employeeId)))
    .where(
      and(
        eq(workDays.orgId, params.orgId),
        gte(workDays.workDate, params.from),
        lte(workDays.workDate, params.to),
        employeeFilter(workDays.employeeId, params.employeeIds),
        params.departmentIds ? inArray(workDays.departmentId, [...params.departmentIds]) : undefined,
        params.after
          ? or(
              gt(workDays.workDate, params.after.date),
              and(eq(workDays.workDate, params.after.date), gt(workDays.employeeId, params.after.employeeId)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(workDays.workDate), asc(workDays.employeeId))
    .limit(params.limit + 1);
}

/** The department a work day was projected under (entries and exceptions carry none of their own). */
function projectedDepartment(
  table: typeof timeEntries | typeof timeExceptions,
  departmentIds: readonly string[] | undefined,
): SQL | undefined {
  if (!departmentIds) return undefined;
  return sql`exists (select 1 from work_days d
     where d.org_id = ${table.orgId} and d.employee_id = ${table.employeeId}
       and d.work_date = ${table.workDate}
       and d.department_id in (${sql.join(
         departmentIds.map((id) => sql`${id}`),
         sql`, `,
       )}))`;
}

/** Time entries in (date, id) order. */
export async function listTimeEntries(
  db: Database,
  params: TimeListFilter & {
    projectId?: string | undefined;
    status?: 'complete' | 'open' | 'missing_clock_out' | undefined;
    after?: { date: string; id: string } | undefined;
  },
) {
  return db
    .select({ ...employeeColumns, entry: timeEntries })
    .from(timeEntries)
    .innerJoin(
      employees,
      and(eq(employees.orgId, timeEntries.orgId), eq(employees.id, timeEntries.employeeId)),
    )
    .where(
      and(
        eq(timeEntries.orgId, params.orgId),
        gte(timeEntries.workDate, params.from),
        lte(timeEntries.workDate, params.to),
        employeeFilter(timeEntries.employeeId, params.employeeIds),
        projectedDepartment(timeEntries, params.departmentIds),
        params.projectId ? eq(timeEntries.projectId, params.projectId) : undefined,
        params.status ? eq(timeEntries.status, params.status) : undefined,
        params.after
          ? or(
              gt(timeEntries.workDate, params.after.date),
              and(eq(timeEntries.workDate, params.after.date), gt(timeEntries.id, params.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(timeEntries.workDate), asc(timeEntries.id))
    .limit(params.limit + 1);
}

/** Exceptions in (date, employee, id) order. */
export async function listTimeExceptions(
  db: Database,
  params: TimeListFilter & {
    code?: string | undefined;
    severity?: 'info' | 'warning' | 'error' | undefined;
    after?: { date: string; employeeId: string; id: string } | undefined;
  },
) {
  const after = params.after;
  return db
    .select({ ...employeeColumns, exception: timeExceptions })
    .from(timeExceptions)
    .innerJoin(
      employees,
      and(eq(employees.orgId, timeExceptions.orgId), eq(employees.id, timeExceptions.employeeId)),
    )
    .where(
      and(
        eq(timeExceptions.orgId, params.orgId),
        gte(timeExceptions.workDate, params.from),
        lte(timeExceptions.workDate, params.to),
        employeeFilter(timeExceptions.employeeId, params.employeeIds),
        projectedDepartment(timeExceptions, params.departmentIds),
        params.code ? eq(timeExceptions.code, params.code) : undefined,
        params.severity ? eq(timeExceptions.severity, params.severity) : undefined,
        after
          ? sql`(${timeExceptions.workDate}, ${timeExceptions.employeeId}, ${timeExceptions.id}) > (${after.date}::date, ${after.employeeId}::uuid, ${after.id})`
          : undefined,
      ),
    )
    .orderBy(asc(timeExceptions.workDate), asc(timeExceptions.employeeId), asc(timeExceptions.id))
    .limit(params.limit + 1);
}

/**
 * Locks one employee row until the end of the transaction: web clock punches for the same person
 * are decided one at a time, so two quick clicks cannot both clock in.
 */
export async function lockEmployeeForPunch(db: Database, params: { orgId: string; employeeId: string }) {
  const [row] = await db
    .select({
      id: employees.id,
      status: employees.status,
      terminationDate: employees.terminationDate,
      deletedAt: employees.deletedAt,
    })
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), eq(employees.id, params.employeeId)))
    .for('update');
  return row;
}

export type NewWebClockEvent = Pick<
  typeof attendanceEvents.$inferInsert,
  'id' | 'orgId' | 'employeeId' | 'type' | 'occurredAt' | 'projectId' | 'taskId' | 'recordedBy'
>;

/** A punch from the web clock: source web, verified by the user's password login. */
export async function insertWebClockEvent(db: Database, params: NewWebClockEvent) {
  const [row] = await db
    .insert(attendanceEvents)
    .values({ ...params, source: 'web', method: 'password', receivedAt: params.occurredAt })
    .returning();
  return row!;
}
