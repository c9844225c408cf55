import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { DotScorer } from './dot-scorer.js';

function naive(
  U: Float32Array,
  V: Float32Array,
  dim: number,
  users: Int32Array,
  nItems: number,
  bias?: Float32Array,
) {
  const out = new Float64Array(users.length * nItems);
  for (let b = 0; b < users.length; b++) {
    for (let i = 0; i < nItems; i++) {
      let s = bias ? bias[i]! : 0;
      for (let d = 0; d < dim; d++) s += U[users[b]! * dim + d]! * V[i * dim + d]!;
      out[b * nItems + i] = s;
    }
  }
  return out;
}

describe('DotScorer', () => {
  for (const dim of [64, 6, 1]) {
    it(`matches the naive product (dim ${dim}, odd batch sizes, bias)`, () => {
      const rng = new Rng(dim);
      const nUsers = 23;
      const nItems = 37;
      const U = Float32Array.from({ length: nUsers * dim }, () => rng.normal());
      const V = Float32Array.from({ length: nItems * dim }, () => rng.normal());
      const bias = Float32Array.from({ length: nItems }, () => rng.normal());
      const users = Int32Array.from([5, 0, 22, 7, 7, 13, 1, 2, 3, 4, 19]);
      const ref = naive(U, V, dim, users, nItems, bias);
      const wasm = new DotScorer(dim, nItems, V, bias, { maxBatch: 8 });
      expect(wasm.simd).toBe(true);
      const js = new DotScorer(dim, nItems, V, bias, { wasm: false });
      for (const s of [wasm, js]) {
        const out = new Float32Array(users.length * nItems);
        s.scoreUsers(U, users, out);
        for (let k = 0; k < out.length; k++) expect(out[k]).toBeCloseTo(ref[k]!, 4);
      }
    });
  }
});
