import { z } from 'zod';
import { ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();

/** Longest date range a report or export may cover (a leap year), days inclusive. */
export const REPORT_RANGE_MAX_DAYS = 366;

const DAY_MS = 86_400_000;

/** `from`…`to` inclusive, `to` not before `from`, at most REPORT_RANGE_MAX_DAYS days. */
function withDateRange<T extends z.ZodObject<{ from: typeof ZPlainDate; to: typeof ZPlainDate }>>(schema: T) {
  return schema.superRefine((value, context) => {
    const days = (Date.parse(value.to) - Date.parse(value.from)) / DAY_MS + 1;
    if (days < 1) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `Expected an end date on or after ${value.from}, got ${value.to}`,
      });
    } else if (days > REPORT_RANGE_MAX_DAYS) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `Expected a range of at most ${REPORT_RANGE_MAX_DAYS} days, got ${days}`,
      });
    }
  });
}

const reportFilterFields = {
  from: ZPlainDate.meta({ description: 'First local date (the org’s zone), inclusive' }),
  to: ZPlainDate.meta({ description: 'Last local date, inclusive; at most 366 days after `from`' }),
  departmentId: ZUuid.optional().meta({ description: 'This department and its sub-departments' }),
  siteId: ZUuid.optional(),
  employeeId: ZUuid.optional(),
};

export const HOURS_GROUPS = ['employee', 'department', 'site', 'project', 'task'] as const;

/** Project and task filters: figures then come from time entries (see each route). */
const entryFilterFields = {
  projectId: ZUuid.optional().meta({
    description: 'Only time entries on this project (an unknown or another org’s project: 422)',
  }),
  taskId: ZUuid.optional().meta({
    description:
      'Only time entries on this task or its subtasks (unknown, another org’s, or not of `projectId`: 422)',
  }),
};

export const ZHoursReportQuery = withDateRange(
  z.object({
    ...reportFilterFields,
    ...entryFilterFields,
    groupBy: z.enum(HOURS_GROUPS).default('employee'),
  }),
);
export type THoursReportQuery = z.infer<typeof ZHoursReportQuery>;

export const ZOvertimeReportQuery = withDateRange(
  z.object({
    ...reportFilterFields,
    groupBy: z.enum(['employee', 'department', 'site']).default('employee'),
  }),
);
export type TOvertimeReportQuery = z.infer<typeof ZOvertimeReportQuery>;

export const ZAttendanceReportQuery = withDateRange(z.object(reportFilterFields));
export type TAttendanceReportQuery = z.infer<typeof ZAttendanceReportQuery>;

export const ZOvertimeMinutes = z.object({ multiplier: z.number(), minutes: z.number().int() });

const ZHoursFigures = z.object({
  workedMinutes: z.number().int().meta({ description: 'Paid working time (gross − unpaid breaks)' }),
  regularMinutes: z.number().int().nullable(),
  overtimeMinutes: z.number().int().nullable(),
  overtime: z.array(ZOvertimeMinutes).meta({ description: 'Overtime minutes by pay multiplier' }),
  paidBreakMinutes: z.number().int().nullable(),
  unpaidBreakMinutes: z.number().int().nullable(),
  leaveMinutes: z.number().int().nullable(),
  paidLeaveMinutes: z.number().int().nullable(),
  employeeCount: z.number().int(),
});

export const ZHoursReportRow = ZHoursFigures.extend({
  groupId: ZUuid.nullable().meta({ description: 'null: none (no department, site, project or task)' }),
  groupName: z.string().nullable(),
  groupCode: z.string().nullable().meta({ description: 'Employee or project code, when grouped by those' }),
  projectId: ZUuid.nullable().meta({ description: 'Grouped by task: the task’s project' }),
}).meta({ id: 'HoursReportRow' });

