/** Human (blazeface + mesh + iris) in a worker, with fr_feature and with faceres, the clean-provenance embedder. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceEngine } from './engine';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

const engines: FaceEngine[] = [];
afterAll(async () => Promise.all(engines.map((e) => e.close())));

describe.each([
  ['fr_feature', 'fr_feature-87aacdfe-bgr-flip', 0.4],
  ['faceres', 'human-faceres-3.3.6', 0.68],
] as const)('Human landmarks + %s', (embedder, modelId, threshold) => {
  it('tells person A from person B and reports pose and eyes', async () => {
    const engine = await FaceEngine.start({ detector: 'human', embedder });
    engines.push(engine);
    expect(engine.modelId).toBe(modelId);
    const [a1, a5, b2] = await Promise.all(
      ['person-a-1.jpg', 'person-a-5.jpg', 'person-b-2.jpg'].map((f) => engine.analyze(fixture(f))),
    );
    for (const a of [a1, a5, b2]) {
      expect(a!.quality.ok).toBe(true);
      expect(a!.quality.eyeAspect).toBeGreaterThan(0.2);
      expect(Math.abs(a!.face!.pose.yaw)).toBeLessThan(25);
      expect(a!.passive?.humanReal).toBeGreaterThan(0);
    }
    expect(dot(a1!.template!.vector, a5!.template!.vector)).toBeGreaterThan(threshold);
    expect(dot(a1!.template!.vector, b2!.template!.vector)).toBeLessThan(threshold);
  });
});
