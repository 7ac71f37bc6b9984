/**
 * @module @vladmandic/human in Node without native TensorFlow: blazeface + facemesh + iris for
 * landmarks, pose and eye openness; faceres as the clean-provenance embedder; antispoof and
 * liveness as passive presentation-attack signals. Runs on the tfjs WASM backend (one thread).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config, FaceResult, Human } from '@vladmandic/human';
import { eyeAspectRatio } from './onnx-models';
import type { DetectedFace, Point, RgbImage } from './types';

export const HUMAN_VERSION = '3.3.6';

export interface HumanOptions {
  faceres: boolean;
  /** Human's antispoof + liveness models (≈ +5 ms). */
  passive: boolean;
  maxFaces: number;
}

const require = createRequire(import.meta.url);

let fetchShimInstalled = false;

/**
 * Node's fetch does not read file:// URLs, and Human loads its models with fetch. Serve those
 * from disk and leave every other URL to the original fetch.
 */
function installFileFetchShim(): void {
  if (fetchShimInstalled) return;
  fetchShimInstalled = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('file://')) return new Response(await readFile(new URL(url)));
    return original(input, init);
  };
}

export async function loadHuman(options: HumanOptions): Promise<Human> {
  installFileFetchShim();
  // The package's exports map lists its subpaths without "./", so resolve the main entry and
  // load the WASM build beside it by path; this never loads tfjs-node.
  const distDir = dirname(require.resolve('@vladmandic/human'));
  const modelsDir = join(distDir, '..', 'models');
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'dist');
  const { Human: HumanClass } = require(join(distDir, 'human.node-wasm.js')) as {
    Human: new (config: Partial<Config>) => Human;
  };
  const off = { enabled: false };
  const config: Partial<Config> = {
    backend: 'wasm',
    wasmPath: `${pathToFileURL(wasmDir).href}/`,
    modelBasePath: `${pathToFileURL(modelsDir).href}/`,
    debug: false,
    // Frames are independent photos or kiosk captures: never reuse a previous frame's result.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        rotation: false,
        maxDetected: options.maxFaces,
        minConfidence: 0.2,
        skipFrames: 0,
        skipTime: 0,
      },
      mesh: { enabled: true },
      iris: { enabled: true, skipFrames: 0, skipTime: 0 },
      attention: off,
      description: { enabled: options.faceres, skipFrames: 0, skipTime: 0 },
      emotion: off,
      antispoof: { enabled: options.passive, skipFrames: 0, skipTime: 0 },
      liveness: { enabled: options.passive, skipFrames: 0, skipTime: 0 },
      gear: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
  };
  const human = new HumanClass(config);
  await human.load();
  await human.tf.ready();
  if (human.tf.getBackend() !== 'wasm') {
    throw new Error(
      `Human fell back to the ${human.tf.getBackend()} backend; the WASM backend did not start.`,
    );
  }
  return human;
}

/** MediaPipe face-mesh contour indices p1..p6 for the eye-aspect ratio. */
const MESH_EYE_IMAGE_LEFT = [33, 160, 158, 133, 153, 144];
const MESH_EYE_IMAGE_RIGHT = [362, 385, 387, 263, 373, 380];

export async function detectWithHuman(human: Human, image: RgbImage): Promise<DetectedFace[]> {
  const tensor = human.tf.tensor(image.data, [1, image.height, image.width, 3], 'int32');
  try {
    const result = await human.detect(tensor as never);
    return result.face.filter((f) => f.mesh.length >= 468).map(toDetectedFace);
  } finally {
    human.tf.dispose(tensor);
  }
}

function meanOf(points: readonly (readonly (number | undefined)[])[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0] ?? 0;
    y += p[1] ?? 0;
  }
  return [x / points.length, y / points.length];
}

function toDetectedFace(face: FaceResult): DetectedFace {
  const mesh = face.mesh;
  const at = (i: number): Point => [mesh[i]![0], mesh[i]![1]];
  // Human names eyes from the subject's side: the image-left eye is its "rightEyeIris". Mesh
  // coordinates are truncated to whole pixels, so averaging the five iris points helps.
  const irisL = face.annotations.rightEyeIris;
  const irisR = face.annotations.leftEyeIris;
  const points5: DetectedFace['points5'] = [
    irisL && irisL.length > 0 ? meanOf(irisL) : meanOf([mesh[33]!, mesh[133]!]),
    irisR && irisR.length > 0 ? meanOf(irisR) : meanOf([mesh[362]!, mesh[263]!]),
    at(1),
    at(61),
    at(291),
  ];
  const angle = face.rotation?.angle;
  const deg = (r: number | undefined) => ((r ?? 0) * 180) / Math.PI;
  const detected: DetectedFace = {
    box: { x: face.box[0], y: face.box[1], width: face.box[2], height: face.box[3] },
    score: face.score,
    points5,
    eyeAspect: {
      left: eyeAspectRatio(MESH_EYE_IMAGE_LEFT.map(at)),
      right: eyeAspectRatio(MESH_EYE_IMAGE_RIGHT.map(at)),
    },
    pose: { yaw: deg(angle?.yaw), pitch: deg(angle?.pitch), roll: deg(angle?.roll) },
  };
  if (face.embedding && face.embedding.length > 0)
    detected.faceresEmbedding = Float32Array.from(face.embedding);
  if (face.real !== undefined) detected.humanReal = face.real;
  if (face.live !== undefined) detected.humanLive = face.live;
  return detected;
}
