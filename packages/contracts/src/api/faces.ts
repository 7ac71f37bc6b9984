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

/**
 * Multipart enrollment (`multipart/form-data`, one `photos` part per image): the body cap is five
 * photos at the cap plus the multipart framing.
 */
export const ENROLL_MULTIPART_LIMIT_BYTES = MAX_ENROLL_PHOTOS * MAX_ENROLL_PHOTO_BYTES + 64 * 1024;

const ZEnrollPhotoFile = z.file().meta({
  // OpenAPI's spelling of a file part (zod's JSON Schema has no file type).
  type: 'string',
  format: 'binary',
  description: 'An image (JPEG, PNG, WebP, HEIF, …), at most 8 MB',
});

/** The same enrollment as ZEnrollFaceBody, as files: 1–5 `photos` parts. */
export const ZEnrollFaceForm = z
  .object({
    photos: z.union([ZEnrollPhotoFile, z.array(ZEnrollPhotoFile)]),
  })
  .strict()
  .meta({ id: 'EnrollFaceForm' });
export type TEnrollFaceForm = z.infer<typeof ZEnrollFaceForm>;

export const FACE_MODELS = ['fr_feature', 'faceres'] as const;
export const ATTACK_CHECK_MODES = ['off', 'warn', 'block'] as const;

export const ZFaceSettingsPatch = z
  .object({
    /**
     * The embedder: `fr_feature` (default; weights of unverified origin, see packages/face) or
     * `faceres` (clean provenance). A change re-enrolls from kept photos; others need new photos.
     */
    faceModel: z.enum(FACE_MODELS).optional(),
    /** The photo and screen attack check: off, warn (punch kept, flagged), block (a blink or head turn is required). */
    attackCheckMode: z.enum(ATTACK_CHECK_MODES).optional(),
    /** Keep enrollment photos (encrypted) for re-enrollment. Turning it off deletes the kept photos. */
    keepEnrollmentPhotos: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'Expected at least one setting')
  .meta({ id: 'FaceSettingsPatch' });
export type TFaceSettingsPatch = z.infer<typeof ZFaceSettingsPatch>;

export const ZFaceSettings = z
  .object({
    faceModel: z.enum(FACE_MODELS),
    /** The model id templates of this model carry (what kiosks run). */
    modelId: z.string(),
    attackCheckMode: z.enum(ATTACK_CHECK_MODES),
    keepEnrollmentPhotos: z.boolean(),
    /** Enrolled employees against the current model (after a model change: the re-enrollment's progress). */
    reenrollment: z.object({
      /** Have templates of the current model. */
      current: z.number().int().min(0),
      /** Waiting for the re-enrollment job (kept photos not yet tried with this model). */
      pending: z.number().int().min(0),
      /** No template of this model and no usable kept photo: enroll them again with new photos. */
      needsPhotos: z.number().int().min(0),
      /** Who needs new photos (first 100 by name). */
      employeesNeedingPhotos: z.array(z.object({ employeeId: ZUuid, code: z.string(), name: z.string() })),
    }),
  })
  .meta({ id: 'FaceSettings' });
export type TFaceSettings = z.infer<typeof ZFaceSettings>;
