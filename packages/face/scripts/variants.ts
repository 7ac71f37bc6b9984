/**
 * @module Alignment and flip-fusion variants of the chosen pipeline (UltraFace + fr_landmark →
 * 5-point alignment → fr_feature, BGR planes), scored offline with bench.ts's metric definitions.
 *
 *   tsx scripts/variants.ts extract DIR   every photo: the production detector and landmark pass,
 *                                         then per variant the raw fr_feature outputs of the aligned
 *                                         crop and its mirror → .cache/variants/raw.f32
 *   tsx scripts/variants.ts score DIR     pair accuracy, TAR at FAR 1e-3 / 1e-4 over all pairs,
 *                                         rank-1 and FNIR at FPIR 1 % per variant and flip fusion
 *   tsx scripts/variants.ts procrustes DIR   51 inner points fitted to their mean shape
 *                                         → .cache/variants/procrustes.f32; `score-procrustes DIR` scores it
 *
 * No thresholds or choices come from the labels: each variant is a general alignment convention.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  ARCFACE_TEMPLATE_112,
  estimateSimilarity,
  invertAffine,
  toNchw,
  warpAffine,
  type Affine,
} from '../src/align';
import { decodeImage } from '../src/image';
import { detectBoxes } from '../src/onnx-models';
import type { Point, RgbImage } from '../src/types';
import { landmarks68, listPhotos, researchSession } from './research-common';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const modelsDir = join(packageDir, '.models');
const cacheDir = join(packageDir, '.cache', 'variants');
mkdirSync(cacheDir, { recursive: true });
const [mode, dataArg] = process.argv.slice(2);
const dataDir = resolve(dataArg!);
const DIM = 512;

const session = (file: string) => researchSession(modelsDir, file);

const mean = (...ps: Point[]): Point => [
  ps.reduce((s, p) => s + p[0], 0) / ps.length,
  ps.reduce((s, p) => s + p[1], 0) / ps.length,
];

/** Area-averaged warp: each output pixel averages ceil(scale)² bilinear samples (a box filter). */
function warpArea(image: RgbImage, m: Affine, size: number): Uint8Array {
  const scale = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  const grid = Math.max(1, Math.ceil(scale - 1e-6));
  if (grid === 1) return warpAffine(image, m, size, size);
  // warpAffine's 2×2 path generalised: render at grid× resolution, then average grid×grid blocks.
  const big = size * grid;
  const s = 1 / grid;
  // big pixel (X, Y) ↔ small pixel ((X + 0.5)/grid − 0.5, …)
  const mb: Affine = [
    m[0] * s,
    m[1] * s,
    m[0] * (0.5 * s - 0.5) + m[1] * (0.5 * s - 0.5) + m[2],
    m[3] * s,
    m[4] * s,
    m[3] * (0.5 * s - 0.5) + m[4] * (0.5 * s - 0.5) + m[5],
  ];
  const hi = warpAffine(image, mb, big, big);
  const out = new Uint8Array(size * size * 3);
  const n = grid * grid;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let gy = 0; gy < grid; gy++)
          for (let gx = 0; gx < grid; gx++) acc += hi[((y * grid + gy) * big + x * grid + gx) * 3 + c]!;
        out[(y * size + x) * 3 + c] = Math.round(acc / n);
      }
  return out;
}

const VARIANTS = ['base', 'eyes6', 'area', 'lmsquare'] as const;

