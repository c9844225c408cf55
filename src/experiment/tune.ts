/**
 * @module experiment/tune
 * Hyper-parameter search: grid or seeded random search over a model's params, each trial an
 * experiment evaluated on the validation split only (optionally averaged over k folds of the
 * non-test data). The best trial is chosen by the validation metric; only then, and only once,
 * is the chosen configuration evaluated on the test split. Budgeted successive halving lives in
 * experiment/autotune; {@link testOverSeeds} evaluates a chosen setting on test once per seed.
 */
import type { Dataset } from '../data/dataset.js';
import type { InteractionLog } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { createModel } from '../models/registry.js';
import { kFoldSplits, type Split } from '../splits/index.js';
import { Rng } from '../util/rng.js';
import { buildSplit, type ExperimentResult, type ModelResult, runExperiment } from './experiment.js';
import { type SeedSummary, summarize } from './seed-stats.js';

/** One parameter's values: a list (grid values, or uniform choices) or a distribution (random search). */
export type ParamDomain =
  | readonly unknown[]
  | { readonly log: readonly [number, number] }
  | { readonly int: readonly [number, number] }
  | { readonly uniform: readonly [number, number] };

/** Parameter name -> domain, e.g. `{ "k": [20, 50], "lr": { "log": [1e-4, 1e-2] } }`. */
export type SearchSpace = Record<string, ParamDomain>;

/** Options of {@link tune}. */
export interface TuneOptions {
  /** Registry name of the model. */
  model: string;
  space: SearchSpace;
  /** Default "grid". */
  search?: 'grid' | 'random';
  /** Random search: number of draws (default 10). Grid: run a seeded subset of this many points. */
  trials?: number;
  /** Seed of the draws, the split and the models (default 42). */
  seed?: number;
  /** Split spec (as in runExperiment). */
  split?: string;
  /** K >= 2: score each trial by K-fold cross-validation on the non-test data (mean over folds). */
  folds?: number;
  /** Validation metric to maximise (default "recall@20"). */
  metric?: string;
  patience?: number;
  maxEpochs?: number;
  workers?: number;
  maskValid?: boolean;
  /** Largest grid run without `trials` (default 256). */
  maxGrid?: number;
  /** Evaluate the chosen configuration on test (default true). */
  evaluateTest?: boolean;
  /** Called after each trial. */
  onTrial?: (trial: TrialResult, done: number, total: number) => void;
}

/** One configuration's validation outcome. */
export interface TrialResult {
  /** 0-based position in run order. */
  index: number;
  params: Record<string, unknown>;
  /** Validation metrics at the best epoch (mean over folds with `folds`). */
  valid: Record<string, number>;
  /** valid[metric]. */
  score: number;
  /** Best-validation epoch (mean over folds, rounded). */
  bestEpoch: number;
  epochs: number;
  /** Wall seconds of the trial (training and validation). */
  seconds: number;
  /** Per-fold scores with `folds`. */
  foldScores?: number[];
}

/** What {@link tune} found. */
export interface TuneResult {
  model: string;
  metric: string;
  search: 'grid' | 'random';
  seed: number;
  folds?: number;
  dataset: ExperimentResult['dataset'];
  /** In run order. */
  trials: TrialResult[];
  /** The trial with the highest validation metric (ties: the earlier). */
  best: TrialResult;
  /** The chosen configuration's test result, from one final run (absent with evaluateTest false). */
  test?: Omit<ModelResult, 'perUser' | 'testUsers' | 'history'> & { seconds: number };
  /** How many times the test split was evaluated for this search: 0 or 1. */
  testEvaluations: number;
}

const FORMS = 'a list of values, { "log": [lo, hi] }, { "int": [lo, hi] } or { "uniform": [lo, hi] }';

function bounds(name: string, kind: string, v: unknown, check: (lo: number, hi: number) => boolean) {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidArgumentError(`search space "${name}": "${kind}" expects [lo, hi] numbers`);
  }
  if (!check(v[0], v[1]))
    throw new InvalidArgumentError(`search space "${name}": bad ${kind} bounds [${v.join(', ')}]`);
}

