/**
 * A small accuracy smoke test on the shared LFW development set (../shared/faces/dev). The set is
 * evaluation-only and never committed, so this suite skips when it is absent (a fresh clone).
 * The real figures come from `pnpm bench:face`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceEngine } from '../src/engine';
import { FR_FEATURE_MATCH } from '../src/matcher';

const DEV = new URL('../../../../shared/faces/dev/', import.meta.url);
const hasDev = existsSync(new URL('pairs.tsv', DEV));
/** Pairs taken from the file: every 100th same and diff pair (20 pairs, 40 photos). */
const STEP = 100;

describe.skipIf(!hasDev)('LFW dev pairs (smoke)', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await FaceEngine.start();
  });
  afterAll(async () => engine?.close());

  it('verifies a sample of the pairs at the default threshold', async () => {
    const lines = readFileSync(new URL('pairs.tsv', DEV), 'utf8').trim().split('\n');
    const sample = lines
      .filter((_, i) => i % STEP === 0)
      .map((l) => l.split('\t') as [string, string, string]);
    let correct = 0;
    for (const [kind, a, b] of sample) {
      const [x, y] = await Promise.all(
        [a, b].map((p) =>
          engine.analyze(readFileSync(new URL(p, DEV)), { pick: 'center', embedDespiteQuality: true }),
        ),
      );
      const score =
        x!.template && y!.template
          ? x!.template.vector.reduce((s, v, i) => s + v * y!.template!.vector[i]!, 0)
          : -1;
      if (score >= FR_FEATURE_MATCH.threshold === (kind === 'same')) correct++;
    }
    // At a 1:N threshold (FAR ≈ 1e-4) a few same pairs fall below; the bench reports the real rate.
    expect(correct / sample.length).toBeGreaterThanOrEqual(0.85);
  }, 120_000);
});
