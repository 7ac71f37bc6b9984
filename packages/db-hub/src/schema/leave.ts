import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { employees } from './employees';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { users } from './users';

/**
 * Kinds of leave an org grants (vacation, sick, unpaid…). Amounts are minutes so part days and
 * part-time contracts need no special case. Soft-deleted: past requests and balances keep their type.
 */
export const leaveTypes = pgTable(
  'leave_types',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    code: text('code'),
    isPaid: boolean('is_paid').notNull().default(true),
    /** Minutes credited to each active employee per timesheet period (0: no accrual). */
    accrualMinutesPerPeriod: integer('accrual_minutes_per_period').notNull().default(0),
    /** Most minutes carried into a new year; null: no cap. */
    carryOverCapMinutes: integer('carry_over_cap_minutes'),
    /** Minutes a leave day counts for in timesheets when the employee has no shift that day. */
    defaultDayMinutes: integer('default_day_minutes').notNull().default(480),
    /** Whether requests may exceed the balance. */
    allowNegativeBalance: boolean('allow_negative_balance').notNull().default(false),
    requiresApproval: boolean('requires_approval').notNull().default(true),
    color: text('color'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('leave_types_org_id_id_key').on(table.orgId, table.id),
    uniqueIndex('leave_types_org_code_key')
      .on(table.orgId, table.code)
      .where(sql`${table.deletedAt} is null and ${table.code} is not null`),
    check('leave_types_accrual_nonnegative', sql`${table.accrualMinutesPerPeriod} >= 0`),
    orgScoped('leave_types'),
  ],
).enableRLS();

export const leaveRequests = pgTable(
  'leave_requests',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    leaveTypeId: uuid('leave_type_id').notNull(),
    startDate: date('start_date').notNull(),
    /** Inclusive. */
    endDate: date('end_date').notNull(),
    /** Part day: minutes per day; null means a full day (the shift's length or the type's default). */
    minutesPerDay: integer('minutes_per_day'),
    /** Total minutes charged against the balance, computed when the request is made. */
    totalMinutes: integer('total_minutes').notNull(),
    reason: text('reason'),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'cancelled'] })
      .notNull()
      .default('pending'),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    unique('leave_requests_org_id_id_key').on(table.orgId, table.id),
    index('leave_requests_employee_dates_idx').on(table.orgId, table.employeeId, table.startDate),
    index('leave_requests_org_status_idx').on(table.orgId, table.status, table.startDate),
    check('leave_requests_dates_ordered', sql`${table.endDate} >= ${table.startDate}`),
    foreignKey({
      name: 'leave_requests_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'leave_requests_type_fk',
      columns: [table.orgId, table.leaveTypeId],
      foreignColumns: [leaveTypes.orgId, leaveTypes.id],
    }),
    orgScoped('leave_requests'),
  ],
).enableRLS();

/**
 * The leave balance as a ledger: accruals, usage (approved requests, negative), carry-over
 * expiries and manual adjustments. A balance is a sum, so it is always explainable line by line.
 */
export const leaveLedger = pgTable(
  'leave_ledger',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    leaveTypeId: uuid('leave_type_id').notNull(),
    kind: text('kind', { enum: ['accrual', 'usage', 'carry_over_expiry', 'adjustment'] }).notNull(),
    /** Signed minutes. */
    minutes: integer('minutes').notNull(),
    effectiveDate: date('effective_date').notNull(),
    /** Accruals: the period start they were credited for (one accrual per period and type). */
    periodStart: date('period_start'),
    leaveRequestId: uuid('leave_request_id'),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    createdAt: createdAt(),
  },
  (table) => [
    index('leave_ledger_balance_idx').on(
      table.orgId,
      table.employeeId,
      table.leaveTypeId,
      table.effectiveDate,
    ),
    uniqueIndex('leave_ledger_one_accrual_per_period')
      .on(table.orgId, table.employeeId, table.leaveTypeId, table.periodStart)
      .where(sql`${table.kind} = 'accrual'`),
    foreignKey({
      name: 'leave_ledger_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'leave_ledger_type_fk',
      columns: [table.orgId, table.leaveTypeId],
      foreignColumns: [leaveTypes.orgId, leaveTypes.id],
    }),
    orgScoped('leave_ledger'),
  ],
).enableRLS();
