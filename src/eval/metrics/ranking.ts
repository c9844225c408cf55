/**
 * @module eval/metrics/ranking
 * Per-user top-K ranking metrics, with exactly the conventions of MMRec (and RecBole, which it
 * follows), plus a per-user AUC over the full candidate set.
 *
 * Input of the top-K metrics is a `hits` vector: `hits[j] = 1` when the item at 0-based rank `j`
 * of the user's list is one of the user's `nRelevant` test items. Positions past `hits.length`
 * count as misses. With K the cut-off and h the number of hits in the top K:
 *
 * - recall@K = h / nRelevant
 * - precision@K = h / K (always divided by K, even when the list is shorter)
 * - f1@K = 2PR / (P + R), 0 when P = R = 0
 * - ndcg@K = DCG / IDCG, binary gain, DCG = Σ_{j<K} hits[j] / log2(j+2),
 *   IDCG = Σ_{j < min(nRelevant, K)} 1 / log2(j+2)
 * - map@K = Σ_{j<K} hits[j] · precision@(j+1) / min(nRelevant, K)
 * - hit@K = 1 when h > 0
 * - mrr@K = 1 / (1-based rank of the first hit) when it is within K, else 0
 *
 * A user with `nRelevant = 0` has no defined recall, ndcg or map; these functions return 0 for
 * them. Evaluators should leave such users out (MMRec does).
 */

import { InvalidArgumentError } from '../../errors.js';
import { sortedIncludes } from '../../math/sorted.js';

/** The ranking metrics, in the order reports list them. */
export const RANKING_METRICS = ['recall', 'precision', 'f1', 'ndcg', 'map', 'hit', 'mrr'] as const;

/** Name of one ranking metric. */
export type RankingMetricName = (typeof RANKING_METRICS)[number];

/** The report key of a metric at a cut-off: `metricKey('recall', 20)` is `"recall@20"`. */
export function metricKey(name: string, k: number): string {
  return `${name}@${k}`;
}

/** true when `name` is one of {@link RANKING_METRICS}. */
export function isRankingMetricName(name: string): name is RankingMetricName {
  return (RANKING_METRICS as readonly string[]).includes(name);
}

// DISCOUNT[j] = 1 / log2(j + 2); IDCG_PREFIX[m] = Σ_{j<m} DISCOUNT[j]. Grown on demand, shared.
let DISCOUNT = new Float64Array(0);
let IDCG_PREFIX = new Float64Array(1);

function ensureDiscounts(n: number): void {
  if (DISCOUNT.length >= n) return;
  const size = Math.max(n, 2 * DISCOUNT.length, 64);
  const disc = new Float64Array(size);
  const prefix = new Float64Array(size + 1);
  for (let j = 0; j < size; j++) {
    disc[j] = 1 / Math.log2(j + 2);
    prefix[j + 1] = prefix[j]! + disc[j]!;
  }
  DISCOUNT = disc;
  IDCG_PREFIX = prefix;
}

function checkCutoff(k: number, argName: string): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new InvalidArgumentError(`${argName} must be a positive integer, got ${k}`);
  }
}

function checkRelevant(nRelevant: number): void {
  if (!Number.isInteger(nRelevant) || nRelevant < 0) {
    throw new InvalidArgumentError(`nRelevant must be a non-negative integer, got ${nRelevant}`);
  }
}

/** The value of one metric from the running sums of the first k positions. */
function valueAt(
  name: RankingMetricName,
  k: number,
  nRelevant: number,
  nHits: number,
  dcg: number,
  apSum: number,
  firstHit: number,
): number {
  switch (name) {
    case 'recall':
      return nRelevant > 0 ? nHits / nRelevant : 0;
    case 'precision':
      return nHits / k;
    case 'f1': {
      if (nHits === 0 || nRelevant === 0) return 0;
      const p = nHits / k;
      const r = nHits / nRelevant;
      return (2 * p * r) / (p + r);
    }
    case 'ndcg':
      return nRelevant > 0 ? dcg / IDCG_PREFIX[Math.min(nRelevant, k)]! : 0;
    case 'map':
      return nRelevant > 0 ? apSum / Math.min(nRelevant, k) : 0;
    case 'hit':
      return nHits > 0 ? 1 : 0;
    case 'mrr':
      return firstHit > 0 ? 1 / firstHit : 0;
    default:
      throw new InvalidArgumentError(
        `unknown ranking metric "${String(name)}": expected one of ${RANKING_METRICS.join(', ')}`,
      );
  }
}

/**
 * One metric for one user at cut-off `k` (see the module comment for the definitions).
 * @param hits 1 where the item at that 0-based rank is relevant, else 0.
 * @param nRelevant number of the user's relevant (test) items.
 * @param k cut-off, a positive integer; may exceed `hits.length`.
 */
export function rankingMetric(
  name: RankingMetricName,
  hits: Uint8Array,
  nRelevant: number,
  k: number,
): number {
  if (!isRankingMetricName(name)) {
    throw new InvalidArgumentError(
      `name: unknown ranking metric "${String(name)}": expected one of ${RANKING_METRICS.join(', ')}`,
    );
  }
  checkCutoff(k, 'k');
  checkRelevant(nRelevant);
  ensureDiscounts(k);
  const end = Math.min(k, hits.length);
  let nHits = 0;
  let dcg = 0;
  let apSum = 0;
  let firstHit = 0;
  for (let j = 0; j < end; j++) {
    if (hits[j] === 0) continue;
    nHits++;
    dcg += DISCOUNT[j]!;
    apSum += nHits / (j + 1);
    if (firstHit === 0) firstHit = j + 1;
  }
  return valueAt(name, k, nRelevant, nHits, dcg, apSum, firstHit);
}

