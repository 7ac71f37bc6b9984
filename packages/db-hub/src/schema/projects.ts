import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  numeric,
  pgTable,
  smallint,
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
import { departments } from './structure';
import { users } from './users';

/** Working groups across departments; a manager of a team sees its members' time. Soft-deleted. */
export const teams = pgTable(
  'teams',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    departmentId: uuid('department_id'),
    /** The console user who manages the team (sees and approves its members' time). */
    managerUserId: uuid('manager_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('teams_org_id_id_key').on(table.orgId, table.id),
    index('teams_org_name_idx')
      .on(table.orgId, table.name)
      .where(sql`${table.deletedAt} is null`),
    foreignKey({
      name: 'teams_department_fk',
      columns: [table.orgId, table.departmentId],
      foreignColumns: [departments.orgId, departments.id],
    }),
    orgScoped('teams'),
  ],
).enableRLS();

export const teamMembers = pgTable(
  'team_members',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id').notNull(),
    employeeId: uuid('employee_id').notNull(),
    /** Share of the employee's time allocated to this team, 1–100. */
    allocationPercent: smallint('allocation_percent').notNull().default(100),
    /**
     * Last day of the membership (set when the employee is terminated); null while it lasts. The row
     * stays so the team's manager keeps seeing the person's history; ended rows leave the member
     * list and the allocation total.
     */
    endedOn: date('ended_on'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('team_members_team_employee_key').on(table.orgId, table.teamId, table.employeeId),
    index('team_members_employee_idx').on(table.orgId, table.employeeId),
    check('team_members_allocation_range', sql`${table.allocationPercent} between 1 and 100`),
    foreignKey({
      name: 'team_members_team_fk',
      columns: [table.orgId, table.teamId],
      foreignColumns: [teams.orgId, teams.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'team_members_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('team_members'),
  ],
).enableRLS();

export const clients = pgTable(
  'clients',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email'),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('clients_org_id_id_key').on(table.orgId, table.id),
    index('clients_org_name_idx')
      .on(table.orgId, table.name)
      .where(sql`${table.deletedAt} is null`),
    orgScoped('clients'),
  ],
).enableRLS();

export const projectCategories = pgTable(
  'project_categories',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    color: text('color'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('project_categories_org_id_id_key').on(table.orgId, table.id),
    orgScoped('project_categories'),
  ],
).enableRLS();

export const projects = pgTable(
  'projects',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    code: text('code'),
    clientId: uuid('client_id'),
    categoryId: uuid('category_id'),
    status: text('status', { enum: ['planned', 'active', 'on_hold', 'completed', 'cancelled'] })
      .notNull()
      .default('active'),
    startDate: date('start_date'),
    endDate: date('end_date'),
    budgetMinutes: integer('budget_minutes'),
    /** Money budget in minor units of `currency` (cents), so sums are exact. */
    budgetAmountMinor: numeric('budget_amount_minor', { precision: 14, scale: 0, mode: 'number' }),
    currency: text('currency'),
    isBillable: boolean('is_billable').notNull().default(true),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('projects_org_id_id_key').on(table.orgId, table.id),
    uniqueIndex('projects_org_code_key')
      .on(table.orgId, table.code)
      .where(sql`${table.deletedAt} is null and ${table.code} is not null`),
    index('projects_org_name_idx')
      .on(table.orgId, table.name)
      .where(sql`${table.deletedAt} is null`),
    check(
      'projects_dates_ordered',
      sql`${table.endDate} is null or ${table.startDate} is null or ${table.endDate} >= ${table.startDate}`,
    ),
    foreignKey({
      name: 'projects_client_fk',
      columns: [table.orgId, table.clientId],
      foreignColumns: [clients.orgId, clients.id],
    }),
    foreignKey({
      name: 'projects_category_fk',
      columns: [table.orgId, table.categoryId],
      foreignColumns: [projectCategories.orgId, projectCategories.id],
    }),
    orgScoped('projects'),
  ],
).enableRLS();

export const projectMembers = pgTable(
  'project_members',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').notNull(),
    employeeId: uuid('employee_id').notNull(),
    role: text('role', { enum: ['lead', 'member', 'viewer'] })
      .notNull()
      .default('member'),
    /** Billing rate in minor units per hour, when the project bills by person. */
    hourlyRateMinor: numeric('hourly_rate_minor', { precision: 12, scale: 0, mode: 'number' }),
    /** Last day of the membership (set when the employee is terminated); null while it lasts. */
    endedOn: date('ended_on'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('project_members_project_employee_key').on(table.orgId, table.projectId, table.employeeId),
    index('project_members_employee_idx').on(table.orgId, table.employeeId),
    foreignKey({
      name: 'project_members_project_fk',
      columns: [table.orgId, table.projectId],
      foreignColumns: [projects.orgId, projects.id],
    }),
    foreignKey({
      name: 'project_members_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('project_members'),
  ],
).enableRLS();

/** Tasks of a project, with subtasks (a tree within one project: the parent FK includes the project). */
export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').notNull(),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status', { enum: ['todo', 'in_progress', 'done', 'cancelled'] })
      .notNull()
      .default('todo'),
    /** 0–100. */
    progressPercent: smallint('progress_percent').notNull().default(0),
    estimateMinutes: integer('estimate_minutes'),
    assigneeEmployeeId: uuid('assignee_employee_id'),
    dueDate: date('due_date'),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    unique('tasks_org_id_id_key').on(table.orgId, table.id),
    unique('tasks_org_project_id_key').on(table.orgId, table.projectId, table.id),
    index('tasks_org_project_idx')
      .on(table.orgId, table.projectId, table.parentId, table.position)
      .where(sql`${table.deletedAt} is null`),
    check('tasks_progress_range', sql`${table.progressPercent} between 0 and 100`),
    foreignKey({
      name: 'tasks_project_fk',
      columns: [table.orgId, table.projectId],
      foreignColumns: [projects.orgId, projects.id],
    }),
    // A subtask lives in its parent's project.
    foreignKey({
      name: 'tasks_parent_fk',
      columns: [table.orgId, table.projectId, table.parentId],
      foreignColumns: [table.orgId, table.projectId, table.id],
    }),
    foreignKey({
      name: 'tasks_assignee_fk',
      columns: [table.orgId, table.assigneeEmployeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    orgScoped('tasks'),
  ],
).enableRLS();
