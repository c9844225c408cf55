/**
 * @module serve/train/train
 * Trains a model on the store's content and stores it as a new model version.
 *
 * 1. The dataset is read from the store (positive feedback by the rules: the request's, else the
 *    store's, else every event) with the stored item vectors as modalities.
 * 2. With `tuneBudgetSeconds`, experiment/autotune first searches the model's default space (the
 *    given params stay fixed) by successive halving on the validation part of that same split,
 *    within the budget; the chosen setting replaces the params, and the report keeps it with the
 *    budget and the seconds used (`report.tuning`). Test is not looked at while tuning.
 * 3. The experiment runner (src/experiment) trains on a random 8:1:1 split with early stopping on
 *    validation Recall@20 and evaluates test at K = 5, 10, 20, 50 at the best epoch: that is the
 *    version's report.
 * 4. With `refit` (default), the model is then trained afresh on all positive feedback for the best
 *    epoch count, so the served model has seen every interaction (the report's figures describe
 *    the same recipe on the held-out split).
 * 5. The artifact (Recommender.save) is stored as blobs with the id maps, the report and the
 *    headline metrics; optionally activated.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interactions } from '../../data/interactions.js';
import { InvalidArgumentError, NotSupportedError } from '../../errors.js';
import { autoTune } from '../../experiment/autotune.js';
import { buildSplit, runExperiment } from '../../experiment/experiment.js';
import { parsePositiveRules } from '../../io/positive.js';
import { createModel, getModel } from '../../models/registry.js';
import type { Store } from '../../store/types.js';
import { interactionsFingerprint } from '../../util/fingerprint.js';
import { META } from '../content/encoders.js';
import { datasetFromStore } from './dataset.js';

export interface TrainSpec {
  model: string;
  params?: Record<string, unknown>;
  /** Upper bound on epochs (default 200). */
  epochs?: number;
  /** Early-stopping patience in epochs (default 10). */
  patience?: number;
  /** Positive feedback rules (default: the store's, else every event). */
  positive?: string[];
  seed?: number;
  /** Train again on all data for the best epoch count (default true). */
  refit?: boolean;
  /** Mark the new version active in the store (default false; the server swaps it itself). */
  activate?: boolean;
  /** Auto-tune on validation within this many seconds before the final fit (experiment/autotune). */
  tuneBudgetSeconds?: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  seconds: number;
  valid: Record<string, number>;
}

export interface TrainProgress {
  /** 'tune': the budgeted search (valid: the best validation score so far). */
  phase: 'load' | 'tune' | 'train' | 'refit' | 'save';
  epoch?: number;
  maxEpochs?: number;
  loss?: number;
  valid?: number;
}

export interface TrainOutcome {
  version: number;
  /** Server time (ms) the training data was read at. */
  dataTime: number;
  report: Record<string, unknown>;
  metrics: Record<string, number>;
}

const TEST_KS = [5, 10, 20, 50];

/** Keeps the metrics at the reported cut-offs (and cut-off-free ones like AUC). */
function reportMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) {
    const at = /@(\d+)$/.exec(k);
    if (!at || TEST_KS.includes(Number(at[1]))) out[k] = v;
  }
  return out;
}

