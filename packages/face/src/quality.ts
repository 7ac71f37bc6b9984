/** @module The quality gate: is this face good enough to enroll or to match, and if not, what should the person do? */
import { toGrey } from './align';
import type { DetectedFace, Pose, QualityReason, QualityReport } from './types';

/** Thresholds of the gate. Kiosk and enrollment use different ones (enrollment is stricter). */
export interface QualityThresholds {
  /** Minimum distance between the eye centres, in source pixels. ArcFace crops put it at 35 px. */
  minEyeDistancePx: number;
  /** Minimum variance of the Laplacian of the aligned 112×112 grey crop. */
  minSharpness: number;
  /** Mean luminance bounds 0–255 of the aligned crop. */
  minBrightness: number;
  maxBrightness: number;
  /** Largest |yaw| and |pitch| in degrees that still counts as facing the camera. */
  maxYawDeg: number;
  maxPitchDeg: number;
  /** Below this eye aspect ratio (both eyes) the eyes count as closed. */
  minEyeAspect: number;
  /** A second face at least this fraction of the main face's width makes the frame ambiguous. */
  secondFaceRatio: number;
}

export const KIOSK_QUALITY: QualityThresholds = {
  minEyeDistancePx: 28,
  minSharpness: 20,
  minBrightness: 40,
  maxBrightness: 220,
  maxYawDeg: 30,
  maxPitchDeg: 30,
  minEyeAspect: 0.12,
  secondFaceRatio: 0.7,
};

export const ENROLL_QUALITY: QualityThresholds = {
  ...KIOSK_QUALITY,
  minEyeDistancePx: 32,
  minSharpness: 30,
  maxYawDeg: 25,
  maxPitchDeg: 25,
  minEyeAspect: 0.15,
  secondFaceRatio: 0.5,
};

/** What to show for each reason, in priority order (the first failing reason is the message). */
const MESSAGES: Record<QualityReason, string> = {
  'no-face': 'No face found. Look at the camera.',
  'several-faces': 'Several faces in view. One person at a time, please.',
  'too-small': 'Move closer to the camera.',
  'not-frontal': 'Face the camera.',
  'eyes-closed': 'Open your eyes.',
  'too-dark': 'Too dark. Step into better light.',
  'too-bright': 'Too bright. Avoid direct light behind or on the face.',
  blurry: 'Hold still: the picture is blurry.',
};

/** Variance of the 4-neighbour Laplacian over the inner part of a grey crop. */
export function laplacianVariance(grey: Float32Array, width: number, height: number, margin = 8): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = margin; y < height - margin; y++) {
    for (let x = margin; x < width - margin; x++) {
      const i = y * width + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  const m = sum / n;
  return sumSq / n - m * m;
}

export function noFaceReport(): QualityReport {
  return {
    ok: false,
    reasons: ['no-face'],
    message: MESSAGES['no-face'],
    eyeDistancePx: 0,
    sharpness: 0,
    brightness: 0,
    pose: { yaw: 0, pitch: 0, roll: 0 },
    score: 0,
  };
}

export function assessQuality(
  face: DetectedFace,
  aligned: Uint8Array,
  alignedSize: number,
  otherFaceWidths: number[],
  t: QualityThresholds,
): QualityReport {
  const [le, re] = face.points5;
  const eyeDistancePx = Math.hypot(re[0] - le[0], re[1] - le[1]);
  const grey = toGrey(aligned);
  // Sharpness and brightness on the inner face only: the crop's corners hold background or black fill.
  const sharpness = laplacianVariance(grey, alignedSize, alignedSize, 16);
  let bright = 0;
  let n = 0;
  for (let y = 28; y < alignedSize - 12; y++) {
    for (let x = 24; x < alignedSize - 24; x++) {
      bright += grey[y * alignedSize + x]!;
      n++;
    }
  }
  const brightness = bright / n;
  const eyeAspect = face.eyeAspect ? Math.max(face.eyeAspect.left, face.eyeAspect.right) : undefined;
  const pose: Pose = face.pose;
  const reasons: QualityReason[] = [];
  if (otherFaceWidths.some((w) => w >= face.box.width * t.secondFaceRatio)) reasons.push('several-faces');
  if (eyeDistancePx < t.minEyeDistancePx) reasons.push('too-small');
  if (Math.abs(pose.yaw) > t.maxYawDeg || Math.abs(pose.pitch) > t.maxPitchDeg) reasons.push('not-frontal');
  if (eyeAspect !== undefined && eyeAspect < t.minEyeAspect) reasons.push('eyes-closed');
  if (brightness < t.minBrightness) reasons.push('too-dark');
  if (brightness > t.maxBrightness) reasons.push('too-bright');
  if (sharpness < t.minSharpness) reasons.push('blurry');
  const order = Object.keys(MESSAGES) as QualityReason[];
  reasons.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  // A soft 0–1 score for template weighting: each factor saturates at a comfortable value.
  const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
  const score =
    clamp01(eyeDistancePx / (2 * t.minEyeDistancePx)) *
    clamp01(sharpness / (3 * t.minSharpness)) *
    clamp01(1 - Math.max(Math.abs(pose.yaw), Math.abs(pose.pitch)) / 90);
  return {
    ok: reasons.length === 0,
    reasons,
    message: reasons.length === 0 ? '' : MESSAGES[reasons[0]!],
    eyeDistancePx,
    sharpness,
    brightness,
    pose,
    ...(eyeAspect === undefined ? {} : { eyeAspect }),
    score,
  };
}
