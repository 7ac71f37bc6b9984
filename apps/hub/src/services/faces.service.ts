/**
 * @module Face enrollment in the hub: consent records, enrollment from photos (packages/face in a
 * worker thread), templates encrypted at rest, deletion with tombstones for the kiosks.
 *
 * DESIGN.md "Biometric privacy": templates, not photos (photos only when the org opted in, and
 * then encrypted); enrollment needs a consent in force; withdrawing it or ending employment
 * deletes the templates, and kiosks drop them within one roster sync.
 */
import { createHash } from 'node:crypto';
import type {
  TEnrollmentResult,
  TFaceConsentBody,
  TFaceSettings,
  TFaceSettingsPatch,
} from '@clockface/contracts/api';
import { AppError, uuidv7 } from '@clockface/core';
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  deleteFaceTemplates,
  deleteOrgFacePhotos,
  findActiveFaceConsent,
  findEmployee,
  findOrganization,
  insertFaceConsent,
  insertFacePhoto,
  insertFaceTemplates,
  listFaceConsents,
  listFaceTemplates,
  listFaceReenrollmentStates,
  listUsableFacePhotos,
  markFacePhotosRejected,
  setFacePhotoTemplate,
  listOrgFaceTemplatesForModel,
  retireOtherModelFaceTemplates,
  updateOrgFaceSettings,
  withdrawFaceConsents,
  type FaceConsentRow,
} from '@clockface/db-hub/queries';
import {
  DEFAULT_PIPELINE,
  FACERES_MATCH,
  FaceEngine,
  FaceGallery,
  FR_FEATURE_MATCH,
  type EmbedderId,
  type EnrollmentResult,
  type MatchOptions,
  modelIdFor,
} from '@clockface/face';
import type { ActorContext, HubDeps } from '../deps';
import { bytesToTemplate, templateToBytes, type BiometricCipher } from '../security/template-crypto';
import { recordAudit } from './audit.service';

/**
 * Look-alike guard: another employee whose template scores within this distance below the match
 * threshold could be taken for the new one at a kiosk (packages/face README, "Matching").
 */
export const LOOK_ALIKE_SAFE_MARGIN = 0.1;
/** A consent dated further ahead than this is refused (clock differences between browser and hub are allowed). */
const CONSENT_FUTURE_TOLERANCE_MS = 5 * 60_000;

export const MATCH_OPTIONS_BY_EMBEDDER: Record<EmbedderId, MatchOptions> = {
  fr_feature: FR_FEATURE_MATCH,
  faceres: FACERES_MATCH,
};

/** The model id templates of this embedder carry (the same on the hub and the kiosks). */
export function modelIdForEmbedder(embedder: EmbedderId): string {
  return modelIdFor(embedder, embedder === 'fr_feature' ? DEFAULT_PIPELINE.mirror : false);
}

/** Employees listed by name in the face settings as needing new photos (the count covers all). */
const NEEDS_PHOTOS_LISTED = 100;

export interface HubFaces {
  readonly cipher: BiometricCipher;
  /**
   * The face engine for an embedder, started on first use and then shared by every request of
   * this process (a worker thread; models load once). A failed start is retried on the next call.
   */
  engine(embedder: EmbedderId): Promise<FaceEngine>;
  close(): Promise<void>;
}

export function createHubFaces(cipher: BiometricCipher): HubFaces {
  const engines = new Map<EmbedderId, Promise<FaceEngine>>();
  return {
    cipher,
    engine(embedder) {
      let started = engines.get(embedder);
      if (!started) {
        // faceres needs Human's detector; fr_feature runs with the fast all-ONNX default.
        started = FaceEngine.start({ embedder, detector: embedder === 'faceres' ? 'human' : 'ultraface' });
        started.catch(() => engines.delete(embedder));
        engines.set(embedder, started);
      }
      return started.catch((error: unknown) => {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: `The face engine (${embedder}) could not start: ${(error as Error).message}`,
          cause: error,
        });
      });
    },
    async close() {
      const running = [...engines.values()];
      engines.clear();
      await Promise.all(running.map((engine) => engine.then((e) => e.close()).catch(() => undefined)));
    },
  };
}

