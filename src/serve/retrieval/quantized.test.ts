/**
 * @module serve/retrieval/quantized.test
 * The int8 scan with exact re-scoring: same hits and bit-identical scores as the float32 scan on
 * clustered data with varied norms and a bias, filters, rows added later, and HNSW on int8.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { HnswIndex } from './hnsw.js';
import { buildIndex } from './index.js';
import { decodeItemIndex, encodeItemIndex } from './persist.js';
import { Int8ScanIndex } from './quantized.js';
import { recallAgainstBrute } from './recall.js';
import { syntheticFactors } from './synthetic.js';

const dim = 32;
const n = 5000;
const { items, queries } = syntheticFactors(n, dim, 21);
const qs = queries(100);
const rng = new Rng(3);
const bias = Float32Array.from({ length: n }, () => 0.3 * rng.normal());
const brute = buildIndex(items, dim, { kind: 'brute', bias });

describe('Int8ScanIndex', () => {
  const int8 = buildIndex(items, dim, { kind: 'brute', bias, vectors: 'int8' });

  it('is what buildIndex makes for vectors int8, and finds the exact top-k with exact scores', () => {
    expect(int8).toBeInstanceOf(Int8ScanIndex);
    expect(int8.size).toBe(n);
    expect(recallAgainstBrute(int8, brute, qs, 10)).toBeGreaterThanOrEqual(0.99);
    const q = qs.subarray(0, dim);
    const exact = new Map(brute.search(q, 100).map((h) => [h.item, h.score]));
    for (const h of int8.search(q, 10)) expect(h.score).toBe(exact.get(h.item));
    // a quarter of the float32 table (plus a scale, a bias and a flag per item)
    expect((int8 as Int8ScanIndex).tableBytes).toBeLessThan(n * dim * 4 * 0.4);
  });

  it('filters, removes, and re-scores rows added later from their own copy', () => {
    const q = qs.subarray(dim, 2 * dim);
    const odd = (i: number) => i % 2 === 1;
    expect(int8.search(q, 10, odd)).toEqual(brute.search(q, 10, odd));
    const idx = buildIndex(items, dim, { kind: 'brute', vectors: 'int8' });
    const top = idx.search(q, 1)[0]!.item;
    idx.remove(top);
    expect(idx.search(q, 5).map((h) => h.item)).not.toContain(top);
    const big = Float32Array.from(q, (x) => 100 * x);
    idx.upsert(n + 7, big, 0.5);
    const hit = idx.search(q, 1)[0]!;
    expect(hit.item).toBe(n + 7);
    let s = 0;
    for (let d = 0; d < dim; d++) s += q[d]! * big[d]!;
    expect(hit.score).toBeCloseTo(s + 0.5, 6);
    big.fill(0); // the index kept its own copy
    expect(idx.search(q, 1)[0]!.item).toBe(n + 7);
    expect(Array.from(idx.vector(n + 7)!)).toEqual(Array.from(q, (x) => Math.fround(100 * x)));
  });

  it('serves HNSW on int8 codes (built, and restored from a saved graph), inner product only', async () => {
    const hnsw = buildIndex(items, dim, { kind: 'hnsw', bias, vectors: 'int8', efConstruction: 64 });
    expect(hnsw).toBeInstanceOf(HnswIndex);
    expect(recallAgainstBrute(hnsw, brute, qs, 10)).toBeGreaterThanOrEqual(0.98);
    const saved = await encodeItemIndex(hnsw as HnswIndex, items, bias);
    const restored = await decodeItemIndex(saved, items, dim, { bias, vectors: 'int8' });
    const q = qs.subarray(0, dim);
    expect(restored.search(q, 10)).toEqual(hnsw.search(q, 10));
    expect(() => new HnswIndex(dim, { metric: 'cosine', vectors: 'int8' })).toThrow(InvalidArgumentError);
    // cosine indexes (content) stay float32
    expect(buildIndex(items, dim, { kind: 'brute', metric: 'cosine', vectors: 'int8' })).not.toBeInstanceOf(
      Int8ScanIndex,
    );
  });
});
