import { describe, expect, it } from 'vitest';
import {
  alignFace,
  applyAffine,
  ARCFACE_TEMPLATE_112,
  estimateSimilarity,
  invertAffine,
  squareCrop,
  warpAffine,
} from './align';
import type { Point, RgbImage } from './types';

const rotateScale = (p: Point, deg: number, s: number, tx: number, ty: number): Point => {
  const r = (deg * Math.PI) / 180;
  return [
    s * (Math.cos(r) * p[0] - Math.sin(r) * p[1]) + tx,
    s * (Math.sin(r) * p[0] + Math.cos(r) * p[1]) + ty,
  ];
};

describe('estimateSimilarity', () => {
  it('recovers an exact rotation, scale and translation', () => {
    const from = ARCFACE_TEMPLATE_112.map((p) => rotateScale(p, 20, 1.7, 30, -12));
    const m = estimateSimilarity(from, ARCFACE_TEMPLATE_112);
    from.forEach((p, i) => {
      const q = applyAffine(m, p);
      expect(q[0]).toBeCloseTo(ARCFACE_TEMPLATE_112[i]![0], 6);
      expect(q[1]).toBeCloseTo(ARCFACE_TEMPLATE_112[i]![1], 6);
    });
    // Scale of the fitted map is the inverse of the applied one.
    expect(Math.hypot(m[0], m[3])).toBeCloseTo(1 / 1.7, 6);
  });

  it('never reflects, even when the points are mirrored', () => {
    const mirrored = ARCFACE_TEMPLATE_112.map(([x, y]) => [112 - x, y] as Point);
    const m = estimateSimilarity(mirrored, ARCFACE_TEMPLATE_112);
    expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThanOrEqual(0);
  });

  it('rejects degenerate input', () => {
    expect(() =>
      estimateSimilarity(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow(/coincide/);
    expect(() => estimateSimilarity([[1, 1]], [[0, 0]])).toThrow(RangeError);
  });
});

describe('warps', () => {
  it('inverts an affine', () => {
    const m = estimateSimilarity(
      ARCFACE_TEMPLATE_112.map((p) => rotateScale(p, -35, 0.6, 5, 9)),
      ARCFACE_TEMPLATE_112,
    );
    const p: Point = [17, 42];
    const back = applyAffine(invertAffine(m), applyAffine(m, p));
    expect(back[0]).toBeCloseTo(17, 9);
    expect(back[1]).toBeCloseTo(42, 9);
  });

  it('an identity crop copies pixels, and outside the source is black', () => {
    const data = new Uint8Array(8 * 8 * 3).map((_, i) => i % 251);
    const image: RgbImage = { width: 8, height: 8, data };
    expect(warpAffine(image, [1, 0, 0, 0, 1, 0], 8, 8)).toEqual(data);
    const shifted = warpAffine(image, [1, 0, 100, 0, 1, 0], 4, 4);
    expect(shifted.every((v) => v === 0)).toBe(true);
  });

  it('the warp equals a plain per-channel bilinear reference, bit for bit (rotated, scaled, off the edge)', () => {
    const sw = 61;
    const sh = 47;
    const data = Uint8Array.from({ length: sw * sh * 3 }, (_, i) => (i * 2654435761) >>> 24);
    const image: RgbImage = { width: sw, height: sh, data };
    const at = (x: number, y: number, c: number) =>
      x >= 0 && y >= 0 && x < sw && y < sh ? data[(y * sw + x) * 3 + c]! : 0;
    const reference = (m: number[], w: number, h: number) => {
      const out = new Uint8Array(w * h * 3);
      const grid = Math.sqrt(Math.abs(m[0]! * m[4]! - m[1]! * m[3]!)) > 1.5 ? 2 : 1;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let gy = 0; gy < grid; gy++)
              for (let gx = 0; gx < grid; gx++) {
                const ox = x + (gx + 0.5) / grid - 0.5;
                const oy = y + (gy + 0.5) / grid - 0.5;
                const sx = m[0]! * ox + m[1]! * oy + m[2]!;
                const sy = m[3]! * ox + m[4]! * oy + m[5]!;
                const x0 = Math.floor(sx);
                const y0 = Math.floor(sy);
                const wx = sx - x0;
                const wy = sy - y0;
                sum +=
                  (at(x0, y0, c) * (1 - wx) + at(x0 + 1, y0, c) * wx) * (1 - wy) +
                  (at(x0, y0 + 1, c) * (1 - wx) + at(x0 + 1, y0 + 1, c) * wx) * wy;
              }
            out[(y * w + x) * 3 + c] = Math.round(sum / (grid * grid));
          }
      return out;
    };
    for (const [angle, scale, tx, ty] of [
      [0.3, 0.7, 5.5, -3.2],
      [-1.1, 2.3, 20, 10],
      [2.5, 1.2, 70, 60],
    ] as const) {
      const m = [
        scale * Math.cos(angle),
        -scale * Math.sin(angle),
        tx,
        scale * Math.sin(angle),
        scale * Math.cos(angle),
        ty,
      ] as const;
      expect(warpAffine(image, m, 40, 33)).toEqual(reference([...m], 40, 33));
    }
  });

  it('squareCrop maps the crop onto the requested square', () => {
    const m = squareCrop(50, 60, 40, 64);
    // Pixel centres of the first and last crop pixels sit half a source step inside the square.
    expect(applyAffine(m, [0, 0])[0]).toBeCloseTo(30 + 40 / 64 / 2 - 0.5, 9);
    expect(applyAffine(m, [63, 63])[1]).toBeCloseTo(80 - 40 / 64 / 2 - 0.5, 9);
  });

  it('alignFace puts the five points on the ArcFace template', () => {
    // A synthetic face: five bright dots placed by a known similarity transform.
    const width = 300;
    const height = 300;
    const data = new Uint8Array(width * height * 3);
    const points = ARCFACE_TEMPLATE_112.map((p) => rotateScale(p, 15, 2.2, 60, 20));
    for (const [x, y] of points) {
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          data.fill(
            255,
            ((Math.round(y) + dy) * width + Math.round(x) + dx) * 3,
            ((Math.round(y) + dy) * width + Math.round(x) + dx) * 3 + 3,
          );
    }
    const { crop, srcToDst } = alignFace({ width, height, data }, points);
    for (const [i, p] of points.entries()) {
      const q = applyAffine(srcToDst, p);
      expect(Math.hypot(q[0] - ARCFACE_TEMPLATE_112[i]![0], q[1] - ARCFACE_TEMPLATE_112[i]![1])).toBeLessThan(
        1e-6,
      );
      const [tx, ty] = ARCFACE_TEMPLATE_112[i]!.map(Math.round) as [number, number];
      expect(crop[(ty * 112 + tx) * 3]).toBeGreaterThan(100);
    }
  });
});
