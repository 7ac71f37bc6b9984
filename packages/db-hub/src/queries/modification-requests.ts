import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { rowsOf } from './rows';
import type { Database } from '../client';
import { modificationRequests } from '../schema/time';

export type ModificationRequestRow = typeof modificationRequests.$inferSelect;
export type NewModificationRequest = Omit<
  typeof modificationRequests.$inferInsert,
  | 'id'
  | 'createdAt'
  | 'updatedAt'
  | 'status'
  | 'decidedByUserId'
  | 'decidedAt'
  | 'decisionNote'
  | 'adjustmentId'
>;

export async function insertModificationRequest(
  db: Database,
  values: NewModificationRequest,
): Promise<ModificationRequestRow> {
  const [row] = await db.insert(modificationRequests).values(values).returning();
  return row!;
}

export async function findModificationRequest(db: Database, params: { orgId: string; requestId: string }) {
  const [row] = await db
    .select()
    .from(modificationRequests)
    .where(and(eq(modificationRequests.orgId, params.orgId), eq(modificationRequests.id, params.requestId)))
    .limit(1);
  return row;
}

/**
 * Requests newest first, keyset `(createdAt, id)`; `employeeIds` null = the whole org. One extra row
 * tells whether another page exists.
 */
export async function listModificationRequests(
  db: Database,
  params: {
    orgId: string;
    limit: number;
    employeeIds: string[] | null;
    status?: ModificationRequestRow['status'] | undefined;
    after?: { createdAt: Date; id: string } | undefined;
  },
): Promise<ModificationRequestRow[]> {
  if (params.employeeIds?.length === 0) return [];
  const conditions: (SQL | undefined)[] = [
    eq(modificationRequests.orgId, params.orgId),
    params.employeeIds ? inArray(modificationRequests.employeeId, params.employeeIds) : undefined,
    params.status ? eq(modificationRequests.status, params.status) : undefined,
    params.after
      ? or(
          lt(modificationRequests.createdAt, params.after.createdAt),
          and(
            eq(modificationRequests.createdAt, params.after.createdAt),
            lt(modificationRequests.id, params.after.id),
          ),
        )
      : undefined,
  ];
  return db
    .select()
    .from(modificationRequests)
    .where(and(...conditions))
    .orderBy(desc(modificationRequests.createdAt), desc(modificationRequests.id))
    .limit(params.limit + 1);
}

/**
 * Moves a pending request to a final status. Conditional on `pending`, so two managers deciding at
 * once cannot both win: the loser gets undefined.
 */
export async function decideModificationRequest(
  db: Database,
  params: {
    orgId: string;
    requestId: string;
    status: 'approved' | 'rejected' | 'cancelled';
    decidedByUserId: string;
    decidedAt: Date;
    decisionNote?: string | null | undefined;
    adjustmentId?: string | null | undefined;
  },
): Promise<ModificationRequestRow | undefined> {
  const [row] = await db
    .update(modificationRequests)
    .set({
      status: params.status,
      decidedByUserId: params.decidedByUserId,
      decidedAt: params.decidedAt,
      decisionNote: params.decisionNote ?? null,
      adjustmentId: params.adjustmentId ?? null,
    })
    .where(
      and(
        eq(modificationRequests.orgId, params.orgId),
        eq(modificationRequests.id, params.requestId),
        eq(modificationRequests.status, 'pending'),
      ),
    )
    .returning();
  return row;
}

/** Links an approved request to the correction that applied it (same transaction as the decision). */
export async function setModificationRequestAdjustment(
  db: Database,
  params: { orgId: string; requestId: string; adjustmentId: string },
): Promise<ModificationRequestRow | undefined> {
  const [row] = await db
    .update(modificationRequests)
    .set({ adjustmentId: params.adjustmentId })
    .where(and(eq(modificationRequests.orgId, params.orgId), eq(modificationRequests.id, params.requestId)))
    .returning();
  return row;
}

/**
 * Who should hear about an employee's request: the managers of their department and its parent
 * departments, and of their teams (current memberships only: an ended one no longer counts), who are still
 * members of the org; when there are none, the org's owners and
 * admins. Never the employee's own account.
 */
export async function listRequestApprovers(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<{ userId: string; email: string; name: string }[]> {
  const result = await db.execute(sql`
    with recursive chain as (
      select d.id, d.parent_id, d.manager_user_id from departments d
        join employees e on e.org_id = d.org_id and e.department_id = d.id
       where e.org_id = ${params.orgId} and e.id = ${params.employeeId}
      union
      select p.id, p.parent_id, p.manager_user_id from departments p
        join chain c on p.id = c.parent_id
       where p.org_id = ${params.orgId} and p.deleted_at is null
    ),
    managers as (
      select manager_user_id as user_id from chain where manager_user_id is not null
      union
      select t.manager_user_id from teams t
        join team_members tm on tm.org_id = t.org_id and tm.team_id = t.id
       where t.org_id = ${params.orgId} and tm.employee_id = ${params.employeeId}
         and tm.ended_on is null
         and t.deleted_at is null and t.manager_user_id is not null
    ),
    own as (select user_id from employees where org_id = ${params.orgId} and id = ${params.employeeId}),
    member_managers as (
      select m.user_id from managers m
        join memberships ms on ms.org_id = ${params.orgId} and ms.user_id = m.user_id
       where m.user_id is distinct from (select user_id from own)
    ),
    candidates as (
      select user_id from member_managers
      union
      select ms.user_id from memberships ms
       where ms.org_id = ${params.orgId} and ms.role in ('owner', 'admin')
         and not exists (select 1 from member_managers)
    )
    select u.id as "userId", u.email, u.name from candidates c
      join users u on u.id = c.user_id
     where c.user_id is distinct from (select user_id from own)
     order by u.email`);
  return rowsOf<{ userId: string; email: string; name: string }>(result);
}
