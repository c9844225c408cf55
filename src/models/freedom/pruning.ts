/**
 * @module models/freedom/pruning
 * FREEDOM's degree-sensitive edge pruning of the user-item graph (Zhou & Shen, ACM MM 2023,
 * §3.2), as MMRec's `pre_epoch_processing` does it before every epoch: each training edge (u, i)
 * weighs 1/√(d_u d_i) (degrees in the training graph); round(nnz·(1 − dropout)) edges are drawn
 * without replacement with probability proportional to their weights (torch.multinomial's
 * successive sampling, here by Efraimidis-Spirakis keys −ln(U)/w, which give the same
 * distribution); the kept edges form a new symmetric graph normalised by its own degrees,
 * Â'[u][i] = 1/√(d'_u d'_i). Edges between low-degree nodes are the likeliest to stay.
 */
import type { Interactions } from '../../data/interactions.js';
import type { Csr } from '../../math/spmm.js';
import type { Rng } from '../../util/rng.js';

/** Number of edges kept at a dropout ratio (MMRec: int(nnz · (1 − dropout))). */
export function keptEdges(nnz: number, dropout: number): number {
  return Math.floor(nnz * (1 - dropout));
}

/** The sampling weight 1/√(d_u d_i) of each stored training pair (aligned with train.indices). */
export function edgeWeights(train: Interactions): Float64Array {
  const itemDeg = new Float64Array(train.nItems);
  for (let k = 0; k < train.nnz; k++) itemDeg[train.indices[k]!]!++;
  const w = new Float64Array(train.nnz);
  for (let u = 0; u < train.nUsers; u++) {
    const from = train.indptr[u]!;
    const to = train.indptr[u + 1]!;
    for (let k = from; k < to; k++) w[k] = 1 / Math.sqrt((to - from) * itemDeg[train.indices[k]!]!);
  }
  return w;
}

/** Draws `count` distinct edges with probability ∝ weights; returns a keep mask over the edges. */
export function sampleEdges(weights: Float64Array, count: number, rng: Rng): Uint8Array {
  const n = weights.length;
  const keep = new Uint8Array(n);
  if (count >= n) return keep.fill(1);
  if (count <= 0) return keep;
  // Efraimidis & Spirakis (2006): the `count` smallest keys −ln(U)/w are a weighted sample
  // without replacement, distributed as successive draws.
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    keys[k] = -Math.log(u) / weights[k]!;
  }
  // The count-th smallest key by a native numeric sort of a copy, then every key below it, then
  // keys equal to it in edge order until `count` (ties have probability ~0 with float64 keys).
  const sorted = keys.slice().sort();
  const threshold = sorted[count - 1]!;
  let taken = 0;
  for (let k = 0; k < n; k++) {
    if (keys[k]! < threshold) {
      keep[k] = 1;
      taken++;
    }
  }
  for (let k = 0; k < n && taken < count; k++) {
    if (keys[k] === threshold) {
      keep[k] = 1;
      taken++;
    }
  }
  return keep;
}

/**
 * The symmetric normalised adjacency over users then items (item i at node nUsers + i) of the
 * kept training edges, each normalised by the kept graph's degrees: the same layout as
 * math/spmm's normalizedAdjacency, whose output this equals when every edge is kept.
 */
export function keptAdjacency(train: Interactions, keep: Uint8Array): Csr {
  const { nUsers, nItems } = train;
  const n = nUsers + nItems;
  const degree = new Float64Array(n);
  let nnz = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let k = train.indptr[u]!; k < train.indptr[u + 1]!; k++) {
      if (!keep[k]) continue;
      degree[u]!++;
      degree[nUsers + train.indices[k]!]!++;
      nnz++;
    }
  }
  const scale = degree.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const indptr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) indptr[r + 1] = indptr[r]! + degree[r]!;
  const fill = indptr.slice(0, n);
  const indices = new Int32Array(2 * nnz);
  const values = new Float32Array(2 * nnz);
  // Users ascending, items ascending within a user: both halves come out column-sorted.
  for (let u = 0; u < nUsers; u++) {
    for (let k = train.indptr[u]!; k < train.indptr[u + 1]!; k++) {
      if (!keep[k]) continue;
      const node = nUsers + train.indices[k]!;
      const v = scale[u]! * scale[node]!;
      const pu = fill[u]!++;
      indices[pu] = node;
      values[pu] = v;
      const pi = fill[node]!++;
      indices[pi] = u;
      values[pi] = v;
    }
  }
  return { nRows: n, nCols: n, indptr, indices, values };
}
