import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { LogBuilder } from '../../data/log.js';
import { normalizedAdjacency } from '../../math/spmm.js';
import { Rng } from '../../util/rng.js';
import { edgeWeights, keptAdjacency, keptEdges, sampleEdges } from './pruning.js';

function train(): Interactions {
  const b = new LogBuilder();
  // User 0 has many items, user 1 few: edges of user 1 weigh more.
  for (let i = 0; i < 6; i++) b.push(0, i);
  b.push(1, 6);
  b.push(1, 0);
  b.push(2, 6);
  return Interactions.fromLog(b.build(), 3, 7);
}

describe('degree-sensitive pruning', () => {
  it('keeps int(nnz · (1 − dropout)) edges, as MMRec', () => {
    expect(keptEdges(44327, 0.8)).toBe(8865);
    expect(keptEdges(44327, 0.9)).toBe(4432);
    expect(keptEdges(10, 0)).toBe(10);
  });

  it('weighs each edge 1/sqrt(d_u d_i)', () => {
    const t = train();
    const w = edgeWeights(t);
    // Edge (0, 0): d_u = 6, d_i = 2.
    expect(w[0]).toBeCloseTo(1 / Math.sqrt(12));
    // Edge (2, 6): d_u = 1, d_i = 2.
    expect(w[t.nnz - 1]).toBeCloseTo(1 / Math.sqrt(2));
  });

  it('draws distinct edges with probability growing with the weight, the same for the same seed', () => {
    const weights = Float64Array.of(1, 1, 4, 0.25, 2);
    const counts = new Float64Array(5);
    const rng = new Rng(11);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const keep = sampleEdges(weights, 2, rng);
      expect(keep.reduce((s, x) => s + x, 0)).toBe(2);
      keep.forEach((x, k) => {
        counts[k]! += x;
      });
    }
    // Successive sampling, 2 of 5: P(k kept) = w_k/W + Σ_{f≠k} (w_f/W) · w_k/(W − w_f).
    const total = weights.reduce((s, x) => s + x, 0);
    weights.forEach((wk, k) => {
      let p = wk / total;
      weights.forEach((wf, f) => {
        if (f !== k) p += (wf / total) * (wk / (total - wf));
      });
      expect(Math.abs(counts[k]! / trials - p)).toBeLessThan(0.025);
    });
    expect(counts[2]!).toBeGreaterThan(counts[4]!);
    expect(counts[4]!).toBeGreaterThan(counts[0]!);
    expect(sampleEdges(weights, 2, new Rng(5))).toEqual(sampleEdges(weights, 2, new Rng(5)));
  });

  it('renormalises the kept graph by its own degrees and equals the full graph when all are kept', () => {
    const t = train();
    const all = keptAdjacency(t, new Uint8Array(t.nnz).fill(1));
    const full = normalizedAdjacency(t);
    expect(all.indptr).toEqual(full.indptr);
    expect(all.indices).toEqual(full.indices);
    expect(all.values).toEqual(full.values);
    const keep = new Uint8Array(t.nnz);
    keep[0] = 1; // (0, 0)
    keep[6] = 1; // (1, 0)
    const g = keptAdjacency(t, keep);
    expect(g.indices.length).toBe(4);
    // Item 0 (node 3) keeps 2 edges, users 0 and 1 one each: values 1/sqrt(1 · 2).
    expect(Array.from(g.indices.subarray(g.indptr[3]!, g.indptr[4]!))).toEqual([0, 1]);
    for (const v of g.values) expect(v).toBeCloseTo(Math.SQRT1_2);
  });
});
