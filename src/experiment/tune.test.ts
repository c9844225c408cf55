import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatTune } from '../cli/commands/tune.js';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { LogBuilder } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { buildSplit } from './experiment.js';
import { gridSize, parseSearchSpace, pinSplit, testOverSeeds, trialParams, tune } from './tune.js';

/** Every evaluateSplit call's part ("valid" | "test"), in order. */
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
  const nUsers = 120;
  const nItems = 80;
  const rng = new Rng(1);
  const b = new LogBuilder();
  for (let u = 0; u < nUsers; u++) {
    const group = u % 4;
    const n = 6 + rng.int(10);
    for (let e = 0; e < n; e++) {
      const item = rng.next() < 0.8 ? group * 20 + rng.int(20) : rng.int(nItems);
      b.push(u, item, 1, e);
    }
  }
  return {
    name: 'clustered',
    source: 'memory',
    users: IdMap.from(Array.from({ length: nUsers }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: nItems }, (_, i) => `i${i}`)),
    log: b.build(),
    modalities: [],
  };
}

const ds = clusteredDataset();
const space = parseSearchSpace({ k: [1, 5, 40], shrink: [0, 20] });

beforeEach(() => {
  calls.length = 0;
});

describe('tune', () => {
  it('runs the whole grid on validation, picks the max, then evaluates test exactly once', async () => {
    const r = await tune(ds, { model: 'itemknn', space, seed: 3, workers: 1 });
    expect(r.trials).toHaveLength(gridSize(space));
    expect(r.trials.map((t) => t.params)).toContainEqual({ k: 40, shrink: 20 });
    const max = Math.max(...r.trials.map((t) => t.valid['recall@20']!));
    expect(r.best.score).toBe(max);
    expect(r.best).toBe(r.trials.find((t) => t.score === max));
    // One validation per (non-iterative) trial, then a single test evaluation, last.
    expect(calls.filter((c) => c === 'valid')).toHaveLength(6 + 1);
    expect(calls.filter((c) => c === 'test')).toHaveLength(1);
    expect(calls.at(-1)).toBe('test');
    expect(calls.indexOf('test')).toBe(calls.length - 1);
    expect(r.testEvaluations).toBe(1);
    expect(r.test?.params).toEqual({ ...r.best.params, source: 'interactions' });
    expect(r.test?.metrics['recall@20']).toBeGreaterThan(0);
    // The trials' results carry no test metrics.
    for (const t of r.trials) expect(Object.keys(t.valid).length).toBeGreaterThan(0);
    const text = formatTune(r);
    expect(text.indexOf('TEST')).toBeGreaterThan(text.indexOf('best (*)'));
    expect(text.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(1);
  });

  it('never touches test with evaluateTest false', async () => {
    const r = await tune(ds, {
      model: 'itemknn',
      space,
      search: 'grid',
      trials: 2,
      evaluateTest: false,
      workers: 1,
    });
    expect(r.trials).toHaveLength(2);
    expect(calls).not.toContain('test');
    expect(r.testEvaluations).toBe(0);
    expect(r.test).toBeUndefined();
  });

  it('cross-validates each trial on k folds of the non-test data', async () => {
    const r = await tune(ds, {
      model: 'itemknn',
      space: { k: [5, 40] },
      split: 'random:0.8,0.1,0.1',
      folds: 3,
      workers: 1,
    });
    expect(r.folds).toBe(3);
    for (const t of r.trials) {
      expect(t.foldScores).toHaveLength(3);
      expect(t.score).toBeCloseTo(t.foldScores!.reduce((a, b) => a + b, 0) / 3, 12);
    }
    expect(calls.filter((c) => c === 'test')).toHaveLength(1);
    expect(calls.at(-1)).toBe('test');
  });
});

describe('search spaces', () => {
  it('draws the same random trials for the same seed', () => {
    const s = parseSearchSpace({ lr: { log: [1e-4, 1e-2] }, dim: { int: [16, 128] }, k: [1, 2, 3] });
    const a = trialParams(s, 'random', { trials: 8, seed: 5 });
    expect(trialParams(s, 'random', { trials: 8, seed: 5 })).toEqual(a);
    expect(trialParams(s, 'random', { trials: 8, seed: 6 })).not.toEqual(a);
    for (const p of a) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(p.dim)).toBe(true);
      expect([1, 2, 3]).toContain(p.k);
    }
  });

  it('enumerates grids (last param fastest), caps them, and subsets with trials', () => {
    expect(trialParams(space, 'grid')).toEqual([
      { k: 1, shrink: 0 },
      { k: 1, shrink: 20 },
      { k: 5, shrink: 0 },
      { k: 5, shrink: 20 },
      { k: 40, shrink: 0 },
      { k: 40, shrink: 20 },
    ]);
    expect(() => trialParams(space, 'grid', { maxGrid: 4 })).toThrow(/6 points.*cap of 4/);
    const sub = trialParams(space, 'grid', { maxGrid: 4, trials: 3, seed: 1 });
    expect(sub).toHaveLength(3);
    expect(trialParams(space, 'grid', { maxGrid: 4, trials: 3, seed: 1 })).toEqual(sub);
    expect(() => trialParams(parseSearchSpace({ lr: { log: [1e-3, 1] } }), 'grid')).toThrow(/random search/);
  });

  it('rejects malformed spaces and params before training', async () => {
    expect(() => parseSearchSpace([1, 2])).toThrow(InvalidArgumentError);
    expect(() => parseSearchSpace({ k: [] })).toThrow(/empty list/);
    expect(() => parseSearchSpace({ lr: { log: [0, 1] } })).toThrow(/log bounds/);
    expect(() => parseSearchSpace({ d: { int: [1.5, 3] } })).toThrow(/int bounds/);
    expect(() => parseSearchSpace({ d: { normal: [0, 1] } })).toThrow(/expected a list/);
    await expect(tune(ds, { model: 'itemknn', space: { neighbours: [5] } })).rejects.toThrow(/neighbours/);
    expect(calls).toHaveLength(0);
  });
});

