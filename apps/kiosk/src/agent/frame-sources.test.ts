import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '@clockface/core';
import {
  MAX_POSTED_FRAME_BYTES,
  createPostedFrameSource,
  createReplayFrameSource,
  createWebcamFrameSource,
  type Frame,
} from './frame-sources';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-frames-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function imageDir(names: string[]): string {
  const directory = mkdtempSync(join(scratch, 'images-'));
  for (const name of names) writeFileSync(join(directory, name), Buffer.from(name));
  return directory;
}

async function collect(source: AsyncIterable<Frame>, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

describe('replay frame source', () => {
  it('replays images in name order, looping, at the frame rate', async () => {
    const directory = imageDir(['b.png', 'a.jpg', 'notes.txt', 'c.JPEG']);
    const source = createReplayFrameSource({ directory, fps: 50 });
    const started = performance.now();
    const frames = await collect(source.frames(), 7);
    const elapsed = performance.now() - started;
    expect(frames.map((frame) => frame.data.toString())).toEqual([
      'a.jpg',
      'b.png',
      'c.JPEG',
      'a.jpg',
      'b.png',
      'c.JPEG',
      'a.jpg',
    ]);
    expect(frames.map((frame) => frame.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(frames[1]!.mimeType).toBe('image/png');
    // 7 frames at 50 fps: the 7th is due at 120 ms.
    expect(elapsed).toBeGreaterThanOrEqual(110);
  });

  it('ends after one pass without loop, and at once when aborted', async () => {
    const directory = imageDir(['a.jpg', 'b.jpg']);
    expect(
      await collect(createReplayFrameSource({ directory, fps: 100, loop: false }).frames(), 10),
    ).toHaveLength(2);
    const controller = new AbortController();
    const frames: Frame[] = [];
    setTimeout(() => controller.abort(), 50);
    for await (const frame of createReplayFrameSource({ directory, fps: 5 }).frames(controller.signal))
      frames.push(frame);
    expect(frames.length).toBeLessThanOrEqual(2);
  });

  it('explains what it expected for a missing folder, an empty one and a bad rate', () => {
    expect(() => createReplayFrameSource({ directory: join(scratch, 'nope'), fps: 5 })).toThrow(
      /Expected a directory of images/,
    );
    expect(() => createReplayFrameSource({ directory: imageDir(['x.txt']), fps: 5 })).toThrow(/found none/);
    expect(() => createReplayFrameSource({ directory: imageDir(['a.jpg']), fps: 0 })).toThrow(AppError);
  });
});

describe('webcam frame source', () => {
  it.runIf(process.platform === 'linux')('says fswebcam is needed when it is not on PATH', () => {
    expect(() => createWebcamFrameSource({ fps: 5, searchPath: scratch })).toThrow(/fswebcam/);
  });

  it.runIf(process.platform === 'linux')(
    'captures through fswebcam and leaves no frame on disk (BIO-03)',
    async () => {
      // A stand-in fswebcam on PATH that writes a fixed JPEG where node-webcam asks (the last argument).
      const bin = mkdtempSync(join(scratch, 'bin-'));
      writeFileSync(
        join(bin, 'fswebcam'),
        '#!/bin/sh\nfor last; do :; done\nprintf "\\377\\330fake" > "$last"\n',
        { mode: 0o755 },
      );
      const before = readdirSync(tmpdir()).filter((name) => name.startsWith('clockface-frame-')).length;
      const source = createWebcamFrameSource({ fps: 20, searchPath: bin });
      const previousPath = process.env.PATH;
      process.env.PATH = `${bin}:${previousPath}`;
      try {
        const frames = await collect(source.frames(), 2);
        expect(frames.map((frame) => frame.data.subarray(0, 2))).toEqual([
          Buffer.from([0xff, 0xd8]),
          Buffer.from([0xff, 0xd8]),
        ]);
      } finally {
        process.env.PATH = previousPath;
      }
      expect(readdirSync(tmpdir()).filter((name) => name.startsWith('clockface-frame-')).length).toBe(before);
    },
  );
});

describe('posted frame source (the kiosk renderer)', () => {
  const jpeg = (tag: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(tag)]);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]);

  it('yields posted frames in order, waiting for the next one', async () => {
    const source = createPostedFrameSource();
    const collected = collect(source.frames(), 3);
    expect(source.post({ data: jpeg('a'), mimeType: 'image/jpeg' })).toEqual({
      accepted: true,
      droppedOlder: false,
    });
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
    source.post({ data: png, mimeType: 'image/png' });
    source.post({ data: jpeg('c'), mimeType: 'image/jpeg' });
    const frames = await collected;
    expect(frames.map((frame) => frame.index)).toEqual([0, 1, 2]);
    expect(frames.map((frame) => frame.mimeType)).toEqual(['image/jpeg', 'image/png', 'image/jpeg']);
    expect(frames[2]!.data.subarray(4).toString()).toBe('c');
  });

  it('keeps the newest frames when the recognizer is slower than the camera', async () => {
    const source = createPostedFrameSource({ maxQueued: 2 });
    for (const tag of ['1', '2', '3', '4']) source.post({ data: jpeg(tag), mimeType: 'image/jpeg' });
    expect(source.dropped).toBe(2);
    const frames = await collect(source.frames(), 2);
    expect(frames.map((frame) => frame.data.subarray(4).toString())).toEqual(['3', '4']);
  });

  it('copies the posted bytes (the sender may reuse its buffer)', async () => {
    const source = createPostedFrameSource();
    const bytes = jpeg('x');
    source.post({ data: bytes, mimeType: 'image/jpeg' });
    bytes.fill(0);
    const [frame] = await collect(source.frames(), 1);
    expect(frame!.data.subarray(4).toString()).toBe('x');
  });

  it('refuses empty, oversized, mislabelled frames and frames after close, without throwing', () => {
    const source = createPostedFrameSource();
    expect(source.post({ data: new Uint8Array(0), mimeType: 'image/jpeg' })).toEqual({
      accepted: false,
      reason: 'empty',
    });
    const huge = Buffer.alloc(MAX_POSTED_FRAME_BYTES + 1);
    jpeg('').copy(huge);
    expect(source.post({ data: huge, mimeType: 'image/jpeg' })).toEqual({
      accepted: false,
      reason: 'too_large',
    });
    expect(source.post({ data: png, mimeType: 'image/jpeg' })).toEqual({
      accepted: false,
      reason: 'not_an_image',
    });
    expect(source.post({ data: Buffer.from('<svg/>'), mimeType: 'image/png' })).toEqual({
      accepted: false,
      reason: 'not_an_image',
    });
    source.close();
    expect(source.post({ data: jpeg('late'), mimeType: 'image/jpeg' })).toEqual({
      accepted: false,
      reason: 'closed',
    });
  });

  it('ends quietly on abort and on close while waiting', async () => {
    const controller = new AbortController();
    const source = createPostedFrameSource();
    setTimeout(() => controller.abort(), 30);
    expect(await collect(source.frames(controller.signal), 5)).toEqual([]);
    const closing = createPostedFrameSource();
    setTimeout(() => closing.close(), 30);
    expect(await collect(closing.frames(), 5)).toEqual([]);
  });
});
