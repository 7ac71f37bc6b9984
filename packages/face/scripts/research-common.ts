/**
 * @module What the offline research scripts (explore.ts, variants.ts) share: the photo listing, the
 * onnxruntime sessions they ran with, and the fr_landmark pass on a square crop.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { squareCrop, toGrey, warpAffine } from '../src/align';
import type { Point, RgbImage } from '../src/types';

/** Every image under DIR/<identity>/, sorted, as `identity/file` with its identity. */
export function listPhotos(dir: string): { path: string; identity: string }[] {
  const out: { path: string; identity: string }[] = [];
  for (const identity of readdirSync(dir).sort()) {
    const folder = join(dir, identity);
    if (!statSync(folder).isDirectory()) continue;
    for (const file of readdirSync(folder)
      .filter((name) => /\.(jpe?g|png|webp|avif|heic|tiff?)$/i.test(name))
      .sort())
      out.push({ path: `${identity}/${file}`, identity });
  }
  return out;
}

/**
 * One thread, graph optimisation 'basic': the settings the README's research tables were computed
 * with (the pipeline itself now runs 'all'; outputs differ only by float rounding).
 */
export const researchSession = (modelsDir: string, file: string) =>
  ort.InferenceSession.create(join(modelsDir, file), {
    logSeverityLevel: 3,
    graphOptimizationLevel: 'basic',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });

/** fr_landmark's 68 points for the square crop of `side` px centred on (cx, cy), in image pixels. */
export async function landmarks68(
  model: ort.InferenceSession,
  image: RgbImage,
  cx: number,
  cy: number,
  side: number,
): Promise<Point[]> {
  const crop = warpAffine(image, squareCrop(cx, cy, side, 64), 64, 64);
  const grey = toGrey(crop);
  for (let i = 0; i < grey.length; i++) grey[i] = grey[i]! / 256;
  const raw = (await model.run({ input: new ort.Tensor('float32', grey, [1, 1, 64, 64]) })).output!
    .data as Float32Array;
  const points: Point[] = [];
  for (let i = 0; i < 68; i++)
    points.push([cx - side / 2 + raw[i * 2]! * side, cy - side / 2 + raw[i * 2 + 1]! * side]);
  return points;
}
