/**
 * @module encoders/contract
 * The behaviour every registered {@link Encoder} must have, as one vitest suite that a test file
 * runs per registry entry (`encoderContract(fixture)`): kind, id and dims as declared, a
 * [batch x dims] result of finite values with every good input ok, the same input → the same
 * vector (twice, from a second instance, alone or in a batch), a broken input (corrupt or empty
 * media, empty text, a missing file) reported as a failure of that item only while the rest of
 * the batch succeeds, an empty batch, and feature-cache hits through encodeCatalog returning the
 * identical vectors without calling the encoder again. Written against encoders/encoder.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { loadCatalog } from '../io/catalog.js';
import { encodeCatalog } from '../jobs/encode.js';
import { FeatureCache } from './cache.js';
import type { EncodeResult, Encoder, EncoderInput, MediaKind } from './encoder.js';
import { createEncoder, type EncoderOptions } from './registry.js';

/** The cases of the contract, by name (the keys of a known-gaps map). */
export const ENCODER_CASES = [
  'declared',
  'shape',
  'finite',
  'same-input',
  'batch-independent',
  'item-failures',
  'empty-batch',
  'cache',
] as const;

export type EncoderCase = (typeof ENCODER_CASES)[number];

/** One registry entry with its options and inputs. */
export interface EncoderFixture {
  kind: MediaKind;
  name: string;
  options?: EncoderOptions;
  /** At least two distinct inputs that must encode. */
  good: EncoderInput[];
  /** Inputs that must fail, each for itself only. */
  broken: EncoderInput[];
  /**
   * Largest difference allowed between an input's vector encoded alone and in a larger batch
   * (default 0: bit-identical). Batched ONNX kernels round differently for other batch sizes.
   */
  batchTolerance?: number;
}

/** A PNG of `width` x `height` whose pixels `pixel` gives as [r, g, b, a]. */
export function pngBytes(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number[],
): Uint8Array {
  const img = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) img.data.set(pixel(x, y), (y * width + x) * 4);
  }
  return new Uint8Array(PNG.sync.write(img));
}

/** A 16-bit mono WAV: a tone of `freq` Hz with a pulse envelope. */
export function wavBytes(rate: number, seconds: number, freq: number): Uint8Array {
  const n = Math.round(rate * seconds);
  const samples = Array.from({ length: n }, (_, t) => {
    const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * 3 * t) / rate);
    return Math.round(0.6 * env * Math.sin((2 * Math.PI * freq * t) / rate) * 32767);
  });
  const w = new wavefile.WaveFile();
  w.fromScratch(1, rate, '16', samples);
  return new Uint8Array(w.toBuffer());
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

/** Largest absolute difference of two equally long vectors. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  return worst;
}

/** Wraps an encoder, counting the inputs handed to encode(). */
function counting(inner: Encoder): Encoder & { inputs: number } {
  const c = {
    inputs: 0,
    get id() {
      return inner.id;
    },
    kind: inner.kind,
    get dims() {
      return inner.dims;
    },
    ...(inner.fit ? { fit: (inputs: readonly EncoderInput[]) => inner.fit!(inputs) } : {}),
    async encode(batch: readonly EncoderInput[]): Promise<EncodeResult> {
      c.inputs += batch.length;
      return inner.encode(batch);
    },
    dispose: () => inner.dispose(),
  };
  return c;
}

/**
 * Defines the contract suite for `fixture`'s encoder. Cases named in `gaps` (a known gap with its
 * reason) are skipped, and the skip names the reason.
 */
