import { z } from 'zod';
import { ZName, ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();
const ZColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Expected a #rrggbb colour');
const ZLeaveTypeCode = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/, 'Use letters, digits, dot, dash or underscore');
/** A working day is at most a calendar day. */
const ZDayMinutes = z.number().int().min(1).max(1440);
/** Ten years of full days: bounds typing mistakes without limiting real balances. */
const MAX_LEDGER_MINUTES = 10 * 366 * 1440;
const ZNote = z.string().trim().min(1).max(1000);

export const ZLeaveType = z
  .object({
    id: ZUuid,
    name: z.string(),
    code: z.string().nullable(),
    isPaid: z.boolean(),
    accrualMinutesPerPeriod: z
      .number()
      .int()
      .meta({ description: 'Minutes credited to each active employee per timesheet period (0: no accrual)' }),
    carryOverCapMinutes: z.number().int().nullable().meta({
      description: 'Most minutes kept into a new year; the excess expires on 1 January. Null: no cap',
    }),
    defaultDayMinutes: z
      .number()
      .int()
      .meta({ description: 'Minutes a full leave day counts for when the employee has no shift that day' }),
    allowNegativeBalance: z.boolean(),
    requiresApproval: z.boolean().meta({ description: 'False: requests are approved as they are made' }),
    color: z.string().nullable(),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'LeaveType' });
export type TLeaveType = z.infer<typeof ZLeaveType>;

const leaveTypeFields = {
  name: ZName,
  code: ZLeaveTypeCode.nullable().optional(),
  isPaid: z.boolean().optional(),
  accrualMinutesPerPeriod: z.number().int().min(0).max(100_000).optional(),
  carryOverCapMinutes: z.number().int().min(0).max(MAX_LEDGER_MINUTES).nullable().optional(),
  defaultDayMinutes: ZDayMinutes.optional(),
  allowNegativeBalance: z.boolean().optional(),
  requiresApproval: z.boolean().optional(),
  color: ZColor.nullable().optional(),
};
export const ZCreateLeaveTypeBody = z.object(leaveTypeFields).strict().meta({ id: 'CreateLeaveTypeBody' });
export const ZUpdateLeaveTypeBody = z
  .object(leaveTypeFields)
  .partial()
  .strict()
  .meta({ id: 'UpdateLeaveTypeBody' });

export const LEAVE_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;

export const ZLeaveRequest = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    leaveTypeId: ZUuid,
    startDate: ZPlainDate,
    endDate: ZPlainDate.meta({ description: 'Inclusive' }),
    minutesPerDay: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Part day: minutes per working day; null: full days' }),
    totalMinutes: z
      .number()
      .int()
      .meta({ description: 'Charged against the balance; computed when the request was made' }),
    reason: z.string().nullable(),
    status: z.enum(LEAVE_REQUEST_STATUSES),
    requestedByUserId: ZUuid.nullable(),
    decidedByUserId: ZUuid.nullable(),
    decidedAt: ZTimestamp.nullable(),
    decisionNote: z.string().nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'LeaveRequest' });
export type TLeaveRequest = z.infer<typeof ZLeaveRequest>;

const leaveRequestFields = {
  leaveTypeId: ZUuid,
  startDate: ZPlainDate,
  endDate: ZPlainDate,
  minutesPerDay: ZDayMinutes.nullable().optional(),
  reason: z.string().trim().max(1000).nullable().optional(),
};
/** Dates are checked in the service (end before start answers 422 with both paths named). */
export const ZCreateOwnLeaveRequestBody = z
  .object(leaveRequestFields)
  .strict()
  .meta({ id: 'CreateOwnLeaveRequestBody' });
export const ZCreateLeaveRequestBody = z
  .object({ employeeId: ZUuid, ...leaveRequestFields })
  .strict()
  .meta({ id: 'CreateLeaveRequestBody' });

export const ZLeaveDecisionBody = z
  .object({ note: ZNote.nullable().optional() })
  .strict()
  .meta({ id: 'LeaveDecisionBody' });
export const ZRejectLeaveRequestBody = z
  .object({ note: ZNote })
  .strict()
  .meta({ id: 'RejectLeaveRequestBody' });

export const ZLeaveRequestListQuery = ZPageQuery.extend({
  status: z.enum(LEAVE_REQUEST_STATUSES).optional(),
  employeeId: ZUuid.optional(),
  leaveTypeId: ZUuid.optional(),
  /** Requests that overlap from…to (inclusive). */
  from: ZPlainDate.optional(),
  to: ZPlainDate.optional(),
});
export const ZOwnLeaveRequestListQuery = ZLeaveRequestListQuery.omit({ employeeId: true });

export const ZLeaveBalance = z
  .object({
    leaveTypeId: ZUuid,
    leaveTypeName: z.string(),
    isPaid: z.boolean(),
    accruedMinutes: z.number().int().meta({ description: 'Sum of accrual lines' }),
    usedMinutes: z.number().int().meta({ description: 'Approved leave, net of cancellations (positive)' }),
    adjustedMinutes: z.number().int().meta({ description: 'Sum of manual adjustments (signed)' }),
    expiredMinutes: z
      .number()
      .int()
      .meta({ description: 'Carry-over above the cap that expired (positive)' }),
    balanceMinutes: z.number().int().meta({ description: 'Sum of every ledger line' }),
    pendingMinutes: z.number().int().meta({ description: 'Requests waiting for a decision' }),
    availableMinutes: z.number().int().meta({ description: 'balance − pending: what a new request may use' }),
  })
  .meta({ id: 'LeaveBalance' });
export type TLeaveBalance = z.infer<typeof ZLeaveBalance>;

export const ZLeaveBalances = z
  .object({ employeeId: ZUuid, items: z.array(ZLeaveBalance) })
  .meta({ id: 'LeaveBalances' });

export const LEAVE_LEDGER_KINDS = ['accrual', 'usage', 'carry_over_expiry', 'adjustment'] as const;

export const ZLeaveLedgerLine = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    leaveTypeId: ZUuid,
    kind: z.enum(LEAVE_LEDGER_KINDS),
    minutes: z
      .number()
      .int()
      .meta({ description: 'Signed: usage is negative, its reversal on cancellation positive' }),
    effectiveDate: ZPlainDate,
    periodStart: ZPlainDate.nullable(),
    leaveRequestId: ZUuid.nullable(),
    actorUserId: ZUuid.nullable(),
    note: z.string().nullable(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'LeaveLedgerLine' });

export const ZLeaveLedgerQuery = ZPageQuery.extend({ leaveTypeId: ZUuid.optional() });

export const ZLeaveAdjustmentBody = z
  .object({
    leaveTypeId: ZUuid,
    minutes: z
      .number()
      .int()
      .min(-MAX_LEDGER_MINUTES)
      .max(MAX_LEDGER_MINUTES)
      .refine((minutes) => minutes !== 0, { message: 'An adjustment of 0 minutes changes nothing' }),
    effectiveDate: ZPlainDate.optional(),
    note: ZNote,
  })
  .strict()
  .meta({ id: 'LeaveAdjustmentBody' });

export const ZLeaveTypeListQuery = z.object({
  includeDeleted: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: also the deleted types old requests refer to' }),
});
