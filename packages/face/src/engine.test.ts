/**
 * Real models in a real worker thread, on the committed fixtures: person A (LivePortrait d13),
 * person B (d9) and a third person (the Silent-Face sample) as the distractor.
 */
import { readFileSync } from 'node:fs';
import { isAppError } from '@clockface/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceEngine } from './engine';
import { FaceGallery, FR_FEATURE_MATCH } from './matcher';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

let engine: FaceEngine;
let gallery: FaceGallery;

const templateOf = async (name: string) => {
  const a = await engine.analyze(fixture(name));
  expect(a.quality.reasons).toEqual([]);
  return a.template!;
};

beforeAll(async () => {
  engine = await FaceEngine.start({ detector: 'ultraface', embedder: 'fr_feature', passive: true });
  gallery = await FaceGallery.create(engine.modelId, 512);
  gallery.add('person-a', await templateOf('person-a-1.jpg'));
  gallery.add('person-b', await templateOf('person-b-2.jpg'));
});

afterAll(async () => {
  await gallery?.close();
  await engine?.close();
});

describe('FaceEngine (UltraFace + fr_feature, worker thread)', () => {
  it('returns an L2-normalised 512-d template tagged with the model id', async () => {
    const a = await engine.analyze(fixture('person-a-5.jpg'));
    expect(a.faceCount).toBe(1);
    expect(a.template!.modelId).toBe('fr_feature-87aacdfe-bgr-flip');
    const norm = Math.hypot(...a.template!.vector);
    expect(norm).toBeCloseTo(1, 5);
    expect(a.passive!.combined).toBeGreaterThan(0.5);
    expect(a.timings.totalMs).toBeGreaterThan(0);
  });

  it('matches the same person across frames', async () => {
    for (const [frame, person] of [
      ['person-a-5.jpg', 'person-a'],
      ['person-a-9.jpg', 'person-a'],
      ['frame-640x480.jpg', 'person-a'],
      ['person-b-8.jpg', 'person-b'],
      ['person-b-14.jpg', 'person-b'],
    ] as const) {
      const r = await gallery.identify((await templateOf(frame)).vector, FR_FEATURE_MATCH);
      expect(r, frame).toMatchObject({ status: 'match', personId: person });
    }
  });

  it('does not take one person for the other', async () => {
    const onlyA = await FaceGallery.create(engine.modelId, 512);
    try {
      onlyA.add('person-a', await templateOf('person-a-1.jpg'));
      onlyA.add('person-a', await templateOf('person-a-5.jpg'));
      for (const frame of ['person-b-2.jpg', 'person-b-8.jpg', 'person-b-14.jpg']) {
        const r = await onlyA.identify((await templateOf(frame)).vector, FR_FEATURE_MATCH);
        expect(r.status, frame).toBe('unknown');
      }
    } finally {
      await onlyA.close();
    }
  });

  it('answers unknown for a distractor nobody enrolled', async () => {
    const r = await gallery.identify((await templateOf('antispoof-real.jpg')).vector, FR_FEATURE_MATCH);
    expect(r).toMatchObject({ status: 'unknown', reason: 'below-threshold' });
  });

  it('the two-stage search gives the exhaustive answers for the fixtures among 40,000 distractors', async () => {
    // Real templates of A and B plus 40,000 random unit vectors (impostor-like: cosine ≈ 0 ± 0.05
    // with everything; this LCG repeats every ≈ 5,000 vectors, so there are exact score ties
    // between distractor people, which must resolve as in the exhaustive scan), searched with the 4-bit coarse pass (coarseMinRows 1) and exhaustively.
    const exact = await FaceGallery.create(engine.modelId, 512, { coarseMinRows: Number.POSITIVE_INFINITY });
    const twoStage = await FaceGallery.create(engine.modelId, 512, { coarseMinRows: 1 });
    try {
      let seed = 99;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      const enrolled = [
        ['person-a', 'person-a-1.jpg'],
        ['person-a', 'person-a-5.jpg'],
        ['person-b', 'person-b-2.jpg'],
      ] as const;
      for (const [person, frame] of enrolled) {
        const t = await templateOf(frame);
        exact.add(person, t);
        twoStage.add(person, t);
      }
      for (let i = 0; i < 40_000; i++) {
        const v = Float32Array.from({ length: 512 }, rand);
        const n = Math.hypot(...v);
        const u = v.map((x) => x / n);
        exact.add(`d${i % 10_000}`, u);
        twoStage.add(`d${i % 10_000}`, u);
      }
      const probes = [
        'person-a-9.jpg',
        'frame-640x480.jpg',
        'person-b-8.jpg',
        'person-b-14.jpg',
        'antispoof-real.jpg',
      ];
      for (const frame of probes) {
        const probe = (await templateOf(frame)).vector;
        for (const options of [FR_FEATURE_MATCH, { threshold: 0.2, margin: 0.3 }]) {
          const a = await exact.identify(probe, options);
          const b = await twoStage.identify(probe, options);
          // Same decision and people; scores equal up to float32 summation order.
          expect({ ...b, best: b.best?.personId, runnerUp: b.runnerUp?.personId }, frame).toEqual({
            ...a,
            best: a.best?.personId,
            runnerUp: a.runnerUp?.personId,
          });
          expect(b.best!.score).toBeCloseTo(a.best!.score, 5);
          expect(b.runnerUp!.score).toBeCloseTo(a.runnerUp!.score, 5);
        }
      }
    } finally {
      await exact.close();
      await twoStage.close();
    }
  }, 120_000);

  it('flags the two look-alike young men with glasses for a PIN at enrollment', async () => {
    // A and B score about 0.3–0.4 against each other: below the threshold, inside the safe margin.
    const pairs = await gallery.lookAlikes({ ...FR_FEATURE_MATCH, safeMargin: 0.15 });
    expect(pairs.map((p) => [p.personA, p.personB])).toEqual([['person-a', 'person-b']]);
  });

  it('refuses broken images with a clear error', async () => {
    const error = await engine.analyze(fixture('person-a-1.jpg').subarray(0, 500)).catch((e: unknown) => e);
    expect(isAppError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/Could not decode the image/);
  });
});