export function encoderContract(
  fixture: EncoderFixture,
  gaps: Partial<Record<EncoderCase, string>> = {},
): void {
  const { kind, name, good, broken } = fixture;
  const options = fixture.options ?? {};
  const test = (c: EncoderCase, fn: () => Promise<void> | void): void => {
    const gap = gaps[c];
    if (gap !== undefined) it.skip(`${c} (known gap: ${gap})`, fn);
    else it(c, fn);
  };
  /** A fresh encoder, fitted on the good inputs when it fits. */
  const make = async (): Promise<Encoder> => {
    const enc = await createEncoder(kind, name, options);
    if (enc.fit) await enc.fit(good);
    opened.push(enc);
    return enc;
  };
  const opened: Encoder[] = [];

  describe(`encoder contract: ${kind}/${name}`, () => {
    let enc: Encoder;
    let first: EncodeResult;

    beforeAll(async () => {
      enc = await make();
      first = await enc.encode(good);
    });
    afterAll(async () => {
      for (const e of opened) await e.dispose();
    });

    test('declared', () => {
      expect(enc.kind).toBe(kind);
      expect(typeof enc.id).toBe('string');
      expect(enc.id.length).toBeGreaterThan(0);
      expect(Number.isInteger(enc.dims) && enc.dims > 0, `dims ${enc.dims}`).toBe(true);
    });

    test('shape', () => {
      expect(first.vectors).toBeInstanceOf(Float32Array);
      expect(first.vectors.length).toBe(good.length * enc.dims);
      expect(first.ok).toBeInstanceOf(Uint8Array);
      expect(first.ok.length).toBe(good.length);
      expect(first.errors.length).toBe(good.length);
      expect(Array.from(first.ok)).toEqual(good.map(() => 1));
      expect(first.errors).toEqual(good.map(() => undefined));
    });

    test('finite', () => {
      const bad = first.vectors.findIndex((v) => !Number.isFinite(v));
      expect(bad, `first non-finite value at ${bad}`).toBe(-1);
      const d = enc.dims;
      for (let b = 0; b < good.length; b++) {
        const row = first.vectors.subarray(b * d, (b + 1) * d);
        expect(
          row.some((v) => v !== 0),
          `input ${good[b]!.id} encodes to a zero vector`,
        ).toBe(true);
      }
      // Distinct inputs, distinct vectors.
      expect(bitsEqual(first.vectors.subarray(0, d), first.vectors.subarray(d, 2 * d))).toBe(false);
    });

    test('same-input', async () => {
      const again = await enc.encode(good);
      expect(bitsEqual(again.vectors, first.vectors)).toBe(true);
      // Another instance with the same options (and fit) has the same id and the same vectors:
      // the feature cache relies on it.
      const other = await make();
      expect(other.id).toBe(enc.id);
      expect(other.dims).toBe(enc.dims);
      expect(bitsEqual((await other.encode(good)).vectors, first.vectors)).toBe(true);
    });

    test('batch-independent', async () => {
      // A vector does not depend on what else is in the batch (the cache stores it per input).
      const d = enc.dims;
      for (let b = 0; b < good.length; b++) {
        const alone = await enc.encode([good[b]!]);
        expect(alone.ok[0]).toBe(1);
        const inBatch = first.vectors.subarray(b * d, (b + 1) * d);
        expect(
          maxDiff(alone.vectors, inBatch),
          `input ${good[b]!.id} alone vs in a batch`,
        ).toBeLessThanOrEqual(fixture.batchTolerance ?? 0);
      }
    });

    test('item-failures', async () => {
      // good[0], broken[0], good[1], broken[1], … then the rest of good.
      const batch: EncoderInput[] = [];
      const isGood: boolean[] = [];
      for (let k = 0; k < Math.max(good.length, broken.length); k++) {
        if (k < good.length) {
          batch.push(good[k]!);
          isGood.push(true);
        }
        if (k < broken.length) {
          batch.push(broken[k]!);
          isGood.push(false);
        }
      }
      const r = await enc.encode(batch);
      const d = enc.dims;
      expect(r.vectors.length).toBe(batch.length * d);
      let g = 0;
      for (let b = 0; b < batch.length; b++) {
        const row = r.vectors.subarray(b * d, (b + 1) * d);
        if (isGood[b]) {
          expect(r.ok[b], `good input ${batch[b]!.id}`).toBe(1);
          expect(r.errors[b]).toBeUndefined();
          expect(
            maxDiff(row, first.vectors.subarray(g * d, (g + 1) * d)),
            `${batch[b]!.id}`,
          ).toBeLessThanOrEqual(fixture.batchTolerance ?? 0);
          g++;
        } else {
          expect(r.ok[b], `broken input ${batch[b]!.id}`).toBe(0);
          expect(typeof r.errors[b]).toBe('string');
          expect(r.errors[b]!.length).toBeGreaterThan(0);
          expect(row.every((v) => v === 0)).toBe(true);
        }
      }
    });

    test('empty-batch', async () => {
      const r = await enc.encode([]);
      expect(r.vectors.length).toBe(0);
      expect(r.ok.length).toBe(0);
      expect(r.errors.length).toBe(0);
    });

    test('cache', async () => {
      // A catalog of the good and broken inputs (media written to files), encoded twice with
      // one feature cache: the second run takes every vector from the cache.
      const dir = await mkdtemp(join(tmpdir(), `fusionrec-enc-contract-${kind}-`));
      const cache = FeatureCache.open(':memory:');
      try {
        const items: Record<string, unknown>[] = [];
        const inputs = [...good, ...broken];
        for (const [k, input] of inputs.entries()) {
          const item: Record<string, unknown> = { id: `item${k}`, text: { title: 'untitled' } };
          if (kind === 'text') {
            if (input.text !== undefined) item.text = { title: input.text };
            else item.text = {};
          } else if (input.bytes) {
            const file = join(dir, `m${k}`);
            await writeFile(file, input.bytes);
            item[kind] = file;
          } else if (input.path) {
            item[kind] = input.path;
          }
          items.push(item);
        }
        await writeFile(join(dir, 'items.jsonl'), `${items.map((x) => JSON.stringify(x)).join('\n')}\n`);
        await writeFile(
          join(dir, 'events.jsonl'),
          `${JSON.stringify({ user: 'u', item: 'item0', type: 'click' })}\n`,
        );
        const ds = (await loadCatalog(dir)).dataset;
        const one = counting(await createEncoder(kind, name, options));
        const fresh = await encodeCatalog(ds, dir, { [kind]: { encoder: one }, cache, workers: 1 });
        const r1 = fresh.report[kind]!;
        expect(r1.encoded).toBe(good.length);
        expect(r1.cached).toBe(0);
        const two = counting(await createEncoder(kind, name, options));
        const again = await encodeCatalog(ds, dir, { [kind]: { encoder: two }, cache, workers: 1 });
        const r2 = again.report[kind]!;
        expect(r2).toMatchObject({ encoded: 0, cached: good.length, missing: r1.missing });
        expect(r2.failed).toEqual(r1.failed);
        // Only the inputs the encoder failed on are tried again (failures are not cached).
        expect(one.inputs).toBeGreaterThanOrEqual(good.length);
        expect(two.inputs).toBe(one.inputs - good.length);
        expect(bitsEqual(again.modalities[0]!.data, fresh.modalities[0]!.data)).toBe(true);
        expect(Array.from(again.modalities[0]!.present)).toEqual(Array.from(fresh.modalities[0]!.present));
        // The cached rows are what the encoder gives for the good inputs.
        const d = r1.dims;
        expect(bitsEqual(fresh.modalities[0]!.data.subarray(0, good.length * d), first.vectors)).toBe(true);
        await one.dispose();
        await two.dispose();
      } finally {
        cache.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
