import { z } from 'zod';
import { ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPunchType = z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']);
/** Why a correction was made: required, shown to the employee and kept in the audit trail. */
const ZReason = z.string().trim().min(3, 'Say why (at least 3 characters)').max(1000);
const ZBreakMinutes = z.number().int().min(0).max(1440);
/**
 * The target lies in a locked timesheet: record the correction anyway, flagged
 * `moved_from_locked_period` and carried to the employee's next open period (the locked totals stay
 * as they were). Without it such a correction is refused with 409 PERIOD_LOCKED.
 */
const ZCarry = z.boolean().optional().meta({
  description: 'Record a correction for a locked period as a flagged carry-over to the next open one',
});

export const ADJUSTMENT_FLAGS = ['moved_from_locked_period'] as const;

export const ZAdjustment = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    kind: z.enum(['manual_entry', 'edit', 'delete', 'punch']),
    targetId: ZUuid.nullable(),
    start: ZTimestamp.nullable(),
    end: ZTimestamp.nullable(),
    breakMinutes: z.number().int().nullable(),
    occurredAt: ZTimestamp.nullable(),
    punchType: ZPunchType.nullable(),
    projectId: ZUuid.nullable(),
    taskId: ZUuid.nullable(),
    effectiveAt: ZTimestamp,
    reason: z.string(),
    actorUserId: ZUuid.nullable(),
    modificationRequestId: ZUuid.nullable(),
    flags: z.array(z.string()),
    /** Carried corrections: the first day of the open period they were carried to. */
    carriedToPeriodStart: z.iso.date().nullable(),
    recordedAt: ZTimestamp,
  })
  .meta({ id: 'Adjustment' });
export type TAdjustment = z.infer<typeof ZAdjustment>;

export const ZManualEntryAdjustmentBody = z
  .object({
    kind: z.literal('manual_entry'),
    start: ZTimestamp,
    end: ZTimestamp,
    breakMinutes: ZBreakMinutes.optional(),
    projectId: ZUuid.optional(),
    taskId: ZUuid.optional(),
    reason: ZReason,
    carryToNextOpenPeriod: ZCarry,
  })
  .strict();

/** A missing punch (e.g. a forgotten clock-out), written to the punch log with source `admin`. */
export const ZPunchAdjustmentBody = z
  .object({
    kind: z.literal('punch'),
    punchType: ZPunchType,
    occurredAt: ZTimestamp,
    projectId: ZUuid.optional(),
    taskId: ZUuid.optional(),
    reason: ZReason,
    carryToNextOpenPeriod: ZCarry,
  })
  .strict();

export const ZEditAdjustmentBody = z
  .object({
    kind: z.literal('edit'),
    targetId: ZUuid,
    occurredAt: ZTimestamp.optional(),
    punchType: ZPunchType.optional(),
    start: ZTimestamp.optional(),
    end: ZTimestamp.optional(),
    breakMinutes: ZBreakMinutes.optional(),
    reason: ZReason,
    carryToNextOpenPeriod: ZCarry,
  })
  .strict()
  .refine(
    (body) =>
      [body.occurredAt, body.punchType, body.start, body.end, body.breakMinutes].some((v) => v !== undefined),
    { message: 'Change something: occurredAt, punchType, start, end or breakMinutes', path: ['kind'] },
  );

export const ZDeleteAdjustmentBody = z
  .object({ kind: z.literal('delete'), targetId: ZUuid, reason: ZReason, carryToNextOpenPeriod: ZCarry })
  .strict();

export const ZCreateAdjustmentBody = z
  .discriminatedUnion('kind', [
    ZManualEntryAdjustmentBody,
    ZPunchAdjustmentBody,
    ZEditAdjustmentBody,
    ZDeleteAdjustmentBody,
  ])
  .meta({ id: 'CreateAdjustmentBody' });
export type TCreateAdjustmentBody = z.infer<typeof ZCreateAdjustmentBody>;

export const ZAdjustmentListQuery = ZPageQuery.extend({
  /** Only corrections effective at or after this instant. */
  from: ZTimestamp.optional(),
  /** Only corrections effective before this instant. */
  to: ZTimestamp.optional(),
});

/** What an employee proposes. `add` takes a punch or a whole entry; `change` the fields to change. */
const ZProposedPunch = z
  .object({ kind: z.literal('punch'), punchType: ZPunchType, occurredAt: ZTimestamp })
  .strict();
const ZProposedEntry = z
  .object({
    kind: z.literal('entry'),
    start: ZTimestamp,
    end: ZTimestamp,
    breakMinutes: ZBreakMinutes.optional(),
    projectId: ZUuid.optional(),
    taskId: ZUuid.optional(),
  })
  .strict();
const ZProposedChange = z
  .object({
    kind: z.literal('change'),
    occurredAt: ZTimestamp.optional(),
    punchType: ZPunchType.optional(),
    start: ZTimestamp.optional(),
    end: ZTimestamp.optional(),
    breakMinutes: ZBreakMinutes.optional(),
  })
  .strict();

export const ZCreateModificationRequestBody = z
  .discriminatedUnion('action', [
    z
      .object({
        action: z.literal('add'),
        proposal: z.discriminatedUnion('kind', [ZProposedPunch, ZProposedEntry]),
        reason: ZReason,
      })
      .strict(),
    z
      .object({ action: z.literal('change'), targetId: ZUuid, proposal: ZProposedChange, reason: ZReason })
      .strict(),
    z.object({ action: z.literal('delete'), targetId: ZUuid, reason: ZReason }).strict(),
  ])
  .meta({ id: 'CreateModificationRequestBody' });
export type TCreateModificationRequestBody = z.infer<typeof ZCreateModificationRequestBody>;

export const MODIFICATION_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;

export const ZModificationRequest = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    requestedByUserId: ZUuid.nullable(),
    action: z.enum(['add', 'change', 'delete']),
    targetId: ZUuid.nullable(),
    proposal: z.record(z.string(), z.unknown()),
    reason: z.string(),
    status: z.enum(MODIFICATION_REQUEST_STATUSES),
    decidedByUserId: ZUuid.nullable(),
    decidedAt: ZTimestamp.nullable(),
    decisionNote: z.string().nullable(),
    /** The correction that applied it (an adjustment id, or the punch id for an added punch). */
    adjustmentId: ZUuid.nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'ModificationRequest' });
export type TModificationRequest = z.infer<typeof ZModificationRequest>;

export const ZModificationRequestListQuery = ZPageQuery.extend({
  status: z.enum(MODIFICATION_REQUEST_STATUSES).optional(),
  employeeId: ZUuid.optional(),
});

export const ZApproveModificationRequestBody = z
  .object({ note: z.string().trim().max(1000).optional(), carryToNextOpenPeriod: ZCarry })
  .strict()
  .meta({ id: 'ApproveModificationRequestBody' });
export const ZRejectModificationRequestBody = z
  .object({ note: z.string().trim().min(3, 'Say why (at least 3 characters)').max(1000) })
  .strict()
  .meta({ id: 'RejectModificationRequestBody' });