describe('enrollFromPhotos', () => {
  it('gives every photo a verdict and templates for the accepted ones', async () => {
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#777' } })
      .jpeg()
      .toBuffer();
    const small = await sharp(fixture('person-a-1.jpg')).resize(80).jpeg().toBuffer();
    const blurred = await sharp(fixture('person-a-9.jpg')).blur(6).jpeg().toBuffer();
    const two = await sharp({ create: { width: 768, height: 360, channels: 3, background: '#000' } })
      .composite([
        { input: fixture('person-b-2.jpg'), left: 0, top: 0 },
        { input: fixture('person-b-8.jpg'), left: 384, top: 0 },
      ])
      .jpeg()
      .toBuffer();
    const r = await engine.enrollFromPhotos([fixture('person-a-1.jpg'), grey, small, blurred, two]);
    expect(r.photos.map((p) => p.verdict)).toEqual([
      'accepted',
      'no-face',
      'too-small',
      'blurry',
      'several-faces',
    ]);
    expect(r.photos[2]!.message).toBe('Move closer to the camera.');
    expect(r.templates).toHaveLength(1);
    expect(r.modelId).toBe(engine.modelId);
  });

  it('refuses a photo of somebody else and keeps the consistent ones', async () => {
    const r = await engine.enrollFromPhotos([
      ...['person-a-1.jpg', 'person-a-5.jpg', 'antispoof-real.jpg', 'person-a-9.jpg'].map(fixture),
      new Uint8Array([1, 2, 3]),
    ]);
    expect(r.photos.map((p) => p.verdict)).toEqual([
      'accepted',
      'accepted',
      'different-person',
      'accepted',
      'unreadable',
    ]);
    expect(r.templates).toHaveLength(3);
  });

  it('takes 1 to 5 photos', async () => {
    await expect(engine.enrollFromPhotos([])).rejects.toThrow(/1 to 5 photos/);
    await expect(
      engine.enrollFromPhotos(Array.from({ length: 6 }, () => fixture('person-a-1.jpg'))),
    ).rejects.toThrow(/got 6/);
  });
});
