/**
 * @module The faceplugin ONNX models on onnxruntime-node: UltraFace detector (fr_detect, MIT
 * upstream), 68-point landmarks (fr_landmark), the fr_feature embedder and the fr_liveness
 * anti-spoof classifier. The files come from packages/face/.models (see scripts/fetch-models.mjs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@clockface/core';
import * as ort from 'onnxruntime-node';
import { ALIGNED_SIZE_PX, squareCrop, toGrey, toNchw, warpAffine } from './align';
import { resizeRgb } from './image';
import type { Box, DetectedFace, Point, Pose, RgbImage } from './types';

export const ONNX_MODEL_FILES = [
  'fr_detect.onnx',
  'fr_landmark.onnx',
  'fr_feature.onnx',
  'fr_liveness.onnx',
] as const;
export type OnnxModelFile = (typeof ONNX_MODEL_FILES)[number];

/** UltraFace RFB-320 input, width × height. */
const DETECT_W = 320;
const DETECT_H = 240;
/** Scores below this are background; 0.6 is the value measured in ../shared/notes/face-models.md. */
export const DETECT_MIN_SCORE = 0.6;
const NMS_IOU = 0.3;
const LANDMARK_SIZE_PX = 64;
const LIVENESS_SIZE_PX = 128;
/** fr_liveness was trained on crops 2.7× the face box. */
const LIVENESS_CROP_SCALE = 2.7;
/** Index of the live class in fr_liveness's 3 logits (298 of 300 genuine dev photos land there). */
const LIVENESS_LIVE_CLASS = 1;

export function modelPath(modelsDir: string, file: OnnxModelFile): string {
  return join(modelsDir, file);
}

