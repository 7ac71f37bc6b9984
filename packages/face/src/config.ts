/**
 * @module Deployment settings of the face package: the only reader of process.env here.
 * Org-level choices (strictness, thresholds) are data pushed by the hub, not env.
 */
import { fileURLToPath } from 'node:url';
import { AppError } from '@clockface/core';
import type { DetectorId, EmbedderId } from './types';

export interface FaceConfig {
  /** Folder with the fr_*.onnx files; default packages/face/.models (filled by the root postinstall). */
  modelsDir: string;
  detector: DetectorId;
  /** fr_feature (default, best measured, weights of unverified origin) or faceres (clean provenance). */
  embedder: EmbedderId;
  /** onnxruntime intra-op threads per worker. */
  threads: number;
}

export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../.models', import.meta.url));

/**
 * Reads CLOCKFACE_FACE_MODELS_DIR, CLOCKFACE_FACE_DETECTOR (human | ultraface),
 * CLOCKFACE_FACE_EMBEDDER (fr_feature | faceres) and CLOCKFACE_FACE_THREADS (1–8).
 * Every bad key is reported in one error.
 */
export function loadFaceConfig(env: NodeJS.ProcessEnv = process.env): Readonly<FaceConfig> {
  const issues: { path: string; message: string }[] = [];
  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = env[key];
    if (value === undefined || value === '') return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    issues.push({ path: key, message: `expected one of ${allowed.join(', ')}, got "${value}"` });
    return fallback;
  };
  const detector = pick<DetectorId>('CLOCKFACE_FACE_DETECTOR', ['human', 'ultraface'], 'ultraface');
  const embedder = pick<EmbedderId>('CLOCKFACE_FACE_EMBEDDER', ['fr_feature', 'faceres'], 'fr_feature');
  const threadsRaw = env.CLOCKFACE_FACE_THREADS;
  const threads = threadsRaw ? Number(threadsRaw) : 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    issues.push({ path: 'CLOCKFACE_FACE_THREADS', message: `expected an integer 1–8, got "${threadsRaw}"` });
  }
  if (embedder === 'faceres' && detector !== 'human') {
    issues.push({ path: 'CLOCKFACE_FACE_DETECTOR', message: 'the faceres embedder needs detector "human"' });
  }
  if (issues.length > 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Bad face settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    });
  }
  return Object.freeze({
    modelsDir: env.CLOCKFACE_FACE_MODELS_DIR || DEFAULT_MODELS_DIR,
    detector,
    embedder,
    threads,
  });
}
