/**
 * @module experiment/autotune.test
 * Successive halving on validation only: the plan, the rungs' shape, the defaults in the final
 * rung, the budget, and that test is never looked at.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatAutoTune } from '../cli/commands/tune.js';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import type { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { FitOptions, FitReport, Recommender } from '../models/recommender.js';
import { registerModel } from '../models/registry.js';
import { Rng } from '../util/rng.js';
import { autoTune, planHalving } from './autotune.js';

/** Every evaluateSplit call's part ("valid" | "test"). */
const calls = vi.hoisted(() => [] as string[]);
vi.mock('../eval/evaluator.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../eval/evaluator.js')>();
  return {
    ...mod,
    evaluateSplit: (...args: Parameters<typeof mod.evaluateSplit>) => {
      calls.push(args[2]);
      return mod.evaluateSplit(...args);
    },
  };
});

/** 120 users, 80 items in 4 taste groups: each user mostly picks items of one group. */
function clusteredDataset(): Dataset {
  const rng = new Rng(1);
  const b = new LogBuilder();
  for (let u = 0; u < 120; u++) {
    const n = 6 + rng.int(10);
    for (let e = 0; e < n; e++) b.push(u, rng.next() < 0.8 ? (u % 4) * 20 + rng.int(20) : rng.int(80), 1, e);
  }
  return {
    name: 'clustered',
    source: 'memory',
    users: IdMap.from(Array.from({ length: 120 }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: 80 }, (_, i) => `i${i}`)),
    log: b.build(),
    modalities: [],
  };
}

/**
 * A model with a known learning curve: after e epochs (10 ms each) it ranks first a share
 * q(e) = ceiling·(1 − exp(−speed·e)) of each user's validation items (chosen by a fixed hash) and
 * last the others, so its validation recall is about q(e).
 */
class CurveModel implements Recommender {
  readonly name = 'test-curve';
  readonly params: Readonly<Record<string, unknown>>;
  nItems = 0;
  fitted = false;
  private q = 0;
  private valid: Interactions | undefined;

  constructor(p: Record<string, unknown>) {
    this.params = { speed: Number(p.speed ?? 0.002), ceiling: Number(p.ceiling ?? 0.9) };
  }

  async fit(data: { train: Interactions; valid?: Interactions }, o: FitOptions): Promise<FitReport> {
    this.nItems = data.train.nItems;
    this.valid = data.valid;
    this.fitted = true;
    const { speed, ceiling } = this.params as { speed: number; ceiling: number };
    let e = 1;
    for (; e <= (o.maxEpochs ?? 1000); e++) {
      await new Promise((r) => setTimeout(r, 10));
      this.q = ceiling * (1 - Math.exp(-speed * e));
      if ((await o.onEpochEnd?.({ epoch: e, loss: 0, seconds: 0.01 })) === 'stop') break;
    }
    return { epochs: Math.min(e, o.maxEpochs ?? 1000), trainSeconds: 0, losses: [] };
  }

  scoreBatch(users: Int32Array, out: Float32Array): void {
    out.fill(0);
    for (const [r, u] of users.entries()) {
      const v = this.valid!;
      for (let p = v.indptr[u]!; p < v.indptr[u + 1]!; p++) {
        const j = v.indices[p]!;
        out[r * this.nItems + j] = (u * 0.618 + j * 0.414) % 1 < this.q ? 1 : -1;
      }
    }
  }

  recommend(): never {
    throw new NotSupportedError('test model');
  }
  similarItems(): never {
    throw new NotSupportedError('test model');
  }
  async save(): Promise<void> {}
}

registerModel({
  name: 'test-curve',
  description: 'a known learning curve (tests)',
  iterative: true,
  create: (p) => new CurveModel(p),
  load: () => Promise.reject(new NotSupportedError('test model')),
});

const ds = clusteredDataset();
const split = 'random:0.8,0.1,0.1';

beforeEach(() => {
  calls.length = 0;
});