function toConsent(row: FaceConsentRow) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    textVersion: row.textVersion,
    textSha256: row.textSha256,
    method: row.method,
    grantedAt: row.grantedAt.toISOString(),
    recordedByUserId: row.recordedByUserId,
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    withdrawnByUserId: row.withdrawnByUserId,
    createdAt: row.createdAt.toISOString(),
  };
}

function toTemplate(row: {
  id: string;
  employeeId: string;
  modelId: string;
  dimensions: number;
  quality: number | null;
  createdAt: Date;
}) {
  return {
    id: row.id,
    employeeId: row.employeeId,
    modelId: row.modelId,
    dimensions: row.dimensions,
    quality: row.quality,
    createdAt: row.createdAt.toISOString(),
  };
}

async function requireEmployee(tx: Database, orgId: string, employeeId: string) {
  const employee = await findEmployee(tx, { orgId, employeeId });
  if (!employee) throw new AppError('NOT_FOUND', { message: 'No such employee' });
  return employee;
}

export async function listConsentHistory(tx: Database, orgId: string, employeeId: string) {
  await requireEmployee(tx, orgId, employeeId);
  const rows = await listFaceConsents(tx, { orgId, employeeId });
  const active = rows.find((row) => row.withdrawnAt === null);
  return { active: active ? toConsent(active) : null, items: rows.map(toConsent) };
}

