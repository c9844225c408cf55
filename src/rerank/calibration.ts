/**
 * @module rerank/calibration
 * Calibrated recommendations (Steck 2018): the share of categories in the list should match the
 * user's history. p(g|u) is the history's category distribution (an item with c categories gives
 * 1/c to each), q(g|list) the list's; the list is built greedily, each step adding the item that
 * maximises (1 − λ)·Σ rel − λ·KL(p ‖ q̃), with q̃ = (1 − α)q + αp, α = 0.01 (Steck's smoothing),
 * rel the candidate scores scaled to [0, 1]. Categories may be genres, styles, modalities, or
 * popularity bands ("calibrated popularity"). A user whose history has no category keeps the
 * score order.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RerankContext, RerankStage } from './types.js';
import { assemble, checkCandidates, checkK, checkRange, minMax } from './util.js';

const ALPHA = 0.01;

/** KL(p ‖ (1 − α)q + αp) over the categories where p > 0; `q` holds counts summing to `qSum`. */
export function calibrationKl(p: Float64Array, q: Float64Array, qSum: number): number {
  let kl = 0;
  for (let g = 0; g < p.length; g++) {
    const pg = p[g]!;
    if (pg <= 0) continue;
    const qg = (1 - ALPHA) * (qSum > 0 ? q[g]! / qSum : 0) + ALPHA * pg;
    kl += pg * Math.log(pg / qg);
  }
  return kl;
}

/** Calibration with weight `lambda` in [0, 1] on the KL term, choosing `k` positions (default 20). */
export function calibrationStage(lambda: number, k = 20): RerankStage {
  checkRange('calibration', 'lambda', lambda, 0, 1);
  checkK('calibration', k);
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => {
    checkCandidates('calibration', ids, scores);
    const cats = ctx.itemCategories;
    if (!cats) throw new InvalidArgumentError('calibration needs item categories (context.itemCategories)');
    if (!ctx.history) throw new InvalidArgumentError('calibration needs the user history (context.history)');
    const index = new Map<string, number>();
    const id = (c: string): number => {
      let g = index.get(c);
      if (g === undefined) {
        g = index.size;
        index.set(c, g);
      }
      return g;
    };
    const pCounts: number[] = [];
    let pSum = 0;
    for (let h = 0; h < ctx.history.length; h++) {
      const cs = cats(ctx.history[h]!);
      for (const c of cs) {
        const g = id(c);
        pCounts[g] = (pCounts[g] ?? 0) + 1 / cs.length;
      }
      if (cs.length > 0) pSum++;
    }
    const rel = minMax(scores);
    if (pSum === 0) return assemble(ids, scores, []);
    const candCats = Array.from(ids, (i) => cats(i).map(id));
    const G = index.size;
    const p = new Float64Array(G);
    for (let g = 0; g < pCounts.length; g++) p[g] = (pCounts[g] ?? 0) / pSum;
    const q = new Float64Array(G);
    let qSum = 0;
    let relSum = 0;
    const taken = new Uint8Array(ids.length);
    const chosen: number[] = [];
    while (chosen.length < Math.min(k, ids.length)) {
      let best = -1;
      let bestVal = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < ids.length; j++) {
        if (taken[j]) continue;
        const cs = candCats[j]!;
        for (const g of cs) q[g]! += 1 / cs.length;
        const kl = calibrationKl(p, q, qSum + (cs.length > 0 ? 1 : 0));
        for (const g of cs) q[g]! -= 1 / cs.length;
        const val = (1 - lambda) * (relSum + rel[j]!) - lambda * kl;
        if (val > bestVal) {
          bestVal = val;
          best = j;
        }
      }
      taken[best] = 1;
      chosen.push(best);
      relSum += rel[best]!;
      const cs = candCats[best]!;
      for (const g of cs) q[g]! += 1 / cs.length;
      if (cs.length > 0) qSum++;
    }
    return assemble(ids, scores, chosen);
  };
}
