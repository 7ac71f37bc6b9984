import { sql } from 'drizzle-orm';
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
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
 * Managers' corrections, append-only like the punches they correct (timekeeping's AdjustmentEvent):
 * a manual entry (a whole interval), an edit of an earlier punch or manual entry, or a delete that
 * voids one. Never updated: a correction of a correction is another row.
 */
export const timeAdjustments = pgTable(
  'time_adjustments',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    kind: text('kind', { enum: ['manual_entry', 'edit', 'delete'] }).notNull(),
    /** Edit/delete: the attendance event or manual entry it changes (either table, so no FK). */
    targetId: uuid('target_id'),
    /** Manual entry bounds, or an edited manual entry's new bounds. */
    startAt: timestamp('start_at', { withTimezone: true, precision: 3 }),
    endAt: timestamp('end_at', { withTimezone: true, precision: 3 }),
    breakMinutes: integer('break_minutes'),
    /** Edit of a punch: its new instant and/or type. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }),
    punchType: text('punch_type', { enum: ['clock_in', 'clock_out', 'break_start', 'break_end'] }),
    projectId: uuid('project_id'),
    taskId: uuid('task_id'),
    /**
     * The instant the projection loads this row by: the manual entry's start, or for edits and
     * deletes the earliest of the target's original instant and the new one. Lets a projection window
     * find every adjustment that can change it with one index range.
     */
    effectiveAt: timestamp('effective_at', { withTimezone: true, precision: 3 }).notNull(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    /** Set when the adjustment applies an approved modification request. */
    modificationRequestId: uuid('modification_request_id'),
    /** e.g. `moved_from_locked_period` when it arrived for a locked period and was carried forward. */
    flags: text('flags').array().notNull().default([]),
    recordedAt: timestamp('recorded_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    unique('time_adjustments_org_id_id_key').on(table.orgId, table.id),
    index('time_adjustments_employee_time_idx').on(table.orgId, table.employeeId, table.effectiveAt),
    check('time_adjustments_interval', sql`${table.endAt} is null or ${table.startAt} < ${table.endAt}`),
    check(
      'time_adjustments_kind_shape',
      sql`(${table.kind} = 'manual_entry' and ${table.startAt} is not null and ${table.endAt} is not null and ${table.targetId} is null)
        or (${table.kind} in ('edit', 'delete') and ${table.targetId} is not null)`,
    ),
    foreignKey({
      name: 'time_adjustments_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('time_adjustments'),
  ],
).enableRLS();

/**
 * An employee's request to fix their time (add a missing punch or entry, change or delete one), with
 * a reason; a manager approves (applied as a time_adjustments row) or rejects it.
 */
export const modificationRequests = pgTable(
  'modification_requests',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action', { enum: ['add', 'change', 'delete'] }).notNull(),
    /** change/delete: the punch or manual entry concerned. */
    targetId: uuid('target_id'),
    /** The proposed punch or entry (type, instants, break, project/task), validated by the API. */
    proposal: jsonb('proposal').notNull().default({}),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'cancelled'] })
      .notNull()
      .default('pending'),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    adjustmentId: uuid('adjustment_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    unique('modification_requests_org_id_id_key').on(table.orgId, table.id),
    index('modification_requests_org_status_idx').on(table.orgId, table.status, table.createdAt),
    index('modification_requests_employee_idx').on(table.orgId, table.employeeId, table.createdAt),
    foreignKey({
      name: 'modification_requests_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('modification_requests'),
  ],
).enableRLS();

/**
 * One employee's timesheet for one pay period: open → submitted → approved → locked. A locked
 * timesheet keeps the totals it was locked with (`locked_totals`); events for it that arrive later are
 * carried to the next open period as flagged adjustments unless an admin unlocks it (audited).
 */
export const timesheets = pgTable(
  'timesheets',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    periodStart: date('period_start').notNull(),
    /** Inclusive. */
    periodEnd: date('period_end').notNull(),
    status: text('status', { enum: ['open', 'submitted', 'approved', 'locked'] })
      .notNull()
      .default('open'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    submittedByUserId: uuid('submitted_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedByUserId: uuid('approved_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    lockedAt: timestamp('locked_at', { withTimezone: true, precision: 3 }),
    lockedByUserId: uuid('locked_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    lockedTotals: jsonb('locked_totals'),
    note: text('note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    unique('timesheets_org_id_id_key').on(table.orgId, table.id),
    uniqueIndex('timesheets_employee_period_key').on(table.orgId, table.employeeId, table.periodStart),
    index('timesheets_org_period_status_idx').on(table.orgId, table.periodStart, table.status),
    check('timesheets_period_ordered', sql`${table.periodEnd} >= ${table.periodStart}`),
    foreignKey({
      name: 'timesheets_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('timesheets'),
  ],
).enableRLS();

/**
 * The projection's output per employee per local work day (timekeeping's `WorkDay`), rewritten by the
 * projection job for a date range at a time. Reports aggregate these rows, never the raw events:
 * 1,000 employees × a month is 30,000 rows. `department_id`/`site_id` are the employee's at
 * projection time so reports group by where the person belonged.
 */
export const workDays = pgTable(
  'work_days',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    workDate: date('work_date').notNull(),
    departmentId: uuid('department_id'),
    siteId: uuid('site_id'),
    grossMinutes: integer('gross_minutes').notNull().default(0),
    workedMinutes: integer('worked_minutes').notNull().default(0),
    regularMinutes: integer('regular_minutes').notNull().default(0),
    overtimeMinutes: integer('overtime_minutes').notNull().default(0),
    /** `[{ multiplier, minutes }]` */
    overtime: jsonb('overtime').notNull().default([]),
    paidBreakMinutes: integer('paid_break_minutes').notNull().default(0),
    unpaidBreakMinutes: integer('unpaid_break_minutes').notNull().default(0),
    autoDeductedMinutes: integer('auto_deducted_minutes').notNull().default(0),
    lateMinutes: integer('late_minutes').notNull().default(0),
    earlyLeaveMinutes: integer('early_leave_minutes').notNull().default(0),
    leaveMinutes: integer('leave_minutes').notNull().default(0),
    paidLeaveMinutes: integer('paid_leave_minutes').notNull().default(0),
    exceptionCount: integer('exception_count').notNull().default(0),
    scheduledShiftCount: integer('scheduled_shift_count').notNull().default(0),
    computedAt: timestamp('computed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'work_days_pkey', columns: [table.orgId, table.employeeId, table.workDate] }),
    // Serves period reports grouped by department/site: a date range scan per org.
    index('work_days_org_date_idx').on(table.orgId, table.workDate),
    foreignKey({
      name: 'work_days_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('work_days'),
  ],
).enableRLS();

/** Projected time entries (timekeeping's `TimeEntry`), rewritten with their work days. */
export const timeEntries = pgTable(
  'time_entries',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The clock_in event id or the manual entry's adjustment id. */
    id: uuid('id').notNull(),
    employeeId: uuid('employee_id').notNull(),
    workDate: date('work_date').notNull(),
    kind: text('kind', { enum: ['punch', 'manual'] }).notNull(),
    status: text('status', { enum: ['complete', 'open', 'missing_clock_out'] }).notNull(),
    startAt: timestamp('start_at', { withTimezone: true, precision: 3 }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true, precision: 3 }),
    roundedStartAt: timestamp('rounded_start_at', { withTimezone: true, precision: 3 }).notNull(),
    roundedEndAt: timestamp('rounded_end_at', { withTimezone: true, precision: 3 }),
    grossMinutes: integer('gross_minutes').notNull().default(0),
    overlapMinutes: integer('overlap_minutes').notNull().default(0),
    breakMinutes: integer('break_minutes').notNull().default(0),
    shiftTemplateId: uuid('shift_template_id'),
    projectId: uuid('project_id'),
    taskId: uuid('task_id'),
    eventIds: uuid('event_ids').array().notNull().default([]),
  },
  (table) => [
    primaryKey({ name: 'time_entries_pkey', columns: [table.orgId, table.id] }),
    index('time_entries_employee_date_idx').on(table.orgId, table.employeeId, table.workDate),
    // Serves hours by project/task over a date range.
    index('time_entries_org_project_date_idx')
      .on(table.orgId, table.projectId, table.workDate)
      .where(sql`${table.projectId} is not null`),
    orgScoped('time_entries'),
  ],
).enableRLS();

/** Projected exceptions (timekeeping's `TimeException`); `id` is the projection's stable id. */
export const timeExceptions = pgTable(
  'time_exceptions',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    id: text('id').notNull(),
    workDate: date('work_date').notNull(),
    code: text('code').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'error'] }).notNull(),
    minutes: integer('minutes'),
    message: text('message').notNull(),
    entryId: uuid('entry_id'),
    eventIds: uuid('event_ids').array().notNull().default([]),
  },
  (table) => [
    primaryKey({ name: 'time_exceptions_pkey', columns: [table.orgId, table.employeeId, table.id] }),
    index('time_exceptions_org_date_idx').on(table.orgId, table.workDate, table.code),
    index('time_exceptions_employee_date_idx').on(table.orgId, table.employeeId, table.workDate),
    orgScoped('time_exceptions'),
  ],
).enableRLS();

/**
 * Work waiting for the projection job: employees whose events changed, with the local date range to
 * recompute. Ingest upserts (least `from`, greatest `to`), so a week of late punches for one person
 * becomes one recomputation, not thousands.
 */
export const projectionQueue = pgTable(
  'projection_queue',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    fromDate: date('from_date').notNull(),
    toDate: date('to_date').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'projection_queue_pkey', columns: [table.orgId, table.employeeId] }),
    orgScoped('projection_queue'),
  ],
).enableRLS();

/**
 * Each employee's latest attendance state ("who is in now"), kept by ingest and the web clock: only an
 * event newer than `since` moves it, so a late-arriving old punch cannot flip someone out.
 */
export const attendanceStates = pgTable(
  'attendance_states',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    state: text('state', { enum: ['out', 'in', 'on_break'] }).notNull(),
    since: timestamp('since', { withTimezone: true, precision: 3 }).notNull(),
    lastEventId: uuid('last_event_id').notNull(),
    siteId: uuid('site_id'),
    deviceId: uuid('device_id'),
    projectId: uuid('project_id'),
    taskId: uuid('task_id'),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ name: 'attendance_states_pkey', columns: [table.orgId, table.employeeId] }),
    index('attendance_states_present_idx')
      .on(table.orgId, table.siteId)
      .where(sql`${table.state} <> 'out'`),
    foreignKey({
      name: 'attendance_states_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('attendance_states'),
  ],
).enableRLS();
