/**
 * @module rerank/popularity
 * Popularity-bias correction of the scores, then a re-sort:
 * - inverse propensity: rel'(i) = rel(i) / (1 + pop_i)^β, rel the scores scaled to [0, 1] over
 *   the list and pop_i the item's training interactions (β = 0: no change; β = 1: full inverse
 *   popularity);
 * - tail boost: rel'(i) = rel(i) + w·[i is long tail].
 * The adjusted scores are what the next stage sees.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RerankContext, RerankStage } from './types.js';
import { checkCandidates, checkRange, minMax, sortByScore } from './util.js';

/** Inverse-propensity correction with exponent `beta` in [0, 2]. */
export function inversePropensityStage(beta: number): RerankStage {
  checkRange('pop', 'beta', beta, 0, 2);
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => {
    checkCandidates('pop', ids, scores);
    const pop = ctx.itemPopularity;
    if (!pop) throw new InvalidArgumentError('pop needs item popularity (context.itemPopularity)');
    const rel = minMax(scores);
    for (let j = 0; j < ids.length; j++) rel[j] = rel[j]! / (1 + pop[ids[j]!]!) ** beta;
    return sortByScore(ids, rel);
  };
}

/** Tail boost: adds `weight` in [0, 1] to the scaled score of long-tail items. */
export function tailBoostStage(weight: number): RerankStage {
  checkRange('tail', 'weight', weight, 0, 1);
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => {
    checkCandidates('tail', ids, scores);
    const tail = ctx.tail;
    if (!tail) throw new InvalidArgumentError('tail needs the long-tail mask (context.tail)');
    const rel = minMax(scores);
    for (let j = 0; j < ids.length; j++) rel[j] = rel[j]! + weight * (tail[ids[j]!] ?? 0);
    return sortByScore(ids, rel);
  };
}
