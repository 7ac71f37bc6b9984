/**
 * @module The face pipeline in one thread: decode → detect → landmarks → align → quality gate →
 * passive attack signals → L2-normalised embedding. Models load once per FacePipeline.
 * Callers normally use it through FaceEngine (worker thread), not directly.
 */
import { AppError } from '@clockface/core';
import type { Human } from '@vladmandic/human';
import { ALIGNED_SIZE_PX, alignFace } from './align';
import { detectWithHuman, HUMAN_VERSION, loadHuman } from './human-engine';
import { decodeImage } from './image';
import { combinePassive } from './liveness';
import {
  detectBoxes,
  embedFrFeature,
  FR_FEATURE_PLANES,
  frLivenessScore,
  l2normalize,
  landmarksForBox,
  loadOnnxModels,
  releaseOnnxModels,
  type OnnxModels,
} from './onnx-models';
import { assessQuality, KIOSK_QUALITY, noFaceReport, type QualityThresholds } from './quality';
import type { DetectedFace, DetectorId, EmbedderId, FaceAnalysis, RgbImage, StageTimings } from './types';

export interface PipelineOptions {
  /** 'human' (blazeface + mesh + iris: pose and eye signals) or 'ultraface' (fr_detect + fr_landmark: fastest). */
  detector: DetectorId;
  /** 'fr_feature' (default, best measured; weights of unverified origin) or 'faceres' (clean provenance, needs detector 'human'). */
  embedder: EmbedderId;
  /** Folder holding the fr_*.onnx files. */
  modelsDir: string;
  /** Compute passive presentation-attack scores (fr_liveness, plus Human's antispoof/liveness with detector 'human'). */
  passive: boolean;
  /** Test-time flip for fr_feature: embed the crop and its mirror image (≈ +7 ms). */
  mirror: boolean;
  /** onnxruntime intra-op threads; 1 leaves the other core to the caller. */
  threads: number;
}

/**
 * Kiosk default: UltraFace + fr_landmark give fr_feature the same accuracy as Human's mesh on the
 * dev set at a fraction of the time; Human is the choice for faceres (clean provenance).
 */
export const DEFAULT_PIPELINE: Omit<PipelineOptions, 'modelsDir'> = {
  detector: 'ultraface',
  embedder: 'fr_feature',
  passive: true,
  mirror: true,
  threads: 1,
};

/** First 8 hex digits of fr_feature.onnx's sha256, so a different file gets a different id. */
const FR_FEATURE_HASH8 = '87aacdfe';

/**
 * The id stored with every template. Templates are only comparable when the ids are equal; a
 * change of id means re-enrollment. `-bgr`: fr_feature fed BGR planes (its training order);
 * templates of the earlier RGB-fed ids (`fr_feature-87aacdfe-flip`) are not comparable with them.
 */
export function modelIdFor(embedder: EmbedderId, mirror: boolean): string {
  return embedder === 'fr_feature'
    ? `fr_feature-${FR_FEATURE_HASH8}-${FR_FEATURE_PLANES}${mirror ? '-flip' : ''}`
    : `human-faceres-${HUMAN_VERSION}`;
}

export interface AnalyzeOptions {
  /** Which face to use when several are found: the largest (kiosk) or the one nearest the centre (press photos). */
  pick?: 'largest' | 'center';
  quality?: QualityThresholds;
  /** Compute the embedding even when the quality gate fails (benchmarks, diagnostics). */
  embedDespiteQuality?: boolean;
}

export class FacePipeline {
  private constructor(
    readonly options: PipelineOptions,
    readonly modelId: string,
    private readonly onnx: OnnxModels,
    private readonly human: Human | undefined,
  ) {}

  static async create(options: PipelineOptions): Promise<FacePipeline> {
    if (options.embedder === 'faceres' && options.detector !== 'human') {
      throw new AppError('VALIDATION_FAILED', {
        message: `The faceres embedder runs inside Human and needs detector 'human', got '${options.detector}'.`,
      });
    }
    const onnx = await loadOnnxModels(
      options.modelsDir,
      {
        detect: options.detector === 'ultraface',
        feature: options.embedder === 'fr_feature',
        liveness: options.passive,
      },
      options.threads,
    );
    const human =
      options.detector === 'human'
        ? await loadHuman({ faceres: options.embedder === 'faceres', passive: options.passive, maxFaces: 5 })
        : undefined;
    return new FacePipeline(options, modelIdFor(options.embedder, options.mirror), onnx, human);
  }

