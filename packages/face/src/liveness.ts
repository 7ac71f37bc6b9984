/**
 * @module The "photo and screen attack check": passive model scores as soft signals, plus an
 * active check over a short frame sequence (a blink or a small head turn) from the landmarks.
 * A printed photo cannot blink; a replayed video can, which is why none of this is a certified
 * presentation-attack detector and the product must not call it one.
 */
import { iou } from './onnx-models';
import type { Box, FaceAnalysis, PassiveSignals, Pose } from './types';

/** off: not evaluated. warn: evaluated and reported, never blocks. block: an attack verdict refuses the punch. */
export type AttackStrictness = 'off' | 'warn' | 'block';

export interface LivenessThresholds {
  /** Combined passive score below which a frame is "suspect". */
  passiveSuspectBelow: number;
  /** A blink: the eye aspect ratio drops below this fraction of the person's open-eye level… */
  blinkDropRatio: number;
  /** …and comes back above this fraction afterwards. */
  blinkRecoverRatio: number;
  /** Open-eye level must be at least this (otherwise the eyes are not measurable). */
  minOpenEyeAspect: number;
  /** A head turn: yaw spans at least this many degrees over the sequence. */
  minHeadTurnDeg: number;
  /** Consecutive boxes must overlap at least this much, so the sequence is one face, not a swap. */
  minTrackIou: number;
}

export const DEFAULT_LIVENESS: LivenessThresholds = {
  passiveSuspectBelow: 0.5,
  blinkDropRatio: 0.65,
  blinkRecoverRatio: 0.85,
  minOpenEyeAspect: 0.18,
  minHeadTurnDeg: 12,
  minTrackIou: 0.3,
};

/**
 * Combines the passive scores. They are weak (Human's antispoof rejects 12 % of genuine photos
 * at 0.5 and none was validated on attacks), so the mean of what is available is used as a soft
 * signal rather than any single model's decision.
 */
export function combinePassive(scores: {
  frLiveness?: number;
  humanReal?: number;
  humanLive?: number;
}): PassiveSignals {
  const values = [scores.frLiveness, scores.humanReal, scores.humanLive].filter(
    (v): v is number => v !== undefined,
  );
  return { ...scores, combined: values.length === 0 ? 1 : values.reduce((s, v) => s + v, 0) / values.length };
}

/** One frame of a sequence, as the active check needs it. */
export interface FrameObservation {
  box: Box;
  pose: Pose;
  eyeAspect?: number;
  passive?: number;
}

/** The part of a frame's analysis the active check needs; undefined when no face was found. */
export function toObservation(analysis: FaceAnalysis): FrameObservation | undefined {
  if (!analysis.face) return undefined;
  return {
    box: analysis.face.box,
    pose: analysis.face.pose,
    ...(analysis.quality.eyeAspect === undefined ? {} : { eyeAspect: analysis.quality.eyeAspect }),
    ...(analysis.passive ? { passive: analysis.passive.combined } : {}),
  };
}

export interface ActiveCheck {
  blink: boolean;
  headTurn: boolean;
  /** The boxes jump between frames: not one continuous face. */
  broken: boolean;
  frames: number;
  yawSpanDeg: number;
  openEyeAspect: number;
  minEyeAspect: number;
}

export function checkActive(
  frames: readonly FrameObservation[],
  t: LivenessThresholds = DEFAULT_LIVENESS,
): ActiveCheck {
  let broken = false;
  for (let i = 1; i < frames.length; i++)
    if (iou(frames[i - 1]!.box, frames[i]!.box) < t.minTrackIou) broken = true;
  const yaws = frames.map((f) => f.pose.yaw);
  const yawSpanDeg = yaws.length === 0 ? 0 : Math.max(...yaws) - Math.min(...yaws);
  const ears = frames.map((f) => f.eyeAspect).filter((e): e is number => e !== undefined);
  // Open-eye level: the 80th percentile, robust to the blink itself and to a few bad frames.
  const sorted = [...ears].sort((a, b) => a - b);
  const openEyeAspect = sorted.length === 0 ? 0 : sorted[Math.floor(0.8 * (sorted.length - 1))]!;
  let blink = false;
  let minEyeAspect = Number.POSITIVE_INFINITY;
  if (openEyeAspect >= t.minOpenEyeAspect) {
    let closedAt = -1;
    for (let i = 0; i < ears.length; i++) {
      const e = ears[i]!;
      minEyeAspect = Math.min(minEyeAspect, e);
      // Open before, closed, open again: a face that starts closed or ends closed is not a blink.
      if (
        closedAt < 0 &&
        e < t.blinkDropRatio * openEyeAspect &&
        ears.slice(0, i).some((p) => p >= t.blinkRecoverRatio * openEyeAspect)
      )
        closedAt = i;
      if (closedAt >= 0 && i > closedAt && e >= t.blinkRecoverRatio * openEyeAspect) blink = true;
    }
  }
  return {
    blink,
    headTurn: yawSpanDeg >= t.minHeadTurnDeg,
    broken,
    frames: frames.length,
    yawSpanDeg,
    openEyeAspect,
    minEyeAspect: Number.isFinite(minEyeAspect) ? minEyeAspect : 0,
  };
}

export type AttackVerdict = 'not-checked' | 'pass' | 'suspect' | 'challenge-required' | 'fail';

export interface AttackAssessment {
  verdict: AttackVerdict;
  /** The punch may go ahead under the org's strictness. */
  allowed: boolean;
  passive?: number;
  active?: ActiveCheck;
  reasons: string[];
}

/**
 * The decision for one attempt. `passive` is the combined score of the frame that matched;
 * `frames` (optional) is the short sequence around it for the active check.
 * In block mode a frame sequence with neither a blink nor a head turn asks for a challenge
 * ("Blink, please" / "Turn your head a little") rather than refusing outright.
 */
export function assessAttack(
  strictness: AttackStrictness,
  passive: number | undefined,
  frames?: readonly FrameObservation[],
  t: LivenessThresholds = DEFAULT_LIVENESS,
): AttackAssessment {
  if (strictness === 'off') return { verdict: 'not-checked', allowed: true, reasons: [] };
  const reasons: string[] = [];
  const passiveLow = passive !== undefined && passive < t.passiveSuspectBelow;
  if (passiveLow) reasons.push(`passive score ${passive.toFixed(2)} < ${t.passiveSuspectBelow}`);
  const active = frames && frames.length > 1 ? checkActive(frames, t) : undefined;
  if (active?.broken) reasons.push('the face jumped between frames');
  const activeOk = active !== undefined && !active.broken && (active.blink || active.headTurn);
  const base = { ...(passive === undefined ? {} : { passive }), ...(active ? { active } : {}), reasons };
  if (strictness === 'warn')
    return { ...base, verdict: passiveLow || active?.broken ? 'suspect' : 'pass', allowed: true };
  if (active?.broken) return { ...base, verdict: 'fail', allowed: false };
  // A replayed video can blink, so a low passive score still refuses in block mode.
  if (activeOk) return { ...base, verdict: passiveLow ? 'fail' : 'pass', allowed: !passiveLow };
  if (!active) reasons.push('no blink or head turn seen yet');
  else reasons.push('neither a blink nor a head turn in the sequence');
  return { ...base, verdict: 'challenge-required', allowed: false };
}
