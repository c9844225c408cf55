/**
 * @module experiment/experiment
 * The experiment runner (Cornac's Experiment, MMRec's protocol): load a dataset, build or take
 * its split, train every model with early stopping on a validation metric, report test metrics
 * at the best-validation epoch, and compare models pairwise on the same users.
 */
import type { Dataset } from '../data/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import { evaluateSplit, type RankingEvalOptions, type RankingEvalResult } from '../eval/evaluator.js';
import { catalogCoverage, novelty } from '../eval/metrics/beyond.js';
import {
  activityGroups,
  contentVectors,
  type GroupAccuracy,
  groupAccuracy,
  listBiasFigures,
  type ProviderGroupStat,
  providerExposure,
  tailItems,
} from '../eval/metrics/bias.js';
import { compareModels } from '../eval/significance.js';
import { createModel, getModel } from '../models/registry.js';
import { makeSplit, parseSplitSpec } from '../splits/index.js';
import type { Split } from '../splits/split.js';
import { interactionsFingerprint } from '../util/fingerprint.js';

export interface ModelSpec {
  name: string;
  params?: Record<string, unknown>;
  /** Name shown in tables (default: the model name). */
  label?: string;
}

export interface ExperimentOptions {
  models: ModelSpec[];
  seed?: number;
  /** Split spec (see splits/parseSplitSpec); default: the dataset's own split, else random 8:1:1. */
  split?: string;
  /** Epochs without improvement of the validation metric before stopping (MMRec: 20). */
  patience?: number;
  maxEpochs?: number;
  ks?: number[];
  /** Metric key chosen on validation, default "recall@20". */
  validMetric?: string;
  /** Mask validation items when ranking for test (MMRec does not). */
  maskValid?: boolean;
  workers?: number;
  /**
   * Evaluate the test split at the best-validation epoch (default true). Hyper-parameter search
   * sets false, so that choices are made on validation only and test is never looked at.
   */
  evaluateTest?: boolean;
  /** On a cold-start split, rank only the held-out cold items (default: all items). */
  coldCandidates?: boolean;
  /** Wall-clock time (ms since the epoch) after which iterative models stop at the end of their epoch. */
  deadline?: number;
  /** Per-epoch callback for logs and progress. */
  onEpoch?: (model: string, info: EpochLog) => void;
  /** User attributes for accuracy per group: name -> label per user index (undefined: none). */
  userGroups?: Record<string, readonly (string | undefined)[]>;
  /** Item attributes for provider fairness: name -> label per item index (undefined: none). */
  itemGroups?: Record<string, readonly (string | undefined)[]>;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  trainSeconds: number;
  valid: number;
  improved: boolean;
}

export interface ModelResult {
  model: string;
  label: string;
  params: Record<string, unknown>;
  /** Test metrics at the best-validation epoch. */
  metrics: Record<string, number>;
  validMetrics: Record<string, number>;
  bestEpoch: number;
  epochs: number;
  trainSecondsPerEpoch: number;
  evalSeconds: number;
  history: EpochLog[];
  /** What the model learned at the best epoch that is worth reporting (e.g. modality weights). */
  learned?: Record<string, unknown>;
  /** Per-user test values at the best epoch (not written to JSON). */
  perUser?: Record<string, Float64Array>;
  testUsers?: Int32Array;
  /** Group figures on the test top 20 (absent when test is not evaluated). */
  fairness?: FairnessReport;
}

/** Accuracy per user group and exposure per item group, on the test top 20. */
export interface FairnessReport {
  /** The per-user metric the groups are compared on ("recall@20"). */
  metric: string;
  /** Users binned into thirds by their number of training interactions. */
  activity: GroupAccuracy;
  /** One entry per user attribute given in ExperimentOptions.userGroups. */
  userAttributes: Record<string, GroupAccuracy>;
  /**
   * Exposure share against relevance share (test positives) per item group: `popularity` (head =
   * the items holding 20% of training interactions, mid = the next 60%, tail = the rest), the
   * catalog's first `category` where there is a catalog, and ExperimentOptions.itemGroups.
   */
  providers: Record<string, ProviderGroupStat[]>;
}

export interface Comparison {
  baseline: string;
  model: string;
  metric: string;
  meanDiff: number;
  tTestP: number;
  wilcoxonP: number;
  ciLow: number;
  ciHigh: number;
}

export interface ExperimentResult {
  dataset: {
    name: string;
    source: string;
    users: number;
    items: number;
    train: number;
    valid: number;
    test: number;
    split: string;
    testUsers: number;
  };
  seed: number;
  results: ModelResult[];
  comparisons: Comparison[];
}

/** Builds the split an experiment uses. */
export function buildSplit(ds: Dataset, spec: string | undefined, seed: number): Split {
  const text = spec ?? (ds.log.labels ? 'predefined' : 'random:0.8,0.1,0.1');
  return makeSplit(parseSplitSpec(text, seed), ds.log, ds.users.size, ds.items.size);
}

