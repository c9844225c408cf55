/**
 * @module nn/propagate
 * LightGCN's layer combination P(x) = (1/(L+1)) Σ_{k=0..L} Â^k x for the autograd op
 * `Graph.propagate` (and, Â being symmetric, for its gradient), by Horner's rule
 * H ← x + Â·H in LightGCN's WebAssembly SIMD `prop` kernel (models/lightgcn/kernels.wat) on the
 * calling thread. The adjacency is copied into the module's memory once per matrix (a fit uses one);
 * each call copies x in and the result out, O(n·d) against the O(L·nnz·d) of the products. Rows
 * are padded to a multiple of four floats there.
 */
import type { Csr } from '../math/spmm.js';
import { instantiate, type Kernels, kernelModule } from '../models/lightgcn/ops.js';

interface Loaded {
  adj: Csr;
  kernels: Kernels;
  memory: WebAssembly.Memory;
  pd: number;
  at: { indptr: number; indices: number; values: number; x: number; a: number; b: number };
}

/** The last matrix's memory (a fit propagates over one adjacency many times). */
let loaded: Loaded | undefined;

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

function load(adj: Csr, pd: number): Loaded {
  if (loaded && loaded.adj === adj && loaded.pd === pd) return loaded;
  const n = adj.nRows;
  const nnz = adj.indices.length;
  let top = 0;
  const take = (bytes: number) => {
    const o = top;
    top += align(bytes);
    return o;
  };
  const at = {
    indptr: take(4 * (n + 1)),
    indices: take(4 * nnz),
    values: take(4 * nnz),
    x: take(4 * n * pd),
    a: take(4 * n * pd),
    b: take(4 * n * pd),
  };
  const pages = Math.ceil(top / 65536) + 1;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buf = memory.buffer;
  new Int32Array(buf, at.indptr, n + 1).set(adj.indptr);
  new Int32Array(buf, at.indices, nnz).set(adj.indices);
  new Float32Array(buf, at.values, nnz).set(adj.values);
  loaded = { adj, kernels: instantiate(kernelModule(), memory), memory, pd, at };
  return loaded;
}

/**
 * out = (1/(L+1)) Σ_{k=0..L} adj^k x for x of adj.nRows x d (row-major; adj square). Returns out.
 */
export function propagateLayers(
  adj: Csr,
  x: Float32Array,
  d: number,
  layers: number,
  out: Float32Array,
): Float32Array {
  const n = adj.nRows;
  if (layers === 0) {
    out.set(x.subarray(0, n * d));
    return out;
  }
  const pd = Math.ceil(d / 4) * 4;
  const L = load(adj, pd);
  const buf = L.memory.buffer;
  const xs = new Float32Array(buf, L.at.x, n * pd);
  if (pd === d) xs.set(x.subarray(0, n * d));
  else for (let r = 0; r < n; r++) xs.set(x.subarray(r * d, (r + 1) * d), r * pd);
  const { indptr, indices, values } = L.at;
  let cur = L.at.x;
  for (let k = 1; k <= layers; k++) {
    const dst = cur === L.at.a ? L.at.b : L.at.a;
    const scale = k === layers ? 1 / (layers + 1) : 1;
    // dst = scale · (x + Â·cur)
    L.kernels.prop(-1, 0, n, indptr, indices, values, -1, cur, -1, L.at.x, dst, pd, scale);
    cur = dst;
  }
  const res = new Float32Array(buf, cur, n * pd);
  if (pd === d) out.set(res);
  else for (let r = 0; r < n; r++) out.set(res.subarray(r * pd, r * pd + d), r * d);
  return out;
}
