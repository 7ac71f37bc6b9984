/**
 * @module @clockface/face: on-device face pipeline (detect → landmarks → align → quality →
 * photo and screen attack check → embedding) behind a worker thread, and the open-set matcher.
 * Used by the kiosk agent (punches) and the hub (enrollment), so both compute identical templates.
 */
export { FaceEngine, type FaceEngineOptions } from './engine';
export {
  FaceGallery,
  FR_FEATURE_MATCH,
  FACERES_MATCH,
  type LookAlike,
  type MatchOptions,
  type MatchResult,
} from './matcher';
export {
  enrollWith,
  MAX_ENROLL_PHOTOS,
  type EnrollmentResult,
  type EnrollOptions,
  type PhotoResult,
  type PhotoVerdict,
} from './enrollment';
export {
  assessAttack,
  checkActive,
  combinePassive,
  toObservation,
  DEFAULT_LIVENESS,
  type ActiveCheck,
  type AttackAssessment,
  type AttackStrictness,
  type AttackVerdict,
  type FrameObservation,
} from './liveness';
export {
  FacePipeline,
  DEFAULT_PIPELINE,
  modelIdFor,
  type AnalyzeOptions,
  type PipelineOptions,
} from './pipeline';
export { ENROLL_QUALITY, KIOSK_QUALITY, type QualityThresholds } from './quality';
export { decodeImage, MAX_IMAGE_SIDE_PX } from './image';
export { loadFaceConfig, DEFAULT_MODELS_DIR, type FaceConfig } from './config';
export { ARCFACE_TEMPLATE_112, alignFace, estimateSimilarity } from './align';
export type * from './types';
