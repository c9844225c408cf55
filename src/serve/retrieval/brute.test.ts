import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { BruteForceIndex } from './brute.js';
import type { SearchHit } from './types.js';

function randomTable(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

/** Reference: every live item scored in double precision, fully sorted. */
function reference(
  table: Float32Array,
  dim: number,
  bias: Float32Array | undefined,
  q: Float32Array,
  k: number,
  keep: (i: number) => boolean = () => true,
): SearchHit[] {
  const hits: SearchHit[] = [];
  for (let i = 0; i < table.length / dim; i++) {
    if (!keep(i)) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += q[d]! * table[i * dim + d]!;
    hits.push({ item: i, score: s + (bias?.[i] ?? 0) });
  }
  return hits.sort((a, b) => b.score - a.score || a.item - b.item).slice(0, k);
}

function fill(index: BruteForceIndex, table: Float32Array, dim: number, bias?: Float32Array): void {
  for (let i = 0; i < table.length / dim; i++)
    index.upsert(i, table.subarray(i * dim, (i + 1) * dim), bias?.[i]);
}

describe('BruteForceIndex', () => {
  const dim = 13; // not a multiple of 4: exercises row padding
  const n = 3000;
  const table = randomTable(n, dim, 1);
  const rng = new Rng(2);
  const bias = Float32Array.from({ length: n }, () => rng.normal());
  const queries = randomTable(9, dim, 3);

  it.each([true, false])('returns the exact top-k with bias (wasm %s)', (wasm) => {
    const index = new BruteForceIndex(dim, { wasm, capacity: 10 });
    fill(index, table, dim, bias);
    expect(index.size).toBe(n);
    if (wasm) expect(index.simd).toBe(true);
    for (let r = 0; r < 9; r++) {
      const q = queries.subarray(r * dim, (r + 1) * dim);
      const got = index.search(q, 25);
      const want = reference(table, dim, bias, q, 25);
      expect(got.map((h) => h.item)).toEqual(want.map((h) => h.item));
      for (let j = 0; j < 25; j++) expect(got[j]!.score).toBeCloseTo(want[j]!.score, 5);
    }
  });

  it('searchMany equals search query by query', () => {
    const index = new BruteForceIndex(dim);
    fill(index, table, dim, bias);
    const many = index.searchMany(queries, 10);
    expect(many).toHaveLength(9);
    for (let r = 0; r < 9; r++)
      expect(many[r]).toEqual(index.search(queries.subarray(r * dim, (r + 1) * dim), 10));
  });

  it('breaks ties by the lower item', () => {
    const index = new BruteForceIndex(2);
    for (const i of [7, 3, 5, 1]) index.upsert(i, Float32Array.of(1, 1));
    index.upsert(0, Float32Array.of(0, 0));
    expect(index.search(Float32Array.of(1, 2), 3).map((h) => h.item)).toEqual([1, 3, 5]);
  });

  it('respects filters, removals and replacements', () => {
    const index = new BruteForceIndex(dim);
    fill(index, table, dim);
    const q = queries.subarray(0, dim);
    const even = (i: number) => i % 2 === 0;
    expect(index.search(q, 20, even).map((h) => h.item)).toEqual(
      reference(table, dim, undefined, q, 20, even).map((h) => h.item),
    );
    const top = index.search(q, 5).map((h) => h.item);
    index.remove(top[0]!);
    index.remove(top[0]!); // removing twice is harmless
    expect(index.size).toBe(n - 1);
    expect(index.vector(top[0]!)).toBeUndefined();
    expect(index.search(q, 4).map((h) => h.item)).toEqual(top.slice(1));
    // Replace item 17 by a vector that beats everything.
    const big = Float32Array.from(q, (x) => x * 100);
    index.upsert(17, big);
    expect(index.size).toBe(n - 1);
    expect(index.search(q, 1)[0]!.item).toBe(17);
    expect(Array.from(index.vector(17)!)).toEqual(Array.from(big));
  });

  it('grows past its capacity and returns every item when k exceeds the size', () => {
    const index = new BruteForceIndex(3, { capacity: 2 });
    index.upsert(1000, Float32Array.of(1, 0, 0));
    index.upsert(5, Float32Array.of(0, 1, 0));
    index.upsert(70000, Float32Array.of(0, 0, 1), 0.5);
    expect(index.size).toBe(3);
    const hits = index.search(Float32Array.of(0.1, 0.2, 0.3), 10);
    expect(hits.map((h) => h.item)).toEqual([70000, 5, 1000]);
    expect(hits[0]!.score).toBeCloseTo(0.8, 6);
    expect(index.search(Float32Array.of(1, 1, 1), 0)).toEqual([]);
  });

  it('normalises items and queries under the cosine metric', () => {
    const index = new BruteForceIndex(2, { metric: 'cosine' });
    index.upsert(0, Float32Array.of(10, 0));
    index.upsert(1, Float32Array.of(1, 1));
    const hits = index.search(Float32Array.of(0.1, 0.1), 2);
    expect(hits[0]!.item).toBe(1);
    expect(hits[0]!.score).toBeCloseTo(1, 6);
    expect(hits[1]!.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(index.vector(0)!)).toEqual([1, 0]);
  });

  it('rejects bad arguments', () => {
    const index = new BruteForceIndex(2);
    expect(() => index.upsert(-1, Float32Array.of(1, 1))).toThrow(InvalidArgumentError);
    expect(() => index.upsert(0, Float32Array.of(1))).toThrow(InvalidArgumentError);
    expect(() => index.upsert(0, Float32Array.of(1, Number.NaN))).toThrow(InvalidArgumentError);
    expect(() => index.search(Float32Array.of(1, 1), -1)).toThrow(InvalidArgumentError);
    expect(() => index.search(Float32Array.of(1, 1, 1), 1)).toThrow(InvalidArgumentError);
  });

  it('loads rows in one pass exactly as upserting them one by one', () => {
    const rng = new Rng(17);
    const dim = 6;
    const n = 300;
    const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
    const bias = Float32Array.from({ length: n }, () => 0.1 * rng.normal());
    const one = new BruteForceIndex(dim, { capacity: 4 });
    for (let i = 0; i < n; i++) one.upsert(i, vectors.subarray(i * dim, (i + 1) * dim), bias[i]!);
    const bulk = new BruteForceIndex(dim, { capacity: 4 });
    bulk.loadRows(vectors, bias);
    expect(bulk.size).toBe(n);
    const q = Float32Array.from({ length: dim }, () => rng.normal());
    expect(bulk.search(q, 20)).toEqual(one.search(q, 20));
    expect(Array.from(bulk.vector(n - 1)!)).toEqual(Array.from(vectors.subarray((n - 1) * dim)));
    vectors[7] = Number.POSITIVE_INFINITY;
    expect(() => new BruteForceIndex(dim).loadRows(vectors)).toThrow(/item 1 has a non-finite/);
    expect(() => new BruteForceIndex(dim).loadRows(vectors.subarray(0, 5))).toThrow(InvalidArgumentError);
  });
});