/** Validates a search space parsed from JSON (throws InvalidArgumentError naming the bad key). */
export function parseSearchSpace(raw: unknown): SearchSpace {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(`search space must be a JSON object of param -> ${FORMS}`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw new InvalidArgumentError('search space is empty');
  for (const [name, d] of entries) {
    if (Array.isArray(d)) {
      if (d.length === 0) throw new InvalidArgumentError(`search space "${name}": empty list`);
      continue;
    }
    const keys = typeof d === 'object' && d !== null ? Object.keys(d) : [];
    const kind = keys[0];
    if (keys.length !== 1 || (kind !== 'log' && kind !== 'int' && kind !== 'uniform')) {
      throw new InvalidArgumentError(`search space "${name}": expected ${FORMS}, got ${JSON.stringify(d)}`);
    }
    const v = (d as Record<string, unknown>)[kind];
    if (kind === 'log') bounds(name, kind, v, (lo, hi) => lo > 0 && lo <= hi);
    else if (kind === 'int')
      bounds(name, kind, v, (lo, hi) => Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi);
    else bounds(name, kind, v, (lo, hi) => lo <= hi);
  }
  return raw as SearchSpace;
}

/** Number of points of a grid space (every domain a list). */
export function gridSize(space: SearchSpace): number {
  return Object.entries(space).reduce((n, [name, d]) => {
    if (!Array.isArray(d)) {
      throw new InvalidArgumentError(
        `grid search needs a list of values for "${name}", got a distribution; use random search`,
      );
    }
    return n * d.length;
  }, 1);
}

/** Grid point `index` (the last parameter varies fastest). */
function gridPoint(space: SearchSpace, index: number): Record<string, unknown> {
  const names = Object.keys(space);
  const out: Record<string, unknown> = {};
  for (let p = names.length - 1; p >= 0; p--) {
    const values = space[names[p]!] as readonly unknown[];
    out[names[p]!] = values[index % values.length];
    index = Math.floor(index / values.length);
  }
  return Object.fromEntries(names.map((n) => [n, out[n]]));
}

function draw(rng: Rng, d: ParamDomain): unknown {
  if (Array.isArray(d)) return d[rng.int(d.length)];
  if ('log' in d)
    return Math.exp(Math.log(d.log[0]) + rng.next() * (Math.log(d.log[1]) - Math.log(d.log[0])));
  if ('int' in d) return d.int[0] + rng.int(d.int[1] - d.int[0] + 1);
  const u = (d as { uniform: readonly [number, number] }).uniform;
  return u[0] + rng.next() * (u[1] - u[0]);
}

/** The parameter sets a search runs, in run order (same seed, same sets). */
export function trialParams(
  space: SearchSpace,
  search: 'grid' | 'random',
  options: { trials?: number; seed?: number; maxGrid?: number } = {},
): Record<string, unknown>[] {
  const seed = options.seed ?? 42;
  const trials = options.trials;
  if (trials !== undefined && (!Number.isInteger(trials) || trials < 1)) {
    throw new InvalidArgumentError(`trials must be an integer >= 1, got ${trials}`);
  }
  const rng = new Rng(seed);
  if (search === 'random') {
    const names = Object.keys(space);
    return Array.from({ length: trials ?? 10 }, () =>
      Object.fromEntries(names.map((n) => [n, draw(rng, space[n]!)])),
    );
  }
  if (search !== 'grid') throw new InvalidArgumentError(`search must be "grid" or "random", got "${search}"`);
  const size = gridSize(space);
  const maxGrid = options.maxGrid ?? 256;
  if (trials === undefined && size > maxGrid) {
    throw new InvalidArgumentError(
      `the grid has ${size} points, more than the cap of ${maxGrid}; pass trials (--trials N) to run a ` +
        'seeded subset of it, or use random search',
    );
  }
  const all = Array.from({ length: size }, (_, i) => i);
  const picks = trials !== undefined && trials < size ? rng.shuffle(all).slice(0, trials) : all;
  return picks.sort((a, b) => a - b).map((i) => gridPoint(space, i));
}

/** The non-test interactions of `outer`, dealt into K folds; fold f validates on part f. */
function foldDatasets(ds: Dataset, outer: Split, seed: number, k: number): Dataset[] {
  const parts = [outer.train, outer.valid];
  const n = parts.reduce((s, m) => s + m.nnz, 0);
  const log = {
    length: n,
    users: new Int32Array(n),
    items: new Int32Array(n),
    values: new Float32Array(n),
    timestamps: new Float64Array(n),
  } satisfies InteractionLog;
  let r = 0;
  for (const m of parts) {
    for (let u = 0; u < m.nUsers; u++) {
      for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++, r++) {
        log.users[r] = u;
        log.items[r] = m.indices[p]!;
        log.values[r] = m.values[p]!;
        log.timestamps[r] = m.timestamps[p]!;
      }
    }
  }
  const folds = kFoldSplits(log, ds.users.size, ds.items.size, { k, seed, validRatio: 0 });
  return folds.map((f) => {
    const labels = new Int8Array(n);
    for (let q = 0; q < n; q++) labels[q] = f.test.has(log.users[q]!, log.items[q]!) ? 1 : 0;
    return { ...ds, log: { ...log, labels } };
  });
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Runs the search: every trial on validation only (runExperiment with evaluateTest false), the
 * best by `metric`, then one final run of the best configuration on the full split with test.
 */
export async function tune(ds: Dataset, options: TuneOptions): Promise<TuneResult> {
  const search = options.search ?? 'grid';
  const seed = options.seed ?? 42;
  const metric = options.metric ?? 'recall@20';
  const points = trialParams(options.space, search, options);
  for (const p of points) createModel(options.model, p); // bad names or values fail before training
  const folds = options.folds;
  if (folds !== undefined && (!Number.isInteger(folds) || folds < 2 || folds > 255)) {
    throw new InvalidArgumentError(`folds must be an integer from 2 to 255, got ${folds}`);
  }
  const outer = buildSplit(ds, options.split, seed);
  const runs = folds
    ? foldDatasets(ds, outer, seed, folds).map((f) => ({ ds: f, split: 'predefined' }))
    : [{ ds, split: options.split }];
  const { patience, maxEpochs, workers, maskValid } = options;
  const common = { seed, validMetric: metric, patience, maxEpochs, workers, maskValid };
  const trials: TrialResult[] = [];
  for (const [index, params] of points.entries()) {
    const t0 = performance.now();
    const results: ModelResult[] = [];
    for (const run of runs) {
      const models = [{ name: options.model, params, label: `trial ${index}` }];
      const r = await runExperiment(run.ds, { ...common, models, split: run.split, evaluateTest: false });
      results.push(r.results[0]!);
    }
    const keys = Object.keys(results[0]!.validMetrics);
    const valid = Object.fromEntries(keys.map((k) => [k, mean(results.map((x) => x.validMetrics[k] ?? 0))]));
    const trial: TrialResult = {
      index,
      params,
      valid,
      score: valid[metric] ?? Number.NaN,
      bestEpoch: Math.round(mean(results.map((x) => x.bestEpoch))),
      epochs: Math.round(mean(results.map((x) => x.epochs))),
      seconds: (performance.now() - t0) / 1000,
      ...(folds ? { foldScores: results.map((x) => x.validMetrics[metric] ?? Number.NaN) } : {}),
    };
    trials.push(trial);
    options.onTrial?.(trial, index + 1, points.length);
  }
  const best = trials.reduce((b, t) => (t.score > b.score ? t : b), trials[0]!);
  let test: TuneResult['test'];
  if (options.evaluateTest !== false) {
    const t0 = performance.now();
    const models = [{ name: options.model, params: best.params, label: 'best' }];
    const r = await runExperiment(ds, { ...common, models, split: options.split, evaluateTest: true });
    const { perUser: _p, testUsers: _u, history: _h, ...rest } = r.results[0]!;
    test = { ...rest, seconds: (performance.now() - t0) / 1000 };
  }
  const dataset = {
    name: ds.name,
    source: ds.source,
    users: ds.users.size,
    items: ds.items.size,
    train: outer.train.nnz,
    valid: outer.valid.nnz,
    test: outer.test.nnz,
    split: outer.method,
    testUsers: outer.test.activeUsers().length,
  };
  const head = { model: options.model, metric, search, seed, ...(folds ? { folds } : {}) };
  return {
    ...head,
    dataset,
    trials,
    best,
    ...(test ? { test, testEvaluations: 1 } : { testEvaluations: 0 }),
  };
}

/**
 * `ds` with `split` as its predefined split (labels 0 train, 1 valid, 2 test; rows in CSR order),
 * so that runs with other seeds keep the split the choice was made on and vary only the models'
 * initialisation and sampling.
 */
export function pinSplit(ds: Dataset, split: Split): Dataset {
  const parts = [split.train, split.valid, split.test];
  const n = parts.reduce((s, m) => s + m.nnz, 0);
  const log = {
    length: n,
    users: new Int32Array(n),
    items: new Int32Array(n),
    values: new Float32Array(n),
    timestamps: new Float64Array(n),
    labels: new Int8Array(n),
  } satisfies InteractionLog;
  let r = 0;
  for (const [label, m] of parts.entries()) {
    for (let u = 0; u < m.nUsers; u++) {
      for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++, r++) {
        log.users[r] = u;
        log.items[r] = m.indices[p]!;
        log.values[r] = m.values[p]!;
        log.timestamps[r] = m.timestamps[p]!;
        log.labels[r] = label;
      }
    }
  }
  return { ...ds, log };
}