/** Records the employee's consent: which text (version and SHA-256 of the exact words), how, when, by whom. */
export async function recordConsent(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  body: TFaceConsentBody,
) {
  const employee = await requireEmployee(tx, orgId, employeeId);
  if (employee.status !== 'active') {
    throw new AppError('CONFLICT', { message: `${employee.name} is not active; consent cannot be recorded` });
  }
  const now = deps.clock.now();
  const grantedAt = body.grantedAt ? new Date(body.grantedAt) : now;
  if (grantedAt.getTime() > now.getTime() + CONSENT_FUTURE_TOLERANCE_MS) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Consent cannot be dated in the future (${grantedAt.toISOString()})`,
      issues: [{ path: 'grantedAt', message: 'In the future' }],
    });
  }
  const row = await insertFaceConsent(tx, {
    orgId,
    employeeId,
    textVersion: body.textVersion,
    textSha256: createHash('sha256').update(body.text, 'utf8').digest('hex'),
    method: body.method,
    grantedAt,
    recordedByUserId: actor.actorUserId,
  });
  await recordAudit(tx, actor, {
    orgId,
    action: 'face_consent.recorded',
    entityType: 'employee',
    entityId: employeeId,
    after: toConsent(row),
  });
  return toConsent(row);
}

/**
 * Withdraws the consent in force and deletes every template of the person (tombstones reach the
 * kiosks in their next roster delta) and any kept photo.
 */
export async function withdrawConsent(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
) {
  await requireEmployee(tx, orgId, employeeId);
  const now = deps.clock.now();
  const withdrawn = await withdrawFaceConsents(tx, {
    orgId,
    employeeId,
    at: now,
    byUserId: actor.actorUserId,
  });
  if (withdrawn.length === 0) {
    throw new AppError('CONFLICT', { message: 'This employee has no face consent in force to withdraw' });
  }
  const deletedIds = await deleteFaceTemplates(tx, { orgId, employeeId, at: now });
  const newest = withdrawn.sort((a, b) => b.grantedAt.getTime() - a.grantedAt.getTime())[0]!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'face_consent.withdrawn',
    entityType: 'employee',
    entityId: employeeId,
    after: { consentIds: withdrawn.map((row) => row.id), deletedTemplateIds: deletedIds },
  });
  return { consent: toConsent(newest), deletedTemplates: deletedIds.length };
}

export async function listTemplates(tx: Database, orgId: string, employeeId: string) {
  await requireEmployee(tx, orgId, employeeId);
  return { items: (await listFaceTemplates(tx, { orgId, employeeId })).map(toTemplate) };
}

/** Deletes one template, or all of the employee's when `templateId` is omitted. */
export async function deleteTemplates(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  templateId?: string,
) {
  await requireEmployee(tx, orgId, employeeId);
  const deletedIds = await deleteFaceTemplates(tx, {
    orgId,
    employeeId,
    at: deps.clock.now(),
    ...(templateId ? { templateId } : {}),
  });
  if (templateId && deletedIds.length === 0) throw new AppError('NOT_FOUND', { message: 'No such template' });
  await recordAudit(tx, actor, {
    orgId,
    action: 'face_templates.deleted',
    entityType: 'employee',
    entityId: employeeId,
    after: { deletedTemplateIds: deletedIds },
  });
  return { deletedTemplates: deletedIds.length };
}

/**
 * Deletes an employee's templates and kept photos when they leave (termination, deletion), in the
 * caller's transaction; kiosks get the tombstones in their next roster delta. Returns the ids.
 */
export async function deleteTemplatesOfDepartingEmployee(
  tx: Database,
  params: { orgId: string; employeeId: string; at: Date },
): Promise<string[]> {
  return deleteFaceTemplates(tx, params);
}

function sniffMimeType(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  return 'application/octet-stream';
}

interface EnrollmentContext {
  consentId: string;
  embedder: EmbedderId;
  strictness: 'off' | 'warn' | 'block';
  keepPhotos: boolean;
}

/**
 * Enrollment from 1–5 photos. Three steps so that no database transaction is held open while the
 * models run (about a second for five photos): check employee, consent and org settings; run the
 * pipeline in the worker; store the templates (encrypted) after re-checking that the consent is
 * still in force, and report look-alikes among the org's other employees.
 */
export async function enrollFromPhotos(
  deps: HubDeps,
  orgScope: <T>(work: (tx: Database) => Promise<T>) => Promise<T>,
  actor: ActorContext,
  orgId: string,
  employeeId: string,
  photos: readonly Buffer[],
): Promise<TEnrollmentResult> {
  const context = await orgScope(async (tx): Promise<EnrollmentContext> => {
    const employee = await requireEmployee(tx, orgId, employeeId);
    if (employee.status !== 'active') {
      throw new AppError('CONFLICT', { message: `${employee.name} is not active and cannot be enrolled` });
    }
    const consent = await findActiveFaceConsent(tx, { orgId, employeeId });
    if (!consent) {
      throw new AppError('CONFLICT', {
        message: `Record ${employee.name}'s face consent first (POST …/face-consent); enrollment needs a consent in force`,
      });
    }
    const organization = await findOrganization(tx, { orgId });
    return {
      consentId: consent.id,
      embedder: organization?.faceModel ?? 'fr_feature',
      strictness: organization?.attackCheckMode ?? 'warn',
      keepPhotos: organization?.keepEnrollmentPhotos ?? false,
    };
  });

  const engine = await deps.faces.engine(context.embedder);
  const result: EnrollmentResult = await engine.enrollFromPhotos(
    photos.map((photo) => new Uint8Array(photo.buffer, photo.byteOffset, photo.byteLength)),
    { strictness: context.strictness },
  );
  if (result.templates.length === 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No photo was usable for enrollment; nothing was stored',
      issues: result.photos.map((photo) => ({
        path: `photos.${photo.index}`,
        message: `${photo.verdict}: ${photo.message}`,
      })),
    });
  }
  const acceptedIndexes = result.photos.filter((photo) => photo.verdict === 'accepted').map((p) => p.index);
  const templateIds = result.templates.map(() => uuidv7());
  const templateIdByPhoto = new Map(
    acceptedIndexes.map((index, position) => [index, templateIds[position]!]),
  );
  const cipher = deps.faces.cipher;

  const stored = await orgScope(async (tx) => {
    const consent = await findActiveFaceConsent(tx, { orgId, employeeId });
    if (!consent) {
      throw new AppError('CONFLICT', {
        message: 'The face consent was withdrawn during enrollment; nothing was stored',
      });
    }
    const organization = await findOrganization(tx, { orgId });
    if (organization && organization.faceModel !== context.embedder) {
      throw new AppError('CONFLICT', {
        message: `The organisation switched its face model to ${organization.faceModel} during enrollment; nothing was stored, please enroll again`,
      });
    }
    const rows = await insertEncryptedTemplates(tx, cipher, {
      orgId,
      employeeId,
      consentId: consent.id,
      createdByUserId: actor.actorUserId,
      templateIds,
      templates: result.templates,
    });
    // Templates of a previous model can never match again (kiosks compare one model id only).
    const retiredTemplateIds = await retireOtherModelFaceTemplates(tx, {
      orgId,
      employeeId,
      modelId: result.modelId,
      at: deps.clock.now(),
    });
    if (context.keepPhotos) {
      for (const [index, templateId] of templateIdByPhoto) {
        const photoId = uuidv7();
        const bytes = photos[index]!;
        await insertFacePhoto(tx, {
          id: photoId,
          orgId,
          employeeId,
          templateId,
          mimeType: sniffMimeType(bytes),
          encryptedContent: cipher.encrypt(bytes, { kind: 'photo', orgId, employeeId, recordId: photoId }),
          keyVersion: cipher.keyVersion,
        });
      }
    }
    const others = await listOrgFaceTemplatesForModel(tx, {
      orgId,
      modelId: result.modelId,
      exceptEmployeeId: employeeId,
    });
    await recordAudit(tx, actor, {
      orgId,
      action: 'face_templates.enrolled',
      entityType: 'employee',
      entityId: employeeId,
      after: {
        templateIds,
        modelId: result.modelId,
        verdicts: result.photos.map((photo) => photo.verdict),
        photosKept: context.keepPhotos ? templateIdByPhoto.size : 0,
        ...(retiredTemplateIds.length > 0 ? { retiredTemplateIds } : {}),
      },
    });
    return { rows, others };
  });

  const lookAlikes = await findLookAlikes(cipher, orgId, employeeId, result, stored.others, context.embedder);
  return {
    modelId: result.modelId,
    photos: result.photos.map((photo) => ({
      index: photo.index,
      verdict: photo.verdict,
      message: photo.message,
      templateId: templateIdByPhoto.get(photo.index) ?? null,
    })),
    templates: stored.rows.map(toTemplate),
    lookAlikes,
  };
}

