import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../errors.js';
import type { Encoder, EncoderInput } from '../encoder.js';
import { writeTinyClip } from '../testing/tiny-clip.js';
import { createClipImageEncoder, createClipTextEncoder } from './clip.js';

/** Per-test limit: the tiny CLIP towers load and run in well under a second. */
const TINY_MODEL_TIMEOUT_MS = 20_000;
const PROJ = 16;

let dir = '';
const saved = { ...process.env };
const open: Encoder[] = [];
let images: EncoderInput[] = [];

async function png(width: number, height: number, channels: 3 | 4, color: [number, number, number]) {
  const [r, g, b] = color;
  const base = sharp({ create: { width, height, channels, background: { r, g, b, alpha: 1 } } });
  // a diagonal stripe so that resizing and cropping matter
  const stripe = Buffer.from(
    `<svg width="${width}" height="${height}"><line x1="0" y1="0" x2="${width}" y2="${height}" stroke="white" stroke-width="5"/></svg>`,
  );
  return base
    .composite([{ input: stripe }])
    .png()
    .toBuffer();
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-tiny-clip-'));
  process.env.FUSIONREC_MODEL_DIR = join(dir, 'models');
  process.env.FUSIONREC_CACHE_DIR = join(dir, 'cache');
  delete process.env.FUSIONREC_ALLOW_REMOTE;
  await writeTinyClip(join(dir, 'models'), 'tiny/clip', { projection: PROJ });
  const media = join(dir, 'media');
  await mkdir(media);
  await writeFile(join(media, 'red.png'), await png(64, 48, 3, [200, 30, 30]));
  await writeFile(join(media, 'blue.png'), await png(40, 90, 4, [20, 40, 220]));
  await writeFile(
    join(media, 'grey.jpg'),
    await sharp(await png(33, 33, 3, [90, 90, 90]))
      .jpeg()
      .toBuffer(),
  );
  await writeFile(join(media, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
  images = [
    { id: 'red', path: join(media, 'red.png') },
    { id: 'blue', path: join(media, 'blue.png') },
    { id: 'grey', path: join(media, 'grey.jpg') },
    { id: 'green-bytes', bytes: new Uint8Array(await png(20, 20, 3, [10, 200, 10])) },
  ];
}, TINY_MODEL_TIMEOUT_MS);

afterAll(async () => {
  for (const e of open) await e.dispose();
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('createClipImageEncoder (tiny CLIP, offline)', () => {
  it(
    'encodes paths and bytes into [batch, projection] unit vectors, batch = one by one, deterministic',
    async () => {
      const enc = await createClipImageEncoder({ model: 'tiny/clip', threads: 1, batchSize: 3 });
      open.push(enc);
      expect(enc.kind).toBe('image');
      expect(enc.dims).toBe(PROJ);
      expect(enc.id).toBe('clip-image:tiny/clip:norm');
      const r = await enc.encode(images);
      expect([...r.ok]).toEqual([1, 1, 1, 1]);
      expect(r.vectors.length).toBe(images.length * PROJ);
      for (let b = 0; b < images.length; b++) {
        const row = r.vectors.subarray(b * PROJ, (b + 1) * PROJ);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
        expectClose((await enc.encode([images[b]!])).vectors, row);
      }
      expect((await enc.encode(images)).vectors).toEqual(r.vectors);
      expect(r.vectors.subarray(0, PROJ)).not.toEqual(r.vectors.subarray(PROJ, 2 * PROJ));
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'fails a corrupt, missing or absent image and encodes the rest',
    async () => {
      const enc = await createClipImageEncoder({ model: 'tiny/clip', threads: 1, normalize: false });
      open.push(enc);
      const batch: EncoderInput[] = [
        images[0]!,
        { id: 'corrupt', path: join(dir, 'media', 'corrupt.png') },
        { id: 'gone', path: join(dir, 'media', 'gone.png') },
        { id: 'nothing' },
        { id: 'garbage-bytes', bytes: new Uint8Array([1, 2, 3, 4]) },
        images[1]!,
      ];
      const r = await enc.encode(batch);
      expect([...r.ok]).toEqual([1, 0, 0, 0, 0, 1]);
      expect(r.errors[1]).toMatch(/corrupt.*corrupt\.png/);
      expect(r.errors[2]).toMatch(/gone.*ENOENT/);
      expect(r.errors[3]).toMatch(/nothing.*neither path nor bytes/);
      expect(r.vectors.subarray(PROJ, 5 * PROJ).every((v) => v === 0)).toBe(true);
      const good = await enc.encode([images[0]!, images[1]!]);
      expectClose(r.vectors.subarray(0, PROJ), good.vectors.subarray(0, PROJ));
      expectClose(r.vectors.subarray(5 * PROJ), good.vectors.subarray(PROJ));
      expect(Math.hypot(...good.vectors.subarray(0, PROJ))).not.toBeCloseTo(1, 3);
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'names the model folder when the model is missing',
    async () => {
      const err = await createClipImageEncoder({ model: 'openai/missing-clip' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toContain(
        `model "openai/missing-clip" is not in ${join(dir, 'models')};`,
      );
      expect((err as Error).message).toContain('FUSIONREC_ALLOW_REMOTE=1');
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});

describe('createClipTextEncoder (tiny CLIP, offline)', () => {
  it(
    'encodes text into the image space size; batch = one by one; empty text fails',
    async () => {
      const enc = await createClipTextEncoder({ model: 'tiny/clip', threads: 1, batchSize: 2 });
      open.push(enc);
      expect(enc.kind).toBe('text');
      expect(enc.dims).toBe(PROJ);
      expect(enc.id).toBe('clip-text:tiny/clip:norm');
      const texts = ['a photo of a red dog', '', 'blue car in the rain at night', 'jazz'];
      const batch = texts.map((text, i) => ({ id: `t${i}`, text }));
      const r = await enc.encode(batch);
      expect([...r.ok]).toEqual([1, 0, 1, 1]);
      expect(r.errors[1]).toMatch(/t1.*empty text/);
      for (const b of [0, 2, 3]) {
        const row = r.vectors.subarray(b * PROJ, (b + 1) * PROJ);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
        expectClose((await enc.encode([batch[b]!])).vectors, row);
      }
      expect((await enc.encode(batch)).vectors).toEqual(r.vectors);
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});
