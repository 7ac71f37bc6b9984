/**
 * @module Face enrollment in the hub: consent records, enrollment from photos (packages/face in a
 * worker thread), templates encrypted at rest, deletion with tombstones for the kiosks.
 *
 * DESIGN.md "Biometric privacy": templates, not photos (photos only when the org opted in, and
 * then encrypted); enrollment needs a consent in force; withdrawing it or ending employment
 * deletes the templates, and kiosks drop them within one roster sync.
 */
import { createHash } from 'node:crypto';
import type { TEnrollmentResult, TFaceConsentBody } from '@clockface/contracts/api';
import { AppError, uuidv7 } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  deleteFaceTemplates,
  findActiveFaceConsent,
  findEmployee,
  findOrganization,
  insertFaceConsent,
  insertFacePhoto,
  insertFaceTemplates,
  listFaceConsents,
  listFaceTemplates,
  listOrgFaceTemplatesForModel,
  withdrawFaceConsents,
  type FaceConsentRow,
} from '@clockface/db-hub/queries';
import {
  FACERES_MATCH,
  FaceEngine,
  FaceGallery,
  FR_FEATURE_MATCH,
  type EmbedderId,
  type EnrollmentResult,
  type MatchOptions,
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
    const rows = await insertFaceTemplates(
      tx,
      result.templates.map((template, position) => {
        const id = templateIds[position]!;
        const plaintext = templateToBytes(template.vector);
        const sealed = cipher.encrypt(plaintext, { kind: 'template', orgId, employeeId, recordId: id });
        plaintext.fill(0);
        return {
          id,
          orgId,
          employeeId,
          consentId: consent.id,
          modelId: template.modelId,
          dimensions: template.vector.length,
          encryptedEmbedding: sealed,
          keyVersion: cipher.keyVersion,
          quality: template.quality,
          createdByUserId: actor.actorUserId,
        };
      }),
    );
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
