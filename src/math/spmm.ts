/**
 * @module math/spmm
 * Sparse matrices in CSR form with Float32 values, the symmetric-normalised user-item adjacency
 * of graph recommenders (LightGCN: He et al., "LightGCN: Simplifying and Powering Graph
 * Convolution Network for Recommendation", SIGIR 2020, eq. 7), and the sparse x dense product
 * Y = A·X over row-major Float32 tables. This is the plain-JS product (reference and small
 * inputs); LightGCN's training runs the same product as WebAssembly SIMD on several threads
 * (models/lightgcn/propagation).
 */
import type { Interactions } from '../data/interactions.js';
import { InvalidArgumentError } from '../errors.js';

/** A sparse matrix in compressed sparse rows; column indices ascending within each row. */
export interface Csr {
  readonly nRows: number;
  readonly nCols: number;
  /** Row pointers, length nRows + 1. */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * Â = D^-1/2 A D^-1/2 over the N = nUsers + nItems nodes of the bipartite interaction graph
 * (users first, then items at nUsers + i), A binary (every stored pair is an edge, whatever its
 * value). Â[u][nUsers + i] = Â[nUsers + i][u] = 1 / sqrt(deg(u) deg(i)); nodes of degree 0 get
 * empty rows (MMRec adds 1e-7 to the degree, which gives the same zero rows).
 */
export function normalizedAdjacency(train: Interactions): Csr {
  const { nUsers, nItems } = train;
  const n = nUsers + nItems;
  const byItem = train.transpose();
  const degree = new Float64Array(n);
  for (let u = 0; u < nUsers; u++) degree[u] = train.rowLength(u);
  for (let i = 0; i < nItems; i++) degree[nUsers + i] = byItem.rowLength(i);
  const scale = degree.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const nnz = 2 * train.nnz;
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  for (let r = 0; r < n; r++) {
    const isUser = r < nUsers;
    const m = isUser ? train : byItem;
    const row = isUser ? r : r - nUsers;
    const offset = isUser ? nUsers : 0;
    const sr = scale[r]!;
    for (let k = m.indptr[row]!; k < m.indptr[row + 1]!; k++) {
      const c = m.indices[k]! + offset;
      indices[p] = c;
      values[p] = sr * scale[c]!;
      p++;
    }
    indptr[r + 1] = p;
  }
  return { nRows: n, nCols: n, indptr, indices, values };
}

function checkShapes(a: Csr, x: Float32Array, y: Float32Array, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || x.length !== a.nCols * dim || y.length < a.nRows * dim) {
    throw new InvalidArgumentError(
      `spmm: expected x of ${a.nCols} x ${dim} and y of ${a.nRows} x ${dim} floats, got ${x.length} and ${y.length}`,
    );
  }
}

/**
 * y[r] = Σ_k A[r][k] x[k] for rows from ≤ r < to (row-major, `dim` wide). Accumulates eight
 * columns at a time in registers, so each output value is written once.
 */
export function spmmRows(
  a: Csr,
  x: Float32Array,
  y: Float32Array,
  dim: number,
  from: number,
  to: number,
): void {
  const { indptr, indices, values } = a;
  const wide = dim - (dim % 8);
  for (let r = from; r < to; r++) {
    const yo = r * dim;
    const s = indptr[r]!;
    const e = indptr[r + 1]!;
    for (let j = 0; j < wide; j += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let k = s; k < e; k++) {
        const w = values[k]!;
        const o = indices[k]! * dim + j;
        a0 += w * x[o]!;
        a1 += w * x[o + 1]!;
        a2 += w * x[o + 2]!;
        a3 += w * x[o + 3]!;
        a4 += w * x[o + 4]!;
        a5 += w * x[o + 5]!;
        a6 += w * x[o + 6]!;
        a7 += w * x[o + 7]!;
      }
      y[yo + j] = a0;
      y[yo + j + 1] = a1;
      y[yo + j + 2] = a2;
      y[yo + j + 3] = a3;
      y[yo + j + 4] = a4;
      y[yo + j + 5] = a5;
      y[yo + j + 6] = a6;
      y[yo + j + 7] = a7;
    }
    for (let j = wide; j < dim; j++) {
      let acc = 0;
      for (let k = s; k < e; k++) acc += values[k]! * x[indices[k]! * dim + j]!;
      y[yo + j] = acc;
    }
  }
}

/** Y = A·X for X of a.nCols x dim (row-major); writes into `out` when given. */
export function spmm(a: Csr, x: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const y = out ?? new Float32Array(a.nRows * dim);
  checkShapes(a, x, y, dim);
  spmmRows(a, x, y, dim, 0, a.nRows);
  return y;
}

/**
 * Splits 0..n into `parts` contiguous ranges of about equal cost, where cost(x) is the (monotone)
 * cost of the items before x. Returns the parts + 1 boundaries (first 0, last n).
 */
export function splitByCost(cost: (x: number) => number, n: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1);
  bounds[parts] = n;
  const total = cost(n);
  for (let p = 1; p < parts; p++) {
    let lo = bounds[p - 1]!;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cost(mid) < (total * p) / parts) lo = mid + 1;
      else hi = mid;
    }
    bounds[p] = lo;
  }
  return bounds;
}

/** Splits rows into `parts` contiguous ranges of about equal cost: a row costs its non-zeros plus `rowCost`. */
export function splitRows(indptr: Int32Array, parts: number, rowCost = 1): Int32Array {
  return splitByCost((r) => indptr[r]! + rowCost * r, indptr.length - 1, parts);
}
