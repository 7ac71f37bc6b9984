/** @module Data shapes shared by the face pipeline, the matcher and the worker protocol. */

/** A decoded image: 8-bit RGB, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes. */
  data: Uint8Array;
}

export type Point = readonly [number, number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Head pose in degrees; yaw > 0 means the face turns towards the image's right. */
export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** Which detector and landmark model found the face. */
export type DetectorId = 'ultraface' | 'human';

/** Which embedder produced a template. Templates from different embedders are not comparable. */
export type EmbedderId = 'fr_feature' | 'faceres';

/** One face found in a frame, with the landmarks the rest of the pipeline needs. */
export interface DetectedFace {
  box: Box;
  /** Detector confidence 0–1. */
  score: number;
  /**
   * Five points in image pixels, in ArcFace order: image-left eye, image-right eye, nose tip,
   * image-left mouth corner, image-right mouth corner.
   */
  points5: [Point, Point, Point, Point, Point];
  /** Eye aspect ratio of each eye (≈0.25–0.35 open, < 0.15 closed), when the landmarks allow it. */
  eyeAspect?: { left: number; right: number };
  pose: Pose;
  /** Human's 1024-d faceres descriptor, only when the faceres embedder is on. */
  faceresEmbedding?: Float32Array;
  /** Human's antispoof "real" and liveness "live" scores 0–1, when enabled. */
  humanReal?: number;
  humanLive?: number;
}

/** Something a person at the kiosk (or an admin uploading a photo) can act on. */
export type QualityReason =
  | 'no-face'
  | 'several-faces'
  | 'too-small'
  | 'blurry'
  | 'too-dark'
  | 'too-bright'
  | 'not-frontal'
  | 'eyes-closed';

export interface QualityReport {
  ok: boolean;
  reasons: QualityReason[];
  /** Short instruction for the screen, e.g. "Move closer". Empty when ok. */
  message: string;
  /** Interocular distance in source pixels. */
  eyeDistancePx: number;
  /** Variance of the Laplacian of the aligned grey crop; lower is blurrier. */
  sharpness: number;
  /** Mean luminance 0–255 of the aligned crop. */
  brightness: number;
  pose: Pose;
  /** The larger of the two eye aspect ratios (both eyes must be closed to count), when known. */
  eyeAspect?: number;
  /** 0–1 summary used to weight templates (1 = ideal). */
  score: number;
}

/** Passive presentation-attack scores, each 0–1 where 1 means "looks like a live person". */
export interface PassiveSignals {
  /** faceplugin fr_liveness probability of the live class (origin of the weights unknown). */
  frLiveness?: number;
  humanReal?: number;
  humanLive?: number;
  /** The combined soft score the verdict uses. */
  combined: number;
}

/** An L2-normalised face template, tagged with the model that made it. */
export interface FaceTemplate {
  modelId: string;
  vector: Float32Array;
  /** Quality score 0–1 of the photo or frame it came from. */
  quality: number;
}

/** Everything the pipeline learnt from one image. */
export interface FaceAnalysis {
  width: number;
  height: number;
  /** Number of faces the detector found. */
  faceCount: number;
  /** The face chosen for recognition (largest, or nearest the centre), if any. */
  face?: DetectedFace;
  quality: QualityReport;
  passive?: PassiveSignals;
  template?: FaceTemplate;
  timings: StageTimings;
}

export interface StageTimings {
  decodeMs: number;
  detectMs: number;
  landmarksMs: number;
  alignMs: number;
  qualityMs: number;
  livenessMs: number;
  embedMs: number;
  totalMs: number;
}
