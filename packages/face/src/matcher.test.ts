import { AppError } from '@clockface/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FaceGallery } from './matcher';

const DIM = 8;
/** A unit vector mostly along axis `axis`, tilted towards `towards` by `tilt`. */
function vec(axis: number, towards = (axis + 1) % DIM, tilt = 0): Float32Array {
  const v = new Float32Array(DIM);
  v[axis] = Math.cos(tilt);
  v[towards] = Math.sin(tilt);
  return v;
}

let gallery: FaceGallery | undefined;
afterEach(async () => gallery?.close());

describe('FaceGallery', () => {
  it('matches the right person among several templates each', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    gallery.add('alice', vec(0, 1, 0.1));
    gallery.add('alice', vec(0, 2, 0.2));
    gallery.add('bob', vec(3));
    expect(gallery.size).toBe(3);
    expect(gallery.personCount).toBe(2);
    const r = await gallery.identify(vec(0, 2, 0.15), { threshold: 0.5, margin: 0.1 });
    expect(r.status).toBe('match');
    expect(r.personId).toBe('alice');
    expect(r.best!.score).toBeCloseTo(Math.cos(0.05), 5);
    expect(r.runnerUp!.personId).toBe('bob');
  });

  it('answers unknown for a stranger instead of the nearest person (open set)', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    gallery.add('alice', vec(0));
    gallery.add('bob', vec(1));
    const stranger = vec(5, 0, 0.3); // cos 0.3 with alice's axis: nearest, but far
    const r = await gallery.identify(stranger, { threshold: 0.4, margin: 0.05 });
    expect(r).toMatchObject({ status: 'unknown', reason: 'below-threshold', best: { personId: 'alice' } });
    expect(r.personId).toBeUndefined();
  });

  it('refuses when the best person does not beat the runner-up by the margin', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    gallery.add('twin-a', vec(0, 1, 0.3));
    gallery.add('twin-b', vec(1, 0, Math.PI / 2 - 0.36)); // almost as close to the probe
    const probe = vec(0, 1, 0.33);
    const r = await gallery.identify(probe, { threshold: 0.5, margin: 0.1 });
    expect(r.status).toBe('unknown');
    expect(r.reason).toBe('ambiguous');
    // Another template of the same person never counts as the runner-up.
    gallery.remove('twin-b');
    gallery.add('twin-a', vec(0, 1, 0.35));
    const again = await gallery.identify(probe, { threshold: 0.5, margin: 0.1 });
    expect(again.status).toBe('match');
    expect(again.runnerUp).toBeUndefined();
  });

  it('wipe zeroes every template and forgets every person', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    gallery.add('alice', vec(0));
    gallery.add('bob', vec(1));
    gallery.wipe();
    expect(gallery.size).toBe(0);
    expect(gallery.personCount).toBe(0);
    expect(await gallery.identify(vec(0), { threshold: 0, margin: 0 })).toMatchObject({
      status: 'unknown',
      reason: 'empty-gallery',
    });
    const buffer = (gallery as unknown as { data: Float32Array }).data;
    expect(buffer.every((value) => value === 0)).toBe(true);
    // Still usable afterwards (a re-provisioned kiosk gets a new roster).
    gallery.add('carol', vec(2));
    expect((await gallery.identify(vec(2), { threshold: 0.5, margin: 0.05 })).personId).toBe('carol');
  });

  it('an empty gallery knows nobody', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    expect(await gallery.identify(vec(0), { threshold: 0, margin: 0 })).toEqual({
      status: 'unknown',
      reason: 'empty-gallery',
    });
  });

  it('removes every template of a person and keeps the others contiguous', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    for (let i = 0; i < 300; i++) gallery.add(i % 3 === 0 ? 'gone' : `p${i}`, vec(i % DIM));
    expect(gallery.remove('gone')).toBe(100);
    expect(gallery.size).toBe(200);
    const r = await gallery.identify(vec(0), { threshold: 0.9, margin: 0 });
    expect(r.best!.personId).not.toBe('gone');
    expect(gallery.remove('gone')).toBe(0);
  });

  it('rejects templates from another model or of the wrong size', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    expect(() => gallery!.add('x', { modelId: 'm2', vector: vec(0), quality: 1 })).toThrow(AppError);
    expect(() => gallery!.add('x', new Float32Array(DIM + 1))).toThrow(/8-d/);
    await expect(gallery.scores(new Float32Array(3))).rejects.toThrow(/8-d probe/);
  });

  it('reports look-alikes closer than the safe margin', async () => {
    gallery = await FaceGallery.create('m1', DIM);
    gallery.add('ann', vec(0));
    gallery.add('ann-sister', vec(0, 1, 0.9)); // cos 0.62
    gallery.add('carl', vec(4));
    const pairs = await gallery.lookAlikes({ threshold: 0.7, margin: 0.05, safeMargin: 0.1 });
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ personA: 'ann', personB: 'ann-sister' });
    expect(pairs[0]!.score).toBeCloseTo(Math.cos(0.9), 5);
    expect(await gallery.lookAlikes({ threshold: 0.7, margin: 0.05, safeMargin: 0.1 }, 'carl')).toEqual([]);
  });

  it('the 4-bit coarse pass with exact rescoring gives the exact answer', async () => {
    const dim = 64;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const unit = () => {
      const v = Float32Array.from({ length: dim }, rand);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const exact = await FaceGallery.create('m', dim, { coarseMinRows: Number.POSITIVE_INFINITY });
    const coarse = await FaceGallery.create('m', dim, { coarseMinRows: 1 });
    gallery = coarse;
    try {
      const people: Float32Array[] = [];
      for (let i = 0; i < 600; i++) {
        const v = unit();
        people.push(v);
        exact.add(`p${i % 200}`, v);
        coarse.add(`p${i % 200}`, v);
      }
      exact.remove('p7');
      coarse.remove('p7');
      for (let q = 0; q < 20; q++) {
        // A noisy copy of a stored template, so there is a clear best and a real runner-up.
        const base = people[q * 29]!;
        const probe = base.map((x, k) => x + 0.05 * Math.sin(q + k));
        const options = { threshold: 0.3, margin: 0.05 };
        const a = await exact.identify(probe, options);
        const b = await coarse.identify(probe, options);
        expect(b.status).toBe(a.status);
        expect(b.best?.personId).toBe(a.best?.personId);
        expect(b.best!.score).toBeCloseTo(a.best!.score, 5);
        expect(b.runnerUp?.personId).toBe(a.runnerUp?.personId);
      }
    } finally {
      await exact.close();
    }
  });

  it('two-stage decisions equal the exhaustive search on clustered 512-d galleries (randomized)', async () => {
    // 12,000 templates: 2,400 people × 5 noisy samples around their own centre, people grouped in
    // families of 4 whose centres share a component (look-alikes at cosine ≈ 0.3–0.5), so many
    // queries have a close runner-up. Probes: fresh samples of enrolled people and strangers
    // from the same families. Every decision (status, person, reason) and the best person must
    // equal the exhaustive float32 search's.
    const dim = 512;
    let seed = 12_345;
    const uniform = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const gauss = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
    const randomUnit = () => normalize(Float32Array.from({ length: dim }, gauss));
    const normalize = (v: Float32Array) => {
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n);
      return v.map((x) => x / n);
    };
    const mix = (parts: [Float32Array, number][]) => {
      const v = new Float32Array(dim);
      for (const [p, w] of parts) for (let k = 0; k < dim; k++) v[k] = v[k]! + w * p[k]!;
      return normalize(v);
    };
    const families = Array.from({ length: 700 }, randomUnit);
    const centre = (i: number) =>
      mix([
        [families[i % 700]!, 0.45 + 0.3 * uniform()],
        [randomUnit(), 1],
      ]);
    const sample = (c: Float32Array) =>
      mix([
        [c, 1],
        [randomUnit(), 0.55 + 0.5 * uniform()],
      ]);
    const exact = await FaceGallery.create('m', dim, { coarseMinRows: Number.POSITIVE_INFINITY });
    const coarse = await FaceGallery.create('m', dim, { coarseMinRows: 1 });
    gallery = coarse;
    try {
      const centres: Float32Array[] = [];
      for (let i = 0; i < 2400; i++) {
        centres.push(centre(i));
        for (let t = 0; t < 5; t++) {
          const v = sample(centres[i]!);
          exact.add(`p${i}`, v);
          coarse.add(`p${i}`, v);
        }
      }
      const queries = 1200;
      let differ = 0;
      let matches = 0;
      let ambiguous = 0;
      for (let q = 0; q < queries; q++) {
        const probe = q % 3 === 2 ? sample(centre(q)) : sample(centres[(q * 7) % 2400]!);
        const options = { threshold: 0.4, margin: 0.08 };
        const a = await exact.identify(probe, options);
        const b = await coarse.identify(probe, options);
        if (a.status === 'match') matches++;
        if (a.reason === 'ambiguous') ambiguous++;
        const same =
          a.status === b.status &&
          a.personId === b.personId &&
          a.reason === b.reason &&
          a.best?.personId === b.best?.personId &&
          Math.abs(a.best!.score - b.best!.score) < 1e-5;
        if (!same) differ++;
      }
      // The test must exercise both outcomes, including near-ties.
      expect(matches).toBeGreaterThan(queries / 3);
      expect(ambiguous).toBeGreaterThan(10);
      expect(differ / queries).toBeLessThanOrEqual(0.001);
    } finally {
      await exact.close();
    }
  }, 120_000);
});
