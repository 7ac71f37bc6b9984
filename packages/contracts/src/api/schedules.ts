import { z } from 'zod';
import { ZName, ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();
/** `HH:MM`, 24 h wall clock in the employee's zone. */
const ZWallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM (00:00–23:59)');
const ZGraceMinutes = z.number().int().min(0).max(240);
const ZColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Expected a #rrggbb colour');

export const ZShiftTemplate = z
  .object({
    id: ZUuid,
    name: z.string(),
    startTime: z.string().meta({ description: 'HH:MM' }),
    endTime: z.string().meta({ description: 'HH:MM; at or before startTime means it ends the next day' }),
    isOvernight: z.boolean(),
    /** Scheduled length in minutes, break included (a wall-clock figure; DST nights differ by an hour). */
    durationMinutes: z.number().int(),
    breakMinutes: z.number().int(),
    lateGraceMinutes: z.number().int(),
    earlyLeaveGraceMinutes: z.number().int().nullable(),
    color: z.string().nullable(),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ShiftTemplate' });
export type TShiftTemplate = z.infer<typeof ZShiftTemplate>;

const shiftTemplateFields = {
  name: ZName,
  startTime: ZWallTime,
  endTime: ZWallTime,
  breakMinutes: z.number().int().min(0).max(480).optional(),
  lateGraceMinutes: ZGraceMinutes.optional(),
  earlyLeaveGraceMinutes: ZGraceMinutes.nullable().optional(),
  color: ZColor.nullable().optional(),
};
export const ZCreateShiftTemplateBody = z
  .object(shiftTemplateFields)
  .strict()
  .meta({ id: 'CreateShiftTemplateBody' });
export const ZUpdateShiftTemplateBody = z
  .object(shiftTemplateFields)
  .partial()
  .strict()
  .meta({ id: 'UpdateShiftTemplateBody' });

/** ISO weekdays 1 = Monday … 7 = Sunday. */
const ZWeekdays = z
  .array(z.number().int().min(1).max(7))
  .min(1)
  .max(7)
  .refine((days) => new Set(days).size === days.length, { message: 'Each weekday at most once' });

export const ZShiftPattern = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    shiftTemplateId: ZUuid,
    weekdays: z.array(z.number().int()),
    effectiveFrom: ZPlainDate,
    effectiveTo: ZPlainDate.nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ShiftPattern' });

export const ZCreateShiftPatternBody = z
  .object({
    employeeId: ZUuid,
    shiftTemplateId: ZUuid,
    weekdays: ZWeekdays,
    effectiveFrom: ZPlainDate,
    effectiveTo: ZPlainDate.nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateShiftPatternBody' });
export const ZUpdateShiftPatternBody = z
  .object({
    shiftTemplateId: ZUuid,
    weekdays: ZWeekdays,
    effectiveFrom: ZPlainDate,
    effectiveTo: ZPlainDate.nullable(),
  })
  .partial()
  .strict()
  .meta({ id: 'UpdateShiftPatternBody' });
export const ZShiftPatternListQuery = z.object({
  employeeId: ZUuid.optional(),
  shiftTemplateId: ZUuid.optional(),
});

export const ZShiftAssignment = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    workDate: ZPlainDate,
    kind: z.enum(['shift', 'day_off']),
    shiftTemplateId: ZUuid.nullable(),
    note: z.string().nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ShiftAssignment' });

export const ZCreateShiftAssignmentBody = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('shift'),
        employeeId: ZUuid,
        workDate: ZPlainDate,
        shiftTemplateId: ZUuid,
        note: z.string().trim().max(500).nullable().optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('day_off'),
        employeeId: ZUuid,
        workDate: ZPlainDate,
        note: z.string().trim().max(500).nullable().optional(),
      })
      .strict(),
  ])
  .meta({ id: 'CreateShiftAssignmentBody' });

export const ZShiftAssignmentListQuery = z.object({
  from: ZPlainDate,
  to: ZPlainDate,
  employeeId: ZUuid.optional(),
});
/** Both optional: from defaults to today in the org's zone, to to six days after from (one week). */
export const ZScheduleQuery = z.object({ from: ZPlainDate.optional(), to: ZPlainDate.optional() });

/** One scheduled shift on one date, as the projection sees it (pattern and dated rows merged). */
export const ZScheduledShift = z
  .object({
    date: ZPlainDate,
    shiftTemplateId: ZUuid,
    name: z.string(),
    startTime: z.string(),
    endTime: z.string(),
    isOvernight: z.boolean(),
    breakMinutes: z.number().int(),
    lateGraceMinutes: z.number().int(),
    earlyLeaveGraceMinutes: z.number().int(),
  })
  .meta({ id: 'ScheduledShift' });
export const ZEmployeeSchedule = z
  .object({
    employeeId: ZUuid,
    from: ZPlainDate,
    to: ZPlainDate,
    shifts: z.array(ZScheduledShift),
    daysOff: z.array(ZPlainDate).meta({ description: 'Dates a dated day_off cleared the pattern' }),
  })
  .meta({ id: 'EmployeeSchedule' });

export const ZShiftTemplateListQuery = ZPageQuery;
