import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { LogBuilder } from '../data/log.js';
import { topKRanked } from '../math/topk.js';
import { makeModality } from '../modalities/modality.js';
import type { FitOptions, FitReport, Recommender } from '../models/recommender.js';
import { registerModel } from '../models/registry.js';
import { Rng } from '../util/rng.js';
import { resultToJson, runExperiment } from './experiment.js';
import { formatExperiment } from './report.js';

const N_USERS = 40;
const N_ITEMS = 30;

/** Users like the item with their own index modulo N_ITEMS (test) — plus training noise. */
function dataset(): Dataset {
  const rng = new Rng(3);
  const b = new LogBuilder({ withLabels: true });
  for (let u = 0; u < N_USERS; u++) {
    for (let t = 0; t < 4; t++) b.push(u, (u + 7 + t * 5) % N_ITEMS, 1, 0, 0);
    b.push(u, (u + 3) % N_ITEMS, 1, 0, 1);
    b.push(u, u % N_ITEMS, 1, 0, 2);
    if (rng.next() < 0.1) b.push(u, (u + 11) % N_ITEMS, 1, 0, 2);
  }
  return {
    name: 'toy',
    source: 'memory',
    users: IdMap.from(Array.from({ length: N_USERS }, (_, i) => `u${i}`)),
    items: IdMap.from(Array.from({ length: N_ITEMS }, (_, i) => `i${i}`)),
    log: b.build(),
    modalities: [],
  };
}

/**
 * A scripted iterative model: at epoch `peak` it scores each user's valid and test items on top;
 * at every other epoch it ranks them at the bottom. Early stopping must pick `peak`.
 */
class Scripted implements Recommender {
  readonly name = 'scripted';
  readonly params: Record<string, unknown>;
  nItems = N_ITEMS;
  fitted = false;
  private epoch = 0;
  constructor(private readonly peak: number) {
    this.params = { peak };
  }
  async fit(_d: unknown, o: FitOptions): Promise<FitReport> {
    const losses: number[] = [];
    for (let e = 1; e <= (o.maxEpochs ?? 50); e++) {
      this.epoch = e;
      this.fitted = true;
      losses.push(1 / e);
      if ((await o.onEpochEnd?.({ epoch: e, loss: 1 / e, seconds: 0.001 })) === 'stop') break;
    }
    return { epochs: losses.length, trainSeconds: losses.length * 0.001, losses };
  }
  scoreBatch(users: Int32Array, out: Float32Array): void {
    for (let b = 0; b < users.length; b++) {
      const u = users[b]!;
      for (let i = 0; i < N_ITEMS; i++) {
        const liked = i === u % N_ITEMS || i === (u + 3) % N_ITEMS;
        out[b * N_ITEMS + i] = this.epoch === this.peak ? (liked ? 10 : i / 100) : liked ? -10 : i / 100;
      }
    }
  }
  recommend(user: number, k: number) {
    const s = new Float32Array(N_ITEMS);
    this.scoreBatch(Int32Array.of(user), s);
    return topKRanked(s, k);
  }
  similarItems(item: number, k: number) {
    return topKRanked(new Float32Array(N_ITEMS), k, (i) => i === item);
  }
  async save(): Promise<void> {}
}

registerModel({
  name: 'test-scripted',
  description: 'test double',
  iterative: true,
  create: (p) => new Scripted(Number(p.peak ?? 3)),
  load: () => Promise.reject(new Error('not saved')),
});