export async function runExperiment(ds: Dataset, options: ExperimentOptions): Promise<ExperimentResult> {
  if (options.models.length === 0) throw new InvalidArgumentError('experiment needs at least one model');
  for (const m of options.models) getModel(m.name); // fail before any training on a bad name
  const seed = options.seed ?? 42;
  const split = buildSplit(ds, options.split, seed);
  const ks = options.ks ?? [10, 20];
  const validMetric = options.validMetric ?? 'recall@20';
  const evalOpts: RankingEvalOptions & { maskValid?: boolean; coldCandidates?: boolean } = {
    ks: [...new Set([...ks, 10, 20])].sort((a, b) => a - b),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.maskValid === undefined ? {} : { maskValid: options.maskValid }),
    ...(options.coldCandidates ? { coldCandidates: true } : {}),
  };
  const fp = interactionsFingerprint(ds.name, split.train);
  const results: ModelResult[] = [];
  for (const spec of options.models) {
    results.push(await runOne(ds, split, spec, { ...options, seed, validMetric, fingerprint: fp, evalOpts }));
  }
  const first = results[0]!;
  const comparisons: Comparison[] = [];
  for (const r of results.slice(1)) {
    for (const metric of [validMetric, 'ndcg@20']) {
      const a = r.perUser?.[metric];
      const b = first.perUser?.[metric];
      if (!a || !b || a.length < 2) continue;
      const c = compareModels(a, b, { seed });
      comparisons.push({
        baseline: first.label,
        model: r.label,
        metric,
        meanDiff: c.tTest.meanDiff,
        tTestP: c.tTest.pValue,
        wilcoxonP: c.wilcoxon.pValue,
        ciLow: c.bootstrap.low,
        ciHigh: c.bootstrap.high,
      });
    }
  }
  const testUsers = first.testUsers?.length ?? 0;
  return {
    dataset: {
      name: ds.name,
      source: ds.source,
      users: ds.users.size,
      items: ds.items.size,
      train: split.train.nnz,
      valid: split.valid.nnz,
      test: split.test.nnz,
      split: split.method,
      testUsers,
    },
    seed,
    results,
    comparisons,
  };
}

async function runOne(
  ds: Dataset,
  split: Split,
  spec: ModelSpec,
  o: ExperimentOptions & {
    seed: number;
    validMetric: string;
    fingerprint: string;
    evalOpts: RankingEvalOptions & { maskValid?: boolean; coldCandidates?: boolean };
  },
): Promise<ModelResult> {
  const label = spec.label ?? spec.name;
  const entry = getModel(spec.name);
  const model = createModel(spec.name, spec.params ?? {});
  const patience = o.patience ?? 20;
  const history: EpochLog[] = [];
  let best = Number.NEGATIVE_INFINITY;
  let bestEpoch = 0;
  let sinceBest = 0;
  let bestTest: RankingEvalResult | undefined;
  let bestValid: RankingEvalResult | undefined;
  let evalSeconds = 0;
  let learned: Record<string, unknown> | undefined;
  const report = await model.fit(
    { train: split.train, valid: split.valid, modalities: ds.modalities, fingerprint: o.fingerprint },
    {
      seed: o.seed,
      maxEpochs: o.maxEpochs ?? 1000,
      onEpochEnd: async (info) => {
        const valid = await evaluateSplit(model, split, 'valid', o.evalOpts);
        evalSeconds += valid.seconds;
        const v = valid.metrics[o.validMetric];
        if (v === undefined)
          throw new InvalidArgumentError(`validation metric "${o.validMetric}" is not computed`);
        const improved = v > best || bestValid === undefined;
        if (improved) {
          best = v;
          bestEpoch = info.epoch;
          sinceBest = 0;
          learned = model.describe?.();
          bestValid = valid;
          // Test is only needed where validation improves: it is reported at the best epoch.
          if (o.evaluateTest !== false) {
            bestTest = await evaluateSplit(model, split, 'test', o.evalOpts);
            evalSeconds += bestTest.seconds;
          } else {
            bestTest = valid;
          }
        } else {
          sinceBest++;
        }
        const log: EpochLog = {
          epoch: info.epoch,
          loss: info.loss,
          trainSeconds: info.seconds,
          valid: v,
          improved,
        };
        history.push(log);
        o.onEpoch?.(label, log);
        const late = o.deadline !== undefined && Date.now() > o.deadline;
        return entry.iterative && (sinceBest > patience || late) ? 'stop' : 'continue';
      },
    },
  );
  if (!bestTest || !bestValid) throw new InvalidArgumentError(`model "${spec.name}" reported no epoch`);
  const metrics =
    o.evaluateTest === false ? {} : { ...bestTest.metrics, ...beyondMetrics(bestTest, split, ds) };
  const fairness = o.evaluateTest === false ? undefined : fairnessReport(bestTest, split, ds, o);
  return {
    model: spec.name,
    label,
    params: { ...model.params },
    metrics,
    validMetrics: bestValid.metrics,
    bestEpoch,
    epochs: report.epochs,
    trainSecondsPerEpoch: report.epochs > 0 ? report.trainSeconds / report.epochs : 0,
    evalSeconds,
    history,
    ...(learned && Object.keys(learned).length > 0 ? { learned } : {}),
    perUser: bestTest.perUser,
    testUsers: bestTest.users,
    ...(fairness ? { fairness } : {}),
  };
}

