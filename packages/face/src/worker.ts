/**
 * @module The worker-thread side of FaceEngine: owns one FacePipeline (models loaded once) and
 * answers analyze requests, so inference never blocks the caller's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '@clockface/core';
import { FacePipeline, type AnalyzeOptions, type PipelineOptions } from './pipeline';
import type { RgbImage } from './types';

export type WorkerRequest =
  | { id: number; method: 'analyze'; input: Uint8Array | RgbImage; options: AnalyzeOptions }
  | { id: number; method: 'close' };

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ReturnType<AppError['toJSON']> };

const port = parentPort!;
let pipeline: FacePipeline;
try {
  pipeline = await FacePipeline.create(workerData as PipelineOptions);
  port.postMessage({ ready: true, modelId: pipeline.modelId });
} catch (error) {
  port.postMessage({ ready: false, error: AppError.parse(error).toJSON() });
  process.exit(1);
}

// One request at a time: the models are single-threaded and a queue keeps latency predictable.
let chain = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  chain = chain.then(async () => {
    try {
      if (request.method === 'close') {
        await pipeline.close();
        port.postMessage({ id: request.id, ok: true, result: null } satisfies WorkerResponse);
        port.close();
        return;
      }
      const result = await pipeline.analyze(request.input, request.options);
      port.postMessage({ id: request.id, ok: true, result } satisfies WorkerResponse);
    } catch (error) {
      const appError = error instanceof AppError ? error : AppError.parse(error);
      port.postMessage({ id: request.id, ok: false, error: appError.toJSON() } satisfies WorkerResponse);
    }
  });
});
