import { readFileSync } from 'node:fs';
import { isAppError } from '@clockface/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, MAX_IMAGE_SIDE_PX } from './image';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

describe('decodeImage', () => {
  it('applies the EXIF orientation (the anti-spoofing samples are stored sideways)', async () => {
    const meta = await sharp(fixture('antispoof-real.jpg')).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([320, 240, 6]);
    const img = await decodeImage(fixture('antispoof-real.jpg'));
    expect([img.width, img.height]).toEqual([240, 320]);
    expect(img.data.length).toBe(240 * 320 * 3);
  });

  it('downscales huge images and drops alpha', async () => {
    const png = await sharp({
      create: { width: 4000, height: 3000, channels: 4, background: { r: 9, g: 99, b: 199, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const img = await decodeImage(png);
    expect([img.width, img.height]).toEqual([MAX_IMAGE_SIDE_PX, 1440]);
    expect(img.data.length).toBe(MAX_IMAGE_SIDE_PX * 1440 * 3);
  });

  it('reads WebP and greyscale PNG', async () => {
    const webp = await sharp(fixture('person-b-2.jpg')).webp().toBuffer();
    expect((await decodeImage(webp)).width).toBe(384);
    const grey = await sharp(fixture('person-b-2.jpg')).greyscale().png().toBuffer();
    expect((await decodeImage(grey)).data.length).toBe(384 * 360 * 3);
  });

  it.each([
    ['empty bytes', new Uint8Array(0), /empty/],
    ['not an image', new TextEncoder().encode('definitely not a jpeg'), /Could not decode/],
    ['a truncated JPEG', fixture('person-a-1.jpg').subarray(0, 600), /Could not decode/],
  ])('gives a clear VALIDATION_FAILED for %s', async (_, bytes, message) => {
    const error = await decodeImage(bytes).catch((e: unknown) => e);
    expect(isAppError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses images too small to hold a face, and raw frames of the wrong length', async () => {
    const tiny = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    await expect(decodeImage(tiny)).rejects.toThrow(/at least 32×32/);
    await expect(decodeImage({ width: 64, height: 64, data: new Uint8Array(10) })).rejects.toThrow(
      /needs 12288 bytes/,
    );
  });
});