describe('planHalving', () => {
  it('takes the most halvings that leave >= 3 epochs per configuration in rung 0', () => {
    // 60 s at 0.1 s/epoch, eta 3: K=4 (81 configs) gives floor(60 / (4·81·0.1)) = 1 epoch;
    // K=3 (27 configs) gives floor(60 / (3·27·0.1)) = 7.
    expect(planHalving(60, 0.1, 0, 3)).toEqual({ halvings: 3, configs: 27, r0: 7 });
    // with 0.5 s set-up per trial, K=3 runs 27 + 9 + 3 = 39 trials: floor((60 − 19.5) / 8.1) = 5
    expect(planHalving(60, 0.1, 0.5, 3)).toEqual({ halvings: 3, configs: 27, r0: 5 });
    // eta 2, 10 s at 1 s/epoch: K=1 (2 configs) gives floor(10 / 2) = 5 (K=2: floor(10/8) = 1)
    expect(planHalving(10, 1, 0, 2)).toEqual({ halvings: 1, configs: 2, r0: 5 });
    // no time: still one halving of eta configurations at 1 epoch
    expect(planHalving(0, 1, 0, 3)).toEqual({ halvings: 1, configs: 3, r0: 1 });
  });
});

describe('autoTune', () => {
  it('rejects a bad budget, model or fixed parameter before training', async () => {
    await expect(autoTune(ds, { model: 'bpr', budgetSeconds: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(autoTune(ds, { model: 'nope', budgetSeconds: 5 })).rejects.toThrow(/unknown model/);
    await expect(autoTune(ds, { model: 'bpr', budgetSeconds: 5, params: { lr: -1 } })).rejects.toThrow(/lr/);
    expect(calls).toHaveLength(0);
  });

  it('runs a small grid in full for a non-iterative model, defaults first, validation only', async () => {
    const r = await autoTune(ds, { model: 'itemknn', budgetSeconds: 30, seed: 3, split, workers: 1 });
    expect(r.search).toBe('grid');
    // 5 k x 3 shrink points, one of which (k 50, shrink 10) is the defaults: 15 configurations
    expect(r.trials).toHaveLength(15);
    expect(r.trials[0]!.params).toEqual({});
    expect(r.trials.slice(1).map((t) => t.params)).not.toContainEqual({ k: 50, shrink: 10 });
    expect(r.score).toBe(Math.max(...r.trials.map((t) => t.score)));
    expect(r.defaultsScore).toBe(r.trials[0]!.score);
    expect(calls).not.toContain('test');
    expect(calls.filter((c) => c === 'valid')).toHaveLength(15);
    const text = formatAutoTune(r, 'clustered');
    expect(text).toContain('15 configurations');
    expect(text.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(1);
  });

  it('halves on validation, keeps the defaults to the final rung and stays within the budget', async () => {
    const budget = 5;
    const t0 = performance.now();
    const r = await autoTune(ds, {
      model: 'bpr',
      budgetSeconds: budget,
      seed: 7,
      split,
      workers: 1,
      params: { dim: 8 },
      patience: 5,
      maxEpochs: 60,
    });
    const wall = (performance.now() - t0) / 1000;
    expect(calls).not.toContain('test');
    expect(r.search).toBe('halving');
    expect(r.usedSeconds).toBeLessThanOrEqual(budget + 1.5);
    expect(wall).toBeLessThan(budget + 2);
    // the probe: the defaults (with the fixed params) for 2 epochs
    expect(r.trials[0]).toMatchObject({ stage: 'probe', config: 0, params: { dim: 8 }, maxEpochs: 2 });
    const halving = r.rungs.filter((g) => g.stage === 'halving' && g.bracket === 0);
    expect(halving.length).toBeGreaterThanOrEqual(1);
    const first = halving[0]!;
    expect(first.configs[0]).toBe(0);
    for (const t of r.trials) expect(t.params.dim).toBe(8);
    // each rung trains the best 1/3 of the previous one, 3x longer
    for (let k = 1; k < halving.length; k++) {
      const prev = halving[k - 1]!;
      const cur = halving[k]!;
      expect(cur.maxEpochs).toBe(prev.maxEpochs * 3);
      expect(cur.configs).toHaveLength(Math.ceil(prev.configs.length / 3));
      const ranked = r.trials
        .filter((t) => t.stage === 'halving' && t.bracket === 0 && t.rung === prev.rung)
        .sort((a, b) => b.score - a.score || a.config - b.config);
      expect(cur.configs).toEqual(ranked.slice(0, cur.configs.length).map((t) => t.config));
    }
    const final = r.rungs.find((g) => g.stage === 'final')!;
    expect(final.configs).toContain(0);
    expect(final.maxEpochs).toBe(60);
    // the best bracket winner (the best of each bracket's highest fully run rung) is the other finalist
    const winners = [...new Set(r.rungs.filter((g) => g.stage === 'halving').map((g) => g.bracket))].map(
      (b) => {
        const runs = (k: number) =>
          r.trials.filter((t) => t.stage === 'halving' && t.bracket === b && t.rung === k && !t.cut);
        const full = r.rungs.filter(
          (g) => g.stage === 'halving' && g.bracket === b && runs(g.rung).length === g.configs.length,
        );
        const k = Math.max(0, ...full.map((g) => g.rung));
        const pool =
          runs(k).length > 0
            ? runs(k)
            : r.trials.filter((t) => t.stage === 'halving' && t.bracket === b && t.rung === 0);
        return pool.sort((x, y) => y.score - x.score || x.config - y.config)[0]!;
      },
    );
    const top = winners.sort((a, b) => b.score - a.score || a.config - b.config)[0]!;
    expect(final.configs).toEqual(top.config === 0 ? [0] : [top.config, 0]);
    const finals = r.trials.filter((t) => t.stage === 'final');
    if (finals.length === final.configs.length && finals.every((t) => !t.cut)) {
      // the chosen setting is never below the defaults at the same fidelity
      expect(r.score).toBe(Math.max(...finals.map((t) => t.score)));
      expect(r.score).toBeGreaterThanOrEqual(r.defaultsScore);
      expect(r.defaultsScore).toBe(finals.find((t) => t.config === 0)!.score);
    }
    expect(r.isDefault).toBe(JSON.stringify(r.params) === JSON.stringify({ dim: 8 }));
  }, 20_000);

  it('draws the same configurations for the same seed', async () => {
    const o = { model: 'bpr', budgetSeconds: 1.5, seed: 11, split, workers: 1, params: { dim: 4 } };
    const a = await autoTune(ds, o);
    const b = await autoTune(ds, o);
    const firstRung = (r: typeof a) =>
      r.trials.filter((t) => t.stage === 'halving' && t.bracket === 0 && t.rung === 0).map((t) => t.params);
    const pa = firstRung(a);
    const pb = firstRung(b);
    const n = Math.min(pa.length, pb.length);
    expect(n).toBeGreaterThan(1);
    expect(pa.slice(0, n)).toEqual(pb.slice(0, n));
  }, 20_000);

  it('keeps slow defaults that the budget cut while still improving, and drops settled ones', async () => {
    // The challenger converges in a few epochs to 0.5; the defaults climb slowly towards 0.9.
    const space = { speed: [1], ceiling: [0.5] };
    const o = { model: 'test-curve', seed: 1, split, workers: 1, space, patience: 30 };
    const short = await autoTune(ds, { ...o, budgetSeconds: 4, maxEpochs: 1000 });
    const finals = short.trials.filter((t) => t.stage === 'final');
    const defaults = finals.find((t) => t.config === 0)!;
    const challenger = finals.find((t) => t.config !== 0)!;
    expect(defaults.cut).toBe(true);
    // (how far past its best epoch the cut came depends on the machine's speed: not asserted)
    expect(challenger.score).toBeGreaterThan(defaults.score);
    expect(short.isDefault).toBe(true);
    expect(short.params).toEqual({});
    // A better challenger (ceiling 0.95) against defaults that end by themselves (30 epochs):
    const settled = await autoTune(ds, {
      ...o,
      space: { speed: [1], ceiling: [0.95] },
      budgetSeconds: 6,
      maxEpochs: 30,
    });
    const d2 = settled.trials.find((t) => t.stage === 'final' && t.config === 0)!;
    expect(d2.cut).toBe(false);
    expect(settled.isDefault).toBe(false);
    expect(settled.params).toEqual({ speed: 1, ceiling: 0.95 });
    expect(settled.score).toBeGreaterThan(settled.defaultsScore);
  }, 30_000);
});