/** Encrypts (AAD bound to the row) and inserts templates with the ids given, in order. */
async function insertEncryptedTemplates(
  tx: Database,
  cipher: BiometricCipher,
  params: {
    orgId: string;
    employeeId: string;
    consentId: string;
    createdByUserId: string | null;
    templateIds: readonly string[];
    templates: EnrollmentResult['templates'];
  },
) {
  const { orgId, employeeId } = params;
  return insertFaceTemplates(
    tx,
    params.templates.map((template, position) => {
      const id = params.templateIds[position]!;
      const plaintext = templateToBytes(template.vector);
      const sealed = cipher.encrypt(plaintext, { kind: 'template', orgId, employeeId, recordId: id });
      plaintext.fill(0);
      return {
        id,
        orgId,
        employeeId,
        consentId: params.consentId,
        modelId: template.modelId,
        dimensions: template.vector.length,
        encryptedEmbedding: sealed,
        keyVersion: cipher.keyVersion,
        quality: template.quality,
        createdByUserId: params.createdByUserId,
      };
    }),
  );
}

/** Other employees whose templates come within the safe margin of the new ones (FaceGallery.lookAlikes). */
async function findLookAlikes(
  cipher: BiometricCipher,
  orgId: string,
  employeeId: string,
  result: EnrollmentResult,
  others: Awaited<ReturnType<typeof listOrgFaceTemplatesForModel>>,
  embedder: EmbedderId,
): Promise<{ employeeId: string; score: number }[]> {
  const live = others.filter((row) => row.encryptedEmbedding !== null);
  if (live.length === 0) return [];
  const dimension = result.templates[0]!.vector.length;
  const gallery = await FaceGallery.create(result.modelId, dimension);
  try {
    for (const template of result.templates) gallery.add(employeeId, template);
    for (const row of live) {
      if (row.dimensions !== dimension) continue;
      const plaintext = cipher.decrypt(row.encryptedEmbedding!, {
        kind: 'template',
        orgId,
        employeeId: row.employeeId,
        recordId: row.id,
      });
      gallery.add(row.employeeId, bytesToTemplate(plaintext));
      plaintext.fill(0);
    }
    const pairs = await gallery.lookAlikes(
      { ...MATCH_OPTIONS_BY_EMBEDDER[embedder], safeMargin: LOOK_ALIKE_SAFE_MARGIN },
      employeeId,
    );
    return pairs.map((pair) => ({
      employeeId: pair.personA === employeeId ? pair.personB : pair.personA,
      score: Math.round(pair.score * 10_000) / 10_000,
    }));
  } finally {
    await gallery.close();
  }
}

