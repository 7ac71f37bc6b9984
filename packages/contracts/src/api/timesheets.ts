import { z } from 'zod';
import { ZAdjustment } from './adjustments';
import { ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();

export const TIMESHEET_STATUSES = ['open', 'submitted', 'approved', 'locked'] as const;
export const PERIOD_FREQUENCIES = ['weekly', 'biweekly', 'semimonthly', 'monthly'] as const;

export const ZTimesheetTotals = z
  .object({
    workedMinutes: z.number().int(),
    regularMinutes: z.number().int(),
    overtimeMinutes: z.number().int(),
    overtime: z.array(z.object({ multiplier: z.number(), minutes: z.number().int() })),
    paidBreakMinutes: z.number().int(),
    unpaidBreakMinutes: z.number().int(),
    autoDeductedMinutes: z.number().int(),
    lateMinutes: z.number().int(),
    earlyLeaveMinutes: z.number().int(),
    leaveMinutes: z.number().int(),
    paidLeaveMinutes: z.number().int(),
    exceptionCount: z.number().int(),
  })
  .meta({ id: 'TimesheetTotals' });
export type TTimesheetTotals = z.infer<typeof ZTimesheetTotals>;

/**
 * What corrections carried from locked periods add to a timesheet (negative when they take time
 * away): the locked period's totals with them minus without them, as the projection computes it.
 */
export const ZCarriedTotals = z
  .object({
    workedMinutes: z.number().int(),
    regularMinutes: z.number().int(),
    overtimeMinutes: z.number().int(),
    overtime: z.array(z.object({ multiplier: z.number(), minutes: z.number().int() })),
    paidBreakMinutes: z.number().int(),
    unpaidBreakMinutes: z.number().int(),
    leaveMinutes: z.number().int(),
    paidLeaveMinutes: z.number().int(),
  })
  .meta({ id: 'CarriedTotals' });
export type TCarriedTotals = z.infer<typeof ZCarriedTotals>;

export const ZTimesheetSummary = z
  .object({
    /** Null until the timesheet is first acted on (it is created on demand). */
    id: ZUuid.nullable(),
    employeeId: ZUuid,
    employeeName: z.string(),
    employeeCode: z.string(),
    periodStart: ZPlainDate,
    periodEnd: ZPlainDate,
    status: z.enum(TIMESHEET_STATUSES),
    /**
     * Locked timesheets: the totals at lock time. Otherwise the current projection plus
     * `carriedTotals` (corrections carried here from locked periods).
     */
    totals: ZTimesheetTotals,
    /** The part of `totals` that corrections carried from locked periods make (zero when none). */
    carriedTotals: ZCarriedTotals,
    /**
     * Events that arrived after the lock and were held back (`late_event_in_locked_period`): they
     * need a carried correction or an unlock. Always 0 for timesheets that are not locked.
     */
    lateEventCount: z.number().int(),
    submittedAt: ZTimestamp.nullable(),
    approvedAt: ZTimestamp.nullable(),
    lockedAt: ZTimestamp.nullable(),
  })
  .meta({ id: 'TimesheetSummary' });

export const ZTimesheetDay = z
  .object({
    date: ZPlainDate,
    workedMinutes: z.number().int(),
    regularMinutes: z.number().int(),
    overtimeMinutes: z.number().int(),
    paidBreakMinutes: z.number().int(),
    unpaidBreakMinutes: z.number().int(),
    leaveMinutes: z.number().int(),
    lateMinutes: z.number().int(),
    earlyLeaveMinutes: z.number().int(),
    exceptionCount: z.number().int(),
    entries: z.array(
      z.object({
        id: ZUuid,
        kind: z.enum(['punch', 'manual']),
        status: z.enum(['complete', 'open', 'missing_clock_out']),
        start: ZTimestamp,
        end: ZTimestamp.nullable(),
        grossMinutes: z.number().int(),
        breakMinutes: z.number().int(),
        projectId: ZUuid.nullable(),
        taskId: ZUuid.nullable(),
      }),
    ),
  })
  .meta({ id: 'TimesheetDay' });

export const ZTimesheetException = z
  .object({
    id: z.string(),
    workDate: ZPlainDate,
    code: z.string(),
    severity: z.enum(['info', 'warning', 'error']),
    minutes: z.number().int().nullable(),
    message: z.string(),
    entryId: ZUuid.nullable(),
    eventIds: z.array(ZUuid),
  })
  .meta({ id: 'TimesheetException' });

export const ZTimesheetHistoryItem = z
  .object({
    action: z.string(),
    actorUserId: ZUuid.nullable(),
    at: ZTimestamp,
    reason: z.string().nullable(),
  })
  .meta({ id: 'TimesheetHistoryItem' });

export const ZTimesheet = ZTimesheetSummary.extend({
  /**
   * The current projection of this period's own days: `totals` = `projectedTotals` + `carriedTotals`
   * (a locked timesheet shows what was locked, whatever arrived later).
   */
  projectedTotals: ZTimesheetTotals,
  days: z.array(ZTimesheetDay),
  exceptions: z.array(ZTimesheetException),
  /**
   * Corrections for earlier, locked periods carried into this one (flagged `moved_from_locked_period`),
   * each with the period it corrects and what it adds here. `carriedFrom`/`carriedDelta` are null when
   * that period has been unlocked since: the correction then applies there and counts there.
   */
  carriedAdjustments: z.array(
    ZAdjustment.extend({
      carriedFrom: z.object({ periodStart: ZPlainDate, periodEnd: ZPlainDate }).nullable(),
      carriedDelta: ZCarriedTotals.nullable(),
    }),
  ),
  history: z.array(ZTimesheetHistoryItem),
}).meta({ id: 'Timesheet' });
export type TTimesheet = z.infer<typeof ZTimesheet>;

export const ZTimesheetListQuery = ZPageQuery.extend({
  /** The first day of a period (any date inside one is refused, with the right start in the error). */
  periodStart: ZPlainDate,
  status: z.enum(TIMESHEET_STATUSES).optional(),
  departmentId: ZUuid.optional(),
});

export const ZTimesheetActionBody = z
  .object({ note: z.string().trim().max(1000).optional() })
  .strict()
  .meta({ id: 'TimesheetActionBody' });
export const ZReopenTimesheetBody = z
  .object({ reason: z.string().trim().min(3, 'Say why (at least 3 characters)').max(1000) })
  .strict()
  .meta({ id: 'ReopenTimesheetBody' });

export const ZLockPeriodBody = z.object({ periodStart: ZPlainDate }).strict().meta({ id: 'LockPeriodBody' });
export const ZLockPeriodResult = z
  .object({
    periodStart: ZPlainDate,
    periodEnd: ZPlainDate,
    /** Approved timesheets this call locked. */
    lockedEmployeeIds: z.array(ZUuid),
    /** Employees whose timesheet is still open or submitted: not locked, approve them first. */
    notApproved: z.array(
      z.object({ employeeId: ZUuid, employeeName: z.string(), status: z.enum(['open', 'submitted']) }),
    ),
  })
  .meta({ id: 'LockPeriodResult' });
