/**
 * @module nn/ops/propagate
 * Graph propagation as an autograd op: LightGCN's layer combination over a symmetric normalised adjacency. Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */

import type { Csr } from '../../math/spmm.js';
import { propagateLayers } from '../propagate.js';
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { addInto } from './scalar.js';

/**
 * LightGCN's layer combination over a symmetric normalised adjacency Â (N x N):
 * (1 / (L+1)) Σ_{k=0..L} Â^k x (WebAssembly SIMD, ./propagate). Â is symmetric, so the gradient
 * is the same map of the output gradient.
 */
export function propagate(g: Tape, x: Tensor, adj: Csr, layers: number): Tensor {
  const y = g.out(x.rows, x.cols, [x]);
  const d = x.cols;
  propagateLayers(adj, x.data, d, layers, y.data);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    addInto(x.g(), propagateLayers(adj, gy, d, layers, new Float32Array(gy.length)));
  });
}
