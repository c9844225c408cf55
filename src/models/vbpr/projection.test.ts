import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { projectRows } from './projection.js';

const rand = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

describe('VBPR projection', () => {
  // Sizes that exercise the blocked paths and every remainder.
  for (const [d, F, count] of [
    [1, 3, 1],
    [4, 8, 2],
    [5, 7, 7],
    [8, 16, 9],
  ] as const) {
    it(`match the naive products (d=${d}, F=${F}, ${count} items)`, () => {
      const rng = new Rng(d * 100 + F);
      const nRows = 12;
      const E = rand(rng, d * F);
      const b = rand(rng, d);
      const X = rand(rng, nRows * F);
      const items = Int32Array.from({ length: count }, (_, s) => (s * 5 + 3) % nRows);
      const stride = d + 2;
      const out = new Float32Array(2 + count * stride).fill(7);
      projectRows(E, b, d, F, X, items, count, out, 2, stride);
      for (let s = 0; s < count; s++) {
        for (let k = 0; k < d; k++) {
          let v = b[k]!;
          for (let f = 0; f < F; f++) v += E[k * F + f]! * X[items[s]! * F + f]!;
          expect(out[2 + s * stride + k]).toBeCloseTo(v, 4);
        }
        // Padding between rows is untouched.
        for (let k = d; k < stride && 2 + s * stride + k < out.length; k++)
          expect(out[2 + s * stride + k]).toBe(7);
      }
    });
  }
});