/** The org's face settings and where its enrolled employees stand against the current model. */
export async function getFaceSettings(tx: Database, orgId: string): Promise<TFaceSettings> {
  const organization = await findOrganization(tx, { orgId });
  if (!organization) throw new AppError('NOT_FOUND', { message: 'No such organisation' });
  const modelId = modelIdForEmbedder(organization.faceModel);
  const states = await listFaceReenrollmentStates(tx, { orgId, modelId });
  const count = (state: string) => states.filter((row) => row.state === state).length;
  return {
    faceModel: organization.faceModel,
    modelId,
    attackCheckMode: organization.attackCheckMode,
    keepEnrollmentPhotos: organization.keepEnrollmentPhotos,
    reenrollment: {
      current: count('current'),
      pending: count('pending'),
      needsPhotos: count('needs_photos'),
      employeesNeedingPhotos: states
        .filter((row) => row.state === 'needs_photos')
        .slice(0, NEEDS_PHOTOS_LISTED)
        .map((row) => ({ employeeId: row.employeeId, code: row.code, name: row.name })),
    },
  };
}

/**
 * Changes the org's face settings (audited). Turning `keepEnrollmentPhotos` off deletes every kept
 * photo now (audited with the count); turning it on affects later enrollments only. A new
 * `faceModel` reaches the kiosks with their next settings (heartbeat, roster), where templates of
 * the old model stop matching; `isModelChanged` tells the caller to queue the re-enrollment.
 */
