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
import { Arena } from '../util/arena.js';

type Table = 'indptr' | 'indices' | 'values' | 'x' | 'a' | 'b';

interface Loaded {
  adj: Csr;
  pd: number;
  arena: Arena<Table>;
  kernels: Kernels;
}

/** The last matrix's memory (a fit propagates over one adjacency many times). */
let loaded: Loaded | undefined;

function load(adj: Csr, pd: number): Loaded {
  if (loaded && loaded.adj === adj && loaded.pd === pd) return loaded;
  const n = adj.nRows;
  const nnz = Math.max(1, adj.indices.length);
  const arena = new Arena<Table>(
    {
      indptr: { length: n + 1, type: 'i32' },
      indices: { length: nnz, type: 'i32' },
      values: { length: nnz, type: 'f32' },
      x: { length: n * pd, type: 'f32' },
      a: { length: n * pd, type: 'f32' },
      b: { length: n * pd, type: 'f32' },
    },
    'graph propagation',
  );
  arena.i32('indptr').set(adj.indptr);
  arena.i32('indices').set(adj.indices);
  arena.f32('values').set(adj.values);
  loaded = { adj, pd, arena, kernels: instantiate(kernelModule(), arena.memory) };
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
  const at = L.arena.at;
  const xs = L.arena.f32('x');
  if (pd === d) xs.set(x.subarray(0, n * d));
  else for (let r = 0; r < n; r++) xs.set(x.subarray(r * d, (r + 1) * d), r * pd);
  const { indptr, indices, values } = at;
  let cur = at.x;
  for (let k = 1; k <= layers; k++) {
    const dst = cur === at.a ? at.b : at.a;
    const scale = k === layers ? 1 / (layers + 1) : 1;
    // dst = scale · (x + Â·cur)
    L.kernels.prop(-1, 0, n, indptr, indices, values, -1, cur, -1, at.x, dst, pd, scale);
    cur = dst;
  }
  const res = L.arena.f32(cur === at.a ? 'a' : 'b');
  if (pd === d) out.set(res);
  else for (let r = 0; r < n; r++) out.set(res.subarray(r * pd, r * pd + d), r * d);
  return out;
}
