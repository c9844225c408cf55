/**
 * @module models/vbpr/projection
 * VBPR's content projection c_s = E f_{items[s]} + b of a set of items, outside training (explanation
 * parts, new items' content vectors): register-blocked JavaScript (four rows of E by two items) for
 * small products, the WebAssembly SIMD product (nn/gemm) on the gathered feature rows above that.
 * Training runs its products in onnx/fixed-products.
 */
import { gemm } from '../../nn/gemm.js';

/**
 * out[oo + s·stride + k] = b[k] + <E[k], X[items[s]]> for s < count, k < d (E is d x F, X is
 * rows x F, both row-major).
 */
export function projectRows(
  E: Float32Array,
  b: Float32Array,
  d: number,
  F: number,
  X: Float32Array,
  items: Int32Array,
  count: number,
  out: Float32Array,
  oo: number,
  stride: number,
): void {
  if (count * d * F < SIMD_MIN_WORK) {
    projectRowsJs(E, b, d, F, X, items, count, out, oo, stride);
    return;
  }
  const rows = gatherRows(X, F, items, count);
  const tmp = scratch(count * d, 1);
  gemm(rows, E, tmp, count, F, d, { transB: true });
  for (let s = 0; s < count; s++) {
    const o = oo + s * stride;
    for (let k = 0; k < d; k++) out[o + k] = b[k]! + tmp[s * d + k]!;
  }
}

/** Below this many multiply-adds the register-blocked JS loops are used. */
const SIMD_MIN_WORK = 65_536;

const buffers: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
/** A reused scratch buffer (slot 0: gathered feature rows, slot 1: products) of at least n floats. */
function scratch(n: number, slot: number): Float32Array {
  if (buffers[slot]!.length < n) buffers[slot] = new Float32Array(n);
  return buffers[slot]!.subarray(0, n);
}

function gatherRows(X: Float32Array, F: number, items: Int32Array, count: number): Float32Array {
  const rows = scratch(count * F, 0);
  for (let s = 0; s < count; s++) rows.set(X.subarray(items[s]! * F, (items[s]! + 1) * F), s * F);
  return rows;
}

/** The JS path of {@link projectRows}. */
export function projectRowsJs(
  E: Float32Array,
  b: Float32Array,
  d: number,
  F: number,
  X: Float32Array,
  items: Int32Array,
  count: number,
  out: Float32Array,
  oo: number,
  stride: number,
): void {
  let s = 0;
  for (; s + 1 < count; s += 2) {
    const x0 = items[s]! * F;
    const x1 = items[s + 1]! * F;
    const o0 = oo + s * stride;
    const o1 = o0 + stride;
    let k = 0;
    for (; k + 3 < d; k += 4) {
      const e0 = k * F;
      const e1 = e0 + F;
      const e2 = e1 + F;
      const e3 = e2 + F;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let f = 0; f < F; f++) {
        const u = X[x0 + f]!;
        const v = X[x1 + f]!;
        const w0 = E[e0 + f]!;
        const w1 = E[e1 + f]!;
        const w2 = E[e2 + f]!;
        const w3 = E[e3 + f]!;
        a0 += w0 * u;
        a1 += w1 * u;
        a2 += w2 * u;
        a3 += w3 * u;
        c0 += w0 * v;
        c1 += w1 * v;
        c2 += w2 * v;
        c3 += w3 * v;
      }
      out[o0 + k] = b[k]! + a0;
      out[o0 + k + 1] = b[k + 1]! + a1;
      out[o0 + k + 2] = b[k + 2]! + a2;
      out[o0 + k + 3] = b[k + 3]! + a3;
      out[o1 + k] = b[k]! + c0;
      out[o1 + k + 1] = b[k + 1]! + c1;
      out[o1 + k + 2] = b[k + 2]! + c2;
      out[o1 + k + 3] = b[k + 3]! + c3;
    }
    for (; k < d; k++) {
      out[o0 + k] = b[k]! + dotRow(E, k * F, X, x0, F);
      out[o1 + k] = b[k]! + dotRow(E, k * F, X, x1, F);
    }
  }
  for (; s < count; s++) {
    const x0 = items[s]! * F;
    const o0 = oo + s * stride;
    for (let k = 0; k < d; k++) out[o0 + k] = b[k]! + dotRow(E, k * F, X, x0, F);
  }
}

function dotRow(A: Float32Array, ao: number, B: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += A[ao + k]! * B[bo + k]!;
  return s;
}
