import { sql } from 'drizzle-orm';
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  pgTable,
  smallint,
  text,
  time,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { employees } from './employees';
import { orgScoped } from './memberships';
import { organizations } from './organizations';

/**
 * Reusable shift definitions (packages/timekeeping `ShiftTemplate`). `end_time <= start_time` is an
 * overnight shift ending the next day. Soft-deleted: past schedules and lateness keep pointing here.
 */
export const shiftTemplates = pgTable(
  'shift_templates',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    startTime: time('start_time', { precision: 0 }).notNull(),
    endTime: time('end_time', { precision: 0 }).notNull(),
    breakMinutes: integer('break_minutes').notNull().default(0),
    lateGraceMinutes: integer('late_grace_minutes').notNull().default(0),
    /** Null: same as the late grace. */
    earlyLeaveGraceMinutes: integer('early_leave_grace_minutes'),
    color: text('color'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('shift_templates_org_id_id_key').on(table.orgId, table.id),
    index('shift_templates_org_name_idx')
      .on(table.orgId, table.name)
      .where(sql`${table.deletedAt} is null`),
    check('shift_templates_break_minutes_range', sql`${table.breakMinutes} between 0 and 1440`),
    check('shift_templates_grace_range', sql`${table.lateGraceMinutes} between 0 and 1440`),
    orgScoped('shift_templates'),
  ],
).enableRLS();

/**
 * A recurring weekly schedule: this employee works this shift on these ISO weekdays between two
 * dates (open-ended when `effective_to` is null). Expanded with timekeeping's `expandWeeklyPattern`.
 */
export const shiftPatterns = pgTable(
  'shift_patterns',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    shiftTemplateId: uuid('shift_template_id').notNull(),
    /** ISO weekdays 1 = Monday … 7 = Sunday. */
    weekdays: smallint('weekdays').array().notNull(),
    effectiveFrom: date('effective_from').notNull(),
    effectiveTo: date('effective_to'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('shift_patterns_org_id_id_key').on(table.orgId, table.id),
    index('shift_patterns_org_employee_idx')
      .on(table.orgId, table.employeeId)
      .where(sql`${table.deletedAt} is null`),
    foreignKey({
      name: 'shift_patterns_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'shift_patterns_template_fk',
      columns: [table.orgId, table.shiftTemplateId],
      foreignColumns: [shiftTemplates.orgId, shiftTemplates.id],
    }),
    orgScoped('shift_patterns'),
  ],
).enableRLS();

/**
 * Dated schedule entries that override the weekly patterns on their date: `shift` adds a shift on
 * that date (several make a split shift), `day_off` removes the pattern's shifts that day.
 */
export const shiftAssignments = pgTable(
  'shift_assignments',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    /** The local date the shift starts on. */
    workDate: date('work_date').notNull(),
    kind: text('kind', { enum: ['shift', 'day_off'] })
      .notNull()
      .default('shift'),
    /** Null for `day_off`. */
    shiftTemplateId: uuid('shift_template_id'),
    note: text('note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('shift_assignments_org_id_id_key').on(table.orgId, table.id),
    index('shift_assignments_org_employee_date_idx')
      .on(table.orgId, table.employeeId, table.workDate)
      .where(sql`${table.deletedAt} is null`),
    index('shift_assignments_org_date_idx')
      .on(table.orgId, table.workDate)
      .where(sql`${table.deletedAt} is null`),
    uniqueIndex('shift_assignments_one_per_template_day')
      .on(table.orgId, table.employeeId, table.workDate, table.shiftTemplateId)
      .where(sql`${table.deletedAt} is null and ${table.kind} = 'shift'`),
    check(
      'shift_assignments_kind_template',
      sql`(${table.kind} = 'shift') = (${table.shiftTemplateId} is not null)`,
    ),
    foreignKey({
      name: 'shift_assignments_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'shift_assignments_template_fk',
      columns: [table.orgId, table.shiftTemplateId],
      foreignColumns: [shiftTemplates.orgId, shiftTemplates.id],
    }),
    orgScoped('shift_assignments'),
  ],
).enableRLS();