export async function updateFaceSettings(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  patch: TFaceSettingsPatch,
): Promise<{ settings: TFaceSettings; isModelChanged: boolean }> {
  const before = await findOrganization(tx, { orgId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such organisation' });
  await updateOrgFaceSettings(tx, { orgId, ...patch });
  const isPurging = patch.keepEnrollmentPhotos === false && before.keepEnrollmentPhotos;
  const purgedPhotos = isPurging ? await deleteOrgFacePhotos(tx, { orgId }) : 0;
  const pick = (row: { faceModel: string; attackCheckMode: string; keepEnrollmentPhotos: boolean }) => ({
    faceModel: row.faceModel,
    attackCheckMode: row.attackCheckMode,
    keepEnrollmentPhotos: row.keepEnrollmentPhotos,
  });
  const settings = await getFaceSettings(tx, orgId);
  await recordAudit(tx, actor, {
    orgId,
    action: 'face_settings.updated',
    entityType: 'organization',
    entityId: orgId,
    before: pick(before),
    after: pick(settings),
  });
  if (isPurging) {
    await recordAudit(tx, actor, {
      orgId,
      action: 'face_photos.purged',
      entityType: 'organization',
      entityId: orgId,
      after: { deletedPhotos: purgedPhotos },
    });
  }
  return { settings, isModelChanged: settings.faceModel !== before.faceModel };
}

const SYSTEM_ACTOR: ActorContext = { actorUserId: null, actorType: 'system', requestId: null, ip: null };

export interface ReenrollmentRun {
  modelId: string;
  /** Employees who got templates of the current model from their kept photos. */
  reenrolled: number;
  /** Employees whose kept photos the model found no usable face in: they need new photos. */
  needsPhotos: number;
  /** Employees still pending after this run (the next run continues). */
  remaining: number;
  /** True when the org changed its model again during the run (the run stopped; a new one is queued). */
  isStale: boolean;
}

/**
 * Re-enrollment after a model change: for each employee without a template of the org's model but
 * with kept photos that model has not refused yet, runs the enrollment pipeline on the photos
 * (decrypted in memory only) and stores the templates; the photos the model refused are marked, so
 * the employee is listed as needing new photos. Old-model templates are tombstoned once new ones
 * exist. Idempotent: a second run finds nothing pending. Each employee is one transaction, so a
 * crash loses at most the one in flight.
 */
export async function reenrollFromKeptPhotos(
  deps: Pick<HubDeps, 'db' | 'clock' | 'faces' | 'log'>,
  orgId: string,
  options: { maxEmployees?: number } = {},
): Promise<ReenrollmentRun> {
  const maxEmployees = options.maxEmployees ?? 200;
  const cipher = deps.faces.cipher;
  const start = await withOrgScope(deps.db, orgId, async (tx) => {
    const organization = await findOrganization(tx, { orgId });
    if (!organization) return undefined;
    const modelId = modelIdForEmbedder(organization.faceModel);
    const pending = await listFaceReenrollmentStates(tx, { orgId, modelId, state: 'pending' });
    return { organization, modelId, pending };
  });
  if (!start) return { modelId: '', reenrolled: 0, needsPhotos: 0, remaining: 0, isStale: false };
  const { organization, modelId } = start;
  const run: ReenrollmentRun = {
    modelId,
    reenrolled: 0,
    needsPhotos: 0,
    remaining: start.pending.length,
    isStale: false,
  };
  if (start.pending.length === 0) return run;
  const engine = await deps.faces.engine(organization.faceModel);

  for (const employee of start.pending.slice(0, maxEmployees)) {
    const employeeId = employee.employeeId;
    const photos = await withOrgScope(deps.db, orgId, (tx) =>
      listUsableFacePhotos(tx, { orgId, employeeId, modelId }),
    );
    const images = photos.map((photo) =>
      cipher.decrypt(photo.encryptedContent, { kind: 'photo', orgId, employeeId, recordId: photo.id }),
    );
    let result: EnrollmentResult;
    try {
      result = await engine.enrollFromPhotos(
        images.map((image) => new Uint8Array(image.buffer, image.byteOffset, image.byteLength)),
        { strictness: organization.attackCheckMode },
      );
    } finally {
      for (const image of images) image.fill(0);
    }
    const outcome = await withOrgScope(deps.db, orgId, async (tx) => {
      const now = await findOrganization(tx, { orgId });
      if (!now || now.faceModel !== organization.faceModel) return 'stale' as const;
      const consent = await findActiveFaceConsent(tx, { orgId, employeeId });
      // Withdrawn meanwhile: the withdrawal deleted the photos and templates; nothing to make.
      if (!consent) return 'skipped' as const;
      const accepted = result.photos.filter((photo) => photo.verdict === 'accepted');
      const refusedIds = result.photos
        .filter((photo) => photo.verdict !== 'accepted')
        .map((photo) => photos[photo.index]!.id);
      await markFacePhotosRejected(tx, { orgId, photoIds: refusedIds, modelId });
      if (result.templates.length === 0) {
        await recordAudit(tx, SYSTEM_ACTOR, {
          orgId,
          action: 'face_templates.reenrollment_failed',
          entityType: 'employee',
          entityId: employeeId,
          after: { modelId, verdicts: result.photos.map((photo) => photo.verdict) },
        });
        return 'needs_photos' as const;
      }
      const templateIds = result.templates.map(() => uuidv7());
      await insertEncryptedTemplates(tx, cipher, {
        orgId,
        employeeId,
        consentId: consent.id,
        createdByUserId: null,
        templateIds,
        templates: result.templates,
      });
      for (const [position, photo] of accepted.entries()) {
        await setFacePhotoTemplate(tx, {
          orgId,
          photoId: photos[photo.index]!.id,
          templateId: templateIds[position]!,
        });
      }
      const retiredTemplateIds = await retireOtherModelFaceTemplates(tx, {
        orgId,
        employeeId,
        modelId,
        at: deps.clock.now(),
      });
      await recordAudit(tx, SYSTEM_ACTOR, {
        orgId,
        action: 'face_templates.reenrolled',
        entityType: 'employee',
        entityId: employeeId,
        after: {
          modelId,
          templateIds,
          retiredTemplateIds,
          verdicts: result.photos.map((photo) => photo.verdict),
        },
      });
      return 'reenrolled' as const;
    });
    if (outcome === 'stale') {
      run.isStale = true;
      break;
    }
    run.remaining -= 1;
    if (outcome === 'reenrolled') run.reenrolled += 1;
    if (outcome === 'needs_photos') run.needsPhotos += 1;
  }
  return run;
}
