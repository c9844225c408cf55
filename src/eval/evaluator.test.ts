import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import type { Ranked } from '../math/topk.js';
import type { FitReport, Recommender, ScoringKernel } from '../models/recommender.js';
import { Rng } from '../util/rng.js';
import { evaluateRanking } from './evaluator.js';

/** A fixed factor model: score(u, i) = <U[u], V[i]>. */
class FixedDot implements Recommender {
  readonly name = 'fixed-dot';
  readonly params = {};
  readonly fitted = true;
  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    readonly U: Float32Array,
    readonly V: Float32Array,
  ) {}
  async fit(): Promise<FitReport> {
    return { epochs: 0, trainSeconds: 0, losses: [] };
  }
  scoreBatch(users: Int32Array, out: Float32Array): void {
    for (let b = 0; b < users.length; b++) {
      for (let i = 0; i < this.nItems; i++) {
        let s = 0;
        for (let d = 0; d < this.dim; d++) s += this.U[users[b]! * this.dim + d]! * this.V[i * this.dim + d]!;
        out[b * this.nItems + i] = s;
      }
    }
  }
  scoringKernel(): ScoringKernel {
    return {
      kind: 'dot',
      nUsers: this.nUsers,
      nItems: this.nItems,
      dim: this.dim,
      userFactors: this.U,
      itemFactors: this.V,
    };
  }
  recommend(): Ranked {
    throw new Error('unused');
  }
  similarItems(): Ranked {
    throw new Error('unused');
  }
  async save(): Promise<void> {}
}