async function extract() {
  const photos = listPhotos(dataDir);
  const det = await session('fr_detect.onnx');
  const lm = await session('fr_landmark.onnx');
  const feat = await session('fr_feature.onnx');
  const out = new Float32Array(photos.length * VARIANTS.length * 2 * DIM);
  const embed = async (crop: Uint8Array, mirror: boolean) =>
    (
      await feat.run({
        input: new ort.Tensor('float32', toNchw(crop, 112, 112, 127, 128, mirror, 'bgr'), [1, 3, 112, 112]),
      })
    ).output!.data as Float32Array;
  const lm68 = (img: RgbImage, cx: number, cy: number, side: number) => landmarks68(lm, img, cx, cy, side);
  const t0 = performance.now();
  for (const [k, photo] of photos.entries()) {
    const img = await decodeImage(readFileSync(join(dataDir, photo.path)));
    const boxes = await detectBoxes(det, img);
    if (boxes.length === 0) continue;
    const d = (b: (typeof boxes)[number]) =>
      Math.hypot(b.box.x + b.box.width / 2 - img.width / 2, b.box.y + b.box.height / 2 - img.height / 2);
    const box = [...boxes].sort((a, b) => d(a) - d(b))[0]!.box;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const p = await lm68(img, cx, cy, box.height);
    const q = (i: number) => p[i]!;
    const five = (eyes: 'four' | 'six', pts = p): Point[] => {
      const r = (i: number) => pts[i]!;
      return [
        eyes === 'four' ? mean(r(37), r(38), r(40), r(41)) : mean(r(36), r(37), r(38), r(39), r(40), r(41)),
        eyes === 'four' ? mean(r(43), r(44), r(46), r(47)) : mean(r(42), r(43), r(44), r(45), r(46), r(47)),
        r(30),
        mean(r(48), r(60)),
        mean(r(54), r(64)),
      ];
    };
    void q;
    for (const [v, name] of VARIANTS.entries()) {
      let pts5: Point[];
      let crop: Uint8Array;
      if (name === 'lmsquare') {
        // fr_landmark on a square of the box's larger side (UltraFace boxes are taller than wide).
        const p2 = await lm68(img, cx, cy, Math.max(box.width, box.height));
        pts5 = five('four', p2);
        crop = warpAffine(img, invertAffine(estimateSimilarity(pts5, ARCFACE_TEMPLATE_112)), 112, 112);
      } else {
        pts5 = five(name === 'eyes6' ? 'six' : 'four');
        const inv = invertAffine(estimateSimilarity(pts5, ARCFACE_TEMPLATE_112));
        crop = name === 'area' ? warpArea(img, inv, 112) : warpAffine(img, inv, 112, 112);
      }
      const base = (k * VARIANTS.length + v) * 2 * DIM;
      out.set(await embed(crop, false), base);
      out.set(await embed(crop, true), base + DIM);
    }
    if ((k + 1) % 250 === 0)
      console.error(`${k + 1}/${photos.length} ${((performance.now() - t0) / (k + 1)).toFixed(1)} ms/photo`);
  }
  writeFileSync(join(cacheDir, 'raw.f32'), Buffer.from(out.buffer));
}

const norm = (v: Float32Array) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n === 0) return undefined;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
};

