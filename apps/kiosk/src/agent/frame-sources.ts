/**
 * Camera frames behind one interface: a replay source (a directory of images, looping, at a set
 * frame rate) for tests, demos and benchmarks, a real webcam through node-webcam (fswebcam on
 * Linux), and frames posted by the kiosk renderer (the Electron shell's camera, through IPC).
 *
 * No frame is ever left on disk (BIO-03): the webcam's capture file is deleted as soon as it is read.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@clockface/core';

export interface Frame {
  /** 0, 1, 2, … in capture order (keeps counting across replay loops). */
  index: number;
  data: Buffer;
  mimeType: 'image/jpeg' | 'image/png';
  capturedAt: Date;
}

export interface FrameSource {
  readonly description: string;
  /** Yields frames until the signal aborts (or a finite source ends). */
  frames(signal?: AbortSignal): AsyncIterable<Frame>;
}

const MIME_BY_EXTENSION: Record<string, Frame['mimeType']> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
};

function validateFps(fps: number): void {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 1000) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected a frame rate between 0 and 1000 fps, got ${fps}`,
    });
  }
}

async function* paced<T>(
  items: () => Iterable<T> | AsyncIterable<T>,
  fps: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  const intervalMs = 1000 / fps;
  const startedAt = performance.now();
  let count = 0;
  for await (const item of items()) {
    // Schedule against the start time, not the previous frame, so slow consumers do not drift the rate.
    const due = startedAt + count * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
    if (signal?.aborted) return;
    count += 1;
    yield item;
  }
}

export interface ReplayFrameSourceOptions {
  directory: string;
  fps: number;
  /** Start again after the last image (default true). */
  loop?: boolean;
}

/** Replays the .jpg/.jpeg/.png files of a directory in name order. */
export function createReplayFrameSource(options: ReplayFrameSourceOptions): FrameSource {
  validateFps(options.fps);
  if (!existsSync(options.directory) || !statSync(options.directory).isDirectory()) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected a directory of images, got ${options.directory}`,
    });
  }
  const files = readdirSync(options.directory)
    .filter((name) => MIME_BY_EXTENSION[extname(name).toLowerCase()] !== undefined)
    .sort()
    .map((name) => join(options.directory, name));
  if (files.length === 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected .jpg, .jpeg or .png files in ${options.directory}, found none`,
    });
  }
  const isLooping = options.loop ?? true;
  return {
    description: `replay of ${files.length} images from ${options.directory} at ${options.fps} fps${isLooping ? ', looping' : ''}`,
    frames(signal) {
      function* loop(): Generator<Frame> {
        let index = 0;
        do {
          for (const file of files) {
            if (signal?.aborted) return;
            yield {
              index: index++,
              data: readFileSync(file),
              mimeType: MIME_BY_EXTENSION[extname(file).toLowerCase()]!,
              capturedAt: new Date(),
            };
          }
        } while (isLooping);
      }
      return swallowAbort(paced(loop, options.fps, signal));
    },
  };
}

/** An abort ends the stream quietly: shutdown is not an error. */
async function* swallowAbort<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  }
}

export interface WebcamFrameSourceOptions {
  fps: number;
  /** e.g. /dev/video0; default camera when omitted. */
  device?: string;
  width?: number;
  height?: number;
  /** PATH to look for fswebcam in (tests); defaults to the process PATH given by config. */
  searchPath?: string;
}

interface NodeWebcam {
  capture(location: string, callback: (error: Error | null, data: Buffer) => void): void;
}

/** True when `command` is an executable on the search path. */
export function isOnPath(command: string, searchPath: string): boolean {
  return searchPath
    .split(delimiter)
    .filter(Boolean)
    .some((folder) => existsSync(join(folder, command)));
}

/**
 * A real camera through node-webcam. On Linux it shells out to fswebcam, which must be installed
 * (`apt install fswebcam`); without it this fails at creation with a clear message.
 */
export function createWebcamFrameSource(options: WebcamFrameSourceOptions): FrameSource {
  validateFps(options.fps);
  if (process.platform === 'linux' && !isOnPath('fswebcam', options.searchPath ?? '')) {
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: 'The webcam source needs fswebcam on Linux (apt install fswebcam); it was not found on PATH',
    });
  }
  const require = createRequire(import.meta.url);
  const webcamModule = require('node-webcam') as { create(options: Record<string, unknown>): NodeWebcam };
  const camera = webcamModule.create({
    width: options.width ?? 640,
    height: options.height ?? 480,
    quality: 90,
    frames: 1,
    delay: 0,
    saveShots: false,
    output: 'jpeg',
    device: options.device ?? false,
    callbackReturn: 'buffer',
    verbose: false,
  });
  return {
    description: `webcam ${options.device ?? '(default)'} at ${options.fps} fps`,
    frames(signal) {
      async function* capture(): AsyncGenerator<Frame> {
        const folder = mkdtempSync(join(tmpdir(), 'clockface-frame-'));
        try {
          for (let index = 0; !signal?.aborted; index += 1) {
            const location = join(folder, 'frame.jpg');
            const data = await new Promise<Buffer>((resolvePromise, reject) =>
              camera.capture(location, (error, buffer) => (error ? reject(error) : resolvePromise(buffer))),
            );
            rmSync(location, { force: true });
            yield { index, data, mimeType: 'image/jpeg', capturedAt: new Date() };
          }
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      }
      return swallowAbort(paced(capture, options.fps, signal));
    },
  };
}

/** Largest frame the renderer may post: a 1280×720 JPEG is ~100–300 KB. */
export const MAX_POSTED_FRAME_BYTES = 4 * 1024 * 1024;

export interface PostedFrame {
  data: Uint8Array;
  mimeType: Frame['mimeType'];
  capturedAt?: Date;
}

export type PostFrameResult =
  | { accepted: true; droppedOlder: boolean }
  | { accepted: false; reason: 'closed' | 'empty' | 'too_large' | 'not_an_image' };

export interface PostedFrameSource extends FrameSource {
  /** Hands over one frame from the renderer. Never throws; a refused frame says why. */
  post(frame: PostedFrame): PostFrameResult;
  /** Ends the stream (the window closed, the agent stops). */
  close(): void;
  /** Frames replaced by a newer one before the recognizer took them. */
  readonly dropped: number;
}

const IMAGE_SIGNATURES: Record<Frame['mimeType'], number[]> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

/**
 * Frames posted by the kiosk renderer. The renderer captures at its own pace; the recognizer takes
 * frames as fast as it can. The queue holds at most `maxQueued` frames (default 2) and drops the
 * oldest when a newer one arrives, so a slow recognizer sees the latest face, not a backlog.
 * Frames stay in memory only (BIO-03). One consumer at a time.
 */
export function createPostedFrameSource(options: { maxQueued?: number } = {}): PostedFrameSource {
  const maxQueued = options.maxQueued ?? 2;
  if (!Number.isInteger(maxQueued) || maxQueued < 1) {
    throw new AppError('VALIDATION_FAILED', { message: `Expected maxQueued ≥ 1, got ${maxQueued}` });
  }
  const queue: Omit<Frame, 'index'>[] = [];
  let wake: (() => void) | undefined;
  let isClosed = false;
  let dropped = 0;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    description: 'frames posted by the kiosk renderer',
    get dropped() {
      return dropped;
    },
    post(frame) {
      if (isClosed) return { accepted: false, reason: 'closed' };
      if (frame.data.byteLength === 0) return { accepted: false, reason: 'empty' };
      if (frame.data.byteLength > MAX_POSTED_FRAME_BYTES) return { accepted: false, reason: 'too_large' };
      const signature = IMAGE_SIGNATURES[frame.mimeType];
      if (!signature || !signature.every((byte, at) => frame.data[at] === byte)) {
        return { accepted: false, reason: 'not_an_image' };
      }
      const droppedOlder = queue.length >= maxQueued;
      if (droppedOlder) {
        queue.shift();
        dropped += 1;
      }
      // A copy: the sender's buffer may be transferred or reused.
      queue.push({
        data: Buffer.from(frame.data),
        mimeType: frame.mimeType,
        capturedAt: frame.capturedAt ?? new Date(),
      });
      notify();
      return { accepted: true, droppedOlder };
    },
    close() {
      isClosed = true;
      queue.length = 0;
      notify();
    },
    frames(signal) {
      return (async function* () {
        let index = 0;
        const onAbort = () => notify();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          while (!isClosed && !signal?.aborted) {
            const next = queue.shift();
            if (next) {
              yield { index: index++, ...next };
              continue;
            }
            await new Promise<void>((resolvePromise) => (wake = resolvePromise));
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      })();
    },
  };
}
