/**
 * @module encoders/image/builtin
 * The built-in image encoder (no model weights): sharp decodes the picture (any format libvips
 * reads: JPEG, PNG, WebP, GIF, TIFF, AVIF, …), applies its EXIF orientation, flattens any alpha
 * onto white, converts it to sRGB and resizes it to size x size with fit 'fill' (the whole
 * picture, stretched: posters and photos keep all their content, and the layout grid always
 * covers the full frame); then hand-crafted colour, layout, edge and texture descriptors make
 * one fixed-size vector (see {@link IMAGE_LAYOUT}). Deterministic and stateless between calls,
 * so it can run inside worker threads (on glibc Linux, load sharp in the main thread too before
 * starting workers that use it, as sharp's documentation asks). With `maxPixels`, a picture whose
 * header declares more pixels fails before it is decoded ({@link checkImagePixels}).
 */

import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describeError, InvalidArgumentError } from '../../errors.js';
import { forEachLimit } from '../../util/concurrency.js';
import { type EncodeResult, type Encoder, type EncoderInput, emptyResult } from '../encoder.js';
import { IMAGE_DIMS, imageFeatures } from './features.js';

export { IMAGE_DIMS, IMAGE_LAYOUT, type ImageBlock, imageFeatures } from './features.js';

/** Settings of {@link createBuiltinImageEncoder}; every field has a default. */
export interface BuiltinImageOptions {
  /** Side in pixels of the square the picture is resized to before description (default 64, 16-512). */
  size?: number;
  /**
   * Largest picture (width x height, from the header) decoded; larger ones fail with a message
   * naming both (default: sharp's own limit, 268 megapixels). Not part of the id.
   */
  maxPixels?: number;
}

/** A picture's size as its header declares it. */
export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

/** Reads only a picture's header (no pixels are decoded). Throws when sharp cannot read it. */
export async function probeImage(bytes: Uint8Array): Promise<ImageHeader> {
  if (bytes.length === 0) throw new Error('file is empty');
  const m = await sharp(bytes).metadata();
  if (!(m.width && m.height)) throw new Error('the image header gives no size');
  return { width: m.width, height: m.height, format: m.format ?? 'unknown' };
}

/** Throws when `header` has more than `maxPixels` pixels; the message says what it has and the limit. */
export function checkImagePixels(header: ImageHeader, maxPixels: number): void {
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    throw new Error(
      `the image is ${header.width}x${header.height} = ${pixels.toLocaleString('en-US')} pixels; the limit is ${maxPixels.toLocaleString('en-US')} pixels`,
    );
  }
}

/** Pictures decoded at once within a batch (sharp decodes on libuv's thread pool). */
const CONCURRENCY = 4;

/** The bytes of one input: `bytes` when given, else the file at `path`. */
async function inputBytes(input: EncoderInput): Promise<Uint8Array> {
  if (input.bytes !== undefined) return input.bytes;
  if (input.path === undefined) throw new Error('input has neither a path nor bytes');
  // Read the file ourselves rather than handing sharp the path: libvips caches opened files by
  // name, which would keep describing the old picture after a file is replaced.
  return readFile(input.path);
}

/** Decodes `bytes` to size x size x 3 sRGB bytes (refusing pictures over `maxPixels` first). */
export async function decodeImage(bytes: Uint8Array, size: number, maxPixels?: number): Promise<Uint8Array> {
  if (bytes.length === 0) throw new Error('file is empty');
  if (maxPixels !== undefined) checkImagePixels(await probeImage(bytes), maxPixels);
  const { data, info } = await sharp(bytes, {
    failOn: 'error',
    ...(maxPixels === undefined ? {} : { limitInputPixels: maxPixels }),
  })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(size, size, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) {
    throw new Error(`unexpected decoded shape ${info.width}x${info.height}x${info.channels}`);
  }
  return data;
}

/**
 * Creates the built-in image encoder (kind 'image', {@link IMAGE_DIMS} = 282 dims, id
 * "builtin-image:v1:size=64"): an HSV colour histogram (72), a 4x4 L*a*b* colour layout (48),
 * 4x4-cell edge-orientation histograms (144) and texture descriptors (18); the histogram blocks
 * have unit norm and the others a bounded one (see {@link imageFeatures}), and the whole vector
 * is L2-normalised. A missing, empty, corrupt or unsupported file fails that item with the
 * reason (sharp's message, prefixed by the path); the rest of the batch is unaffected.
 * @throws InvalidArgumentError for options out of range.
 */
export function createBuiltinImageEncoder(options: BuiltinImageOptions = {}): Encoder {
  const size = options.size ?? 64;
  if (!Number.isInteger(size) || size < 16 || size > 512) {
    throw new InvalidArgumentError(
      `builtin image encoder option "size" must be an integer in [16, 512], got ${size}`,
    );
  }
  const maxPixels = options.maxPixels;
  if (maxPixels !== undefined && !(Number.isInteger(maxPixels) && maxPixels >= 1)) {
    throw new InvalidArgumentError(
      `builtin image encoder option "maxPixels" must be a positive integer, got ${maxPixels}`,
    );
  }
  const dims = IMAGE_DIMS;
  return {
    id: `builtin-image:v1:size=${size}`,
    kind: 'image',
    dims,
    async encode(batch: readonly EncoderInput[]): Promise<EncodeResult> {
      const result = emptyResult(batch.length, dims);
      await forEachLimit(batch.length, CONCURRENCY, async (b) => {
        const input = batch[b]!;
        try {
          const pixels = await decodeImage(await inputBytes(input), size, maxPixels);
          imageFeatures(pixels, size, result.vectors.subarray(b * dims, (b + 1) * dims));
          result.ok[b] = 1;
        } catch (err) {
          result.vectors.fill(0, b * dims, (b + 1) * dims);
          result.errors[b] = `${input.path ?? `item ${input.id}`}: ${describeError(err)}`;
        }
      });
      return result;
    },
    async dispose(): Promise<void> {},
  };
}
