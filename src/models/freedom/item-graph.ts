/**
 * @module models/freedom/item-graph
 * FREEDOM's frozen item-item graph (Zhou & Shen, "A Tale of Two Graphs: Freezing and Denoising
 * Graph Structures for Multimodal Recommendation", ACM MM 2023, §3.1), built as MMRec's FREEDOM
 * builds it: per modality, the cosine similarity of the item feature rows, each item's top-k most
 * similar items (itself included, as it is its own best match), an adjacency with a 1 per kept
 * pair normalised as D^-1/2 A D^-1/2 with D the row sums (every present row holds k entries, so
 * each kept pair weighs 1/k: row i of the graph averages its k neighbours), then the modality
 * graphs summed with the modality weights, S = Σ_m w_m S_m.
 *
 * Missing modalities (presence mask 0) neither have nor are neighbours in that modality; an item's
 * modality weights are renormalised over the modalities it has, so every item with at least one
 * modality has a row summing to 1 (MMRec has no missing features). Ties go to the lower index.
 */
import { InvalidArgumentError } from '../../errors.js';
import { DotScorer } from '../../math/dot-scorer.js';
import type { Csr } from '../../math/spmm.js';
import { topK } from '../../math/topk.js';

/** One modality's input to the graph: nItems x dim rows (after normalisation) and presence. */
export interface GraphModality {
  readonly dim: number;
  readonly data: Float32Array;
  readonly present: Uint8Array;
}

/** Rows scaled to unit L2 norm (zero rows, and rows of missing items, stay zero). */
export function unitRows(m: GraphModality, nItems: number): Float32Array {
  const d = m.dim;
  const out = new Float32Array(nItems * d);
  for (let i = 0; i < nItems; i++) {
    if (!m.present[i]) continue;
    let s = 0;
    for (let k = i * d; k < (i + 1) * d; k++) s += m.data[k]! * m.data[k]!;
    if (!(s > 0)) continue;
    const inv = 1 / Math.sqrt(s);
    for (let k = i * d; k < (i + 1) * d; k++) out[k] = m.data[k]! * inv;
  }
  return out;
}

/** 1 where an item has the modality and a non-zero feature row (the rows a cosine is defined for). */
export function usableRows(m: GraphModality, nItems: number): Uint8Array {
  const out = new Uint8Array(nItems);
  for (let i = 0; i < nItems; i++) {
    if (!m.present[i]) continue;
    for (let k = i * m.dim; k < (i + 1) * m.dim; k++) {
      if (m.data[k] !== 0) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * The top-k neighbours (by cosine, itself included) of each item with a usable row: an nItems x k
 * table of item indices, -1 where an item has fewer than k candidates or lacks the modality (a
 * missing or all-zero row, which is nobody's neighbour either).
 */
export function knnTable(m: GraphModality, nItems: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidArgumentError(`knn k must be an integer >= 1, got ${k}`);
  const unit = unitRows(m, nItems);
  const usable = usableRows(m, nItems);
  const out = new Int32Array(nItems * k).fill(-1);
  const found = new Int32Array(k);
  const skip = (j: number): boolean => !usable[j];
  // Cosine similarities of a block of items against all, with the SIMD dot-product scorer.
  const block = 64;
  const scorer = new DotScorer(m.dim, nItems, unit, undefined, { maxBatch: block });
  const sims = new Float32Array(block * nItems);
  const rows = new Int32Array(block);
  for (let start = 0; start < nItems; start += block) {
    const n = Math.min(block, nItems - start);
    for (let b = 0; b < n; b++) rows[b] = start + b;
    scorer.scoreUsers(unit, rows.subarray(0, n), sims);
    for (let b = 0; b < n; b++) {
      const i = start + b;
      if (!usable[i]) continue;
      const got = topK(sims, k, found, undefined, { offset: b * nItems, n: nItems, skip });
      out.set(found.subarray(0, got), i * k);
    }
  }
  return out;
}

/**
 * The combined graph S = Σ_m w_m D_m^-1/2 A_m D_m^-1/2 as CSR (nItems x nItems, columns
 * ascending), from each modality's kNN table; `weights[m]` are renormalised per item over the
 * modalities it has. Also returns each modality's share of every entry (for explanations).
 */
export function combineKnn(
  tables: readonly Int32Array[],
  present: readonly Uint8Array[],
  weights: readonly number[],
  nItems: number,
  k: number,
): { graph: Csr; parts: Csr[] } {
  const nm = tables.length;
  // D_m: row sums of A_m (a present row's count of valid neighbours).
  const deg = tables.map((t) => {
    const d = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) {
      for (let c = 0; c < k; c++) if (t[i * k + c]! >= 0) d[i]!++;
    }
    return d;
  });
  const indptr = new Int32Array(nItems + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const partVals: number[][] = tables.map(() => []);
  const row = new Map<number, Float64Array>();
  for (let i = 0; i < nItems; i++) {
    row.clear();
    let wsum = 0;
    for (let m = 0; m < nm; m++) if (present[m]![i] && deg[m]![i]! > 0) wsum += weights[m]!;
    if (wsum > 0) {
      for (let m = 0; m < nm; m++) {
        const t = tables[m]!;
        const dm = deg[m]!;
        if (!present[m]![i] || !(dm[i]! > 0)) continue;
        const w = weights[m]! / wsum;
        for (let c = 0; c < k; c++) {
          const j = t[i * k + c]!;
          if (j < 0) continue;
          let entry = row.get(j);
          if (!entry) {
            entry = new Float64Array(nm);
            row.set(j, entry);
          }
          entry[m]! += (w / Math.sqrt(dm[i]! * dm[j]!)) as number;
        }
      }
    }
    const js = [...row.keys()].sort((a, b) => a - b);
    for (const j of js) {
      const e = row.get(j)!;
      let s = 0;
      for (let m = 0; m < nm; m++) {
        s += e[m]!;
        partVals[m]!.push(e[m]!);
      }
      cols.push(j);
      vals.push(s);
    }
    indptr[i + 1] = cols.length;
  }
  const indices = Int32Array.from(cols);
  const graph: Csr = { nRows: nItems, nCols: nItems, indptr, indices, values: Float32Array.from(vals) };
  const parts = partVals.map((v) => ({
    nRows: nItems,
    nCols: nItems,
    indptr,
    indices,
    values: Float32Array.from(v),
  }));
  return { graph, parts };
}

/** The transpose of a square or rectangular CSR matrix (columns ascending in each row). */
export function transposeCsr(a: Csr): Csr {
  const indptr = new Int32Array(a.nCols + 1);
  for (let k = 0; k < a.indices.length; k++) indptr[a.indices[k]! + 1]!++;
  for (let c = 0; c < a.nCols; c++) indptr[c + 1]! += indptr[c]!;
  const fill = indptr.slice(0, a.nCols);
  const indices = new Int32Array(a.indices.length);
  const values = new Float32Array(a.indices.length);
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]!; k < a.indptr[r + 1]!; k++) {
      const p = fill[a.indices[k]!]!++;
      indices[p] = r;
      values[p] = a.values[k]!;
    }
  }
  return { nRows: a.nCols, nCols: a.nRows, indptr, indices, values };
}
