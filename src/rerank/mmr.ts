/**
 * @module rerank/mmr
 * Maximal marginal relevance (Carbonell & Goldstein 1998) over item content vectors: picks k
 * items one at a time, each maximising (1 − λ)·rel(i) − λ·max_{j chosen} cos(v_i, v_j), where
 * rel is the candidate score scaled to [0, 1] over the list. λ = 0 keeps the score order; larger
 * λ trades relevance for diversity. An item without a vector has cosine 0 with every other item.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RerankContext, RerankStage } from './types.js';
import { assemble, checkCandidates, checkK, checkRange, minMax } from './util.js';

/** MMR with diversity weight `lambda` in [0, 1], choosing the first `k` positions (default 20). */
export function mmrStage(lambda: number, k = 20): RerankStage {
  checkRange('mmr', 'lambda', lambda, 0, 1);
  checkK('mmr', k);
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => {
    checkCandidates('mmr', ids, scores);
    const vec = ctx.itemVector;
    if (!vec) throw new InvalidArgumentError('mmr needs item vectors (context.itemVector)');
    const n = ids.length;
    const rel = minMax(scores);
    // Unit vectors of the candidates (null: none or zero).
    const unit: (Float64Array | null)[] = [];
    for (let j = 0; j < n; j++) {
      const v = vec(ids[j]!);
      let s = 0;
      if (v) for (let d = 0; d < v.length; d++) s += v[d]! * v[d]!;
      if (!v || s === 0) {
        unit.push(null);
        continue;
      }
      const inv = 1 / Math.sqrt(s);
      unit.push(Float64Array.from(v, (x) => x * inv));
    }
    const maxSim = new Float64Array(n);
    const taken = new Uint8Array(n);
    const chosen: number[] = [];
    let any = false;
    while (chosen.length < Math.min(k, n)) {
      let best = -1;
      let bestVal = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        if (taken[j]) continue;
        const val = (1 - lambda) * rel[j]! - lambda * (any ? maxSim[j]! : 0);
        if (val > bestVal) {
          bestVal = val;
          best = j;
        }
      }
      taken[best] = 1;
      chosen.push(best);
      any = true;
      const u = unit[best];
      if (!u) continue;
      for (let j = 0; j < n; j++) {
        const w = unit[j];
        if (taken[j] || !w) continue;
        if (w.length !== u.length) {
          throw new InvalidArgumentError(`mmr: item vectors differ in length (${u.length} and ${w.length})`);
        }
        let dot = 0;
        for (let d = 0; d < u.length; d++) dot += u[d]! * w[d]!;
        if (dot > maxSim[j]!) maxSim[j] = dot;
      }
    }
    return assemble(ids, scores, chosen);
  };
}
