/**
 * Face enrollment API: consent records, enrollment from photos, templates (never their vectors).
 * DESIGN.md "Biometric privacy": templates, not photos; consent before enrollment; withdrawal
 * deletes templates everywhere within one sync.
 */
import { z } from 'zod';
import { ZTimestamp, ZUuid } from './common';

/** Photos per enrollment request (packages/face MAX_ENROLL_PHOTOS). */
export const MAX_ENROLL_PHOTOS = 5;
/** Largest photo accepted, decoded bytes. Phone photos are 2–6 MB; the pipeline downscales them anyway. */
export const MAX_ENROLL_PHOTO_BYTES = 8 * 1024 * 1024;
/**
 * Body cap of the enrollment route only (every other route keeps the hub's BODY_LIMIT_BYTES):
 * five photos at the cap, base64 (4/3), plus JSON framing.
 */
export const ENROLL_BODY_LIMIT_BYTES =
  Math.ceil((MAX_ENROLL_PHOTOS * MAX_ENROLL_PHOTO_BYTES * 4) / 3) + 64 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const ZFaceConsentBody = z
  .object({
    /** The consent text's version identifier as shown, e.g. `2026-11-v1`. */
    textVersion: z.string().trim().min(1).max(64),
    /** The exact text shown to the employee; the hub stores its SHA-256, not the text. */
    text: z.string().min(1).max(20_000),
    method: z.enum(['in_person', 'electronic']),
    /** When the employee agreed; default now. Not in the future. */
    grantedAt: ZTimestamp.optional(),
  })
  .strict()
  .meta({ id: 'FaceConsentBody' });
export type TFaceConsentBody = z.infer<typeof ZFaceConsentBody>;

export const ZFaceConsent = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    textVersion: z.string(),
    textSha256: z.string().nullable(),
    method: z.enum(['in_person', 'electronic']),
    grantedAt: ZTimestamp,
    recordedByUserId: ZUuid.nullable(),
    withdrawnAt: ZTimestamp.nullable(),
    withdrawnByUserId: ZUuid.nullable(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'FaceConsent' });
export type TFaceConsent = z.infer<typeof ZFaceConsent>;

export const ZFaceConsentHistory = z
  .object({
    /** The consent in force, if any. */
    active: ZFaceConsent.nullable(),
    /** Every record, newest first (withdrawn ones included). */
    items: z.array(ZFaceConsent),
  })
  .meta({ id: 'FaceConsentHistory' });

export const ZFaceConsentWithdrawal = z
  .object({
    consent: ZFaceConsent,
    /** Templates deleted by the withdrawal; kiosks drop them at their next roster sync. */
    deletedTemplates: z.number().int().min(0),
  })
  .meta({ id: 'FaceConsentWithdrawal' });

export const ZEnrollPhoto = z
  .object({
    /** The image bytes, base64 (JPEG, PNG, WebP, HEIF, …; EXIF orientation is honoured). */
    data: z
      .string()
      .min(4)
      .max(Math.ceil((MAX_ENROLL_PHOTO_BYTES * 4) / 3) + 4)
      .regex(BASE64, 'Expected base64'),
  })
  .strict();

export const ZEnrollFaceBody = z
  .object({ photos: z.array(ZEnrollPhoto).min(1).max(MAX_ENROLL_PHOTOS) })
  .strict()
  .meta({ id: 'EnrollFaceBody' });
export type TEnrollFaceBody = z.infer<typeof ZEnrollFaceBody>;

export const PHOTO_VERDICTS = [
  'accepted',
  'unreadable',
  'no-face',
  'several-faces',
  'too-small',
  'blurry',
  'eyes-closed',
  'not-frontal',
  'too-dark',
  'too-bright',
  'spoof-suspected',
  'different-person',
] as const;

export const ZFaceTemplate = z
  .object({
    id: ZUuid,
    employeeId: ZUuid,
    modelId: z.string(),
    dimensions: z.number().int(),
    quality: z.number().nullable(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'FaceTemplate' });
export type TFaceTemplate = z.infer<typeof ZFaceTemplate>;

export const ZEnrollmentResult = z
  .object({
    modelId: z.string(),
    photos: z.array(
      z.object({
        index: z.number().int(),
        verdict: z.enum(PHOTO_VERDICTS),
        /** What the admin can do about it; empty when accepted. */
        message: z.string(),
        /** The template made from this photo (accepted only). */
        templateId: ZUuid.nullable(),
      }),
    ),
    templates: z.array(ZFaceTemplate),
    /**
     * Other employees whose templates are closer to this one's than the safe margin: the kiosk may
     * confuse them, so the org should require a PIN for this pair.
     */
    lookAlikes: z.array(z.object({ employeeId: ZUuid, score: z.number() })),
  })
  .meta({ id: 'EnrollmentResult' });
export type TEnrollmentResult = z.infer<typeof ZEnrollmentResult>;

export const ZFaceTemplateList = z.object({ items: z.array(ZFaceTemplate) }).meta({ id: 'FaceTemplateList' });

export const ZDeletedTemplates = z
  .object({ deletedTemplates: z.number().int().min(0) })
  .meta({ id: 'DeletedTemplates' });
