import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFittedError } from '../../errors.js';
import type { EncoderInput } from '../encoder.js';
import { createBuiltinTextEncoder } from './builtin.js';
import { extractFeatures, tokenize } from './hashing.js';
import { randomizedSvd, symmetricEigen } from './svd.js';

const corpus: EncoderInput[] = [
  'A space marine fights alien invaders on a distant planet.',
  'Alien invaders attack a space station orbiting a distant planet.',
  'Two lovers meet in Paris and fall in love during a rainy spring.',
  'A romantic comedy about love, Paris, and a rainy wedding.',
  'A detective hunts a serial killer through the streets of London.',
  'A London detective investigates a string of murders.',
  'Cooking show: the chef bakes bread and pastries.',
  'The chef prepares pastries, bread and cakes in a small bakery.',
].map((text, k) => ({ id: `d${k}`, text }));

const cos = (v: Float32Array, dim: number, a: number, b: number): number => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += v[a * dim + d]! * v[b * dim + d]!;
  return s;
};

describe('hashing', () => {
  it('tokenises lower-cased letters and digits', () => {
    expect(tokenize('Héllo, WORLD! 2001: a Space-Odyssey')).toEqual([
      'héllo',
      'world',
      '2001',
      'a',
      'space',
      'odyssey',
    ]);
  });
  it('counts word 1-2-grams and char 3-5-grams', () => {
    const f = extractFeatures('ab ab', 18);
    // words: "ab" x2 (one key), bigram "ab ab" -> 2 keys
    expect(f.word.keys.length).toBe(2);
    expect(Array.from(f.word.counts).sort()).toEqual([1, 2]);
    // " ab " has 3-grams " ab", "ab " and the 4-gram " ab ": 3 keys, each seen twice
    expect(f.char.keys.length).toBe(3);
    expect(Array.from(f.char.counts)).toEqual([2, 2, 2]);
  });
});

describe('createBuiltinTextEncoder (projection)', () => {
  it('gives unit vectors where similar texts are closer than unrelated ones', async () => {
    const enc = createBuiltinTextEncoder({ dim: 1024 });
    await enc.fit(corpus);
    const r = await enc.encode(corpus);
    expect(Array.from(r.ok)).toEqual(corpus.map(() => 1));
    for (let b = 0; b < corpus.length; b++) expect(cos(r.vectors, 1024, b, b)).toBeCloseTo(1, 5);
    for (let pair = 0; pair < 4; pair++) {
      const a = 2 * pair;
      const same = cos(r.vectors, 1024, a, a + 1);
      for (let other = 0; other < corpus.length; other++) {
        if (other === a || other === a + 1) continue;
        expect(same).toBeGreaterThan(cos(r.vectors, 1024, a, other));
      }
    }
  });

  it('is deterministic, names its fitted IDF in the id, and restores from exported state', async () => {
    const a = createBuiltinTextEncoder({ dim: 32, seed: 7 });
    const b = createBuiltinTextEncoder({ dim: 32, seed: 7 });
    await a.fit(corpus);
    await b.fit(corpus);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^builtin-text:v1:dim=32:seed=7:method=projection:.*:idf=[0-9a-f]{16}$/);
    const va = await a.encode(corpus);
    expect(Array.from((await b.encode(corpus)).vectors)).toEqual(Array.from(va.vectors));
    const c = createBuiltinTextEncoder({ dim: 32, seed: 7, state: a.exportState() });
    expect(c.id).toBe(a.id);
    expect(Array.from((await c.encode(corpus)).vectors)).toEqual(Array.from(va.vectors));
    const other = createBuiltinTextEncoder({ dim: 32, seed: 7 });
    await other.fit(corpus.slice(0, 4));
    expect(other.id).not.toBe(a.id);
    const seeded = createBuiltinTextEncoder({ dim: 32, seed: 8 });
    await seeded.fit(corpus);
    expect(Array.from((await seeded.encode(corpus)).vectors)).not.toEqual(Array.from(va.vectors));
  });

  it('fails empty text with "no text" and unseen text with "no known terms"', async () => {
    const enc = createBuiltinTextEncoder({ dim: 16, ngrams: { char: [3, 3] } });
    await enc.fit(corpus);
    const r = await enc.encode([
      { id: 'e', text: '  ' },
      { id: 'u' },
      { id: 'x', text: 'zzqx' },
      { id: 'ok', text: 'alien planet' },
    ]);
    expect(Array.from(r.ok)).toEqual([0, 0, 0, 1]);
    expect(r.errors[0]).toBe('no text');
    expect(r.errors[1]).toBe('no text');
    expect(r.errors[2]).toMatch(/no known terms/);
    expect(Array.from(r.vectors.subarray(0, 48)).every((v) => v === 0)).toBe(true);
  });

  it('refuses to encode before fit and rejects bad options', async () => {
    await expect(createBuiltinTextEncoder().encode(corpus)).rejects.toBeInstanceOf(NotFittedError);
    expect(() => createBuiltinTextEncoder({ dim: 0 })).toThrow(InvalidArgumentError);
    expect(() => createBuiltinTextEncoder({ method: 'pca' as 'svd' })).toThrow(/projection.*svd/);
    expect(() => createBuiltinTextEncoder({ ngrams: { word: [2, 1] } })).toThrow(InvalidArgumentError);
    expect(() => createBuiltinTextEncoder({ dims: 8 } as never)).toThrow(/unknown option "dims".*dim, seed/);
  });
});