/** Options of {@link testOverSeeds}. */
export interface SeedTestOptions {
  model: string;
  /** The chosen setting. */
  params: Record<string, unknown>;
  seeds: readonly number[];
  /** Split spec and the seed it is drawn with (the tuning seed): every seed uses this one split. */
  split?: string;
  splitSeed?: number;
  patience?: number;
  maxEpochs?: number;
  workers?: number;
  maskValid?: boolean;
  /** Validation metric of early stopping (default "recall@20"). */
  metric?: string;
  /** Called after each seed's run. */
  onSeed?: (seed: number, result: Omit<ModelResult, 'perUser' | 'testUsers' | 'history'>) => void;
}

/** Test figures of one setting over seeds. */
export interface SeedTestResult {
  seeds: number[];
  /** Per seed, in `seeds` order: test metrics at the best-validation epoch. */
  runs: Array<{
    seed: number;
    metrics: Record<string, number>;
    valid: Record<string, number>;
    bestEpoch: number;
  }>;
  /** Test metric -> mean, std, 95% t-interval over the seeds. */
  summary: Record<string, SeedSummary>;
  /** Validation metric -> summary over the seeds. */
  validSummary: Record<string, SeedSummary>;
}

/**
 * Trains the chosen setting once per seed on one split (the tuning seed's; see {@link pinSplit})
 * with early stopping on validation and evaluates test at the best-validation epoch: one test
 * evaluation per seed, after the choice.
 */
