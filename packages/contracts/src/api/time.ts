import { z } from 'zod';
import { ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();
const DAY_MS = 86_400_000;

/** Longest range one time query may cover (a leap year), days inclusive. */
export const TIME_RANGE_MAX_DAYS = 366;

const ZPunchType = z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']);

/** `from`…`to` inclusive, `to` not before `from`, at most TIME_RANGE_MAX_DAYS days. */
function withDateRange<T extends z.ZodObject<{ from: typeof ZPlainDate; to: typeof ZPlainDate }>>(schema: T) {
  return schema.superRefine((value, context) => {
    const days = (Date.parse(value.to) - Date.parse(value.from)) / DAY_MS + 1;
    if (days < 1)
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `Expected a date on or after ${value.from}`,
      });
    else if (days > TIME_RANGE_MAX_DAYS)
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `Expected a range of at most ${TIME_RANGE_MAX_DAYS} days, got ${days}`,
      });
  });
}

const ZOvertime = z.array(z.object({ multiplier: z.number(), minutes: z.number().int() }));

export const ZWorkDay = z
  .object({
    employeeId: ZUuid,
    employeeName: z.string(),
    employeeCode: z.string(),
    date: ZPlainDate,
    departmentId: ZUuid.nullable().meta({
      description: 'The employee’s department when the day was projected',
    }),
    siteId: ZUuid.nullable(),
    grossMinutes: z.number().int(),
    workedMinutes: z.number().int().meta({ description: 'Paid working time: gross − unpaid breaks' }),
    regularMinutes: z.number().int(),
    overtimeMinutes: z.number().int(),
    overtime: ZOvertime,
    paidBreakMinutes: z.number().int(),
    unpaidBreakMinutes: z.number().int(),
    autoDeductedMinutes: z.number().int(),
    lateMinutes: z.number().int(),
    earlyLeaveMinutes: z.number().int(),
    leaveMinutes: z.number().int(),
    paidLeaveMinutes: z.number().int(),
    exceptionCount: z.number().int(),
    scheduledShiftCount: z.number().int(),
    computedAt: ZTimestamp,
  })
  .meta({ id: 'WorkDay' });
export type TWorkDay = z.infer<typeof ZWorkDay>;

export const ZTimeEntry = z
  .object({
    id: ZUuid.meta({ description: 'The clock-in event id, or the manual entry id' }),
    employeeId: ZUuid,
    employeeName: z.string(),
    employeeCode: z.string(),
    date: ZPlainDate.meta({ description: 'The work day (the matched shift’s date, else the clock-in’s)' }),
    kind: z.enum(['punch', 'manual']),
    status: z.enum(['complete', 'open', 'missing_clock_out']),
    start: ZTimestamp,
    end: ZTimestamp.nullable(),
    roundedStart: ZTimestamp,
    roundedEnd: ZTimestamp.nullable(),
    grossMinutes: z.number().int(),
    overlapMinutes: z.number().int(),
    breakMinutes: z.number().int(),
    shiftTemplateId: ZUuid.nullable(),
    projectId: ZUuid.nullable(),
    taskId: ZUuid.nullable(),
    eventIds: z.array(ZUuid),
  })
  .meta({ id: 'TimeEntry' });
export type TTimeEntry = z.infer<typeof ZTimeEntry>;

export const ZTimeException = z
  .object({
    id: z.string().meta({ description: 'Stable across recomputations: `<code>:<date>:<event or shift>`' }),
    employeeId: ZUuid,
    employeeName: z.string(),
    employeeCode: z.string(),
    date: ZPlainDate,
    code: z.string(),
    severity: z.enum(['info', 'warning', 'error']),
    minutes: z.number().int().nullable(),
    message: z.string(),
    entryId: ZUuid.nullable(),
    eventIds: z.array(ZUuid),
  })
  .meta({ id: 'TimeException' });
export type TTimeException = z.infer<typeof ZTimeException>;

const timeFilterFields = {
  from: ZPlainDate.meta({ description: 'First work date, inclusive' }),
  to: ZPlainDate.meta({ description: `Last work date, inclusive; at most ${TIME_RANGE_MAX_DAYS} days` }),
  employeeId: ZUuid.optional(),
  departmentId: ZUuid.optional().meta({
    description: 'The department (sub-departments included) the day was projected under',
  }),
};

export const ZWorkDayListQuery = withDateRange(ZPageQuery.extend(timeFilterFields));
export const ZTimeEntryListQuery = withDateRange(
  ZPageQuery.extend({
    ...timeFilterFields,
    projectId: ZUuid.optional(),
    status: z.enum(['complete', 'open', 'missing_clock_out']).optional(),
  }),
);
export const ZTimeExceptionListQuery = withDateRange(
  ZPageQuery.extend({
    ...timeFilterFields,
    code: z
      .string()
      .regex(/^[a-z_]{1,64}$/)
      .optional()
      .meta({ description: 'e.g. missing_clock_out, late_arrival' }),
    severity: z.enum(['info', 'warning', 'error']).optional(),
  }),
);

/** Both optional: the last seven days up to today (UTC) when absent. */
export const ZEmployeeTimeQuery = z
  .object({
    from: ZPlainDate.optional().meta({ description: 'First local date (the employee’s zone), inclusive' }),
    to: ZPlainDate.optional().meta({ description: 'Last local date, inclusive; default today' }),
  })
  .superRefine((value, context) => {
    if (value.from && value.to) {
      const days = (Date.parse(value.to) - Date.parse(value.from)) / DAY_MS + 1;
      if (days < 1)
        context.addIssue({
          code: 'custom',
          path: ['to'],
          message: `Expected a date on or after ${value.from}`,
        });
      else if (days > TIME_RANGE_MAX_DAYS)
        context.addIssue({
          code: 'custom',
          path: ['to'],
          message: `Expected a range of at most ${TIME_RANGE_MAX_DAYS} days, got ${days}`,
        });
    }
  });

