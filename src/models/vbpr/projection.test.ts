import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { projectionGradient, projectRows } from './projection.js';

const rand = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

describe('VBPR projection kernels', () => {
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
      const G = rand(rng, count * d);
      const GE = new Float32Array(d * F).fill(0.5);
      const Gb = new Float32Array(d).fill(0.25);
      projectionGradient(G, d, F, X, items, count, GE, Gb);
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
      for (let k = 0; k < d; k++) {
        let gb = 0.25;
        for (let s = 0; s < count; s++) gb += G[s * d + k]!;
        expect(Gb[k]).toBeCloseTo(gb, 4);
        for (let f = 0; f < F; f++) {
          let g = 0.5;
          for (let s = 0; s < count; s++) g += G[s * d + k]! * X[items[s]! * F + f]!;
          expect(GE[k * F + f]).toBeCloseTo(g, 4);
        }
      }
    });
  }
});
