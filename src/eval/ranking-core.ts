/**
 * @module eval/ranking-core
 * The per-user work of all-item ranking evaluation, shared by the main thread and the worker
 * threads: score a batch of users, mask seen items, select the top K, mark hits, compute
 * metrics. Only typed arrays cross this boundary.
 */
import { sortedIncludes } from '../math/sorted.js';
import { topK } from '../math/topk.js';
import type { BatchScorer } from '../models/scoring.js';
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
  }
}
