/**
 * @module models/scoring
 * Turns a ScoringKernel into a batch scorer: the one scoring path shared by models, the
 * evaluator and its worker threads; and the argument checks every model's scoring entry points
 * share (a user or item index outside the model, a negative k, a too short output buffer are
 * InvalidArgumentErrors, never silent garbage).
 */
import { InvalidArgumentError } from '../errors.js';
import { DotScorer } from '../math/dot-scorer.js';
import type { ScoringKernel } from './recommender.js';

/** Scores a batch of users into `out` (users.length x nItems). */
export type BatchScorer = (users: Int32Array, out: Float32Array) => void;

/** Builds a scorer from a kernel (the worker side of Recommender.scoreBatch). */
export function kernelScorer(kernel: ScoringKernel): BatchScorer {
  if (kernel.kind === 'item-scores') {
    const s = kernel.itemScores;
    return (users, out) => {
      for (let b = 0; b < users.length; b++) out.set(s, b * s.length);
    };
  }
  const scorer = new DotScorer(kernel.dim, kernel.nItems, kernel.itemFactors, kernel.itemBias);
  return (users, out) => scorer.scoreUsers(kernel.userFactors, users, out);
}

/** Throws unless `index` is an integer in 0..n-1 (`what`: "user" or "item"). */
export function checkIndex(model: string, what: 'user' | 'item', index: number, n: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new InvalidArgumentError(`${model}: ${what} ${index} is outside 0..${n - 1}`);
  }
}

/** Throws unless every user of a batch is in 0..nUsers-1 and `out` holds users.length x nItems. */
export function checkBatch(
  model: string,
  users: Int32Array,
  out: Float32Array,
  nUsers: number,
  nItems: number,
): void {
  if (out.length < users.length * nItems) {
    throw new InvalidArgumentError(
      `${model}: the output holds ${out.length} scores, ${users.length} users x ${nItems} items need ${users.length * nItems}`,
    );
  }
  for (let b = 0; b < users.length; b++) {
    const u = users[b]!;
    if (u < 0 || u >= nUsers) checkIndex(model, 'user', u, nUsers);
  }
}

/** Throws unless k (a list length) is a non-negative integer. */
export function checkK(model: string, k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new InvalidArgumentError(`${model}: k must be a non-negative integer, got ${k}`);
  }
}
