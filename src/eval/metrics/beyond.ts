/**
 * @module eval/metrics/beyond
 * Beyond-accuracy metrics of recommendation lists: catalog coverage, novelty and intra-list
 * diversity.
 *
 * Lists ({@link RecLists}) come either as one `Int32Array` of item indices per user (best
 * first), or as one flat `Int32Array` of `nUsers · k` item indices with user u's list at
 * `[u·k, (u+1)·k)`. In both forms a negative entry is padding (a list shorter than k) and is
 * skipped.
 */

import { InvalidArgumentError } from '../../errors.js';

/** Recommendation lists: one array per user, or a flat array with `k` slots per user. */
export type RecLists = readonly Int32Array[] | { readonly flat: Int32Array; readonly k: number };

/** Calls `fn` with each user's list (a view, not a copy), padding included. */
export function forEachList(lists: RecLists, fn: (list: Int32Array, user: number) => void): void {
  if (Array.isArray(lists)) {
    (lists as readonly Int32Array[]).forEach(fn);
    return;
  }
  const { flat, k } = lists as { flat: Int32Array; k: number };
  if (!Number.isInteger(k) || k < 1 || flat.length % k !== 0) {
    throw new InvalidArgumentError(
      `lists.k must be a positive integer dividing flat.length ${flat.length}, got ${k}`,
    );
  }
  for (let u = 0; u * k < flat.length; u++) fn(flat.subarray(u * k, (u + 1) * k), u);
}

function checkItem(item: number, nItems: number, where: string): void {
  if (item >= nItems) throw new InvalidArgumentError(`${where} has item ${item}, outside [0, ${nItems})`);
}

/** Share of the `nItems` catalog items that appear in at least one list (0..1). */
export function catalogCoverage(lists: RecLists, nItems: number): number {
  if (!Number.isInteger(nItems) || nItems < 1) {
    throw new InvalidArgumentError(`nItems must be a positive integer, got ${nItems}`);
  }
  const seen = new Uint8Array(nItems);
  let count = 0;
  forEachList(lists, (list, user) => {
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, nItems, `lists: user ${user}`);
      if (seen[item] === 0) {
        seen[item] = 1;
        count++;
      }
    }
  });
  return count / nItems;
}

/**
 * Mean self-information of the recommended items: for each non-empty list, the mean over its
 * items of -log2(pop_i / nUsers), then the mean over those lists. `itemPopularity[i]` is the
 * number of (training) users who interacted with item i, so pop_i / nUsers is the chance a
 * random user knows it. An item with popularity 0 is counted as popularity 1 (the rarest
 * possible, -log2(1 / nUsers)) so that novelty stays finite. NaN when every list is empty.
 */
export function novelty(lists: RecLists, itemPopularity: Int32Array | Float32Array, nUsers: number): number {
  if (!(nUsers > 0)) throw new InvalidArgumentError(`nUsers must be positive, got ${nUsers}`);
  const nItems = itemPopularity.length;
  const log2Users = Math.log2(nUsers);
  let total = 0;
  let nLists = 0;
  forEachList(lists, (list, user) => {
    let sum = 0;
    let len = 0;
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, nItems, `lists: user ${user}`);
      const pop = Math.max(1, itemPopularity[item]!);
      sum += log2Users - Math.log2(pop);
      len++;
    }
    if (len > 0) {
      total += sum / len;
      nLists++;
    }
  });
  return nLists > 0 ? total / nLists : Number.NaN;
}

/**
 * Intra-list diversity of one list: the mean over unordered pairs of its items of
 * (1 - cosine similarity) of their vectors (`vectors` is row-major, `dim` values per item).
 * A pair with a zero vector has cosine 0 (distance 1). Lists with fewer than 2 items give 0.
 */
export function intraListDiversity(list: Int32Array, vectors: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1 || vectors.length % dim !== 0) {
    throw new InvalidArgumentError(`dim must be a positive integer dividing vectors.length, got ${dim}`);
  }
  const nItems = vectors.length / dim;
  const items: number[] = [];
  for (const item of list) {
    if (item < 0) continue;
    checkItem(item, nItems, 'list');
    items.push(item);
  }
  const n = items.length;
  if (n < 2) return 0;
  const norms = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    const off = items[a]! * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[off + d]! * vectors[off + d]!;
    norms[a] = Math.sqrt(s);
  }
  let sum = 0;
  for (let a = 0; a < n; a++) {
    const offA = items[a]! * dim;
    for (let b = a + 1; b < n; b++) {
      const offB = items[b]! * dim;
      const denom = norms[a]! * norms[b]!;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += vectors[offA + d]! * vectors[offB + d]!;
      sum += 1 - (denom > 0 ? dot / denom : 0);
    }
  }
  return sum / ((n * (n - 1)) / 2);
}

/** Mean {@link intraListDiversity} over the lists that have at least 2 items (NaN when none has). */
export function meanIntraListDiversity(lists: RecLists, vectors: Float32Array, dim: number): number {
  let total = 0;
  let count = 0;
  forEachList(lists, (list) => {
    let len = 0;
    for (const item of list) if (item >= 0) len++;
    if (len < 2) return;
    total += intraListDiversity(list, vectors, dim);
    count++;
  });
  return count > 0 ? total / count : Number.NaN;
}
