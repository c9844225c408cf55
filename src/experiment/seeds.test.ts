import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { LogBuilder } from '../data/log.js';
import { Rng } from '../util/rng.js';
import { formatSeedExperiment } from './seed-report.js';
import { aggregateSeeds, runExperimentSeeds, seedResultToJson } from './seeds.js';

/** 60 users, 40 items; users like a block of items around their own index, with noise. */
function dataset(): Dataset {
  const rng = new Rng(5);
  const b = new LogBuilder();
  const nUsers = 60;
  const nItems = 40;
  for (let u = 0; u < nUsers; u++) {
    const seen = new Set<number>();
    for (let t = 0; t < 12; t++) {
      const i =
        rng.next() < 0.7 ? (u + Math.floor(rng.next() * 8)) % nItems : Math.floor(rng.next() * nItems);
      if (seen.has(i)) continue;
      seen.add(i);
      b.push(u, i, 1, t);
    }
  }
  return {
    name: 'blocks',
    source: 'memory',
    users: IdMap.from(Array.from({ length: nUsers }, (_, i) => `u${i}`)),
    items: IdMap.from(Array.from({ length: nItems }, (_, i) => `i${i}`)),
    log: b.build(),
    modalities: [],
  };
}

describe('runExperimentSeeds', () => {
  it('summarises each model over the seeds from the per-seed runs', async () => {
    const ds = dataset();
    const r = await runExperimentSeeds(
      ds,
      {
        models: [{ name: 'popularity' }, { name: 'bpr', params: { dim: 8 } }],
        maxEpochs: 4,
        patience: 2,
        workers: 1,
      },
      [1, 2, 3],
    );
    expect(r.seeds).toEqual([1, 2, 3]);
    expect(r.runs.map((x) => x.seed)).toEqual([1, 2, 3]);
    for (const [m, s] of r.summary.entries()) {
      const values = r.runs.map((run) => run.results[m]!.metrics['recall@20']!);
      const mean = values.reduce((a, v) => a + v, 0) / values.length;
      expect(s.metrics['recall@20']!.mean).toBeCloseTo(mean, 12);
      expect(s.metrics['recall@20']!.min).toBe(Math.min(...values));
    }
    // A random split per seed: popularity's figure moves with the split, so its spread is not 0.
    expect(r.summary[0]!.metrics['recall@20']!.std).toBeGreaterThan(0);
    // Every user has test items under each seed's split: the per-user test pairs each user's
    // difference averaged over the seeds (both models always share the seed's split).
    const c = r.comparisons.find((x) => x.metric === 'recall@20')!;
    expect(c.model).toBe('bpr');
    expect(c.baseline).toBe('popularity');
    expect(c.seeds.n).toBe(3);
    expect(c.users?.n).toBe(60);
    const text = formatSeedExperiment(r);
    expect(text).toContain('3 seeds: 1, 2, 3');
    expect(text).toContain('bpr vs popularity');
    const json = JSON.parse(JSON.stringify(seedResultToJson(r))) as {
      runs: { results: { perUser?: unknown }[] }[];
    };
    expect(json.runs[0]!.results[0]!.perUser).toBeUndefined();
  });

  it('with a fixed split, compares over users too, and a deterministic model has no spread', async () => {
    const ds = dataset();
    const r = await runExperimentSeeds(
      ds,
      {
        models: [{ name: 'popularity' }, { name: 'bpr', params: { dim: 8 } }],
        maxEpochs: 3,
        patience: 1,
        workers: 1,
        split: 'leave-last-out',
      },
      [7, 8],
    );
    expect(r.summary[0]!.metrics['recall@20']!.std).toBe(0);
    const c = r.comparisons.find((x) => x.metric === 'recall@20')!;
    expect(c.users?.n).toBe(r.runs[0]!.results[0]!.testUsers!.length);
  });

  it('refuses runs of different models', async () => {
    const ds = dataset();
    const a = await runExperimentSeeds(ds, { models: [{ name: 'popularity' }], workers: 1 }, [1]);
    const b = await runExperimentSeeds(ds, { models: [{ name: 'itemknn' }], workers: 1 }, [2]);
    expect(() => aggregateSeeds([...a.runs, ...b.runs])).toThrow(/other models/);
  });
});
