/**
 * @module nn/ops/linear
 * Linear maps: the matrix product (WebAssembly SIMD gemm) and a broadcast bias. Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */
import { MismatchError } from '../../errors.js';
import { gemm } from '../gemm.js';
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { addInto } from './scalar.js';

/** x[n x k] · W[k x m]. */
export function matmul(g: Tape, x: Tensor, w: Tensor): Tensor {
  if (x.cols !== w.rows) throw new MismatchError(`matmul ${x.rows}x${x.cols} · ${w.rows}x${w.cols}`);
  const n = x.rows;
  const k = x.cols;
  const m = w.cols;
  const y = g.out(n, m, [x, w]);
  gemm(x.data, w.data, y.data, n, k, m);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    if (x.requiresGrad) gemm(gy, w.data, x.g(), n, m, k, { transB: true, accumulate: true });
    if (w.requiresGrad) {
      if (n * k > 4 * n * m) {
        // x is the big operand (many rows of wide inputs): transposing the output gradient
        // (n x m) is cheaper than transposing x (n x k), so compute (∂W)ᵀ = gyᵀ·x instead.
        const t = new Float32Array(m * k);
        gemm(gy, x.data, t, m, n, k, { transA: true });
        const gw = w.g();
        for (let j = 0; j < m; j++) for (let p = 0; p < k; p++) gw[p * m + j]! += t[j * k + p]!;
      } else gemm(x.data, gy, w.g(), k, n, m, { transA: true, accumulate: true });
    }
  });
}

/** x + b with b a 1 x cols row broadcast over rows. */
export function addBias(g: Tape, x: Tensor, b: Tensor): Tensor {
  if (b.size !== x.cols) throw new MismatchError(`bias of ${b.size} for ${x.cols} columns`);
  const y = g.out(x.rows, x.cols, [x, b]);
  const c = x.cols;
  for (let i = 0; i < x.size; i++) y.data[i] = x.data[i]! + b.data[i % c]!;
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    if (x.requiresGrad) addInto(x.g(), gy);
    if (b.requiresGrad) {
      const gb = b.g();
      for (let i = 0; i < gy.length; i++) gb[i % c]! += gy[i]!;
    }
  });
}
