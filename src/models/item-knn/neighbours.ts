/**
 * @module models/item-knn/neighbours
 * Item-item neighbour graphs for ItemKNN, stored sparse (CSR: row i lists the top-K neighbours of
 * item i, best first). Two sources feed the same graph builder:
 * - interactions: shrunk cosine on the binary user x item matrix,
 *   sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| |U_j|) + shrink) (Sarwar et al. 2001; implicit's
 *   CosineRecommender with shrinkage as in Koren 2008), co-counts accumulated sparsely per item;
 * - content: cosine of item feature vectors (a FeatureModality), computed blockwise over
 *   L2-normalised rows; items missing the modality have no neighbours and are nobody's neighbour.
 * The item itself and non-positive similarities are never kept. Ties go to the lower item index.
 */
import type { Interactions } from '../../data/interactions.js';
import type { FeatureModality } from '../../modalities/modality.js';
import { RowTopK } from './row-topk.js';

/** A sparse item x item similarity graph: row i holds item i's neighbours, best first. */
export interface NeighbourGraph {
  readonly nItems: number;
  /** Row pointers, length nItems + 1. */
  readonly indptr: Int32Array;
  /** Neighbour item indices. */
  readonly indices: Int32Array;
  /** Similarities aligned with `indices` (descending within a row). */
  readonly sims: Float32Array;
}

/**
 * Top-`k` shrunk-cosine neighbours from the binary interaction matrix `train` (users x items).
 * For each item i, walks its users and their items, accumulating co-counts in a dense scratch
 * with a touched list, so the cost is the sum over users of |items of u|^2.
 */
export function interactionNeighbours(train: Interactions, k: number, shrink: number): NeighbourGraph {
  const nItems = train.nItems;
  const byItem = train.transpose();
  const counts = train.itemCounts();
  const norms = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) norms[i] = Math.sqrt(counts[i]!);
  const co = new Float32Array(nItems);
  const touched = new Int32Array(nItems);
  const out = new RowTopK(nItems, Math.max(1, Math.min(k, nItems)));
  const { indptr: iPtr, indices: iUsers } = byItem;
  const { indptr: uPtr, indices: uItems } = train;
  for (let i = 0; i < nItems; i++) {
    let nTouched = 0;
    for (let p = iPtr[i]!; p < iPtr[i + 1]!; p++) {
      const u = iUsers[p]!;
      for (let q = uPtr[u]!; q < uPtr[u + 1]!; q++) {
        const j = uItems[q]!;
        if (co[j] === 0) touched[nTouched++] = j;
        co[j]! += 1;
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!;
      if (j !== i) out.push(i, j, co[j]! / (norms[i]! * norms[j]! + shrink));
      co[j] = 0;
    }
  }
  return out.build();
}

/**
 * Rows of `m` scaled to unit length, padded with zero rows to `nPad`; rows of missing (or
 * all-zero) items stay zero and are marked not ok.
 */
function normalisedRows(
  m: FeatureModality,
  nItems: number,
  nPad: number,
): { rows: Float32Array; ok: Uint8Array } {
  const d = m.dim;
  const rows = new Float32Array(nPad * d);
  const ok = new Uint8Array(nPad);
  for (let i = 0; i < nItems; i++) {
    if (!m.present[i]) continue;
    let ss = 0;
    for (let c = i * d; c < (i + 1) * d; c++) ss += m.data[c]! * m.data[c]!;
    if (!(ss > 0) || !Number.isFinite(ss)) continue;
    const inv = 1 / Math.sqrt(ss);
    for (let c = i * d; c < (i + 1) * d; c++) rows[c] = m.data[c]! * inv;
    ok[i] = 1;
  }
  return { rows, ok };
}

/**
 * Top-`k` cosine neighbours from item content vectors. Rows are L2-normalised first; the upper
 * triangle of the n x n product is computed in 4 x 2 register tiles over column chunks that
 * stay in cache, and each value is offered to both of its rows (n^2 d / 2 multiply-adds).
 */
export function contentNeighbours(m: FeatureModality, nItems: number, k: number): NeighbourGraph {
  const d = m.dim;
  const nPad = Math.ceil(nItems / 4) * 4;
  const { rows, ok } = normalisedRows(m, nItems, nPad);
  const out = new RowTopK(nItems, Math.max(1, Math.min(k, nItems)));
  const floor = out.floor;
  const offer = (i: number, j: number, dot: number): void => {
    // j > i, both present; non-positive similarities are never neighbours
    const s = Math.fround(dot);
    if (s > 0 && ok[j]) {
      if (s >= floor[i]!) out.push(i, j, s);
      if (s >= floor[j]!) out.push(j, i, s);
    }
  };
  const chunk = Math.max(4, Math.floor(16384 / Math.max(1, d)) * 4);
  for (let jc = 0; jc < nPad; jc += chunk) {
    const jEnd = Math.min(nPad, jc + chunk);
    for (let i0 = 0; i0 < jEnd; i0 += 4) {
      if (!(ok[i0]! | ok[i0 + 1]! | ok[i0 + 2]! | ok[i0 + 3]!)) continue;
      const a0 = i0 * d;
      const a1 = a0 + d;
      const a2 = a1 + d;
      const a3 = a2 + d;
      for (let j = Math.max(jc, i0); j < jEnd; j += 2) {
        const b0 = j * d;
        const b1 = b0 + d;
        let s00 = 0;
        let s01 = 0;
        let s10 = 0;
        let s11 = 0;
        let s20 = 0;
        let s21 = 0;
        let s30 = 0;
        let s31 = 0;
        for (let c = 0; c < d; c++) {
          const y0 = rows[b0 + c]!;
          const y1 = rows[b1 + c]!;
          let x = rows[a0 + c]!;
          s00 += x * y0;
          s01 += x * y1;
          x = rows[a1 + c]!;
          s10 += x * y0;
          s11 += x * y1;
          x = rows[a2 + c]!;
          s20 += x * y0;
          s21 += x * y1;
          x = rows[a3 + c]!;
          s30 += x * y0;
          s31 += x * y1;
        }
        const sums = [s00, s01, s10, s11, s20, s21, s30, s31];
        for (let t = 0; t < 8; t++) {
          const i = i0 + (t >> 1);
          const jj = j + (t & 1);
          if (jj > i && ok[i]) offer(i, jj, sums[t]!);
        }
      }
    }
  }
  return out.build();
}
