import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, InvalidArgumentError, NotFoundError, NotSupportedError } from '../../errors.js';
import type { EncoderInput } from '../encoder.js';
import { writeTinyBert } from '../testing/tiny-bert.js';
import { createTransformerTextEncoder, type TransformerTextEncoder } from './transformer.js';

/** Per-test limit: loading a tiny ONNX model and encoding a handful of texts takes well under a second. */
const TINY_MODEL_TIMEOUT_MS = 20_000;
const HIDDEN = 32;
const LAYERS = 2;

const TEXTS = [
  'red rock music',
  'a very long description of a blue shirt with a good price and fast delivery to the city',
  'jazz',
  'Happy dog, sad cat!',
  'night city light',
];
const items = (texts: readonly (string | undefined)[]): EncoderInput[] =>
  texts.map((text, i) => (text === undefined ? { id: `i${i}` } : { id: `i${i}`, text }));

let dir = '';
const saved = { ...process.env };
const open: TransformerTextEncoder[] = [];
async function encoder(options: Parameters<typeof createTransformerTextEncoder>[0] = {}) {
  const enc = await createTransformerTextEncoder({ model: 'tiny/bert', threads: 1, ...options });
  open.push(enc);
  return enc;
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(tol);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-tiny-bert-'));
  process.env.FUSIONREC_MODEL_DIR = join(dir, 'models');
  process.env.FUSIONREC_CACHE_DIR = join(dir, 'cache');
  delete process.env.FUSIONREC_ALLOW_REMOTE;
  await writeTinyBert(join(dir, 'models'), 'tiny/bert', { hidden: HIDDEN, layers: LAYERS });
  await writeTinyBert(join(dir, 'models'), 'tiny/bert-plain', { hidden: HIDDEN, hiddenStates: false });
}, TINY_MODEL_TIMEOUT_MS);

