/** @module Decoding any common image format into upright, bounded RGB with sharp. */
import { AppError } from '@clockface/core';
import sharp from 'sharp';
import type { RgbImage } from './types';

/**
 * Longest side we keep, in pixels. A 12 MP phone photo becomes 1920 px: faces stay far above the
 * detectors' input sizes (320×240, 256×256) while decode and warps stay cheap.
 */
export const MAX_IMAGE_SIDE_PX = 1920;

/** Refuse decompression bombs before decoding: 100 MP is far beyond any camera we expect. */
const MAX_INPUT_PIXELS = 100_000_000;

/** Anything smaller cannot hold a recognisable face. */
const MIN_IMAGE_SIDE_PX = 32;

/**
 * Decodes JPEG, PNG, WebP, AVIF, HEIF, GIF (first frame), TIFF or raw RGB into upright RGB,
 * applying the EXIF orientation and downscaling huge images.
 *
 * @throws AppError VALIDATION_FAILED when the bytes are not a decodable image or it is too small.
 */
export async function decodeImage(
  input: Uint8Array | RgbImage,
  maxSide = MAX_IMAGE_SIDE_PX,
): Promise<RgbImage> {
  if (!(input instanceof Uint8Array)) return checkRaw(input);
  if (input.byteLength === 0) throw invalidImage('The image is empty (0 bytes).');
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw invalidImage(`Expected 3 colour channels after decoding, got ${info.channels}.`);
    const image = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
    return checkSize(image);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalidImage(
      `Could not decode the image (${input.byteLength} bytes): ${(error as Error).message}. Send a JPEG, PNG, WebP, HEIF or AVIF photo.`,
      error,
    );
  }
}

function checkRaw(image: RgbImage): RgbImage {
  if (image.data.length !== image.width * image.height * 3) {
    throw invalidImage(
      `A raw RGB frame of ${image.width}×${image.height} needs ${image.width * image.height * 3} bytes, got ${image.data.length}.`,
    );
  }
  return checkSize(image);
}

function checkSize(image: RgbImage): RgbImage {
  if (image.width < MIN_IMAGE_SIDE_PX || image.height < MIN_IMAGE_SIDE_PX) {
    throw invalidImage(
      `The image is ${image.width}×${image.height} px; at least ${MIN_IMAGE_SIDE_PX}×${MIN_IMAGE_SIDE_PX} is needed to find a face.`,
    );
  }
  return image;
}

function invalidImage(message: string, cause?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', {
    message,
    issues: [{ path: 'image', message }],
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Resizes a raw RGB image to exactly width×height (aspect not kept), as the detectors expect. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<Uint8Array> {
  const out = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