describe('runExperiment', () => {
  it('stops after `patience` epochs without improvement and reports test at the best epoch', async () => {
    const r = await runExperiment(dataset(), {
      models: [{ name: 'popularity' }, { name: 'test-scripted', params: { peak: 3 }, label: 'scripted' }],
      patience: 2,
      maxEpochs: 50,
      seed: 1,
    });
    expect(r.dataset).toMatchObject({ name: 'toy', users: N_USERS, items: N_ITEMS, split: 'predefined' });
    expect(r.dataset.train).toBe(N_USERS * 4);
    const s = r.results[1]!;
    expect(s.bestEpoch).toBe(3);
    // epochs 4, 5, 6 do not improve; the third one exceeds patience 2 and stops.
    expect(s.epochs).toBe(6);
    expect(s.history.map((h) => h.improved)).toEqual([true, false, true, false, false, false]);
    // At the peak the test item is ranked first or second for every user.
    expect(s.metrics['hit@10']).toBe(1);
    expect(s.metrics['recall@20']).toBeGreaterThan(0.9);
    expect(s.validMetrics['recall@20']).toBe(1);
    // Popularity ran once; comparisons are against it, on the same users.
    expect(r.results[0]!.epochs).toBe(1);
    expect(r.comparisons.map((c) => c.metric)).toEqual(['recall@20', 'ndcg@20']);
    expect(r.comparisons[0]!.meanDiff).toBeCloseTo(
      1 - r.results[0]!.metrics['recall@20']! - (1 - s.metrics['recall@20']!),
      10,
    );
    expect(r.comparisons[0]!.tTestP).toBeLessThan(0.001);
  });

  it('prints one table and serialises without per-user arrays', async () => {
    const r = await runExperiment(dataset(), { models: [{ name: 'popularity' }], seed: 1 });
    const text = formatExperiment(r);
    expect(text).toMatch(/R@10 +R@20 +N@10 +N@20 +P@10 +P@20 +MAP@10 +MAP@20 +s\/epoch +best epoch/);
    expect(text).toContain('popularity');
    const json = resultToJson(r) as { results: Record<string, unknown>[] };
    expect(json.results[0]).not.toHaveProperty('perUser');
    expect(Object.keys(json.results[0]!.metrics as object)).toEqual(
      expect.arrayContaining([
        'recall@10',
        'recall@20',
        'ndcg@10',
        'ndcg@20',
        'precision@20',
        'map@20',
        'coverage@20',
        'novelty@20',
        'arp@20',
        'gini@20',
      ]),
    );
  });

  it('reports bias figures and group fairness of the test top 20', async () => {
    const parity = Array.from({ length: N_USERS }, (_, u) => (u % 2 === 0 ? 'even' : 'odd'));
    const ds = dataset();
    // Every item has the same content vector: intra-list diversity is exactly 0.
    ds.modalities.push(makeModality('v', N_ITEMS, 2, new Float32Array(N_ITEMS * 2).fill(1), 'test'));
    const r = await runExperiment(ds, {
      models: [{ name: 'popularity' }],
      seed: 1,
      userGroups: { parity },
      itemGroups: { half: Array.from({ length: N_ITEMS }, (_, i) => (i < 15 ? 'low' : 'high')) },
    });
    const m = r.results[0]!;
    for (const key of ['arp@20', 'poplift@20', 'gini@20', 'top1share@20', 'longtail@20', 'arp@10']) {
      expect(Number.isFinite(m.metrics[key]!), key).toBe(true);
    }
    expect(m.metrics['ild@20']).toBeCloseTo(0, 12);
    expect(m.metrics).not.toHaveProperty('ild@10');
    expect(m.metrics['gini@20']).toBeGreaterThanOrEqual(0);
    expect(m.metrics['gini@20']).toBeLessThan(1);
    const f = m.fairness!;
    expect(f.metric).toBe('recall@20');
    const n = (g: { groups: { n: number }[] }) => g.groups.reduce((s, x) => s + x.n, 0);
    expect(n(f.activity)).toBe(r.dataset.testUsers);
    expect(f.userAttributes.parity!.groups.map((g) => [g.group, g.n])).toEqual([
      ['even', 20],
      ['odd', 20],
    ]);
    for (const name of ['popularity', 'half']) {
      const groups = f.providers[name]!;
      expect(groups.reduce((s, g) => s + g.exposure, 0)).toBeCloseTo(1, 12);
      expect(groups.reduce((s, g) => s + g.relevance, 0)).toBeCloseTo(1, 12);
    }
    expect(f.providers.half!.map((g) => g.items)).toEqual([15, 15]);
    const text = formatExperiment(r);
    expect(text).toMatch(/ARP@20 +pop lift +Gini +top 1% +long tail +coverage +novelty +ILD/);
    expect(text).toMatch(/popularity: recall@20 by parity: even [0-9.]+ \(n 20\), odd/);
    expect(text).toMatch(/exposure\/relevance by item half: high/);
    const json = resultToJson(r) as { results: Record<string, unknown>[] };
    expect(json.results[0]).toHaveProperty('fairness');
  });

  it('never evaluates test when asked not to, and rejects unknown models before training', async () => {
    const r = await runExperiment(dataset(), { models: [{ name: 'popularity' }], evaluateTest: false });
    expect(r.results[0]!.metrics).toEqual({});
    expect(r.results[0]!.fairness).toBeUndefined();
    expect(r.results[0]!.validMetrics['recall@20']).toBeGreaterThanOrEqual(0);
    await expect(runExperiment(dataset(), { models: [{ name: 'nope' }] })).rejects.toThrow(
      /unknown model "nope"/,
    );
  });
});