function topLists(r: RankingEvalResult, k: number): Int32Array[] {
  const lists: Int32Array[] = [];
  for (let u = 0; u < r.users.length; u++) {
    const row = r.topLists.subarray(u * r.kMax, u * r.kMax + k);
    lists.push(row.filter((i) => i >= 0));
  }
  return lists;
}

/** Content vectors of a dataset for intra-list diversity, computed once per modality set. */
const vectorCache = new WeakMap<object, ReturnType<typeof contentVectors>>();
function datasetVectors(ds: Dataset): ReturnType<typeof contentVectors> {
  if (ds.modalities.length === 0) return undefined;
  const key = ds.modalities[0]!;
  let v = vectorCache.get(key);
  if (!v || v.dim !== ds.modalities.reduce((s, m) => s + m.dim, 0)) {
    v = contentVectors(ds.modalities, ds.items.size);
    vectorCache.set(key, v);
  }
  return v;
}

/**
 * Coverage and novelty, plus the bias figures of eval/metrics/bias (arp, poplift, gini,
 * top1share, longtail) at 10 and 20, and ild@20 over the content modalities when the dataset has some.
 */
function beyondMetrics(r: RankingEvalResult, split: Split, ds: Dataset): Record<string, number> {
  const pop = split.train.itemCounts();
  const tail = tailItems(pop);
  const vectors = datasetVectors(ds);
  const out: Record<string, number> = {};
  for (const k of [10, 20]) {
    if (k > r.kMax) continue;
    const lists = topLists(r, k);
    out[`coverage@${k}`] = catalogCoverage(lists, split.train.nItems);
    out[`novelty@${k}`] = novelty(lists, pop, split.train.nUsers);
    const f = listBiasFigures(lists, {
      nItems: split.train.nItems,
      nUsers: split.train.nUsers,
      itemPopularity: pop,
      tail,
      history: (u) => split.train.row(r.users[u]!),
      // ILD costs k²/2 dot products per user over the content dims: at 20 only.
      ...(vectors && k === 20 ? { vectors } : {}),
    });
    for (const key of ['arp', 'poplift', 'gini', 'top1share', 'longtail', 'ild']) {
      if (f[key] !== undefined) out[`${key}@${k}`] = f[key]!;
    }
  }
  return out;
}

/** Popularity band of every item: head (20% of training interactions), mid (next 60%), tail. */
export function popularityBands(pop: ArrayLike<number>): ('head' | 'mid' | 'tail')[] {
  const t20 = tailItems(pop, 0.2);
  const t80 = tailItems(pop, 0.8);
  return Array.from({ length: pop.length }, (_, i) => (!t20[i] ? 'head' : !t80[i] ? 'mid' : 'tail'));
}

function fairnessReport(
  r: RankingEvalResult,
  split: Split,
  ds: Dataset,
  o: ExperimentOptions,
): FairnessReport | undefined {
  const k = Math.min(20, r.kMax);
  const metric = `recall@${k}`;
  const values = r.perUser[metric];
  if (!values || r.users.length === 0) return undefined;
  const lists = topLists(r, k);
  const nItems = split.train.nItems;
  const activity = groupAccuracy(
    values,
    activityGroups(r.users, (u) => split.train.rowLength(u), 3),
  );
  const userAttributes: Record<string, GroupAccuracy> = {};
  for (const [name, labels] of Object.entries(o.userGroups ?? {})) {
    userAttributes[name] = groupAccuracy(
      values,
      Array.from(r.users, (u) => labels[u]),
    );
  }
  const relevant = (x: number) => split.test.row(r.users[x]!);
  const bands = popularityBands(split.train.itemCounts());
  const providers: Record<string, ProviderGroupStat[]> = {
    popularity: providerExposure(lists, relevant, (i) => bands[i], nItems),
  };
  if (ds.catalog) {
    const cat = ds.catalog;
    providers.category = providerExposure(lists, relevant, (i) => cat[i]?.categories[0], nItems);
  }
  for (const [name, labels] of Object.entries(o.itemGroups ?? {})) {
    providers[name] = providerExposure(lists, relevant, (i) => labels[i], nItems);
  }
  return { metric, activity, userAttributes, providers };
}

/** The JSON form of a result (per-user arrays dropped). */
export function resultToJson(r: ExperimentResult): unknown {
  return {
    ...r,
    results: r.results.map(({ perUser: _p, testUsers: _t, ...rest }) => rest),
  };
}