const ZProjectedDay = z.object({
  date: ZPlainDate,
  dayMinutes: z.number().int().meta({ description: 'Length of the local day: 1380/1440/1500 around DST' }),
  weekStartDate: ZPlainDate,
  shiftIds: z.array(z.string()),
  entryIds: z.array(z.string()),
  grossMinutes: z.number().int(),
  paidBreakMinutes: z.number().int(),
  unpaidBreakMinutes: z.number().int(),
  autoDeductedMinutes: z.number().int(),
  workedMinutes: z.number().int(),
  regularMinutes: z.number().int(),
  overtime: ZOvertime,
  overtimeMinutes: z.number().int(),
  lateMinutes: z.number().int(),
  earlyLeaveMinutes: z.number().int(),
  leaveMinutes: z.number().int(),
  paidLeaveMinutes: z.number().int(),
  exceptionIds: z.array(z.string()),
});

const ZProjectedEntry = z.object({
  id: z.string(),
  workDate: ZPlainDate,
  kind: z.enum(['punch', 'manual']),
  status: z.enum(['complete', 'open', 'missing_clock_out']),
  start: ZTimestamp,
  end: ZTimestamp.nullable(),
  roundedStart: ZTimestamp,
  roundedEnd: ZTimestamp.nullable(),
  grossMinutes: z.number().int(),
  overlapMinutes: z.number().int(),
  breakMinutes: z.number().int(),
  shiftId: z.string().nullable(),
  projectId: z.string().nullable(),
  taskId: z.string().nullable(),
  eventIds: z.array(z.string()),
});

const ZProjectedBreak = z.object({
  id: z.string(),
  entryId: z.string().nullable(),
  workDate: ZPlainDate,
  kind: z.enum(['recorded', 'auto_deducted']),
  start: ZTimestamp.nullable(),
  end: ZTimestamp.nullable(),
  minutes: z.number().int(),
  paidMinutes: z.number().int(),
  unpaidMinutes: z.number().int(),
});

const ZProjectedException = z.object({
  id: z.string(),
  code: z.string(),
  severity: z.enum(['info', 'warning', 'error']),
  workDate: ZPlainDate,
  eventIds: z.array(z.string()),
  entryId: z.string().nullable(),
  shiftId: z.string().nullable(),
  minutes: z.number().int().nullable(),
  message: z.string(),
});

export const ZEmployeeTime = z
  .object({
    employeeId: ZUuid,
    timeZone: z.string(),
    range: z.object({ from: ZPlainDate, to: ZPlainDate }),
    asOf: ZTimestamp.meta({ description: 'Projected from the stored events at this instant' }),
    days: z.array(ZProjectedDay),
    entries: z.array(ZProjectedEntry),
    breaks: z.array(ZProjectedBreak),
    exceptions: z.array(ZProjectedException),
    totals: z.object({
      grossMinutes: z.number().int(),
      workedMinutes: z.number().int(),
      regularMinutes: z.number().int(),
      overtimeMinutes: z.number().int(),
      overtime: ZOvertime,
      paidBreakMinutes: z.number().int(),
      unpaidBreakMinutes: z.number().int(),
      autoDeductedMinutes: z.number().int(),
      lateMinutes: z.number().int(),
      earlyLeaveMinutes: z.number().int(),
      leaveMinutes: z.number().int(),
      paidLeaveMinutes: z.number().int(),
      exceptionCount: z.number().int(),
    }),
  })
  .meta({ id: 'EmployeeTime' });
export type TEmployeeTime = z.infer<typeof ZEmployeeTime>;

export const ZClockBody = z
  .object({
    type: ZPunchType,
    projectId: ZUuid.optional().meta({ description: 'Clock-in only: the project the timer runs on' }),
    taskId: ZUuid.optional().meta({ description: 'Clock-in only: a task of `projectId`' }),
  })
  .strict()
  .meta({ id: 'ClockBody' });
export type TClockBody = z.infer<typeof ZClockBody>;

export const ZClockState = z
  .object({
    employeeId: ZUuid,
    status: z.enum(['off', 'working', 'on_break']),
    since: ZTimestamp.nullable().meta({ description: 'When the current status began; null when off' }),
    entryId: ZUuid.nullable().meta({ description: 'The open entry (its clock-in event id)' }),
    nextPunchTypes: z.array(ZPunchType).meta({ description: 'What makes sense next, most likely first' }),
    projectId: ZUuid.nullable(),
    taskId: ZUuid.nullable(),
    today: z.object({
      date: ZPlainDate.meta({ description: 'Today in the employee’s zone' }),
      completedMinutes: z.number().int().meta({ description: 'Worked minutes of today’s finished entries' }),
      openEntryMinutes: z.number().int().meta({ description: 'The running entry so far, breaks excluded' }),
      workedMinutes: z.number().int().meta({ description: 'completedMinutes + openEntryMinutes' }),
    }),
  })
  .meta({ id: 'ClockState' });
export type TClockState = z.infer<typeof ZClockState>;

export const ZClockPunch = z
  .object({
    event: z.object({
      id: ZUuid,
      type: ZPunchType,
      occurredAt: ZTimestamp,
      projectId: ZUuid.nullable(),
      taskId: ZUuid.nullable(),
    }),
    state: ZClockState,
  })
  .meta({ id: 'ClockPunch' });
