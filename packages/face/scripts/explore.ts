/**
 * @module Landmark and input variants of the UltraFace + fr_landmark → fr_feature path, per photo,
 * cached under .cache/explore/ so that scoring experiments need no model runs (the README's
 * "What moved the figures" comes from these files; the metrics were computed offline with the
 * same definitions as bench.ts).
 *
 *   tsx scripts/explore.ts landmarks DIR   every photo: UltraFace boxes, the centre face's 68 points
 *                                          (plain, mirror-averaged, re-centred) → landmarks.json
 *   tsx scripts/explore.ts iterate DIR     two more passes on crops framed from the points → landmarks2.json
 *   tsx scripts/explore.ts embed DIR SRC.EYES[.FLAGS]
 *       SRC base | flipavg | refined | iter1 | iter2; EYES four (eyelid points) | six (all eye points);
 *       FLAGS '+'-joined: bgr (BGR planes), jit (mean over crops scaled 0.96/1/1.04), sub6 (only
 *       people with 6+ photos). Writes emb-VARIANT.f32: per photo the raw and the mirrored crop's
 *       512-d outputs (zeros when no face or skipped).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  ARCFACE_TEMPLATE_112,
  estimateSimilarity,
  invertAffine,
  squareCrop,
  toGrey,
  toNchw,
  warpAffine,
} from '../src/align';
import { decodeImage } from '../src/image';
import { detectBoxes } from '../src/onnx-models';
import type { Box, Point, RgbImage } from '../src/types';
import { listPhotos, researchSession } from './research-common';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const modelsDir = join(packageDir, '.models');
const cacheDir = join(packageDir, '.cache', 'explore');
mkdirSync(cacheDir, { recursive: true });

const [mode, dataArg, variant] = process.argv.slice(2);
const dataDir = resolve(dataArg!);

const session = (file: string) => researchSession(modelsDir, file);

const FLIP68 = [
  16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 27, 28,
  29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59,
  58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65,
];

async function lm68(
  s: ort.InferenceSession,
  img: RgbImage,
  cx: number,
  cy: number,
  side: number,
  flip: boolean,
) {
  const crop = warpAffine(img, squareCrop(cx, cy, side, 64), 64, 64);
  const grey = toGrey(crop);
  const input = new Float32Array(64 * 64);
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) input[y * 64 + x] = grey[y * 64 + (flip ? 63 - x : x)]! / 256;
  const out = (await s.run({ input: new ort.Tensor('float32', input, [1, 1, 64, 64]) })).output!
    .data as Float32Array;
  const pts: Point[] = [];
  for (let i = 0; i < 68; i++) {
    const j = flip ? FLIP68[i]! : i;
    let u = out[j * 2]!;
    const v = out[j * 2 + 1]!;
    if (flip) u = 63 / 64 - u + 1 / 64; // pixel-centre mirror: x' = 63 - x in 64 px units
    pts.push([cx - side / 2 + u * side, cy - side / 2 + v * side]);
  }
  return pts;
}

const avg = (a: Point[], b: Point[]): Point[] =>
  a.map((p, i) => [(p[0] + b[i]![0]) / 2, (p[1] + b[i]![1]) / 2]);

async function landmarks() {
  const photos = listPhotos(dataDir);
  const det = await session('fr_detect.onnx');
  const lm = await session('fr_landmark.onnx');
  const rows: unknown[] = [];
  const t0 = performance.now();
  for (const [k, p] of photos.entries()) {
    const img = await decodeImage(readFileSync(join(dataDir, p.path)));
    const boxes = await detectBoxes(det, img);
    const cx0 = img.width / 2;
    const cy0 = img.height / 2;
    const row: Record<string, unknown> = { ...p, w: img.width, h: img.height, boxes };
    if (boxes.length) {
      const byCentre = [...boxes].sort(
        (a, b) =>
          Math.hypot(a.box.x + a.box.width / 2 - cx0, a.box.y + a.box.height / 2 - cy0) -
          Math.hypot(b.box.x + b.box.width / 2 - cx0, b.box.y + b.box.height / 2 - cy0),
      );
      const box: Box = byCentre[0]!.box;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const base = await lm68(lm, img, cx, cy, box.height, false);
      const fl = await lm68(lm, img, cx, cy, box.height, true);
      // Refine: re-centre the crop on the landmarks' own face (eyes/mouth midpoint), same side.
      const ctr = (pts: Point[]) => {
        const xs = pts.map((q) => q[0]);
        const ys = pts.map((q) => q[1]);
        return [
          (Math.min(...xs) + Math.max(...xs)) / 2,
          (Math.min(...ys) + Math.max(...ys)) / 2,
          Math.max(...xs) - Math.min(...xs),
          Math.max(...ys) - Math.min(...ys),
        ] as const;
      };
      const fa = avg(base, fl);
      const [rcx, rcy] = ctr(fa);
      const ref = await lm68(lm, img, rcx, rcy, box.height, false);
      const reff = await lm68(lm, img, rcx, rcy, box.height, true);
      Object.assign(row, { box, base, flipavg: fa, refined: avg(ref, reff) });
    }
    rows.push(row);
    if ((k + 1) % 500 === 0)
      console.error(`${k + 1}/${photos.length} ${((performance.now() - t0) / (k + 1)).toFixed(1)} ms/photo`);
  }
  writeFileSync(join(cacheDir, 'landmarks.json'), JSON.stringify(rows));
}

type Row = {
  path: string;
  identity: string;
  w: number;
  h: number;
  box?: Box;
  base?: Point[];
  flipavg?: Point[];
  refined?: Point[];
  iter1?: Point[];
  iter2?: Point[];
};
const mean = (...ps: Point[]): Point => [
  ps.reduce((s, p) => s + p[0], 0) / ps.length,
  ps.reduce((s, p) => s + p[1], 0) / ps.length,
];
function five(pts: Point[], eyes: 'four' | 'six'): Point[] {
  const p = (i: number) => pts[i]!;
  return [
    eyes === 'four' ? mean(p(37), p(38), p(40), p(41)) : mean(p(36), p(37), p(38), p(39), p(40), p(41)),
    eyes === 'four' ? mean(p(43), p(44), p(46), p(47)) : mean(p(42), p(43), p(44), p(45), p(46), p(47)),
    p(30),
    mean(p(48), p(60)),
    mean(p(54), p(64)),
  ];
}

async function embed() {
  const rows = JSON.parse(readFileSync(join(cacheDir, 'landmarks.json'), 'utf8')) as Row[];
  if (existsSync(join(cacheDir, 'landmarks2.json'))) {
    const more = JSON.parse(readFileSync(join(cacheDir, 'landmarks2.json'), 'utf8')) as Record<
      string,
      object
    >;
    for (const r of rows) Object.assign(r, more[r.path]);
  }
  const feat = await session('fr_feature.onnx');
  const [src, eyes, warp] = variant!.split('.') as [
    'base' | 'flipavg' | 'refined' | 'iter1' | 'iter2',
    'four' | 'six',
    string,
  ];
  const flags = new Set((warp ?? '').split('+'));
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.identity, (count.get(r.identity) ?? 0) + 1);
  const subset = flags.has('sub6');
  const out = new Float32Array(rows.length * 2 * 512);
  const run1 = async (crop: Uint8Array, mirror: boolean) => {
    const x = toNchw(crop, 112, 112, 127, 128, mirror);
    if (flags.has('bgr')) {
      const r = x.slice(0, 112 * 112);
      x.copyWithin(0, 2 * 112 * 112, 3 * 112 * 112);
      x.set(r, 2 * 112 * 112);
    }
    return Float32Array.from(
      (await feat.run({ input: new ort.Tensor('float32', x, [1, 3, 112, 112]) })).output!
        .data as Float32Array,
    );
  };
  const run = run1;
  const t0 = performance.now();
  for (const [k, r] of rows.entries()) {
    const pts = r[src];
    if (!pts) continue;
    if (subset && count.get(r.identity)! < 6) continue;
    const img = await decodeImage(readFileSync(join(dataDir, r.path)));
    const p5 = five(pts, eyes);
    const m = estimateSimilarity(p5, ARCFACE_TEMPLATE_112);
    const inv = invertAffine(m);
    if (flags.has('jit')) {
      // Multi-crop: scale ±4 % about the crop centre, summed.
      const acc0 = new Float32Array(512);
      const acc1 = new Float32Array(512);
      for (const z of [0.96, 1, 1.04]) {
        const c = 56 * (1 - z);
        const sc = [z, 0, c, 0, z, c] as const; // dst -> zoomed dst
        const mm = [
          inv[0] * sc[0],
          inv[1] * sc[4],
          inv[0] * sc[2] + inv[1] * sc[5] + inv[2],
          inv[3] * sc[0],
          inv[4] * sc[4],
          inv[3] * sc[2] + inv[4] * sc[5] + inv[5],
        ] as const;
        const crop = warpAffine(img, mm, 112, 112);
        const a = await run(crop, false);
        const b = await run(crop, true);
        const na = Math.hypot(...a);
        const nb = Math.hypot(...b);
        for (let i = 0; i < 512; i++) {
          acc0[i]! += a[i]! / na;
          acc1[i]! += b[i]! / nb;
        }
      }
      out.set(acc0, k * 1024);
      out.set(acc1, k * 1024 + 512);
      continue;
    }
    const crop = warpAffine(img, inv, 112, 112);
    out.set(await run(crop, false), k * 1024);
    out.set(await run(crop, true), k * 1024 + 512);
    if ((k + 1) % 500 === 0)
      console.error(`${k + 1}/${rows.length} ${((performance.now() - t0) / (k + 1)).toFixed(1)} ms/photo`);
  }
  writeFileSync(join(cacheDir, `emb-${variant}.f32`), Buffer.from(out.buffer));
}

async function iterate() {
  const rows = JSON.parse(readFileSync(join(cacheDir, 'landmarks.json'), 'utf8')) as Row[];
  const lm = await session('fr_landmark.onnx');
  const out: Record<string, { iter1: Point[]; iter2: Point[] }> = {};
  for (const [k, r] of rows.entries()) {
    if (!r.flipavg) continue;
    const img = await decodeImage(readFileSync(join(dataDir, r.path)));
    let pts = r.flipavg;
    const res: Point[][] = [];
    for (let it = 0; it < 2; it++) {
      const xs = pts.map((q) => q[0]);
      const ys = pts.map((q) => q[1]);
      const w = Math.max(...xs) - Math.min(...xs);
      const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
      const cy = (Math.max(...ys) + Math.min(...ys)) / 2 - 0.175 * w;
      const side = 1.346 * w;
      pts = avg(await lm68(lm, img, cx, cy, side, false), await lm68(lm, img, cx, cy, side, true));
      res.push(pts);
    }
    out[r.path] = { iter1: res[0]!, iter2: res[1]! };
    if ((k + 1) % 1000 === 0) console.error(k + 1);
  }
  writeFileSync(join(cacheDir, 'landmarks2.json'), JSON.stringify(out));
}

if (mode === 'landmarks') await landmarks();
else if (mode === 'iterate') await iterate();
else if (mode === 'embed') await embed();