  async close(): Promise<void> {
    await releaseOnnxModels(this.onnx);
    this.human?.tf.engine().disposeVariables();
  }

  /** Finds every face with its landmarks (no embedding). */
  async detect(image: RgbImage, timings?: StageTimings): Promise<DetectedFace[]> {
    if (this.human) {
      const t = performance.now();
      const faces = await detectWithHuman(this.human, image);
      // Human runs detector, mesh and iris in one call; the split is not observable.
      if (timings) timings.detectMs += performance.now() - t;
      return faces;
    }
    let t = performance.now();
    const boxes = await detectBoxes(this.onnx.detect!, image);
    if (timings) timings.detectMs += performance.now() - t;
    t = performance.now();
    const faces: DetectedFace[] = [];
    for (const { box, score } of boxes)
      faces.push(await landmarksForBox(this.onnx.landmark!, image, box, score));
    if (timings) timings.landmarksMs += performance.now() - t;
    return faces;
  }

  async analyze(input: Uint8Array | RgbImage, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    const timings: StageTimings = {
      decodeMs: 0,
      detectMs: 0,
      landmarksMs: 0,
      alignMs: 0,
      qualityMs: 0,
      livenessMs: 0,
      embedMs: 0,
      totalMs: 0,
    };
    const start = performance.now();
    const image = await decodeImage(input);
    timings.decodeMs = performance.now() - start;
    const faces = await this.detect(image, timings);
    const base = { width: image.width, height: image.height, faceCount: faces.length, timings };
    if (faces.length === 0) {
      timings.totalMs = performance.now() - start;
      return { ...base, quality: noFaceReport() };
    }
    const face = pickFace(faces, image, options.pick ?? 'largest');
    let t = performance.now();
    const { crop } = alignFace(image, face.points5);
    timings.alignMs = performance.now() - t;
    t = performance.now();
    const others = faces.filter((f) => f !== face).map((f) => f.box.width);
    const quality = assessQuality(face, crop, ALIGNED_SIZE_PX, others, options.quality ?? KIOSK_QUALITY);
    timings.qualityMs = performance.now() - t;
    const analysis: FaceAnalysis = { ...base, face, quality };
    if (this.options.passive) {
      t = performance.now();
      const frLiveness = this.onnx.liveness
        ? await frLivenessScore(this.onnx.liveness, image, face.box)
        : undefined;
      analysis.passive = combinePassive({
        ...(frLiveness === undefined ? {} : { frLiveness }),
        ...(face.humanReal === undefined ? {} : { humanReal: face.humanReal }),
        ...(face.humanLive === undefined ? {} : { humanLive: face.humanLive }),
      });
      timings.livenessMs = performance.now() - t;
    }
    if (quality.ok || options.embedDespiteQuality) {
      t = performance.now();
      const vector =
        this.options.embedder === 'fr_feature'
          ? await embedFrFeature(this.onnx.feature!, crop, this.options.mirror)
          : face.faceresEmbedding
            ? l2normalize(Float32Array.from(face.faceresEmbedding))
            : undefined;
      timings.embedMs = performance.now() - t;
      if (vector) analysis.template = { modelId: this.modelId, vector, quality: quality.score };
    }
    // Do not ship the 1024-d faceres vector twice.
    delete face.faceresEmbedding;
    timings.totalMs = performance.now() - start;
    return analysis;
  }
}

function pickFace(faces: DetectedFace[], image: RgbImage, pick: 'largest' | 'center'): DetectedFace {
  const cx = image.width / 2;
  const cy = image.height / 2;
  const key =
    pick === 'largest'
      ? (f: DetectedFace) => -f.box.width * f.box.height
      : (f: DetectedFace) => Math.hypot(f.box.x + f.box.width / 2 - cx, f.box.y + f.box.height / 2 - cy);
  return faces.reduce((best, f) => (key(f) < key(best) ? f : best));
}
