/**
 * @module eval/ranking-core
 * The per-user work of all-item ranking evaluation, shared by the main thread and the worker
 * threads: score a batch of users, mask seen items, select the top K, mark hits, compute
 * metrics. Only typed arrays cross this boundary.
 */
import { sortedIncludes } from '../math/sorted.js';
import { topK } from '../math/topk.js';
import type { ScoringKernel } from '../models/recommender.js';
import type { BatchScorer } from '../models/scoring.js';
import { Rng } from '../util/rng.js';
import { aucFromScores, type RankingMetricName, rankingMetricsAt } from './metrics/ranking.js';

/** A CSR matrix as plain arrays (what crosses to workers). */
export interface CsrArrays {
  indptr: Int32Array;
  indices: Int32Array;
}

export interface RankingTask {
  nItems: number;
  /** Users to evaluate (all have at least one target item). */
  users: Int32Array;
  /** Items masked out of every user's ranking (training items, and validation items when asked). */
  masks: CsrArrays[];
  /** Items masked out for every user (e.g. the warm items when only cold items are candidates). */
  excluded?: Int32Array;
  /** The relevant (held-out) items per user. */
  target: CsrArrays;
  ks: number[];
  names: RankingMetricName[];
  auc: boolean;
  /** Columns of the per-user output: names.length * ks.length (+1 for AUC). */
  columns: number;
  /** Output: users.length x columns. */
  perUser: Float64Array;
  /** Output: users.length x max(ks) top lists (-1 where shorter). */
  topLists: Int32Array;
  /** Optional shared counter of users done (slot 0), for a progress bar across threads. */
  progress?: Int32Array;
}

/** Evaluates task.users[from..to) with `score`, writing into task.perUser / task.topLists. */
export function evaluateRange(
  task: RankingTask,
  score: BatchScorer,
  from: number,
  to: number,
  batch = 256,
): void {
  const { nItems, ks, names, columns } = task;
  const kMax = Math.max(...ks);
  const buf = new Float32Array(batch * nItems);
  const top = new Int32Array(kMax);
  const hits = new Uint8Array(kMax);
  const tgt = task.target;
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    const users = task.users.subarray(start, end);
    score(users, buf);
    for (let b = 0; b < users.length; b++) {
      const u = users[b]!;
      const row = buf.subarray(b * nItems, (b + 1) * nItems);
      for (const m of task.masks) {
        for (let k = m.indptr[u]!; k < m.indptr[u + 1]!; k++) row[m.indices[k]!] = Number.NEGATIVE_INFINITY;
      }
      if (task.excluded) for (const i of task.excluded) row[i] = Number.NEGATIVE_INFINITY;
      const tlo = tgt.indptr[u]!;
      const thi = tgt.indptr[u + 1]!;
      const relevant = tgt.indices.subarray(tlo, thi);
      const n = topK(row, kMax, top);
      hits.fill(0);
      for (let j = 0; j < n; j++) hits[j] = sortedIncludes(tgt.indices, top[j]!, tlo, thi) ? 1 : 0;
      const ui = start + b;
      rankingMetricsAt(hits, relevant.length, ks, names, task.perUser, ui * columns);
      if (task.auc) {
        task.perUser[ui * columns + columns - 1] = aucFromScores(
          row,
          relevant,
          (i) => !(row[i]! > Number.NEGATIVE_INFINITY),
        );
      }
      const lo = ui * kMax;
      for (let j = 0; j < kMax; j++) task.topLists[lo + j] = j < n ? top[j]! : -1;
    }
    if (task.progress) Atomics.add(task.progress, 0, users.length);
  }
}

/** Scores of user `u` for the items `items` (written into `out`, same length). */
export type PairScorer = (u: number, items: Int32Array, out: Float32Array) => void;

/** A pair scorer for a kernel: dot products of the user's row with the candidates' rows only. */
export function kernelPairScorer(kernel: ScoringKernel): PairScorer {
  if (kernel.kind === 'item-scores') {
    const s = kernel.itemScores;
    return (_u, items, out) => {
      for (let c = 0; c < items.length; c++) out[c] = s[items[c]!]!;
    };
  }
  const { dim, userFactors: U, itemFactors: V, itemBias } = kernel;
  return (u, items, out) => {
    const uo = u * dim;
    for (let c = 0; c < items.length; c++) {
      const io = items[c]! * dim;
      let s = itemBias ? itemBias[items[c]!]! : 0;
      for (let j = 0; j < dim; j++) s += U[uo + j]! * V[io + j]!;
      out[c] = s;
    }
  };
}

/**
 * The sampled-negatives protocol (quick looks only, labelled "sampled" by the evaluator): for each
 * user, the target items are ranked among `negatives` items drawn uniformly (seeded per user,
 * without replacement) from the items that are neither masked, excluded nor targets. Negatives
 * come first in the candidate list, so a tie goes against the target. Top lists hold item indices.
 */
export function evaluateSampledRange(
  task: RankingTask,
  score: PairScorer,
  from: number,
  to: number,
  negatives: number,
  seed: number,
): void {
  const { nItems, ks, names, columns } = task;
  const kMax = Math.max(...ks);
  const top = new Int32Array(kMax);
  const hits = new Uint8Array(kMax);
  const tgt = task.target;
  const excluded = new Uint8Array(nItems);
  if (task.excluded) for (const i of task.excluded) excluded[i] = 1;
  const taken = new Set<number>();
  for (let ui = from; ui < to; ui++) {
    const u = task.users[ui]!;
    const tlo = tgt.indptr[u]!;
    const thi = tgt.indptr[u + 1]!;
    // targets that are themselves masked cannot be ranked (as in the full protocol)
    const targets: number[] = [];
    for (let k = tlo; k < thi; k++) {
      const i = tgt.indices[k]!;
      let masked = excluded[i] === 1;
      for (const m of task.masks)
        if (!masked && sortedIncludes(m.indices, i, m.indptr[u]!, m.indptr[u + 1]!)) masked = true;
      if (!masked) targets.push(i);
    }
    const rng = new Rng((seed ^ Math.imul(u + 1, 0x9e3779b1)) | 0);
    taken.clear();
    const neg: number[] = [];
    for (let tries = 0; neg.length < negatives && tries < Math.min(negatives, nItems) * 20; tries++) {
      const i = rng.int(nItems);
      if (taken.has(i) || excluded[i] || sortedIncludes(tgt.indices, i, tlo, thi)) continue;
      let masked = false;
      for (const m of task.masks)
        if (!masked && sortedIncludes(m.indices, i, m.indptr[u]!, m.indptr[u + 1]!)) masked = true;
      if (masked) continue;
      taken.add(i);
      neg.push(i);
    }
    const cand = Int32Array.from([...neg, ...targets]);
    const scores = new Float32Array(cand.length);
    score(u, cand, scores);
    const n = topK(scores, kMax, top);
    hits.fill(0);
    for (let j = 0; j < n; j++) hits[j] = top[j]! >= neg.length ? 1 : 0;
    rankingMetricsAt(hits, thi - tlo, ks, names, task.perUser, ui * columns);
    if (task.auc) {
      const relevant = Int32Array.from(targets, (_, k) => neg.length + k);
      task.perUser[ui * columns + columns - 1] = aucFromScores(scores, relevant);
    }
    const lo = ui * kMax;
    for (let j = 0; j < kMax; j++) task.topLists[lo + j] = j < n ? cand[top[j]!]! : -1;
  }
}