async function openSession(
  modelsDir: string,
  file: OnnxModelFile,
  threads: number,
): Promise<ort.InferenceSession> {
  const path = modelPath(modelsDir, file);
  if (!existsSync(path)) {
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: `Face model ${path} is missing. Run \`pnpm install\` (its postinstall fetches it) or \`node packages/face/scripts/fetch-models.mjs\`.`,
    });
  }
  return ort.InferenceSession.create(path, {
    // Level 3 hides the "Initializer … appears in graph inputs" warnings these exports print.
    logSeverityLevel: 3,
    // 'all' (layout rewrites to NCHWc blocks and fused kernels) measured 30 % less CPU per
    // fr_feature run and 65 % less per fr_detect run than 'basic' on one thread (README,
    // "Latency"); outputs differ from 'basic' only by float rounding (cosine 1 − 1e-12).
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

export interface OnnxModels {
  detect?: ort.InferenceSession;
  landmark?: ort.InferenceSession;
  feature?: ort.InferenceSession;
  liveness?: ort.InferenceSession;
}

export async function loadOnnxModels(
  modelsDir: string,
  wanted: { detect: boolean; feature: boolean; liveness: boolean },
  threads: number,
): Promise<OnnxModels> {
  const models: OnnxModels = {};
  if (wanted.detect) {
    models.detect = await openSession(modelsDir, 'fr_detect.onnx', threads);
    models.landmark = await openSession(modelsDir, 'fr_landmark.onnx', threads);
  }
  if (wanted.feature) models.feature = await openSession(modelsDir, 'fr_feature.onnx', threads);
  if (wanted.liveness) models.liveness = await openSession(modelsDir, 'fr_liveness.onnx', threads);
  return models;
}

export async function releaseOnnxModels(models: OnnxModels): Promise<void> {
  await Promise.all(Object.values(models).map((s: ort.InferenceSession) => s.release()));
}

/** UltraFace boxes (score-sorted, after NMS) in source pixels. */
export async function detectBoxes(
  session: ort.InferenceSession,
  image: RgbImage,
): Promise<{ box: Box; score: number }[]> {
  const small = await resizeRgb(image, DETECT_W, DETECT_H);
  const input = new ort.Tensor('float32', toNchw(small, DETECT_W, DETECT_H, 127, 128), [
    1,
    3,
    DETECT_H,
    DETECT_W,
  ]);
  const out = await session.run({ input });
  const scores = out.scores!.data as Float32Array;
  const boxes = out.boxes!.data as Float32Array;
  const found: { box: Box; score: number }[] = [];
  const count = scores.length / 2;
  for (let i = 0; i < count; i++) {
    const score = scores[i * 2 + 1]!;
    if (score < DETECT_MIN_SCORE) continue;
    const x1 = Math.max(0, boxes[i * 4]! * image.width);
    const y1 = Math.max(0, boxes[i * 4 + 1]! * image.height);
    const x2 = Math.min(image.width, boxes[i * 4 + 2]! * image.width);
    const y2 = Math.min(image.height, boxes[i * 4 + 3]! * image.height);
    if (x2 - x1 < 4 || y2 - y1 < 4) continue;
    found.push({ box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score });
  }
  return nms(found, NMS_IOU);
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function nms<T extends { box: Box; score: number }>(items: T[], threshold: number): T[] {
  items.sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const item of items) if (kept.every((k) => iou(k.box, item.box) <= threshold)) kept.push(item);
  return kept;
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const mean = (...ps: Point[]): Point => [
  ps.reduce((s, p) => s + p[0], 0) / ps.length,
  ps.reduce((s, p) => s + p[1], 0) / ps.length,
];

/** Eye aspect ratio (Soukupová & Čech 2016) from six contour points p1..p6. */
export function eyeAspectRatio(p: readonly Point[]): number {
  return (dist(p[1]!, p[5]!) + dist(p[2]!, p[4]!)) / (2 * dist(p[0]!, p[3]!) || 1);
}

/**
 * A coarse head pose from the five points alone: yaw from how far the nose sits off the eyes'
 * midline, pitch from where it sits between the eye line and the mouth, roll from the eye line.
 * Good enough for "face the camera"; Human's mesh gives a better one.
 */
export function poseFromFivePoints(p: readonly Point[]): Pose {
  const [le, re, nose, lm, rm] = p as [Point, Point, Point, Point, Point];
  const eyeMid = mean(le, re);
  const mouthMid = mean(lm, rm);
  const iod = dist(le, re) || 1;
  const ux = (re[0] - le[0]) / iod;
  const uy = (re[1] - le[1]) / iod;
  const along = ((nose[0] - eyeMid[0]) * ux + (nose[1] - eyeMid[1]) * uy) / iod;
  const eyeToMouth = (mouthMid[0] - eyeMid[0]) * -uy + (mouthMid[1] - eyeMid[1]) * ux || 1;
  const down = ((nose[0] - eyeMid[0]) * -uy + (nose[1] - eyeMid[1]) * ux) / eyeToMouth;
  const deg = (r: number) => (Math.asin(Math.max(-1, Math.min(1, r))) * 180) / Math.PI;
  return {
    // 0.6 × IOD is roughly how far a nose tip swings at 90° yaw; 0.49 is the template's nose height.
    yaw: deg(along / 0.6),
    pitch: deg((down - 0.49) / 0.5),
    roll: (Math.atan2(re[1] - le[1], re[0] - le[0]) * 180) / Math.PI,
  };
}

/** fr_landmark's 68 points for a face box, mapped to the five ArcFace points plus eye openness. */
export async function landmarksForBox(
  session: ort.InferenceSession,
  image: RgbImage,
  box: Box,
  score: number,
): Promise<DetectedFace> {
  const side = box.height;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const crop = warpAffine(
    image,
    squareCrop(cx, cy, side, LANDMARK_SIZE_PX),
    LANDMARK_SIZE_PX,
    LANDMARK_SIZE_PX,
  );
  const grey = toGrey(crop);
  for (let i = 0; i < grey.length; i++) grey[i] = grey[i]! / 256;
  const out = await session.run({
    input: new ort.Tensor('float32', grey, [1, 1, LANDMARK_SIZE_PX, LANDMARK_SIZE_PX]),
  });
  const raw = out.output!.data as Float32Array;
  const left = cx - side / 2;
  const top = cy - side / 2;
  const pts: Point[] = [];
  for (let i = 0; i < 68; i++) pts.push([left + raw[i * 2]! * side, top + raw[i * 2 + 1]! * side]);
  const p = (i: number) => pts[i]!;
  const points5: DetectedFace['points5'] = [
    mean(p(37), p(38), p(40), p(41)),
    mean(p(43), p(44), p(46), p(47)),
    p(30),
    mean(p(48), p(60)),
    mean(p(54), p(64)),
  ];
  return {
    box,
    score,
    points5,
    eyeAspect: {
      left: eyeAspectRatio(pts.slice(36, 42)),
      right: eyeAspectRatio(pts.slice(42, 48)),
    },
    pose: poseFromFivePoints(points5),
  };
}

/**
 * fr_feature input: BGR planes, (x − 127) / 128, NCHW. The model was trained on OpenCV (BGR)
 * images: fed RGB it still works but loses accuracy (dev photos, all pairs: TAR at FAR 1e-3
 * 97.5 % with RGB against 98.4 % with BGR; see README).
 */
export const FR_FEATURE_PLANES = 'bgr';
export async function embedFrFeature(
  session: ort.InferenceSession,
  aligned: Uint8Array,
  withMirror: boolean,
): Promise<Float32Array> {
  const vector = await runFrFeature(session, aligned, false);
  return fuseFlip(vector, withMirror ? await runFrFeature(session, aligned, true) : undefined);
}

/** fr_feature's raw (not normalised) 512-d output for an aligned crop or its mirror image. */
export async function runFrFeature(
  session: ort.InferenceSession,
  aligned: Uint8Array,
  mirror: boolean,
): Promise<Float32Array> {
  const data = toNchw(aligned, ALIGNED_SIZE_PX, ALIGNED_SIZE_PX, 127, 128, mirror, FR_FEATURE_PLANES);
  const out = await session.run({
    input: new ort.Tensor('float32', data, [1, 3, ALIGNED_SIZE_PX, ALIGNED_SIZE_PX]),
  });
  return Float32Array.from(out.output!.data as Float32Array);
}

/**
 * The template from raw fr_feature outputs: with the test-time flip, the raw outputs of the crop
 * and its mirror image are summed before L2 normalisation (the mirrored face is still the same
 * person's; the sum evens out pose and lighting asymmetry). `raw` is overwritten.
 */
export function fuseFlip(raw: Float32Array, flipped?: Float32Array): Float32Array {
  if (flipped) for (let i = 0; i < raw.length; i++) raw[i]! += flipped[i]!;
  return l2normalize(raw);
}

/** Probability 0–1 that fr_liveness assigns to the live class. */
export async function frLivenessScore(
  session: ort.InferenceSession,
  image: RgbImage,
  box: Box,
): Promise<number> {
  const side = Math.max(box.width, box.height) * LIVENESS_CROP_SCALE;
  const crop = warpAffine(
    image,
    squareCrop(box.x + box.width / 2, box.y + box.height / 2, side, LIVENESS_SIZE_PX),
    LIVENESS_SIZE_PX,
    LIVENESS_SIZE_PX,
  );
  const input = new ort.Tensor('float32', toNchw(crop, LIVENESS_SIZE_PX, LIVENESS_SIZE_PX, 0, 1), [
    1,
    3,
    LIVENESS_SIZE_PX,
    LIVENESS_SIZE_PX,
  ]);
  const out = await session.run({ input });
  const logits = Array.from(out.output!.data as Float32Array);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  return exps[LIVENESS_LIVE_CLASS]! / exps.reduce((s, e) => s + e, 0);
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
