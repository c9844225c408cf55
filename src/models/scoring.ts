/**
 * @module models/scoring
 * Turns a ScoringKernel into a batch scorer: the one scoring path shared by models, the
 * evaluator and its worker threads.
 */
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