function score() {
  const photos = listPhotos(dataDir);
  const raw = new Float32Array(readFileSync(join(cacheDir, 'raw.f32')).buffer.slice(0));
  const pairsFile = join(dataDir, 'pairs.tsv');
  const pairs = existsSync(pairsFile)
    ? readFileSync(pairsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
        .map(([kind, a, b]) => ({ a: a!, b: b!, same: kind === 'same' }))
    : [];
  const index = new Map(photos.map((p, i) => [p.path, i]));
  const fusions = {
    noflip: (a: Float32Array) => norm(a.slice()),
    // What bench.ts scores: the mean of the two L2-normalised vectors.
    'mean-of-normalised': (a: Float32Array, b: Float32Array) => {
      const x = norm(a.slice());
      const y = norm(b.slice());
      if (!x || !y) return undefined;
      for (let i = 0; i < DIM; i++) x[i]! += y[i]!;
      return norm(x);
    },
    // What the pipeline computes (embedFrFeature): raw outputs summed, then normalised.
    'sum-of-raw': (a: Float32Array, b: Float32Array) => {
      const x = a.slice();
      for (let i = 0; i < DIM; i++) x[i]! += b[i]!;
      return norm(x);
    },
  };
  const rows: Record<string, unknown>[] = [];
  for (const [v, name] of VARIANTS.entries()) {
    for (const [fname, fuse] of Object.entries(fusions)) {
      if (name !== 'base' && fname === 'noflip') continue;
      const emb: (Float32Array | undefined)[] = photos.map((_, k) => {
        const base = (k * VARIANTS.length + v) * 2 * DIM;
        return fuse(raw.subarray(base, base + DIM), raw.subarray(base + DIM, base + 2 * DIM));
      });
      rows.push({ variant: name, fusion: fname, ...metrics(photos, emb, pairs, index) });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function metrics(
  photos: { path: string; identity: string }[],
  emb: (Float32Array | undefined)[],
  pairs: { a: string; b: string; same: boolean }[],
  index: Map<string, number>,
) {
  const r = (x: number) => Math.round(x * 10000) / 100;
  // 10-fold pair accuracy (interleaved folds, best training threshold), as bench.ts.
  const items = pairs.map((p) => {
    const x = emb[index.get(p.a)!];
    const y = emb[index.get(p.b)!];
    return { score: x && y ? dot(x, y) : -2, same: p.same };
  });
  let correct = 0;
  for (let f = 0; f < 10; f++) {
    const train = items.filter((_, i) => i % 10 !== f);
    const cands = [...new Set(train.map((i) => i.score))].sort((a, b) => a - b);
    let best = 0;
    let bestAcc = -1;
    for (let k = 0; k < cands.length; k++) {
      const t = k + 1 < cands.length ? (cands[k]! + cands[k + 1]!) / 2 : cands[k]! + 1e-6;
      const acc = train.reduce((n, i) => n + (i.score > t === i.same ? 1 : 0), 0);
      if (acc > bestAcc) {
        bestAcc = acc;
        best = t;
      }
    }
    correct += items
      .filter((_, i) => i % 10 === f)
      .reduce((n, i) => n + (i.score > best === i.same ? 1 : 0), 0);
  }
  // All pairs.
  const n = photos.length;
  const genuine: number[] = [];
  const imp = new Float32Array((n * (n - 1)) / 2);
  let ni = 0;
  let totalGenuine = 0;
  for (let i = 0; i < n; i++) {
    const x = emb[i];
    for (let j = i + 1; j < n; j++) {
      const same = photos[i]!.identity === photos[j]!.identity;
      if (same) totalGenuine++;
      const y = emb[j];
      if (!x || !y) continue;
      const s = dot(x, y);
      if (same) genuine.push(s);
      else imp[ni++] = s;
    }
  }
  const sorted = imp.subarray(0, ni).sort();
  const tarAt = (far: number) => {
    const t = sorted[sorted.length - 1 - Math.floor(far * sorted.length)] ?? 1;
    return genuine.filter((g) => g > t).length / totalGenuine;
  };
  // Open set: first half of each person's photos enrolled, the rest mated probes; singletons non-mated.
  const byId = new Map<string, number[]>();
  photos.forEach((p, i) => byId.set(p.identity, [...(byId.get(p.identity) ?? []), i]));
  const gallery: { id: string; v: Float32Array }[] = [];
  const mated: { id: string; i: number }[] = [];
  const nonMated: number[] = [];
  for (const [id, list] of byId) {
    if (list.length === 1) {
      nonMated.push(list[0]!);
      continue;
    }
    const enrolled = Math.max(1, Math.floor(list.length / 2));
    for (const i of list.slice(0, enrolled)) if (emb[i]) gallery.push({ id, v: emb[i] });
    for (const i of list.slice(enrolled)) mated.push({ id, i });
  }
  const best = (v: Float32Array) => {
    const per = new Map<string, number>();
    for (const g of gallery) per.set(g.id, Math.max(per.get(g.id) ?? -Infinity, dot(v, g.v)));
    let bid = '';
    let bs = -Infinity;
    for (const [id, s] of per)
      if (s > bs) {
        bs = s;
        bid = id;
      }
    return { id: bid, s: bs };
  };
  let rank1 = 0;
  const matedScores = mated.map((m) => {
    const v = emb[m.i];
    if (!v) return -Infinity;
    const b = best(v);
    if (b.id === m.id) rank1++;
    return b.id === m.id ? b.s : -Infinity;
  });
  const non = nonMated.map((i) => (emb[i] ? best(emb[i]).s : -Infinity)).sort((a, b) => b - a);
  const t1 = non[Math.floor(0.01 * non.length)] ?? -Infinity;
  return {
    pair_acc: r(correct / items.length),
    tar_1e3: r(tarAt(1e-3)),
    tar_1e4: r(tarAt(1e-4)),
    missed_1e3: Math.round(totalGenuine * (1 - tarAt(1e-3))),
    rank1: r(rank1 / mated.length),
    fnir_1e2: r(matedScores.filter((s) => !(s > t1)).length / matedScores.length),
  };
}

/**
 * Similarity fit over the 51 inner points (brows, nose, eyes, mouth; the jaw contour slides with
 * yaw) onto their mean shape in the 112 px frame, the mean taken over all photos after the
 * 5-point alignment (one generalised-Procrustes step; no labels used).
 */
async function procrustes() {
  const photos = listPhotos(dataDir);
  const det = await session('fr_detect.onnx');
  const lm = await session('fr_landmark.onnx');
  const feat = await session('fr_feature.onnx');
  const pts68: (Point[] | undefined)[] = [];
  for (const photo of photos) {
    const img = await decodeImage(readFileSync(join(dataDir, photo.path)));
    const boxes = await detectBoxes(det, img);
    if (boxes.length === 0) {
      pts68.push(undefined);
      continue;
    }
    const d = (b: (typeof boxes)[number]) =>
      Math.hypot(b.box.x + b.box.width / 2 - img.width / 2, b.box.y + b.box.height / 2 - img.height / 2);
    const box = [...boxes].sort((a, b) => d(a) - d(b))[0]!.box;
    const side = box.height;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    pts68.push(await landmarks68(lm, img, cx, cy, side));
  }
  const five = (r: Point[]): Point[] => [
    mean(r[37]!, r[38]!, r[40]!, r[41]!),
    mean(r[43]!, r[44]!, r[46]!, r[47]!),
    r[30]!,
    mean(r[48]!, r[60]!),
    mean(r[54]!, r[64]!),
  ];
  const inner = (r: Point[]) => r.slice(17);
  const acc = Array.from({ length: 51 }, () => [0, 0]);
  let count = 0;
  for (const pts of pts68) {
    if (!pts) continue;
    const m = estimateSimilarity(five(pts), ARCFACE_TEMPLATE_112);
    inner(pts).forEach((p, i) => {
      acc[i]![0]! += m[0] * p[0] + m[1] * p[1] + m[2];
      acc[i]![1]! += m[3] * p[0] + m[4] * p[1] + m[5];
    });
    count++;
  }
  const meanShape: Point[] = acc.map(([x, y]) => [x! / count, y! / count]);
  const out = new Float32Array(photos.length * 2 * DIM);
  for (const [k, photo] of photos.entries()) {
    const pts = pts68[k];
    if (!pts) continue;
    const img = await decodeImage(readFileSync(join(dataDir, photo.path)));
    const crop = warpAffine(img, invertAffine(estimateSimilarity(inner(pts), meanShape)), 112, 112);
    for (const [j, mirror] of [false, true].entries()) {
      const x = toNchw(crop, 112, 112, 127, 128, mirror, 'bgr');
      out.set(
        (await feat.run({ input: new ort.Tensor('float32', x, [1, 3, 112, 112]) })).output!
          .data as Float32Array,
        (k * 2 + j) * DIM,
      );
    }
    if ((k + 1) % 500 === 0) console.error(`${k + 1}/${photos.length}`);
  }
  writeFileSync(join(cacheDir, 'procrustes.f32'), Buffer.from(out.buffer));
}

function scoreProcrustes() {
  const photos = listPhotos(dataDir);
  const raw = new Float32Array(readFileSync(join(cacheDir, 'procrustes.f32')).buffer.slice(0));
  const pairs = readFileSync(join(dataDir, 'pairs.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .map(([kind, a, b]) => ({ a: a!, b: b!, same: kind === 'same' }));
  const index = new Map(photos.map((p, i) => [p.path, i]));
  const emb = photos.map((_, k) => {
    const x = raw.slice(k * 2 * DIM, k * 2 * DIM + DIM);
    const y = raw.subarray(k * 2 * DIM + DIM, (k + 1) * 2 * DIM);
    for (let i = 0; i < DIM; i++) x[i]! += y[i]!;
    return norm(x);
  });
  console.log(
    JSON.stringify({ variant: 'procrustes51', fusion: 'sum-of-raw', ...metrics(photos, emb, pairs, index) }),
  );
}

if (mode === 'extract') await extract();
else if (mode === 'procrustes') await procrustes();
else if (mode === 'score-procrustes') scoreProcrustes();
else if (mode === 'score') score();