export async function trainVersion(
  store: Store,
  spec: TrainSpec,
  onProgress?: (p: TrainProgress) => void,
): Promise<TrainOutcome> {
  const entry = getModel(spec.model);
  const positive = spec.positive ?? (await store.getMeta<string[]>(META.positive)) ?? [];
  const rules = parsePositiveRules(positive);
  const seed = spec.seed ?? 42;
  const maxEpochs = spec.epochs ?? 200;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) {
    throw new InvalidArgumentError(`epochs must be a positive integer, got ${spec.epochs}`);
  }
  onProgress?.({ phase: 'load' });
  const { dataset: ds, dataTime } = await datasetFromStore(store, rules);
  if (ds.log.length === 0) {
    throw new InvalidArgumentError(
      `no positive feedback to train on (${ds.items.size} items; positive rules: ${positive.join(', ') || 'every event'})`,
    );
  }
  let params = spec.params ?? {};
  let tuning: Record<string, unknown> | undefined;
  if (spec.tuneBudgetSeconds !== undefined) {
    onProgress?.({ phase: 'tune' });
    let best = Number.NEGATIVE_INFINITY;
    const t = await autoTune(ds, {
      model: spec.model,
      budgetSeconds: spec.tuneBudgetSeconds,
      seed,
      params,
      patience: spec.patience ?? 10,
      maxEpochs,
      workers: 1,
      onTrial: (trial) => {
        best = Math.max(best, trial.score);
        onProgress?.({ phase: 'tune', valid: best });
      },
    });
    params = t.params;
    tuning = {
      search: t.search,
      metric: t.metric,
      budgetSeconds: t.budgetSeconds,
      usedSeconds: t.usedSeconds,
      params: t.params,
      fixed: spec.params ?? {},
      score: t.score,
      defaultsScore: t.defaultsScore,
      isDefault: t.isDefault,
      configs: t.configs,
      runs: t.trials.length,
      rungs: t.rungs,
    };
  }
  const t0 = performance.now();
  const epochs: EpochReport[] = [];
  const result = await runExperiment(ds, {
    models: [{ name: spec.model, params }],
    seed,
    maxEpochs,
    patience: spec.patience ?? 10,
    ks: TEST_KS,
    workers: 1,
    onEpoch: (_label, e) => {
      epochs.push({ epoch: e.epoch, loss: e.loss, seconds: e.trainSeconds, valid: { 'recall@20': e.valid } });
      onProgress?.({ phase: 'train', epoch: e.epoch, maxEpochs, loss: e.loss, valid: e.valid });
    },
  });
  const r = result.results[0]!;
  const trainSeconds = (performance.now() - t0) / 1000;
  const model = createModel(spec.model, params);
  const refit = spec.refit ?? true;
  const all = Interactions.fromLog(ds.log, ds.users.size, ds.items.size);
  const t1 = performance.now();
  const refitEpochs = entry.iterative ? Math.max(1, r.bestEpoch) : 1;
  if (refit) {
    await model.fit(
      { train: all, modalities: ds.modalities, fingerprint: interactionsFingerprint(ds.name, all) },
      {
        seed,
        maxEpochs: refitEpochs,
        onEpochEnd: (info) => {
          onProgress?.({ phase: 'refit', epoch: info.epoch, maxEpochs: refitEpochs, loss: info.loss });
          return 'continue';
        },
      },
    );
  } else {
    // without refit: the same recipe on the training part only, stopped at the best epoch
    const split = buildSplit(ds, undefined, seed);
    await model.fit(
      {
        train: split.train,
        modalities: ds.modalities,
        fingerprint: interactionsFingerprint(ds.name, split.train),
      },
      { seed, maxEpochs: refitEpochs },
    );
  }
  const refitSeconds = (performance.now() - t1) / 1000;
  onProgress?.({ phase: 'save' });
  const metrics = reportMetrics(r.metrics);
  const report: Record<string, unknown> = {
    model: spec.model,
    params: { ...model.params },
    dataset: result.dataset,
    positive,
    seed,
    validMetric: 'recall@20',
    epochs,
    bestEpoch: r.bestEpoch,
    valid: reportMetrics(r.validMetrics),
    test: metrics,
    trainSeconds,
    ...(tuning ? { tuning } : {}),
    refit: refit ? { epochs: refitEpochs, seconds: refitSeconds, interactions: all.nnz } : null,
    dataTime,
  };
  const learned = model.describe?.() ?? {};
  const weights = (learned.modalityWeights ?? learned.meanAttention) as Record<string, number> | undefined;
  if (weights) report.modalityWeights = weights;
  if (Object.keys(learned).length > 0) report.learned = learned;
  if (model.scoringKernel?.().kind !== 'dot') {
    throw new NotSupportedError(
      `model "${spec.model}" cannot be served: it has no dot-product scoring kernel (servable: models with user and item vectors, e.g. bpr, lightgcn, vbpr, freedom, fusion, mf-rating); nothing was stored`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'fusionrec-train-'));
  try {
    await model.save(dir);
    const files = [];
    for (const name of (await readdir(dir)).sort())
      files.push({ name, data: await readFile(join(dir, name)) });
    const version = await store.addModelVersion({
      name: spec.model,
      params: { ...model.params },
      metrics,
      report,
      items: ds.items.ids(),
      users: ds.users.ids(),
      files,
    });
    if (spec.activate) {
      await store.activateModelVersion(version);
      await store.addAudit({
        actor: 'cli',
        action: 'model.activate',
        target: String(version),
        details: { by: 'train' },
      });
    }
    return { version, dataTime, report, metrics };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
