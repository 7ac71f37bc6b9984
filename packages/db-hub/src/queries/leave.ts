import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { leaveLedger, leaveRequests, leaveTypes } from '../schema/leave';
import { rowsOf } from './rows';

export type LeaveTypeRow = typeof leaveTypes.$inferSelect;
export type NewLeaveType = Omit<typeof leaveTypes.$inferInsert, 'id' | 'updatedAt' | 'deletedAt'>;
export type LeaveTypeChanges = Partial<Omit<NewLeaveType, 'orgId' | 'createdAt'>> & { deletedAt?: Date };
export type LeaveRequestRow = typeof leaveRequests.$inferSelect;
export type NewLeaveRequest = Omit<typeof leaveRequests.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type LeaveRequestStatus = LeaveRequestRow['status'];
export type LeaveLedgerRow = typeof leaveLedger.$inferSelect;
export type NewLeaveLedgerLine = Omit<typeof leaveLedger.$inferInsert, 'id' | 'createdAt'>;

/** Live leave types (and deleted ones when asked) in name order. */
export async function listLeaveTypes(
  db: Database,
  params: { orgId: string; includeDeleted?: boolean },
): Promise<LeaveTypeRow[]> {
  return db
    .select()
    .from(leaveTypes)
    .where(
      and(
        eq(leaveTypes.orgId, params.orgId),
        params.includeDeleted ? undefined : isNull(leaveTypes.deletedAt),
      ),
    )
    .orderBy(asc(leaveTypes.name), asc(leaveTypes.id));
}

export async function findLeaveType(
  db: Database,
  params: { orgId: string; leaveTypeId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(leaveTypes)
    .where(
      and(
        eq(leaveTypes.orgId, params.orgId),
        eq(leaveTypes.id, params.leaveTypeId),
        params.includeDeleted ? undefined : isNull(leaveTypes.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createLeaveType(db: Database, params: NewLeaveType): Promise<LeaveTypeRow> {
  const [row] = await db.insert(leaveTypes).values(params).returning();
  return row!;
}

export async function updateLeaveType(
  db: Database,
  params: { orgId: string; leaveTypeId: string; changes: LeaveTypeChanges },
) {
  const [row] = await db
    .update(leaveTypes)
    .set(params.changes)
    .where(
      and(
        eq(leaveTypes.orgId, params.orgId),
        eq(leaveTypes.id, params.leaveTypeId),
        isNull(leaveTypes.deletedAt),
      ),
    )
    .returning();
  return row;
}

/**
 * Serialises leave changes of one employee until the transaction ends, so two concurrent requests
 * cannot both pass the overlap and balance checks.
 */
export async function lockEmployeeLeave(db: Database, params: { orgId: string; employeeId: string }) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`leave:${params.employeeId}`}, 0))`);
}

/** One accrual run per org at a time: the carry-over expiry check reads what it then writes. */
export async function lockOrgLeaveAccrual(db: Database, params: { orgId: string }) {
  await db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`leave-accrual:${params.orgId}`}, 0))`,
  );
}

