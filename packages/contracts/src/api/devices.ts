import { z } from 'zod';
import { ZName, ZTimestamp, ZUuid } from './common';

/** Longest an enrollment token may stay valid: a week is plenty to install a kiosk. */
export const ENROLLMENT_TOKEN_MAX_HOURS = 24 * 7;
export const ENROLLMENT_TOKEN_MAX_USES = 100;

export const ZCreateEnrollmentTokenBody = z
  .object({
    siteId: ZUuid,
    label: ZName.nullable().optional(),
    /** Hours until it expires; default 24. */
    expiresInHours: z.number().int().min(1).max(ENROLLMENT_TOKEN_MAX_HOURS).default(24),
    /** How many kiosks may register with it; default 1. */
    maxUses: z.number().int().min(1).max(ENROLLMENT_TOKEN_MAX_USES).default(1),
  })
  .strict()
  .meta({ id: 'CreateEnrollmentTokenBody' });

export const ZEnrollmentToken = z
  .object({
    id: ZUuid,
    siteId: ZUuid,
    label: z.string().nullable(),
    expiresAt: ZTimestamp,
    maxUses: z.number().int(),
    uses: z.number().int(),
    revokedAt: ZTimestamp.nullable(),
    status: z.enum(['active', 'expired', 'used', 'revoked']),
    createdBy: ZUuid.nullable(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'EnrollmentToken' });
export type TEnrollmentToken = z.infer<typeof ZEnrollmentToken>;

/** The creation answer: the only time the token itself is shown. */
export const ZCreatedEnrollmentToken = ZEnrollmentToken.extend({
  token: z.string().meta({ description: 'Shown once; only its SHA-256 is stored.' }),
  provisioningUri: z.string().meta({
    description: 'clockface://provision?hub=…&token=… for a QR code the kiosk scans.',
  }),
}).meta({ id: 'CreatedEnrollmentToken' });

export const ZDevice = z
  .object({
    id: ZUuid,
    name: z.string(),
    siteId: ZUuid.nullable(),
    kid: z.string(),
    status: z.enum(['active', 'revoked']),
    registeredAt: ZTimestamp,
    revokedAt: ZTimestamp.nullable(),
    lastSeenAt: ZTimestamp.nullable(),
    lastHeartbeatAt: ZTimestamp.nullable(),
    appVersion: z.string().nullable(),
    modelId: z.string().nullable(),
    queueDepth: z.number().int().nullable(),
    oldestPendingAt: ZTimestamp.nullable(),
    lastSyncAt: ZTimestamp.nullable(),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
    /** Hub time − device time at the last heartbeat, ms (positive: the device is behind). */
    clockOffsetMs: z.number().int().nullable(),
    isFlaggedForReview: z.boolean(),
    flagReason: z.string().nullable(),
    /** Highest contiguous punch sequence the hub holds from this device. */
    lastSeq: z.number().int(),
  })
  .meta({ id: 'Device' });
export type TDevice = z.infer<typeof ZDevice>;

export const ZUpdateDeviceBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    /** `false` clears the review flag once someone has looked at the reason. */
    isFlaggedForReview: z.literal(false).optional(),
  })
  .strict()
  .refine((body) => body.name !== undefined || body.isFlaggedForReview !== undefined, {
    message: 'Expected name or isFlaggedForReview',
  })
  .meta({ id: 'UpdateDeviceBody' });
