import { z } from 'zod';
import { ZName, ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();
const ZColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Expected a #rrggbb colour');
/** ISO 4217 code, e.g. EUR. */
const ZCurrency = z.string().regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 code such as EUR');
/** Money in minor units (cents) of the currency, so sums are exact. */
const ZMinorUnits = z.number().int().min(0).max(1e13);

export const ZClient = z
  .object({
    id: ZUuid,
    name: z.string(),
    email: z.string().nullable(),
    notes: z.string().nullable(),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Client' });
const clientFields = {
  name: ZName,
  email: z.email().max(254).nullable().optional(),
  notes: z.string().max(2000).nullable().optional(),
};
export const ZCreateClientBody = z.object(clientFields).strict().meta({ id: 'CreateClientBody' });
export const ZUpdateClientBody = z
  .object({ ...clientFields, name: ZName.optional() })
  .strict()
  .meta({ id: 'UpdateClientBody' });

export const ZProjectCategory = z
  .object({
    id: ZUuid,
    name: z.string(),
    color: z.string().nullable(),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ProjectCategory' });
export const ZCreateProjectCategoryBody = z
  .object({ name: ZName, color: ZColor.nullable().optional() })
  .strict()
  .meta({ id: 'CreateProjectCategoryBody' });
export const ZUpdateProjectCategoryBody = ZCreateProjectCategoryBody.partial()
  .strict()
  .meta({ id: 'UpdateProjectCategoryBody' });

export const PROJECT_STATUSES = ['planned', 'active', 'on_hold', 'completed', 'cancelled'] as const;

export const ZProject = z
  .object({
    id: ZUuid,
    name: z.string(),
    code: z.string().nullable(),
    clientId: ZUuid.nullable(),
    categoryId: ZUuid.nullable(),
    status: z.enum(PROJECT_STATUSES),
    startDate: ZPlainDate.nullable(),
    endDate: ZPlainDate.nullable(),
    budgetMinutes: z.number().int().nullable(),
    budgetAmountMinor: z.number().int().nullable(),
    currency: z.string().nullable(),
    isBillable: z.boolean(),
    description: z.string().nullable(),
    progressPercent: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Mean progress of the top-level tasks (null without tasks)' }),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Project' });
const projectFields = {
  name: ZName,
  code: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9._-]+$/, 'Use letters, digits, dot, dash or underscore')
    .nullable()
    .optional(),
  clientId: ZUuid.nullable().optional(),
  categoryId: ZUuid.nullable().optional(),
  status: z.enum(PROJECT_STATUSES).optional(),
  startDate: ZPlainDate.nullable().optional(),
  endDate: ZPlainDate.nullable().optional(),
  budgetMinutes: z.number().int().min(0).max(100_000_000).nullable().optional(),
  budgetAmountMinor: ZMinorUnits.nullable().optional(),
  currency: ZCurrency.nullable().optional(),
  isBillable: z.boolean().optional(),
  description: z.string().max(5000).nullable().optional(),
};
export const ZCreateProjectBody = z.object(projectFields).strict().meta({ id: 'CreateProjectBody' });
export const ZUpdateProjectBody = z
  .object({ ...projectFields, name: ZName.optional() })
  .strict()
  .meta({ id: 'UpdateProjectBody' });
export const ZProjectListQuery = ZPageQuery.extend({
  status: z.enum(PROJECT_STATUSES).optional(),
  clientId: ZUuid.optional(),
  categoryId: ZUuid.optional(),
  q: z.string().trim().min(1).max(100).optional(),
});

export const PROJECT_ROLES = ['lead', 'member', 'viewer'] as const;
export const ZProjectMember = z
  .object({
    projectId: ZUuid,
    employeeId: ZUuid,
    employeeName: z.string(),
    role: z.enum(PROJECT_ROLES),
    hourlyRateMinor: z.number().int().nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ProjectMember' });
export const ZAddProjectMemberBody = z
  .object({
    employeeId: ZUuid,
    role: z.enum(PROJECT_ROLES).optional(),
    hourlyRateMinor: ZMinorUnits.nullable().optional(),
  })
  .strict()
  .meta({ id: 'AddProjectMemberBody' });
export const ZUpdateProjectMemberBody = z
  .object({ role: z.enum(PROJECT_ROLES), hourlyRateMinor: ZMinorUnits.nullable() })
  .partial()
  .strict()
  .meta({ id: 'UpdateProjectMemberBody' });

export const TASK_STATUSES = ['todo', 'in_progress', 'done', 'cancelled'] as const;
export const ZTask = z
  .object({
    id: ZUuid,
    projectId: ZUuid,
    parentId: ZUuid.nullable(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(TASK_STATUSES),
    progressPercent: z.number().int(),
    estimateMinutes: z.number().int().nullable(),
    assigneeEmployeeId: ZUuid.nullable(),
    dueDate: ZPlainDate.nullable(),
    position: z.number().int(),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Task' });
const taskFields = {
  name: ZName,
  parentId: ZUuid.nullable().optional(),
  description: z.string().max(5000).nullable().optional(),
  status: z.enum(TASK_STATUSES).optional(),
  progressPercent: z.number().int().min(0).max(100).optional(),
  estimateMinutes: z.number().int().min(0).max(10_000_000).nullable().optional(),
  assigneeEmployeeId: ZUuid.nullable().optional(),
  dueDate: ZPlainDate.nullable().optional(),
  position: z.number().int().min(0).max(1_000_000).optional(),
};
export const ZCreateTaskBody = z.object(taskFields).strict().meta({ id: 'CreateTaskBody' });
export const ZUpdateTaskBody = z
  .object({ ...taskFields, name: ZName.optional() })
  .strict()
  .meta({ id: 'UpdateTaskBody' });