export const ZHoursReport = z
  .object({
    from: ZPlainDate,
    to: ZPlainDate,
    groupBy: z.enum(HOURS_GROUPS),
    rows: z.array(ZHoursReportRow),
    totals: ZHoursFigures,
  })
  .meta({
    id: 'HoursReport',
    description:
      'Grouped by employee, department or site the figures come from projected work days. Grouped by ' +
      'project or task, or filtered by project or task, they come from time entries (entry time less overlaps and ' +
      'recorded breaks) and the day-level columns are null.',
  });
export type THoursReport = z.infer<typeof ZHoursReport>;

export const ZOvertimeReport = z
  .object({
    from: ZPlainDate,
    to: ZPlainDate,
    groupBy: z.enum(['employee', 'department', 'site']),
    rows: z.array(
      z.object({
        groupId: ZUuid.nullable(),
        groupName: z.string().nullable(),
        groupCode: z.string().nullable(),
        workedMinutes: z.number().int(),
        overtimeMinutes: z.number().int(),
        overtime: z.array(ZOvertimeMinutes),
      }),
    ),
    totals: z.object({ overtimeMinutes: z.number().int(), overtime: z.array(ZOvertimeMinutes) }),
  })
  .meta({ id: 'OvertimeReport', description: 'Only groups with overtime in the range.' });

export const ZAttendanceReportRow = z
  .object({
    employeeId: ZUuid,
    employeeCode: z.string(),
    employeeName: z.string(),
    departmentId: ZUuid.nullable(),
    daysWorked: z.number().int(),
    scheduledShifts: z.number().int(),
    lateCount: z.number().int(),
    lateMinutes: z.number().int(),
    earlyLeaveCount: z.number().int(),
    earlyLeaveMinutes: z.number().int(),
    absentCount: z.number().int(),
    missingPunchCount: z.number().int().meta({ description: 'Missing clock-outs, clock-ins and break ends' }),
  })
  .meta({ id: 'AttendanceReportRow' });

export const ZAttendanceReport = z
  .object({ from: ZPlainDate, to: ZPlainDate, rows: z.array(ZAttendanceReportRow) })
  .meta({ id: 'AttendanceReport', description: 'One row per employee with a projected day in the range.' });

export const ZWhoIsInQuery = z.object({
  siteId: ZUuid.optional(),
  departmentId: ZUuid.optional().meta({ description: 'This department and its sub-departments' }),
});

export const ZWhoIsIn = z
  .object({
    asOf: ZTimestamp,
    total: z.number().int(),
    sites: z.array(
      z.object({ siteId: ZUuid.nullable(), siteName: z.string().nullable(), count: z.number().int() }),
    ),
    people: z.array(
      z.object({
        employeeId: ZUuid,
        employeeCode: z.string(),
        employeeName: z.string(),
        departmentId: ZUuid.nullable(),
        departmentName: z.string().nullable(),
        siteId: ZUuid.nullable(),
        siteName: z.string().nullable(),
        state: z.enum(['in', 'on_break']),
        since: ZTimestamp,
        isOverdue: z
          .boolean()
          .meta({ description: 'In for longer than 16 h: probably a forgotten clock-out' }),
      }),
    ),
  })
  .meta({ id: 'WhoIsIn' });

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;

export const ZPayrollExportQuery = withDateRange(
  z.object({
    ...reportFilterFields,
    ...entryFilterFields,
    format: z.enum(EXPORT_FORMATS).default('csv'),
    period: z.enum(['timesheet', 'range']).default('timesheet').meta({
      description:
        '`timesheet`: one row per employee per timesheet period of the org; `range`: one per employee',
    }),
  }),
);
export type TPayrollExportQuery = z.infer<typeof ZPayrollExportQuery>;

export const ZPunchLogExportQuery = withDateRange(
  z.object({ ...reportFilterFields, ...entryFilterFields, format: z.enum(EXPORT_FORMATS).default('csv') }),
);
export type TPunchLogExportQuery = z.infer<typeof ZPunchLogExportQuery>;
