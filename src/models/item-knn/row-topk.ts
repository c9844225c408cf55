/**
 * @module models/item-knn/row-topk
 * One bounded min-heap per row, so that (row, item, score) triples can arrive in any order (a
 * sparse walk, or symmetric tiles of a dense product) and still yield each row's top K. Order:
 * higher score first, equal scores to the lower item index, as in math/topk; so the result does
 * not depend on the push order.
 */
import type { NeighbourGraph } from './neighbours.js';

/** Per-row top-K collector that ends as a {@link NeighbourGraph}. */
export class RowTopK {
  private readonly hs: Float32Array;
  private readonly hi: Int32Array;
  private readonly size: Int32Array;
  /**
   * Per row, the score below which a push is certainly rejected (-Infinity until the row holds k
   * items, then its worst kept score). Callers may test `score >= floor[row]` before pushing.
   */
  readonly floor: Float32Array;

  constructor(
    readonly nRows: number,
    readonly k: number,
  ) {
    this.hs = new Float32Array(nRows * k);
    this.hi = new Int32Array(nRows * k);
    this.size = new Int32Array(nRows);
    this.floor = new Float32Array(nRows).fill(Number.NEGATIVE_INFINITY);
  }

  /** Offers `item` with `score` to row `row`; kept while among the row's best k so far. */
  push(row: number, item: number, score: number): void {
    const k = this.k;
    const base = row * k;
    const hs = this.hs;
    const hi = this.hi;
    const n = this.size[row]!;
    const s = Math.fround(score);
    if (n < k) {
      let c = n;
      this.size[row] = n + 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const ps = hs[base + p]!;
        // stop when the parent is worse than (s, item): min-heap on (score, -index)
        if (ps < s || (ps === s && hi[base + p]! > item)) break;
        hs[base + c] = ps;
        hi[base + c] = hi[base + p]!;
        c = p;
      }
      hs[base + c] = s;
      hi[base + c] = item;
      if (n + 1 === k) this.floor[row] = hs[base]!;
      return;
    }
    const rs = hs[base]!;
    if (s < rs || (s === rs && item > hi[base]!)) return; // not better than the worst kept
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      let m = l;
      if (r < k) {
        const a = hs[base + r]!;
        const b = hs[base + l]!;
        if (a < b || (a === b && hi[base + r]! > hi[base + l]!)) m = r;
      }
      const ms = hs[base + m]!;
      if (ms > s || (ms === s && hi[base + m]! < item)) break;
      hs[base + c] = ms;
      hi[base + c] = hi[base + m]!;
      c = m;
    }
    hs[base + c] = s;
    hi[base + c] = item;
    this.floor[row] = hs[base]!;
  }

  /** The collected rows as a CSR graph, each row sorted best first. */
  build(): NeighbourGraph {
    const { nRows, k } = this;
    const indptr = new Int32Array(nRows + 1);
    for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r]! + this.size[r]!;
    const nnz = indptr[nRows]!;
    const indices = new Int32Array(nnz);
    const sims = new Float32Array(nnz);
    const order: number[] = [];
    for (let r = 0; r < nRows; r++) {
      const base = r * k;
      const n = this.size[r]!;
      order.length = n;
      for (let t = 0; t < n; t++) order[t] = base + t;
      order.sort((a, b) => this.hs[b]! - this.hs[a]! || this.hi[a]! - this.hi[b]!);
      for (let t = 0; t < n; t++) {
        indices[indptr[r]! + t] = this.hi[order[t]!]!;
        sims[indptr[r]! + t] = this.hs[order[t]!]!;
      }
    }
    return { nItems: nRows, indptr, indices, sims };
  }
}
