import type { AppError } from '@clockface/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS_DIR, loadFaceConfig } from './config';

describe('loadFaceConfig', () => {
  it('defaults to UltraFace landmarks and fr_feature', () => {
    expect(loadFaceConfig({})).toEqual({
      modelsDir: DEFAULT_MODELS_DIR,
      detector: 'ultraface',
      embedder: 'fr_feature',
      threads: 1,
    });
  });

  it('reports every bad key at once', () => {
    let error: AppError | undefined;
    try {
      loadFaceConfig({ CLOCKFACE_FACE_DETECTOR: 'yunet', CLOCKFACE_FACE_THREADS: 'many' });
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe('VALIDATION_FAILED');
    expect(error?.issues?.map((i) => i.path)).toEqual(['CLOCKFACE_FACE_DETECTOR', 'CLOCKFACE_FACE_THREADS']);
  });

  it('refuses faceres without Human', () => {
    expect(() =>
      loadFaceConfig({ CLOCKFACE_FACE_DETECTOR: 'ultraface', CLOCKFACE_FACE_EMBEDDER: 'faceres' }),
    ).toThrow(/faceres/);
  });
});
