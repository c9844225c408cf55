/**
 * @module math/topk
 * Partial top-K selection over a score vector with a bounded heap: O(n log k), no full sort.
 * Order: higher score first; equal scores go to the lower index (deterministic ties).
 */

/** A ranked list: item indices best first, with their scores. */
export interface Ranked {
  items: Int32Array;
  scores: Float32Array;
}

/** true when (sa, ia) ranks strictly below (sb, ib). */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/**
 * Top `k` indices of `scores[offset .. offset+n)`, skipping indices for which `skip(i)` is true
 * and scores that are -Infinity or NaN. Writes into `outItems`/`outScores` when given and returns
 * the number found (<= k).
 */
export function topK(
  scores: Float32Array,
  k: number,
  outItems: Int32Array,
  outScores?: Float32Array,
  options: { offset?: number; n?: number; skip?: (i: number) => boolean } = {},
): number {
  const offset = options.offset ?? 0;
  const n = options.n ?? scores.length - offset;
  const skip = options.skip;
  if (k <= 0) return 0;
  // Min-heap (root = worst kept) held in two parallel arrays.
  const hs = new Float64Array(k);
  const hi = new Int32Array(k);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[offset + i]!;
    if (!(s > Number.NEGATIVE_INFINITY)) continue; // drops -Inf and NaN
    if (size === k && !worse(hs[0]!, hi[0]!, s, i)) continue;
    if (skip?.(i)) continue;
    if (size < k) {
      // sift up
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, hs[p]!, hi[p]!)) break;
        hs[c] = hs[p]!;
        hi[c] = hi[p]!;
        c = p;
      }
      hs[c] = s;
      hi[c] = i;
    } else {
      // replace root, sift down
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
        if (!worse(hs[m]!, hi[m]!, s, i)) break;
        hs[c] = hs[m]!;
        hi[c] = hi[m]!;
        c = m;
      }
      hs[c] = s;
      hi[c] = i;
    }
  }
  // Pop into output best-first.
  const order = Array.from({ length: size }, (_, j) => j);
  order.sort((a, b) => (worse(hs[a]!, hi[a]!, hs[b]!, hi[b]!) ? 1 : -1));
  for (let j = 0; j < size; j++) {
    outItems[j] = hi[order[j]!]!;
    if (outScores) outScores[j] = hs[order[j]!]!;
  }
  return size;
}

/** Convenience form returning a fresh Ranked. */
export function topKRanked(scores: Float32Array, k: number, skip?: (i: number) => boolean): Ranked {
  const items = new Int32Array(k);
  const out = new Float32Array(k);
  const n = topK(scores, k, items, out, skip ? { skip } : {});
  return { items: items.slice(0, n), scores: out.slice(0, n) };
}
