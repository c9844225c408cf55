/**
 * @module serve/retrieval/recall
 * Recall of an approximate index against exact search: for each query, the share of the exact
 * top-k items the index returns in its own top-k, averaged over queries.
 */
import { InvalidArgumentError } from '../../errors.js';
import { BruteForceIndex } from './brute.js';
import type { SearchHit, VectorIndex } from './types.js';

/** Mean recall@k of `index` against `brute` over `queries` (queries.length / dim rows). */
export function recallAgainstBrute(
  index: VectorIndex,
  brute: VectorIndex,
  queries: Float32Array,
  k: number,
): number {
  if (index.dim !== brute.dim) throw new InvalidArgumentError(`dims differ: ${index.dim} vs ${brute.dim}`);
  const dim = index.dim;
  const nq = queries.length / dim;
  if (!Number.isInteger(nq) || nq < 1) {
    throw new InvalidArgumentError(
      `queries must hold a positive whole number of ${dim}-d rows, got ${queries.length} floats`,
    );
  }
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`k must be a positive integer, got ${k}`);
  const truth: SearchHit[][] =
    brute instanceof BruteForceIndex
      ? brute.searchMany(queries, k)
      : Array.from({ length: nq }, (_, r) => brute.search(queries.subarray(r * dim, (r + 1) * dim), k));
  let sum = 0;
  let counted = 0;
  for (let r = 0; r < nq; r++) {
    const exact = truth[r]!;
    if (exact.length === 0) continue;
    const got = new Set(index.search(queries.subarray(r * dim, (r + 1) * dim), k).map((h) => h.item));
    let hit = 0;
    for (const h of exact) if (got.has(h.item)) hit++;
    sum += hit / exact.length;
    counted++;
  }
  return counted === 0 ? 1 : sum / counted;
}