/**
 * All (metric, cut-off) values of one user in a single pass over `hits`, written to
 * `out[offset + i * ks.length + c]` for `names[i]` at `ks[c]` (the order of
 * {@link rankingMetricKeys}). Allocates nothing once the shared discount table covers max(ks),
 * so it is fit for a loop over every user. `ks` need not be sorted.
 */
export function rankingMetricsAt(
  hits: Uint8Array,
  nRelevant: number,
  ks: readonly number[],
  names: readonly RankingMetricName[],
  out: Float64Array,
  offset = 0,
): void {
  const nk = ks.length;
  let maxK = 0;
  for (let c = 0; c < nk; c++) {
    const k = ks[c]!;
    checkCutoff(k, `ks[${c}]`);
    if (k > maxK) maxK = k;
  }
  checkRelevant(nRelevant);
  if (!Number.isInteger(offset) || offset < 0 || offset + names.length * nk > out.length) {
    throw new InvalidArgumentError(
      `out: needs ${names.length * nk} values from offset ${offset}, has length ${out.length}`,
    );
  }
  ensureDiscounts(maxK);
  const end = Math.min(maxK, hits.length);
  let nHits = 0;
  let dcg = 0;
  let apSum = 0;
  let firstHit = 0;
  for (let pos = 1; pos <= maxK; pos++) {
    if (pos <= end && hits[pos - 1] !== 0) {
      nHits++;
      dcg += DISCOUNT[pos - 1]!;
      apSum += nHits / pos;
      if (firstHit === 0) firstHit = pos;
    }
    for (let c = 0; c < nk; c++) {
      if (ks[c] !== pos) continue;
      for (let i = 0; i < names.length; i++) {
        out[offset + i * nk + c] = valueAt(names[i]!, pos, nRelevant, nHits, dcg, apSum, firstHit);
      }
    }
  }
}

/** The keys ("recall@20", ...) in the order {@link rankingMetricsAt} writes its values. */
export function rankingMetricKeys(names: readonly RankingMetricName[], ks: readonly number[]): string[] {
  const keys: string[] = [];
  for (const name of names) for (const k of ks) keys.push(metricKey(name, k));
  return keys;
}

let POS_SCORES = new Float64Array(64);

/**
 * Per-user AUC over the candidate items: every item of `scores` not excluded. Positives are the
 * `relevant` items (distinct indices; any that are excluded are ignored), negatives the other
 * candidates. AUC = P(score(pos) > score(neg)), a tie counting 1/2. O(|relevant| · nItems), no
 * sort, no allocation. Scores must not be NaN (-Infinity is fine). Returns NaN when there is no
 * positive or no negative candidate.
 * @param excluded a predicate, or the excluded item indices sorted ascending (e.g. the user's
 *   training items); omitted means every item is a candidate.
 */
export function aucFromScores(
  scores: Float32Array | Float64Array,
  relevant: Int32Array,
  excluded?: ((item: number) => boolean) | Int32Array,
): number {
  const nItems = scores.length;
  if (POS_SCORES.length < relevant.length) POS_SCORES = new Float64Array(2 * relevant.length);
  const pos = POS_SCORES;
  let nPos = 0;
  for (let r = 0; r < relevant.length; r++) {
    const item = relevant[r]!;
    if (item < 0 || item >= nItems) {
      throw new InvalidArgumentError(`relevant[${r}] = ${item} is outside [0, ${nItems})`);
    }
    if (isExcluded(excluded, item)) continue;
    pos[nPos++] = scores[item]!;
  }
  if (nPos === 0) return Number.NaN;
  // Every candidate i (positives included) is compared with every positive. The positives
  // compared among themselves (and each with itself) add exactly nPos² / 2, subtracted below.
  let greater = 0;
  let ties = 0;
  let nCand = 0;
  let ptr = 0;
  const fn = typeof excluded === 'function' ? excluded : undefined;
  const arr = excluded instanceof Int32Array ? excluded : undefined;
  for (let i = 0; i < nItems; i++) {
    if (arr !== undefined) {
      while (ptr < arr.length && arr[ptr]! < i) ptr++;
      if (ptr < arr.length && arr[ptr] === i) continue;
    } else if (fn?.(i)) continue;
    nCand++;
    const s = scores[i]!;
    for (let p = 0; p < nPos; p++) {
      const ps = pos[p]!;
      if (ps > s) greater++;
      else if (ps === s) ties++;
    }
  }
  const nNeg = nCand - nPos;
  if (nNeg <= 0) return Number.NaN;
  return (greater + 0.5 * ties - (nPos * nPos) / 2) / (nPos * nNeg);
}

function isExcluded(excluded: ((item: number) => boolean) | Int32Array | undefined, item: number): boolean {
  if (excluded === undefined) return false;
  if (typeof excluded === 'function') return excluded(item);
  return sortedIncludes(excluded, item);
}