export interface ListLeaveRequestsParams {
  orgId: string;
  limit: number;
  /** Keyset position: the id of the last row of the previous page (newest first). */
  beforeId?: string | undefined;
  /** Null: the whole org. */
  employeeIds: string[] | null;
  status?: LeaveRequestStatus | undefined;
  leaveTypeId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Newest first (ids are time-ordered UUIDv7), one extra row to tell whether another page exists. */
export async function listLeaveRequests(
  db: Database,
  params: ListLeaveRequestsParams,
): Promise<LeaveRequestRow[]> {
  if (params.employeeIds?.length === 0) return [];
  const conditions: (SQL | undefined)[] = [
    eq(leaveRequests.orgId, params.orgId),
    params.employeeIds ? inArray(leaveRequests.employeeId, params.employeeIds) : undefined,
    params.status ? eq(leaveRequests.status, params.status) : undefined,
    params.leaveTypeId ? eq(leaveRequests.leaveTypeId, params.leaveTypeId) : undefined,
    params.from ? gte(leaveRequests.endDate, params.from) : undefined,
    params.to ? lte(leaveRequests.startDate, params.to) : undefined,
    params.beforeId ? lt(leaveRequests.id, params.beforeId) : undefined,
  ];
  return db
    .select()
    .from(leaveRequests)
    .where(and(...conditions))
    .orderBy(desc(leaveRequests.id))
    .limit(params.limit + 1);
}

export async function findLeaveRequest(db: Database, params: { orgId: string; leaveRequestId: string }) {
  const [row] = await db
    .select()
    .from(leaveRequests)
    .where(and(eq(leaveRequests.orgId, params.orgId), eq(leaveRequests.id, params.leaveRequestId)))
    .limit(1);
  return row;
}

/** A pending or approved request of the employee that shares at least one date with start…end. */
export async function findOverlappingLeaveRequest(
  db: Database,
  params: { orgId: string; employeeId: string; startDate: string; endDate: string },
) {
  const [row] = await db
    .select()
    .from(leaveRequests)
    .where(
      and(
        eq(leaveRequests.orgId, params.orgId),
        eq(leaveRequests.employeeId, params.employeeId),
        inArray(leaveRequests.status, ['pending', 'approved']),
        lte(leaveRequests.startDate, params.endDate),
        gte(leaveRequests.endDate, params.startDate),
      ),
    )
    .orderBy(asc(leaveRequests.startDate))
    .limit(1);
  return row;
}

/**
 * What a termination on `lastDate` cancels: pending requests with any day after it, and approved
 * requests that start after it (approved leave that runs across the date is left for a person).
 */
export async function listLeaveRequestsEndedByTermination(
  db: Database,
  params: { orgId: string; employeeId: string; lastDate: string },
): Promise<LeaveRequestRow[]> {
  return db
    .select()
    .from(leaveRequests)
    .where(
      and(
        eq(leaveRequests.orgId, params.orgId),
        eq(leaveRequests.employeeId, params.employeeId),
        or(
          and(eq(leaveRequests.status, 'pending'), sql`${leaveRequests.endDate} > ${params.lastDate}`),
          and(eq(leaveRequests.status, 'approved'), sql`${leaveRequests.startDate} > ${params.lastDate}`),
        ),
      ),
    )
    .orderBy(asc(leaveRequests.startDate), asc(leaveRequests.id));
}

export async function createLeaveRequest(db: Database, params: NewLeaveRequest): Promise<LeaveRequestRow> {
  const [row] = await db.insert(leaveRequests).values(params).returning();
  return row!;
}

/**
 * Moves a request out of `fromStatus`. Answers undefined when it is no longer in that status, so a
 * decision made twice (even at the same moment) changes nothing the second time.
 */
export async function transitionLeaveRequest(
  db: Database,
  params: {
    orgId: string;
    leaveRequestId: string;
    fromStatus: LeaveRequestStatus;
    changes: Pick<Partial<LeaveRequestRow>, 'status' | 'decidedByUserId' | 'decidedAt' | 'decisionNote'>;
  },
) {
  const [row] = await db
    .update(leaveRequests)
    .set(params.changes)
    .where(
      and(
        eq(leaveRequests.orgId, params.orgId),
        eq(leaveRequests.id, params.leaveRequestId),
        eq(leaveRequests.status, params.fromStatus),
      ),
    )
    .returning();
  return row;
}

export async function insertLeaveLedgerLines(
  db: Database,
  lines: NewLeaveLedgerLine[],
): Promise<LeaveLedgerRow[]> {
  if (lines.length === 0) return [];
  // Accruals are unique per (employee, type, period): a second run of the job adds nothing.
  return db.insert(leaveLedger).values(lines).onConflictDoNothing().returning();
}

/** Ledger lines in effective-date order (then creation order), one extra row for paging. */
export async function listLeaveLedger(
  db: Database,
  params: {
    orgId: string;
    employeeId: string;
    leaveTypeId?: string | undefined;
    limit: number;
    after?: { effectiveDate: string; id: string } | undefined;
  },
): Promise<LeaveLedgerRow[]> {
  return db
    .select()
    .from(leaveLedger)
    .where(
      and(
        eq(leaveLedger.orgId, params.orgId),
        eq(leaveLedger.employeeId, params.employeeId),
        params.leaveTypeId ? eq(leaveLedger.leaveTypeId, params.leaveTypeId) : undefined,
        params.after
          ? or(
              sql`${leaveLedger.effectiveDate} > ${params.after.effectiveDate}`,
              and(
                eq(leaveLedger.effectiveDate, params.after.effectiveDate),
                sql`${leaveLedger.id} > ${params.after.id}`,
              ),
            )
          : undefined,
      ),
    )
    .orderBy(asc(leaveLedger.effectiveDate), asc(leaveLedger.id))
    .limit(params.limit + 1);
}

export interface LeaveLedgerSums {
  leaveTypeId: string;
  accrued: number;
  usage: number;
  adjusted: number;
  expired: number;
  pending: number;
}

/** Per leave type: ledger sums by kind (signed) and the minutes of pending requests. */
export async function sumLeaveBalances(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<LeaveLedgerSums[]> {
  const result = await db.execute(sql`
    select leave_type_id,
           sum(case when source = 'accrual' then minutes else 0 end)::int as accrued,
           sum(case when source = 'usage' then minutes else 0 end)::int as usage,
           sum(case when source = 'adjustment' then minutes else 0 end)::int as adjusted,
           sum(case when source = 'carry_over_expiry' then minutes else 0 end)::int as expired,
           sum(case when source = 'pending' then minutes else 0 end)::int as pending
      from (
        select leave_type_id, kind as source, minutes from leave_ledger
         where org_id = ${params.orgId} and employee_id = ${params.employeeId}
        union all
        select leave_type_id, 'pending', total_minutes from leave_requests
         where org_id = ${params.orgId} and employee_id = ${params.employeeId} and status = 'pending'
      ) lines
     group by leave_type_id
  `);
  return rowsOf<{
    leave_type_id: string;
    accrued: number;
    usage: number;
    adjusted: number;
    expired: number;
    pending: number;
  }>(result).map((row) => ({
    leaveTypeId: row.leave_type_id,
    accrued: row.accrued,
    usage: row.usage,
    adjusted: row.adjusted,
    expired: row.expired,
    pending: row.pending,
  }));
}

/**
 * A UUIDv7 made in SQL (48-bit millisecond time, then random bits with the version set to 7), for
 * rows inserted set-based where the application cannot make the ids.
 */
const SQL_UUIDV7 = sql.raw(
  "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid",
);

export interface AccrualState {
  employeeId: string;
  hireDate: string | null;
  terminationDate: string | null;
  /** The last day of the newest period this type was accrued for; null: never accrued. */
  accruedThrough: string | null;
}

/**
 * Every live employee with what bounds their accrual of one type: hire and termination dates and
 * the end of the newest period already credited (one backward probe of the one-accrual-per-period
 * index per employee).
 */
export async function listAccrualStates(
  db: Database,
  params: { orgId: string; leaveTypeId: string },
): Promise<AccrualState[]> {
  const result = await db.execute(sql`
    select e.id, e.hire_date::text as hire_date, e.termination_date::text as termination_date,
           last.effective_date::text as accrued_through
      from employees e
      left join lateral (
        select l.effective_date from leave_ledger l
         where l.org_id = e.org_id and l.employee_id = e.id and l.leave_type_id = ${params.leaveTypeId}
           and l.kind = 'accrual'
         order by l.period_start desc
         limit 1
      ) last on true
     where e.org_id = ${params.orgId} and e.deleted_at is null
  `);
  return rowsOf<{
    id: string;
    hire_date: string | null;
    termination_date: string | null;
    accrued_through: string | null;
  }>(result).map((row) => ({
    employeeId: row.id,
    hireDate: row.hire_date,
    terminationDate: row.termination_date,
    accruedThrough: row.accrued_through,
  }));
}

/** Rows per insert statement: keeps each statement's parameter arrays a few hundred kB at most. */
const ACCRUAL_INSERT_CHUNK = 5_000;

/**
 * Credits `minutes` of one leave type for each (employee, period) given, dated the period's last
 * day, set-based (one statement per 5,000 lines). The idempotency key is the unique index
 * `leave_ledger_one_accrual_per_period` on (org, employee, type, period start) for accruals: a line
 * that exists — written by an earlier run or by a concurrent one that committed first — is skipped
 * (`on conflict do nothing`; a concurrent uncommitted insert of the same key makes this one wait
 * for it and then skip). Answers how many lines were added.
 */
export async function insertAccrualLines(
  db: Database,
  params: {
    orgId: string;
    leaveTypeId: string;
    minutes: number;
    lines: readonly { employeeId: string; start: string; end: string }[];
  },
): Promise<number> {
  let added = 0;
  for (let offset = 0; offset < params.lines.length; offset += ACCRUAL_INSERT_CHUNK) {
    const chunk = params.lines.slice(offset, offset + ACCRUAL_INSERT_CHUNK);
    // Ids and ISO dates made by the caller, passed as one array literal each.
    const employeeIds = `{${chunk.map((line) => line.employeeId).join(',')}}`;
    const starts = `{${chunk.map((line) => line.start).join(',')}}`;
    const ends = `{${chunk.map((line) => line.end).join(',')}}`;
    const result = await db.execute(sql`
      with inserted as (
        insert into leave_ledger (id, org_id, employee_id, leave_type_id, kind, minutes, effective_date, period_start, note)
        select ${SQL_UUIDV7}, ${params.orgId}, p.employee_id, ${params.leaveTypeId}, 'accrual', ${params.minutes},
               p.period_end, p.period_start, 'Accrual for ' || p.period_start || ' to ' || p.period_end
          from unnest(${employeeIds}::uuid[], ${starts}::date[], ${ends}::date[])
            as p(employee_id, period_start, period_end)
        on conflict do nothing
        returning 1
      )
      select count(*)::int as count from inserted
    `);
    added += rowsOf<{ count: number }>(result)[0]?.count ?? 0;
  }
  return added;
}

/**
 * Balances above `capMinutes` at the end of a year (ledger lines effective on or before `yearEnd`),
 * for employees who have no expiry line for `expiryDate` yet.
 */
export async function listBalancesAboveCap(
  db: Database,
  params: { orgId: string; leaveTypeId: string; yearEnd: string; expiryDate: string; capMinutes: number },
): Promise<{ employeeId: string; balanceMinutes: number }[]> {
  // One pass over the type's lines, no join: right after a catch-up has inserted thousands of
  // lines the table's statistics still say "empty", and the planner then ran the old not-exists
  // probe as a sequential scan per employee (past the statement timeout for 2,000 employees).
  const result = await db.execute(sql`
    select employee_id, balance from (
      select employee_id,
             coalesce(sum(minutes) filter (where effective_date <= ${params.yearEnd}), 0)::int as balance,
             coalesce(bool_or(kind = 'carry_over_expiry' and period_start = ${params.expiryDate}), false)
               as has_expiry
        from leave_ledger
       where org_id = ${params.orgId} and leave_type_id = ${params.leaveTypeId}
       group by employee_id
    ) b
     where balance > ${params.capMinutes} and not has_expiry
  `);
  return rowsOf<{ employee_id: string; balance: number }>(result).map((row) => ({
    employeeId: row.employee_id,
    balanceMinutes: row.balance,
  }));
}

/** Every org with a live leave type that accrues or caps carry-over (read outside any org scope). */
export async function listOrgIdsWithLeavePolicies(db: Database): Promise<string[]> {
  const result = await db.execute(sql`
    select distinct t.org_id from leave_types t
      join organizations o on o.id = t.org_id and o.status = 'active'
     where t.deleted_at is null
       and (t.accrual_minutes_per_period > 0 or t.carry_over_cap_minutes is not null)
  `);
  return rowsOf<{ org_id: string }>(result).map((row) => row.org_id);
}

/**
 * Who decides this employee's leave, for the "new request" mail: the managers of the employee's
 * department and its parent departments and of the teams they belong to; with none, the org's
 * owners and admins.
 */
export async function listLeaveApproverEmails(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<string[]> {
  const result = await db.execute(sql`
    with recursive chain as (
      select d.id, d.parent_id, d.manager_user_id from departments d
        join employees e on e.org_id = d.org_id and e.department_id = d.id
       where e.org_id = ${params.orgId} and e.id = ${params.employeeId} and d.deleted_at is null
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
         and tm.ended_on is null and t.deleted_at is null and t.manager_user_id is not null
    ),
    approvers as (
      select user_id from managers
      union
      select m.user_id from memberships m
       where m.org_id = ${params.orgId} and m.role in ('owner', 'admin')
         and not exists (select 1 from managers)
    )
    select distinct u.email from users u join approvers a on a.user_id = u.id
      join memberships m on m.org_id = ${params.orgId} and m.user_id = u.id
     order by u.email
  `);
  return rowsOf<{ email: string }>(result).map((row) => row.email);
}

/** Where to tell an employee about their leave: their own address, else their linked account's. */
export async function findEmployeeNotificationEmail(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<string | null> {
  const result = await db.execute(sql`
    select coalesce(e.email, u.email) as email from employees e
      left join users u on u.id = e.user_id
     where e.org_id = ${params.orgId} and e.id = ${params.employeeId}
  `);
  return rowsOf<{ email: string | null }>(result)[0]?.email ?? null;
}

export async function findUserEmail(db: Database, params: { userId: string }): Promise<string | null> {
  const result = await db.execute(sql`select email from users where id = ${params.userId}`);
  return rowsOf<{ email: string }>(result)[0]?.email ?? null;
}