describe('createBuiltinTextEncoder (svd)', () => {
  it('fits LSA components on the catalog: unit vectors, similar pairs closest, deterministic', async () => {
    const make = () => createBuiltinTextEncoder({ dim: 6, method: 'svd', seed: 3 });
    const enc = make();
    await enc.fit(corpus);
    expect(enc.id).toMatch(/method=svd:.*:svd=[0-9a-f]{16}$/);
    const r = await enc.encode(corpus);
    expect(Array.from(r.ok)).toEqual(corpus.map(() => 1));
    for (let pair = 0; pair < 4; pair++) {
      const a = 2 * pair;
      let best = -1;
      let bestSim = -2;
      for (let o = 0; o < corpus.length; o++) {
        if (o !== a && cos(r.vectors, 6, a, o) > bestSim) [best, bestSim] = [o, cos(r.vectors, 6, a, o)];
      }
      expect(best).toBe(a + 1);
    }
    const again = make();
    await again.fit(corpus);
    expect(again.id).toBe(enc.id);
    const restored = createBuiltinTextEncoder({ dim: 6, method: 'svd', seed: 3, state: enc.exportState() });
    expect(Array.from((await restored.encode(corpus)).vectors)).toEqual(Array.from(r.vectors));
  });
});

describe('svd helpers', () => {
  it('symmetricEigen diagonalises a symmetric matrix', () => {
    const s = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 1]);
    const { values, vectors } = symmetricEigen(s, 3);
    expect(values[0]).toBeGreaterThanOrEqual(values[1]!);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 3; i++) {
        let sv = 0;
        for (let k = 0; k < 3; k++) sv += s[i * 3 + k]! * vectors[k * 3 + c]!;
        expect(sv).toBeCloseTo(values[c]! * vectors[i * 3 + c]!, 9);
      }
    }
  });

  it('randomizedSvd recovers the singular values of a low-rank sparse matrix', () => {
    // A = 3 * e0 f^T + 1 * e1 g^T with orthonormal f, g over 4 columns (rank 2).
    const f = [0.5, 0.5, 0.5, 0.5];
    const g = [0.5, -0.5, 0.5, -0.5];
    const rows = [f.map((x) => 3 * x), g.map((x) => x), f.map((x) => 3 * x)];
    const indptr = Int32Array.from([0, 4, 8, 12]);
    const indices = Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    const values = Float32Array.from(rows.flat());
    const { singular, components } = randomizedSvd({ nRows: 3, nCols: 4, indptr, indices, values }, 3, {
      seed: 1,
    });
    expect(singular[0]).toBeCloseTo(3 * Math.SQRT2, 4);
    expect(singular[1]).toBeCloseTo(1, 4);
    expect(singular[2]).toBe(0);
    expect(Array.from(components.subarray(0, 4)).map((x) => Math.abs(x))).toEqual(
      f.map(() => expect.closeTo(0.5, 4)),
    );
  });
});
