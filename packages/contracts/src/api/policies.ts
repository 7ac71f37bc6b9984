import { z } from 'zod';
import { ZTimestamp, ZUuid } from './common';

const MINUTES_PER_WEEK = 7 * 24 * 60;
const ZMinutes = (max = 24 * 60) => z.number().int().min(0).max(max);
const ZMultiplier = z.number().min(1).max(10);
const ZOvertimeTier = z
  .object({ afterMinutes: ZMinutes(MINUTES_PER_WEEK), multiplier: ZMultiplier })
  .strict();

/**
 * One layer of time and compliance rules (timekeeping's `TimeRulesOverride`): every group and field
 * optional, a missing field keeps the lower layer's value, `null` clears a nullable rule, and arrays
 * replace the lower layer's array.
 */
export const ZTimeRulesOverride = z
  .object({
    rounding: z
      .object({
        stepMinutes: z.number().int().min(1).max(60),
        mode: z.enum(['nearest', 'up', 'down', 'employee_favour', 'employer_favour']),
      })
      .partial()
      .strict()
      .optional(),
    overtime: z
      .object({
        daily: z
          .array(ZOvertimeTier.extend({ afterMinutes: ZMinutes() }))
          .max(5)
          .refine(
            (tiers) => tiers.every((tier, i) => i === 0 || tier.afterMinutes > tiers[i - 1]!.afterMinutes),
            {
              message: 'Daily tiers must start at strictly increasing minutes',
            },
          ),
        weekly: ZOvertimeTier.nullable(),
      })
      .partial()
      .strict()
      .optional(),
    breaks: z
      .object({
        paidMinutesPerDay: ZMinutes(),
        autoDeduct: z
          .object({ afterMinutes: ZMinutes(), minutes: z.number().int().min(1).max(240) })
          .strict()
          .nullable(),
      })
      .partial()
      .strict()
      .optional(),
    compliance: z
      .object({
        maxShiftMinutes: z
          .number()
          .int()
          .min(60)
          .max(24 * 60)
          .nullable(),
        minRestMinutes: z
          .number()
          .int()
          .min(0)
          .max(48 * 60)
          .nullable(),
        requiredBreaks: z
          .array(
            z
              .object({ afterMinutes: ZMinutes(), minBreakMinutes: z.number().int().min(1).max(240) })
              .strict(),
          )
          .max(5),
      })
      .partial()
      .strict()
      .optional(),
    duplicateWindowMinutes: z.number().int().min(0).max(60).optional(),
    shiftMatchWindowMinutes: z
      .number()
      .int()
      .min(0)
      .max(12 * 60)
      .optional(),
    farFromShiftMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    maxOpenEntryMinutes: z
      .number()
      .int()
      .min(60)
      .max(48 * 60)
      .optional(),
  })
  .strict()
  .meta({ id: 'TimeRulesOverride' });
export type TTimeRulesOverride = z.infer<typeof ZTimeRulesOverride>;

/** The rules in force for an employee after merging the defaults, the org, their site and their own layer. */
export const ZTimeRules = z
  .object({
    rounding: z.object({ stepMinutes: z.number(), mode: z.string() }),
    overtime: z.object({
      daily: z.array(z.object({ afterMinutes: z.number(), multiplier: z.number() })),
      weekly: z.object({ afterMinutes: z.number(), multiplier: z.number() }).nullable(),
    }),
    breaks: z.object({
      paidMinutesPerDay: z.number(),
      autoDeduct: z.object({ afterMinutes: z.number(), minutes: z.number() }).nullable(),
    }),
    compliance: z.object({
      maxShiftMinutes: z.number().nullable(),
      minRestMinutes: z.number().nullable(),
      requiredBreaks: z.array(z.object({ afterMinutes: z.number(), minBreakMinutes: z.number() })),
    }),
    duplicateWindowMinutes: z.number(),
    shiftMatchWindowMinutes: z.number(),
    farFromShiftMinutes: z.number(),
    maxOpenEntryMinutes: z.number(),
  })
  .meta({ id: 'TimeRules' });

export const ZTimePolicy = z
  .object({
    id: ZUuid,
    scope: z.enum(['org', 'site', 'employee']),
    siteId: ZUuid.nullable(),
    employeeId: ZUuid.nullable(),
    rules: ZTimeRulesOverride,
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'TimePolicy' });

export const ZResolvedTimeRules = z
  .object({
    employeeId: ZUuid,
    siteId: ZUuid.nullable(),
    rules: ZTimeRules,
    layers: z
      .object({
        org: ZTimeRulesOverride.nullable(),
        site: ZTimeRulesOverride.nullable(),
        employee: ZTimeRulesOverride.nullable(),
      })
      .meta({ description: 'The layers merged over the defaults, in order (null where none is set).' }),
  })
  .meta({ id: 'ResolvedTimeRules' });
