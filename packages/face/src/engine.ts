/**
 * @module FaceEngine: the face pipeline behind a worker thread. The kiosk agent and the hub use
 * this; models load once per engine and inference never runs on the caller's event loop.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '@clockface/core';
import { DEFAULT_MODELS_DIR } from './config';
import { enrollWith, type EnrollmentResult, type EnrollOptions } from './enrollment';
import { DEFAULT_PIPELINE, type AnalyzeOptions, type PipelineOptions } from './pipeline';
import type { FaceAnalysis, RgbImage } from './types';
import type { WorkerRequest, WorkerResponse } from './worker';

export type FaceEngineOptions = Partial<PipelineOptions>;

/** fr_feature's and faceres's "same person" floors for enrollment consistency (see enrollment.ts). */
const SAME_PERSON_MIN = { fr_feature: 0.25, faceres: 0.55 } as const;

/**
 * The worker is TypeScript when this package runs from source. Under tsx the worker inherits the
 * loader; elsewhere (vitest, plain node) register tsx inside the worker before importing it.
 */
function spawnWorker(options: PipelineOptions): Worker {
  const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { workerData: options });
  // The ESM entry of tsx's API: its CJS entry cannot register ESM hooks from an eval'd worker.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

export class FaceEngine {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly modelId: string,
    readonly options: PipelineOptions,
  ) {
    worker.on('message', (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(AppError.parse(msg.error));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`The face worker exited with code ${code}.`));
    });
  }

  /**
   * Starts a worker and loads the models; resolves when it is ready to analyze.
   * @example
   * const engine = await FaceEngine.start({ detector: 'human', embedder: 'fr_feature' });
   * const { template, quality } = await engine.analyze(jpegBytes);
   */
  static async start(options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const full: PipelineOptions = { ...DEFAULT_PIPELINE, modelsDir: DEFAULT_MODELS_DIR, ...options };
    if (full.embedder === 'faceres') full.mirror = false;
    const worker = spawnWorker(full);
    const modelId = await new Promise<string>((resolve, reject) => {
      const onMessage = (msg: { ready?: boolean; modelId?: string; error?: unknown }) => {
        if (msg.ready === undefined) return;
        worker.off('message', onMessage);
        if (msg.ready) resolve(msg.modelId!);
        else reject(AppError.parse(msg.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(
          new AppError('SERVICE_UNAVAILABLE', {
            message: `The face worker exited with code ${code} while loading.`,
          }),
        ),
      );
    });
    return new FaceEngine(worker, modelId, full);
  }

  /** Runs the whole pipeline on one image (encoded bytes or raw RGB). */
  analyze(input: Uint8Array | RgbImage, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    return this.call({ method: 'analyze', input, options }) as Promise<FaceAnalysis>;
  }

  /**
   * Enrollment from 1–5 photos: a verdict per photo and templates from the accepted ones. The
   * caller stores the templates (with `modelId`) and discards the photos unless the org opted in.
   */
  enrollFromPhotos(photos: readonly Uint8Array[], options: EnrollOptions = {}): Promise<EnrollmentResult> {
    return enrollWith((photo, o) => this.analyze(photo, o), this.modelId, photos, {
      samePersonMin: SAME_PERSON_MIN[this.options.embedder],
      ...options,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.call({ method: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  private call(
    request: WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never,
  ): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new AppError('SERVICE_UNAVAILABLE', { message: 'The face engine is closed.' }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private failAll(error: unknown): void {
    const appError =
      error instanceof AppError
        ? error
        : new AppError('SERVICE_UNAVAILABLE', { message: (error as Error).message, cause: error });
    for (const p of this.pending.values()) p.reject(appError);
    this.pending.clear();
  }
}