function csr(nUsers: number, nItems: number, pairs: [number, number][]): Interactions {
  const b = new LogBuilder();
  for (const [u, i] of pairs) b.push(u, i);
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

describe('evaluateRanking', () => {
  it('masks training items, ranks all others and averages over users with targets (hand-worked)', async () => {
    // 1-d factors: user 0 likes high item values, user 1 low ones. Item values: 0..5.
    const U = Float32Array.from([1, -1, 1]);
    const V = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const model = new FixedDot(3, 6, 1, U, V);
    const train = csr(3, 6, [
      [0, 5],
      [1, 0],
    ]);
    // user 0 ranking after masking item 5: 4,3,2,1,0 ; target {3, 0}
    // user 1 ranking after masking item 0: 1,2,3,4,5 ; target {2}
    // user 2 has no target: not evaluated.
    const test = csr(3, 6, [
      [0, 3],
      [0, 0],
      [1, 2],
    ]);
    const r = await evaluateRanking(model, test, [train], {
      ks: [1, 2],
      metrics: ['recall', 'ndcg', 'precision'],
      workers: 1,
    });
    expect(Array.from(r.users)).toEqual([0, 1]);
    // user 0: top2 = [4,3] hits [0,1] -> recall@2 = 1/2, ndcg@2 = (1/log2 3)/(1 + 1/log2 3); @1: 0
    // user 1: top2 = [1,2] hits [0,1] -> recall@2 = 1, ndcg@2 = 1/log2 3; @1: 0
    const n0 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    const n1 = 1 / Math.log2(3);
    expect(r.metrics['recall@1']).toBe(0);
    expect(r.metrics['recall@2']).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(r.metrics['ndcg@2']).toBeCloseTo((n0 + n1) / 2, 12);
    expect(r.metrics['precision@2']).toBeCloseTo(0.5, 12);
    expect(Array.from(r.perUser['recall@2']!)).toEqual([0.5, 1]);
    expect(Array.from(r.topLists.subarray(0, 2))).toEqual([4, 3]);
  });

  it('gives the same numbers on worker threads as on the main thread', async () => {
    const rng = new Rng(11);
    const nUsers = 300;
    const nItems = 400;
    const dim = 8;
    const U = Float32Array.from({ length: nUsers * dim }, () => rng.normal());
    const V = Float32Array.from({ length: nItems * dim }, () => rng.normal());
    const pairs = (n: number): [number, number][] =>
      Array.from({ length: n }, () => [rng.int(nUsers), rng.int(nItems)] as [number, number]);
    const train = csr(nUsers, nItems, pairs(3000));
    const test = csr(nUsers, nItems, pairs(900));
    const model = new FixedDot(nUsers, nItems, dim, U, V);
    const opts = { ks: [5, 20], auc: true };
    const serial = await evaluateRanking(model, test, [train], { ...opts, workers: 1 });
    const parallel = await evaluateRanking(model, test, [train], { ...opts, workers: 2, minParallelWork: 0 });
    expect(parallel.metrics).toEqual(serial.metrics);
    expect(parallel.topLists).toEqual(serial.topLists);
    expect(serial.metrics.auc).toBeGreaterThan(0.3);
    expect(serial.metrics.auc).toBeLessThan(0.7);
  });

  it('rejects a model whose item count differs from the data', async () => {
    const model = new FixedDot(1, 3, 1, new Float32Array(1), new Float32Array(3));
    const t = csr(1, 4, [[0, 1]]);
    await expect(evaluateRanking(model, t, [])).rejects.toThrow(/3 items but the evaluation data has 4/);
  });

  describe('sampled protocols', () => {
    const rng = new Rng(21);
    const nUsers = 200;
    const nItems = 150;
    const dim = 4;
    const U = Float32Array.from({ length: nUsers * dim }, () => rng.normal());
    const V = Float32Array.from({ length: nItems * dim }, () => rng.normal());
    const pairs = (n: number): [number, number][] =>
      Array.from({ length: n }, () => [rng.int(nUsers), rng.int(nItems)] as [number, number]);
    const train = csr(nUsers, nItems, pairs(2000));
    const test = csr(nUsers, nItems, pairs(600));
    const model = new FixedDot(nUsers, nItems, dim, U, V);

    it('a user subset averages exactly the full per-user values of the sampled users, and says so', async () => {
      const full = await evaluateRanking(model, test, [train], { ks: [10], workers: 1 });
      const sub = await evaluateRanking(model, test, [train], {
        ks: [10],
        workers: 1,
        sample: { users: 40, seed: 3 },
      });
      expect(full.protocol).toBe('full');
      expect(sub.protocol).toBe(`sampled: 40 of ${full.users.length} users (seed 3)`);
      expect(sub.users.length).toBe(40);
      let sum = 0;
      for (const u of sub.users) sum += full.perUser['recall@10']![full.users.indexOf(u)]!;
      expect(sub.metrics['recall@10']).toBeCloseTo(sum / 40, 12);
    });

    it('with more negatives than free items it ranks every free item: the full numbers, relabelled', async () => {
      const full = await evaluateRanking(model, test, [train], { ks: [5, 20], workers: 1 });
      const all = await evaluateRanking(model, test, [train], {
        ks: [5, 20],
        workers: 1,
        sample: { negatives: 10_000 },
      });
      expect(all.protocol).toBe('sampled: 10000 negatives per user (seed 1)');
      expect(all.metrics['sampled10000:recall@20']).toBeCloseTo(full.metrics['recall@20']!, 12);
      expect(all.metrics['sampled10000:ndcg@5']).toBeCloseTo(full.metrics['ndcg@5']!, 12);
      expect(all.metrics['recall@20']).toBeUndefined();
      expect(all.topLists).toEqual(full.topLists);
    });

    it('100 sampled negatives give higher recall than ranking all items, deterministically', async () => {
      const full = await evaluateRanking(model, test, [train], { ks: [20], workers: 1 });
      const a = await evaluateRanking(model, test, [train], {
        ks: [20],
        workers: 1,
        sample: { negatives: 30 },
      });
      const b = await evaluateRanking(model, test, [train], {
        ks: [20],
        workers: 1,
        sample: { negatives: 30 },
      });
      expect(a.metrics).toEqual(b.metrics);
      expect(a.metrics['sampled30:recall@20']!).toBeGreaterThan(full.metrics['recall@20']!);
      await expect(evaluateRanking(model, test, [train], { sample: { negatives: 0 } })).rejects.toThrow(
        /negatives must be a positive integer/,
      );
    });
  });
});
