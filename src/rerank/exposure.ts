/**
 * @module rerank/exposure
 * Exposure-fair re-ranking of item groups (greedy, proportional with a minimum share; in the
 * spirit of FA*IR without its statistical test): every group g of the attribute gets a minimum
 * share t_g = x · share_g, where share_g is the group's share of the catalog and x in [0, 1] the
 * strength. Filling positions 1..k in order, when some group that still has candidates holds
 * fewer than floor(t_g · j) of the first j positions, the best-scored candidate of the most
 * deficient such group (largest floor(t_g · j) − count, ties to the larger target) takes
 * position j; otherwise the best-scored candidate overall does. x = 0 keeps the score order;
 * x = 1 asks every prefix to be at least as mixed as the catalog (as far as the candidates allow).
 */
import { InvalidArgumentError } from '../errors.js';
import type { ItemGroups, RerankContext, RerankStage } from './types.js';
import { assemble, checkCandidates, checkK, checkRange } from './util.js';

/** Exposure fairness over the groups of `attribute` (in context.itemGroups) with strength `x`. */
export function exposureStage(attribute: string, x: number, k = 20): RerankStage {
  checkRange('fair', 'share', x, 0, 1);
  checkK('fair', k);
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => {
    checkCandidates('fair', ids, scores);
    const groups: ItemGroups | undefined = ctx.itemGroups?.[attribute];
    if (!groups) {
      const known = Object.keys(ctx.itemGroups ?? {});
      throw new InvalidArgumentError(
        `fair: no item groups named "${attribute}" (context.itemGroups has: ${known.join(', ') || 'none'})`,
      );
    }
    const n = ids.length;
    const label = Array.from(ids, (i) => groups.of(i));
    const byScore = Array.from({ length: n }, (_, j) => j).sort((a, b) => scores[b]! - scores[a]! || a - b);
    const count = new Map<string, number>();
    const left = new Map<string, number>();
    for (const g of label) if (g !== undefined) left.set(g, (left.get(g) ?? 0) + 1);
    const taken = new Uint8Array(n);
    const chosen: number[] = [];
    while (chosen.length < Math.min(k, n)) {
      const j = chosen.length + 1;
      let need: string | undefined;
      let needGap = 0;
      let needTarget = 0;
      for (const [g, c] of left) {
        if (c === 0) continue;
        const target = x * (groups.share.get(g) ?? 0);
        const gap = Math.floor(target * j + 1e-9) - (count.get(g) ?? 0);
        if (gap > needGap || (gap === needGap && gap > 0 && target > needTarget)) {
          need = g;
          needGap = gap;
          needTarget = target;
        }
      }
      const pick = byScore.find((p) => !taken[p] && (need === undefined || label[p] === need))!;
      taken[pick] = 1;
      chosen.push(pick);
      const g = label[pick];
      if (g !== undefined) {
        count.set(g, (count.get(g) ?? 0) + 1);
        left.set(g, left.get(g)! - 1);
      }
    }
    return assemble(ids, scores, chosen);
  };
}
