/** @module Enrollment from 1–5 photos: a verdict per photo and templates from the accepted ones. */
import { AppError } from '@clockface/core';
import { DEFAULT_LIVENESS, type AttackStrictness } from './liveness';
import type { AnalyzeOptions } from './pipeline';
import { ENROLL_QUALITY } from './quality';
import type { FaceAnalysis, FaceTemplate, PassiveSignals, QualityReason, QualityReport } from './types';

export const MAX_ENROLL_PHOTOS = 5;

export type PhotoVerdict =
  | 'accepted'
  | 'unreadable'
  | 'no-face'
  | 'several-faces'
  | 'too-small'
  | 'blurry'
  | 'eyes-closed'
  | 'not-frontal'
  | 'too-dark'
  | 'too-bright'
  | 'spoof-suspected'
  | 'different-person';

export interface PhotoResult {
  /** Position of the photo in the request. */
  index: number;
  verdict: PhotoVerdict;
  /** What the admin can do about it; empty when accepted. */
  message: string;
  quality?: QualityReport;
  passive?: PassiveSignals;
}

export interface EnrollmentResult {
  modelId: string;
  /** One template per accepted photo, in photo order. */
  templates: FaceTemplate[];
  photos: PhotoResult[];
}

export interface EnrollOptions {
  /** Presentation-attack strictness: 'block' refuses suspect photos, 'warn' accepts them with a note. Default 'warn'. */
  strictness?: AttackStrictness;
  /** Accepted photos must resemble each other at least this much (cosine); default suits fr_feature. */
  samePersonMin?: number;
}

/** fr_feature: same-person pairs average 0.65, impostors 0.0; 0.25 is the FAR ≈ 1 % point on the dev set. */
const FR_FEATURE_SAME_PERSON_MIN = 0.25;

const QUALITY_VERDICT: Record<QualityReason, PhotoVerdict> = {
  'no-face': 'no-face',
  'several-faces': 'several-faces',
  'too-small': 'too-small',
  blurry: 'blurry',
  'eyes-closed': 'eyes-closed',
  'not-frontal': 'not-frontal',
  'too-dark': 'too-dark',
  'too-bright': 'too-bright',
};

/**
 * Runs the pipeline on each photo and decides. `analyze` is FacePipeline.analyze or the worker's.
 * A photo that fails to decode gets 'unreadable' instead of failing the whole request.
 */
export async function enrollWith(
  analyze: (photo: Uint8Array, options: AnalyzeOptions) => Promise<FaceAnalysis>,
  modelId: string,
  photos: readonly Uint8Array[],
  options: EnrollOptions = {},
): Promise<EnrollmentResult> {
  if (photos.length < 1 || photos.length > MAX_ENROLL_PHOTOS) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Enrollment takes 1 to ${MAX_ENROLL_PHOTOS} photos, got ${photos.length}.`,
      issues: [{ path: 'photos', message: `send 1 to ${MAX_ENROLL_PHOTOS} photos` }],
    });
  }
  const strictness = options.strictness ?? 'warn';
  const results: PhotoResult[] = [];
  const accepted: { index: number; template: FaceTemplate }[] = [];
  for (const [index, photo] of photos.entries()) {
    let analysis: FaceAnalysis;
    try {
      analysis = await analyze(photo, { pick: 'largest', quality: ENROLL_QUALITY });
    } catch (error) {
      if (error instanceof AppError && error.code === 'VALIDATION_FAILED') {
        results.push({ index, verdict: 'unreadable', message: error.message });
        continue;
      }
      throw error;
    }
    const extra = { quality: analysis.quality, ...(analysis.passive ? { passive: analysis.passive } : {}) };
    if (!analysis.quality.ok) {
      const reason = analysis.quality.reasons[0]!;
      results.push({ index, verdict: QUALITY_VERDICT[reason], message: analysis.quality.message, ...extra });
      continue;
    }
    const suspect =
      strictness !== 'off' && (analysis.passive?.combined ?? 1) < DEFAULT_LIVENESS.passiveSuspectBelow;
    if (suspect && strictness === 'block') {
      results.push({
        index,
        verdict: 'spoof-suspected',
        message: 'This looks like a photo of a photo or a screen. Take the picture of the person directly.',
        ...extra,
      });
      continue;
    }
    results.push({
      index,
      verdict: 'accepted',
      message: suspect ? 'Accepted, but the photo and screen attack check found it suspicious.' : '',
      ...extra,
    });
    accepted.push({ index, template: analysis.template! });
  }
  // All accepted photos must show one person. The anchor is the photo most others agree with
  // (the earliest on a tie, so with two disagreeing photos the second is the one refused).
  const minSame = options.samePersonMin ?? FR_FEATURE_SAME_PERSON_MIN;
  if (accepted.length >= 2) {
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const agree = accepted.map(
      (a) => accepted.filter((b) => b !== a && dot(a.template.vector, b.template.vector) >= minSame).length,
    );
    const anchor = accepted[agree.indexOf(Math.max(...agree))]!;
    for (const a of accepted) {
      if (a === anchor || dot(a.template.vector, anchor.template.vector) >= minSame) continue;
      const r = results.find((x) => x.index === a.index)!;
      r.verdict = 'different-person';
      r.message = 'This photo does not look like the same person as the others.';
    }
  }
  const keep = new Set(results.filter((r) => r.verdict === 'accepted').map((r) => r.index));
  return {
    modelId,
    templates: accepted.filter((a) => keep.has(a.index)).map((a) => a.template),
    photos: results,
  };
}