afterAll(async () => {
  for (const e of open) await e.dispose();
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('createTransformerTextEncoder (tiny BERT, offline)', () => {
  it(
    'loads from the model dir and returns [batch, dims] unit vectors',
    async () => {
      const enc = await encoder();
      expect(enc.kind).toBe('text');
      expect(enc.dims).toBe(HIDDEN);
      expect(enc.id).toBe('transformer:tiny/bert:mean:norm');
      const r = await enc.encode(items(TEXTS));
      expect(r.vectors.length).toBe(TEXTS.length * HIDDEN);
      expect([...r.ok]).toEqual(TEXTS.map(() => 1));
      for (let b = 0; b < TEXTS.length; b++) {
        const row = r.vectors.subarray(b * HIDDEN, (b + 1) * HIDDEN);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'encodes a padded batch exactly like one text at a time, and deterministically',
    async () => {
      const enc = await encoder({ batchSize: 2 });
      const batch = await enc.encode(items(TEXTS));
      const again = await enc.encode(items(TEXTS));
      expect(again.vectors).toEqual(batch.vectors);
      for (let b = 0; b < TEXTS.length; b++) {
        const single = await enc.encode(items([TEXTS[b]]));
        expectClose(single.vectors, batch.vectors.subarray(b * HIDDEN, (b + 1) * HIDDEN));
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'id and output follow pooling/normalize; cls and mean differ',
    async () => {
      const cls = await encoder({ pooling: 'cls', normalize: false, maxLength: 16 });
      expect(cls.id).toBe('transformer:tiny/bert:cls:raw:max=16');
      const mean = await encoder({ normalize: false });
      const a = await cls.encode(items(TEXTS.slice(0, 2)));
      const b = await mean.encode(items(TEXTS.slice(0, 2)));
      expect(a.vectors).not.toEqual(b.vectors);
      expect(Math.hypot(...b.vectors.subarray(0, HIDDEN))).not.toBeCloseTo(1, 3);
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'reports empty or missing text as failed items, encoding the others',
    async () => {
      const enc = await encoder();
      const r = await enc.encode(items(['red rock', '', undefined, '   ', 'jazz']));
      expect([...r.ok]).toEqual([1, 0, 0, 0, 1]);
      expect(r.errors[1]).toMatch(/i1.*empty text/);
      expect(r.errors[2]).toMatch(/i2.*no text/);
      expect(r.errors[0]).toBeUndefined();
      expect(r.vectors.subarray(HIDDEN, 2 * HIDDEN).every((v) => v === 0)).toBe(true);
      const alone = await enc.encode(items(['jazz']));
      expectClose(alone.vectors, r.vectors.subarray(4 * HIDDEN));
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'names the model folder when the model is missing',
    async () => {
      const err = await createTransformerTextEncoder({ model: 'nope/missing' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toBe(
        `model "nope/missing" is not in ${join(dir, 'models')}; put the model folder there (see docs/MODELS.md) or allow downloads with FUSIONREC_ALLOW_REMOTE=1`,
      );
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'offline, also finds a model downloaded earlier into FUSIONREC_CACHE_DIR',
    async () => {
      await writeTinyBert(join(dir, 'cache'), 'hub/cached-bert', { hidden: HIDDEN });
      const enc = await encoder({ model: 'hub/cached-bert' });
      expect(enc.id).toBe('transformer:hub/cached-bert:mean:norm');
      expect((await enc.encode(items(['jazz']))).ok[0]).toBe(1);
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'with downloads allowed, still reads a model that is in the model dir (same vectors)',
    async () => {
      const offline = await (await encoder()).encode(items(TEXTS));
      process.env.FUSIONREC_ALLOW_REMOTE = '1';
      try {
        const enc = await encoder();
        expect((await enc.encode(items(TEXTS))).vectors).toEqual(offline.vectors);
      } finally {
        delete process.env.FUSIONREC_ALLOW_REMOTE;
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'an incomplete model folder (or a missing dtype variant) is NotFound, naming the folder and file',
    async () => {
      await mkdir(join(dir, 'models', 'tiny', 'broken'), { recursive: true });
      await writeFile(join(dir, 'models', 'tiny', 'broken', 'config.json'), '{"model_type":"bert"}');
      const err = await createTransformerTextEncoder({ model: 'tiny/broken' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toContain(`model "tiny/broken": cannot load its tokenizer from folder`);
      const q8 = await createTransformerTextEncoder({ model: 'tiny/bert', dtype: 'q8' }).catch(
        (e: unknown) => e,
      );
      expect(q8).toBeInstanceOf(NotFoundError);
      expect(describeError(q8)).toMatch(
        /cannot load its onnx\/model_quantized\.onnx from folder .*tiny\/bert/,
      );
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'allLayers: layers x dims per item, last layer equals the normal output',
    async () => {
      for (const pooling of ['mean', 'cls'] as const) {
        const enc = await encoder({ allLayers: true, pooling, batchSize: 3 });
        expect(enc.layers).toBe(LAYERS + 1);
        const texts = items([...TEXTS, '']);
        const lay = await enc.encodeLayers(texts);
        const flat = await enc.encode(texts);
        expect(lay.layers).toBe(LAYERS + 1);
        expect(lay.vectors.length).toBe(texts.length * lay.layers * HIDDEN);
        expect([...lay.ok]).toEqual([...flat.ok]);
        const width = lay.layers * HIDDEN;
        for (let b = 0; b < TEXTS.length; b++) {
          const last = lay.vectors.subarray(b * width + LAYERS * HIDDEN, (b + 1) * width);
          expectClose(last, flat.vectors.subarray(b * HIDDEN, (b + 1) * HIDDEN));
          const first = lay.vectors.subarray(b * width, b * width + HIDDEN);
          expect(Math.hypot(...first)).toBeCloseTo(1, 5);
          expect(first).not.toEqual(last);
        }
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'allLayers on a model without hidden-state outputs is NotSupported; encodeLayers needs allLayers',
    async () => {
      const err = await createTransformerTextEncoder({
        model: 'tiny/bert-plain',
        allLayers: true,
        threads: 1,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotSupportedError);
      expect((err as Error).message).toMatch(/hidden_states/);
      const plain = await encoder({ model: 'tiny/bert-plain' });
      expect(plain.layers).toBe(0);
      await expect(plain.encodeLayers(items(['jazz']))).rejects.toBeInstanceOf(InvalidArgumentError);
      expect((await plain.encode(items(['jazz']))).ok[0]).toBe(1);
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});