describe('test over seeds after the choice', () => {
  it('pins a split so that every seed sees the same train, valid and test parts', () => {
    const split = buildSplit(ds, 'random:0.8,0.1,0.1', 5);
    const again = buildSplit(pinSplit(ds, split), 'predefined', 99);
    for (const part of ['train', 'valid', 'test'] as const) {
      expect(Array.from(again[part].indptr)).toEqual(Array.from(split[part].indptr));
      expect(Array.from(again[part].indices)).toEqual(Array.from(split[part].indices));
    }
  });

  it('evaluates test once per seed and summarises mean, std and the t-interval', async () => {
    const r = await testOverSeeds(ds, {
      model: 'bpr',
      params: { dim: 4, lr: 0.01 },
      seeds: [1, 2, 3],
      split: 'random:0.8,0.1,0.1',
      splitSeed: 5,
      maxEpochs: 3,
      workers: 1,
    });
    expect(r.runs.map((x) => x.seed)).toEqual([1, 2, 3]);
    // test only at improving validation epochs, at most once per epoch, never before a validation
    expect(calls.filter((c) => c === 'test').length).toBeGreaterThanOrEqual(3);
    expect(calls[0]).toBe('valid');
    const v = r.runs.map((x) => x.metrics['recall@20']!);
    const mean = (v[0]! + v[1]! + v[2]!) / 3;
    const std = Math.sqrt(((v[0]! - mean) ** 2 + (v[1]! - mean) ** 2 + (v[2]! - mean) ** 2) / 2);
    const s = r.summary['recall@20']!;
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(s.std).toBeCloseTo(std, 12);
    // t(0.975, 2) = 4.3027
    expect(s.ciHigh - s.mean).toBeCloseTo((4.3027 * std) / Math.sqrt(3), 3);
  });
});