export async function testOverSeeds(ds: Dataset, options: SeedTestOptions): Promise<SeedTestResult> {
  if (options.seeds.length === 0) throw new InvalidArgumentError('testOverSeeds needs at least one seed');
  createModel(options.model, options.params);
  const pinned = pinSplit(ds, buildSplit(ds, options.split, options.splitSeed ?? 42));
  const runs: SeedTestResult['runs'] = [];
  for (const seed of options.seeds) {
    const r = await runExperiment(pinned, {
      models: [{ name: options.model, params: options.params }],
      seed,
      split: 'predefined',
      ...(options.patience !== undefined ? { patience: options.patience } : {}),
      ...(options.maxEpochs !== undefined ? { maxEpochs: options.maxEpochs } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.maskValid !== undefined ? { maskValid: options.maskValid } : {}),
      ...(options.metric !== undefined ? { validMetric: options.metric } : {}),
    });
    const { perUser: _p, testUsers: _u, history: _h, ...rest } = r.results[0]!;
    runs.push({ seed, metrics: rest.metrics, valid: rest.validMetrics, bestEpoch: rest.bestEpoch });
    options.onSeed?.(seed, rest);
  }
  const over = (pick: (x: SeedTestResult['runs'][number]) => Record<string, number>) =>
    Object.fromEntries(
      Object.keys(pick(runs[0]!))
        .filter((k) => runs.every((x) => Number.isFinite(pick(x)[k])))
        .map((k) => [k, summarize(runs.map((x) => pick(x)[k]!))]),
    );
  return {
    seeds: [...options.seeds],
    runs,
    summary: over((x) => x.metrics),
    validSummary: over((x) => x.valid),
  };
}
