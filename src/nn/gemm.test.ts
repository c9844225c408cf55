import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { gemm, gemmJs } from './gemm.js';

function rand(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** Float64 reference of op(A)·op(B). */
function reference(
  A: Float32Array,
  B: Float32Array,
  n: number,
  k: number,
  m: number,
  tA: boolean,
  tB: boolean,
) {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (tA ? A[p * n + i]! : A[i * k + p]!) * (tB ? B[j * k + p]! : B[p * m + j]!);
      C[i * m + j] = s;
    }
  return C;
}

describe('gemm', () => {
  const rng = new Rng(7);
  for (const [n, k, m] of [
    [33, 70, 64],
    [7, 129, 18],
    [64, 64, 3],
    [1, 300, 80],
  ] as const) {
    for (const tA of [false, true])
      for (const tB of [false, true]) {
        it(`matches a float64 reference (${n}x${k}x${m}, transA=${tA}, transB=${tB}), wasm and js`, () => {
          const A = rand(n * k, rng);
          const B = rand(k * m, rng);
          const ref = reference(A, B, n, k, m, tA, tB);
          for (const js of [false, true]) {
            const C = new Float32Array(n * m).fill(9);
            gemm(A, B, C, n, k, m, { transA: tA, transB: tB, js });
            for (let x = 0; x < n * m; x++) expect(C[x]).toBeCloseTo(ref[x]!, 3);
            // accumulate adds on top
            gemm(A, B, C, n, k, m, { transA: tA, transB: tB, accumulate: true, js });
            for (let x = 0; x < n * m; x++) expect(C[x]).toBeCloseTo(2 * ref[x]!, 3);
          }
        });
      }
  }

  it('the WebAssembly path is faster than the JS loop on a fusion-sized product', () => {
    const n = 1024;
    const k = 384;
    const m = 64;
    const A = rand(n * k, rng);
    const B = rand(k * m, rng);
    const C = new Float32Array(n * m);
    const time = (f: () => void) => {
      f();
      const t = performance.now();
      for (let r = 0; r < 5; r++) f();
      return performance.now() - t;
    };
    const tw = time(() => gemm(A, B, C, n, k, m));
    const tj = time(() => gemmJs(A, B, C, n, k, m));
    expect(tw).toBeLessThan(tj);
  });
});
