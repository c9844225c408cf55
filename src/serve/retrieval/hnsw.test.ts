import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { BruteForceIndex } from './brute.js';
import { HnswIndex } from './hnsw.js';
import { buildIndex } from './index.js';
import { recallAgainstBrute } from './recall.js';
import { syntheticFactors } from './synthetic.js';

const dim = 64;
const n = 20000;
const { items, queries } = syntheticFactors(n, dim, 11);
const qs = queries(200);
const rng = new Rng(5);
const bias = Float32Array.from({ length: n }, () => 0.3 * rng.normal());

describe('HnswIndex', () => {
  const brute = buildIndex(items, dim, { kind: 'brute', bias });
  const hnsw = buildIndex(items, dim, { kind: 'hnsw', bias, seed: 1 });

  it('reaches recall@10 >= 0.99 against brute force on clustered data with varied norms and bias', () => {
    expect(hnsw.kind).toBe('hnsw');
    expect(hnsw.size).toBe(n);
    const recall = recallAgainstBrute(hnsw, brute, qs, 10);
    expect(recall).toBeGreaterThanOrEqual(0.99);
    // Deeper ranks stay reachable (items are inserted in ascending norm order).
    expect(recallAgainstBrute(hnsw, brute, qs, 40)).toBeGreaterThanOrEqual(0.98);
    // Exact re-scoring: a returned item carries the very score brute force gives it.
    const q = qs.subarray(0, dim);
    const exact = new Map(brute.search(q, 50).map((h) => [h.item, h.score]));
    for (const h of hnsw.search(q, 10)) if (exact.has(h.item)) expect(h.score).toBe(exact.get(h.item));
  });

  it('returns only items that pass the filter, for mild and very selective filters', () => {
    const q = qs.subarray(dim, 2 * dim);
    const half = (i: number) => i % 2 === 1;
    const got = hnsw.search(q, 10, half);
    expect(got).toHaveLength(10);
    expect(got.every((h) => half(h.item))).toBe(true);
    // Filtered recall over many queries: the search goes deeper by the observed pass rate.
    let recall = 0;
    for (let r = 0; r < 100; r++) {
      const qr = qs.subarray(r * dim, (r + 1) * dim);
      const want = new Set(brute.search(qr, 10, half).map((h) => h.item));
      recall += hnsw.search(qr, 10, half).filter((h) => want.has(h.item)).length / 10;
    }
    expect(recall / 100).toBeGreaterThanOrEqual(0.99);
    // One item in 500 passes: the graph cannot find enough, the index falls back to an exact scan.
    const rare = (i: number) => i % 500 === 7;
    expect(hnsw.search(q, 10, rare)).toEqual(brute.search(q, 10, rare));
    expect(hnsw.search(q, 10, () => false)).toEqual([]);
  });

  it('is deterministic for a seed', () => {
    const part = items.subarray(0, 3000 * dim);
    const a = buildIndex(part, dim, { kind: 'hnsw', seed: 3, efSearch: 10, efConstruction: 20, M: 4 });
    const b = buildIndex(part, dim, { kind: 'hnsw', seed: 3, efSearch: 10, efConstruction: 20, M: 4 });
    for (let r = 0; r < 20; r++) {
      const q = qs.subarray(r * dim, (r + 1) * dim);
      expect(a.search(q, 10)).toEqual(b.search(q, 10));
    }
  });
});

describe('HnswIndex updates', () => {
  it('applies upserts and removals, grows, and keeps vectors', () => {
    const index = new HnswIndex(dim, { capacity: 8, seed: 2 });
    const base = items.subarray(0, 2000 * dim);
    for (let i = 0; i < 2000; i++) index.upsert(i, base.subarray(i * dim, (i + 1) * dim));
    expect(index.size).toBe(2000);
    const brute = new BruteForceIndex(dim);
    for (let i = 0; i < 2000; i++) brute.upsert(i, base.subarray(i * dim, (i + 1) * dim));
    const q = qs.subarray(0, dim);
    const top = index.search(q, 10).map((h) => h.item);
    for (const i of top.slice(0, 3)) {
      index.remove(i);
      brute.remove(i);
    }
    index.remove(top[0]!); // again: no-op
    expect(index.size).toBe(1997);
    expect(index.vector(top[0]!)).toBeUndefined();
    const after = index.search(q, 10).map((h) => h.item);
    for (const i of top.slice(0, 3)) expect(after).not.toContain(i);
    expect(recallAgainstBrute(index, brute, qs.subarray(0, 50 * dim), 10)).toBeGreaterThanOrEqual(0.98);
    // A removed item comes back when upserted again; a far item beyond the capacity is added.
    index.upsert(top[0]!, base.subarray(top[0]! * dim, (top[0]! + 1) * dim));
    expect(index.search(q, 1)[0]!.item).toBe(top[0]);
    const strong = Float32Array.from(q, (x) => 50 * x);
    index.upsert(50000, strong, 1);
    expect(index.size).toBe(1999);
    const best = index.search(q, 1)[0]!;
    expect(best.item).toBe(50000);
    let s = 1;
    for (let d = 0; d < dim; d++) s += q[d]! * strong[d]!;
    expect(best.score).toBeCloseTo(s, 3);
    expect(Array.from(index.vector(50000)!)).toEqual(Array.from(strong));
    // Replace its vector by its opposite: it must drop out of the top.
    index.upsert(
      50000,
      Float32Array.from(strong, (x) => -x),
    );
    expect(index.search(q, 10).map((h) => h.item)).not.toContain(50000);
  });

  it('searches small indexes exactly and handles cosine similarity', () => {
    const index = buildIndex(items.subarray(0, 300 * dim), dim, { kind: 'hnsw', metric: 'cosine' });
    const brute = buildIndex(items.subarray(0, 300 * dim), dim, { kind: 'brute', metric: 'cosine' });
    const q = index.vector(42)!;
    let n2 = 0;
    for (const x of q) n2 += x * x;
    expect(n2).toBeCloseTo(1, 5);
    const hits = index.search(q, 5);
    expect(hits[0]!.item).toBe(42);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits).toEqual(brute.search(q, 5));
  });

  it('rejects bad options', () => {
    expect(() => new HnswIndex(0)).toThrow(InvalidArgumentError);
    expect(() => new HnswIndex(4, { M: 1 })).toThrow(InvalidArgumentError);
    expect(() => new HnswIndex(4, { efSearch: 0 })).toThrow(InvalidArgumentError);
    expect(() => new HnswIndex(4, { seed: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('buildIndex', () => {
  it('picks brute force below the threshold, honours live flags, and checks shapes', () => {
    const part = items.subarray(0, 100 * dim);
    const live = Uint8Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const index = buildIndex(part, dim, { live });
    expect(index.kind).toBe('brute');
    expect(index.size).toBe(66);
    expect(index.vector(0)).toBeUndefined();
    expect(index.search(qs.subarray(0, dim), 100).every((h) => h.item % 3 !== 0)).toBe(true);
    expect(buildIndex(part, dim, { bruteBelow: 50 }).kind).toBe('hnsw');
    expect(() => buildIndex(part.subarray(1), dim)).toThrow(InvalidArgumentError);
    expect(() => buildIndex(part, dim, { bias: new Float32Array(3) })).toThrow(InvalidArgumentError);
  });
});
