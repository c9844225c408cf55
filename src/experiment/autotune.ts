/**
 * @module experiment/autotune
 * Budgeted automatic tuning on the validation split only: successive halving over the model's
 * default search space (experiment/spaces), bounded by a wall-clock budget.
 *
 * Iterative models:
 * 1. A probe trains the shipped defaults for 2 epochs (a first measure of an epoch's cost).
 * 2. Half of the budget goes to successive-halving brackets. Each bracket is planned from the
 *    median measured cost of an epoch (training plus validation) and of a trial's set-up: the most
 *    halvings K (up to 4) for which n = eta^K configurations can each get at least 3 epochs in
 *    rung 0. Configuration 0 is the shipped defaults (first bracket), the others seeded draws from
 *    the space. Rung k trains the n / eta^k best of rung k-1 from scratch for r0·eta^k epochs
 *    (early stopping still applies); every rung costs about n·r0 epochs, and rung K-1 leaves one
 *    winner. When a bracket ends with a third or more of the halving time left (epochs were
 *    cheaper than measured, or early stopping cut them), another bracket runs on new draws.
 * 3. The final rung trains the best bracket winner and, when it is not the defaults, the defaults
 *    with the full protocol (early stopping with `patience`, up to `maxEpochs`), each with an
 *    equal share of the time left. The winner replaces the defaults only when its validation score
 *    is higher and the defaults' run settled (ended by itself, or cut at least patience/2 epochs
 *    after its best epoch); otherwise the defaults are kept. So the chosen setting's validation
 *    score is never below the defaults' at the fidelity they were compared at (same seed, same
 *    split: training is deterministic), and a budget too small to train the defaults to a plateau
 *    keeps the defaults rather than a setting that merely converges faster.
 * Non-iterative models (popularity, itemknn) run a small grid in full, defaults first, until the
 * budget ends.
 *
 * The test split is never evaluated here (runExperiment with evaluateTest false): callers fit the
 * chosen setting afterwards and evaluate test once.
 */
import type { Dataset } from '../data/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import { createModel, getModel } from '../models/registry.js';
import { runExperiment } from './experiment.js';
import { defaultSpace, withoutFixed } from './spaces.js';
import { type SearchSpace, trialParams } from './tune.js';

/** Options of {@link autoTune}. */
export interface AutoTuneOptions {
  /** Registry name of the model. */
  model: string;
  /** Wall-clock seconds the search may take (> 0). It ends at an epoch end, so it may overrun by one epoch. */
  budgetSeconds: number;
  /** Seed of the draws, the split and the models (default 42). */
  seed?: number;
  /** Split spec (as in runExperiment). */
  split?: string;
  /** Validation metric to maximise (default "recall@20"). */
  metric?: string;
  /** Evaluation worker threads. */
  workers?: number;
  /** Called after each trial with the trials done so far and the number planned. */
  onTrial?: (trial: AutoTuneTrial, done: number, planned: number) => void;
  /** Parameters fixed by the caller: part of every configuration, never searched. */
  params?: Record<string, unknown>;
  /** Search space (default: experiment/spaces defaultSpace of the model). */
  space?: SearchSpace;
  /** Halving rate (default 3): each rung keeps the best 1/eta and trains eta times longer. */
  eta?: number;
  /** Early-stopping patience of every trial (default 20). */
  patience?: number;
  /** Epoch bound of the final rung (default 1000). */
  maxEpochs?: number;
  maskValid?: boolean;
}

/** One training run of one configuration. */
export interface AutoTuneTrial {
  /** 0-based position in run order. */
  index: number;
  /** Configuration id: 0 is the shipped defaults (plus the fixed params). */
  config: number;
  stage: 'probe' | 'halving' | 'final' | 'grid';
  /** Successive-halving bracket (0 outside the halving stage). */
  bracket: number;
  /** Rung within the bracket (0 outside the halving stage). */
  rung: number;
  params: Record<string, unknown>;
  /** Epoch bound of this run. */
  maxEpochs: number;
  epochs: number;
  bestEpoch: number;
  /** Validation metrics at the best epoch. */
  valid: Record<string, number>;
  /** valid[metric]. */
  score: number;
  seconds: number;
  /** Seconds per epoch of training plus validation. */
  epochSeconds: number;
  /** Whether the budget stopped it before its epoch bound or early stopping. */
  cut: boolean;
}

/** One rung of the search. */
export interface AutoTuneRung {
  stage: 'halving' | 'final' | 'grid';
  bracket: number;
  rung: number;
  /** Epoch bound of its trials (the final rung: maxEpochs with early stopping). */
  maxEpochs: number;
  /** Configurations it was to train. */
  configs: number[];
  /** How many of them ran. */
  ran: number;
  seconds: number;
}

/** What {@link autoTune} chose. */
export interface AutoTuneResult {
  model: string;
  metric: string;
  seed: number;
  search: 'halving' | 'grid';
  /** The chosen setting: the fixed params and the searched ones (pass to createModel). */
  params: Record<string, unknown>;
  /** Its validation score at the highest-fidelity run it had (the final rung unless the budget ended first). */
  score: number;
  /** Its best-validation epoch in that run. */
  bestEpoch: number;
  /** The defaults' validation score at the same fidelity (NaN when the budget ended before). */
  defaultsScore: number;
  /** Whether the chosen setting is the defaults. */
  isDefault: boolean;
  budgetSeconds: number;
  usedSeconds: number;
  /** Configurations drawn (defaults included). */
  configs: number;
  trials: AutoTuneTrial[];
  rungs: AutoTuneRung[];
}

/** Rounds continuous draws to 3 significant digits (readable settings, same search). */
function roundDraw(v: unknown): unknown {
  return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : v;
}

/** The modality names the model will use: its fixed `modalities` list, else all of the dataset's. */
function usedModalities(ds: Dataset, fixed: Record<string, unknown>): string[] {
  const m = fixed.modalities;
  if (typeof m === 'string' && m.trim() !== 'all') return m.split(',').map((s) => s.trim());
  return ds.modalities.map((x) => x.name);
}

/** Plan of the halving rungs for a budget, given measured costs (exported for tests). */
export function planHalving(
  budget: number,
  epochSeconds: number,
  setupSeconds: number,
  eta: number,
): { halvings: number; configs: number; r0: number } {
  for (let k = 4; k >= 1; k--) {
    const n = eta ** k;
    let trials = 0;
    for (let j = 0; j < k; j++) trials += Math.ceil(n / eta ** j);
    const r0 = Math.floor((budget - trials * setupSeconds) / (k * n * Math.max(epochSeconds, 1e-6)));
    if (r0 >= 3) return { halvings: k, configs: n, r0 };
  }
  const n = eta;
  const r0 = Math.max(1, Math.floor((budget - n * setupSeconds) / (n * Math.max(epochSeconds, 1e-6))));
  return { halvings: 1, configs: n, r0 };
}

const byScore = (a: AutoTuneTrial, b: AutoTuneTrial): number =>
  b.score - a.score || a.config - b.config || a.index - b.index;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Median cost of an epoch and of a trial's set-up, from the trials after the probe (else the probe). */
function measuredCosts(trials: readonly AutoTuneTrial[]): { epoch: number; setup: number } {
  const later = trials.filter((t) => t.stage !== 'probe');
  const use = later.length > 0 ? later : trials;
  return {
    epoch: median(use.map((t) => t.epochSeconds)),
    setup: median(use.map((t) => Math.max(0, t.seconds - t.epochs * t.epochSeconds))),
  };
}

/**
 * Tunes `options.model` on the validation split of `ds` within `options.budgetSeconds` (see the
 * module comment). Throws InvalidArgumentError for a bad budget, model or fixed params before
 * any training.
 */
export async function autoTune(ds: Dataset, options: AutoTuneOptions): Promise<AutoTuneResult> {
  const budget = options.budgetSeconds;
  if (!(Number.isFinite(budget) && budget > 0)) {
    throw new InvalidArgumentError(`the tuning budget must be a number of seconds > 0, got ${budget}`);
  }
  const eta = options.eta ?? 3;
  if (!(Number.isInteger(eta) && eta >= 2))
    throw new InvalidArgumentError(`eta must be an integer >= 2, got ${eta}`);
  const entry = getModel(options.model);
  const seed = options.seed ?? 42;
  const metric = options.metric ?? 'recall@20';
  const patience = options.patience ?? 20;
  const finalEpochs = options.maxEpochs ?? 1000;
  const fixed = { ...(options.params ?? {}) };
  createModel(options.model, fixed); // bad fixed params fail before training
  const space = withoutFixed(
    options.space ?? defaultSpace(options.model, { modalities: usedModalities(ds, fixed) }),
    fixed,
  );
  const searched = Object.keys(space).length > 0;
  const t0 = performance.now();
  const startMs = Date.now();
  const end = startMs + budget * 1000;
  const trials: AutoTuneTrial[] = [];
  const rungs: AutoTuneRung[] = [];
  const configs: Record<string, unknown>[] = [fixed];
  let planned = 1;
  const common = {
    seed,
    validMetric: metric,
    patience,
    evaluateTest: false,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maskValid !== undefined ? { maskValid: options.maskValid } : {}),
    ...(options.split !== undefined ? { split: options.split } : {}),
  };

  const run = async (
    config: number,
    at: Pick<AutoTuneTrial, 'stage' | 'bracket' | 'rung' | 'maxEpochs'>,
    deadline: number,
  ): Promise<AutoTuneTrial> => {
    const t = performance.now();
    const params = configs[config]!;
    const models = [{ name: options.model, params, label: `config ${config}` }];
    const r = (await runExperiment(ds, { ...common, models, maxEpochs: at.maxEpochs, deadline })).results[0]!;
    const score = r.validMetrics[metric];
    if (score === undefined) throw new InvalidArgumentError(`validation metric "${metric}" is not computed`);
    const stoppedEarly = r.epochs - r.bestEpoch > patience;
    const trial: AutoTuneTrial = {
      index: trials.length,
      config,
      ...at,
      params,
      epochs: r.epochs,
      bestEpoch: r.bestEpoch,
      valid: r.validMetrics,
      score,
      seconds: (performance.now() - t) / 1000,
      epochSeconds: r.trainSecondsPerEpoch + r.evalSeconds / Math.max(1, r.epochs),
      cut: entry.iterative && r.epochs < at.maxEpochs && !stoppedEarly,
    };
    trials.push(trial);
    options.onTrial?.(trial, trials.length, Math.max(planned, trials.length));
    return trial;
  };

  const finish = (chosen: AutoTuneTrial, search: 'halving' | 'grid'): AutoTuneResult => {
    const defaults = trials.find((x) => x.config === 0 && x.stage === chosen.stage && x.rung === chosen.rung);
    return {
      model: options.model,
      metric,
      seed,
      search,
      params: chosen.params,
      score: chosen.score,
      bestEpoch: chosen.bestEpoch,
      defaultsScore: defaults?.score ?? Number.NaN,
      isDefault: chosen.config === 0,
      budgetSeconds: budget,
      usedSeconds: (performance.now() - t0) / 1000,
      configs: new Set(trials.map((t) => t.config)).size,
      trials,
      rungs,
    };
  };

  if (!entry.iterative) {
    // A small grid, run in full: the defaults first, then every point not equal to them.
    const key = (p: Record<string, unknown>) => JSON.stringify(createModel(options.model, p).params);
    const seen = new Set([key(fixed)]);
    for (const p of searched ? trialParams(space, 'grid', { maxGrid: 64 }) : []) {
      const full = { ...fixed, ...p };
      if (!seen.has(key(full))) {
        seen.add(key(full));
        configs.push(full);
      }
    }
    planned = configs.length;
    const rung: AutoTuneRung = {
      stage: 'grid',
      bracket: 0,
      rung: 0,
      maxEpochs: 1,
      configs: [],
      ran: 0,
      seconds: 0,
    };
    rungs.push(rung);
    const t = performance.now();
    for (let c = 0; c < configs.length && (c === 0 || Date.now() < end); c++) {
      rung.configs.push(c);
      await run(c, { stage: 'grid', bracket: 0, rung: 0, maxEpochs: 1 }, end);
    }
    rung.ran = trials.length;
    rung.seconds = (performance.now() - t) / 1000;
    return finish([...trials].sort(byScore)[0]!, 'grid');
  }

  // 1. The probe: the defaults for 2 epochs.
  await run(0, { stage: 'probe', bracket: 0, rung: 0, maxEpochs: 2 }, end);
  // 2. Successive-halving brackets within half of the budget.
  const shStart = Date.now();
  const shEnd = Math.max(shStart, startMs + (budget * 1000) / 2);
  const draws = searched ? trialParams(space, 'random', { trials: 1000, seed }) : [];
  const winners: AutoTuneTrial[] = [];
  for (let bracket = 0; searched; bracket++) {
    const remaining = (shEnd - Date.now()) / 1000;
    if (bracket > 0 && remaining < (0.3 * (shEnd - shStart)) / 1000) break;
    const cost = measuredCosts(trials);
    const plan = planHalving(remaining, cost.epoch, cost.setup, eta);
    const ids = bracket === 0 ? [0] : [];
    while (ids.length < plan.configs && configs.length - 1 < draws.length) {
      const d = draws[configs.length - 1]!;
      configs.push({ ...fixed, ...Object.fromEntries(Object.entries(d).map(([k, v]) => [k, roundDraw(v)])) });
      ids.push(configs.length - 1);
    }
    if (ids.length < 2) break; // the draws are used up
    for (const c of ids) createModel(options.model, configs[c]!); // a bad space fails before training
    for (let k = 0; k < plan.halvings; k++) planned += Math.ceil(plan.configs / eta ** k);
    const out = await halving(bracket, ids, plan.r0);
    if (out.winner) winners.push(out.winner);
    if (!out.complete) break;
  }

  /** One bracket: the winner is the best of the highest rung where every configuration ran uncut. */
  async function halving(
    bracket: number,
    ids: number[],
    r0: number,
  ): Promise<{ winner: AutoTuneTrial | undefined; complete: boolean }> {
    let alive = ids;
    let winner: AutoTuneTrial | undefined;
    for (let k = 0; alive.length > 1 || k === 0; k++) {
      if (k > 0 && Date.now() >= shEnd) return { winner, complete: false };
      const maxEpochs = Math.min(finalEpochs, r0 * eta ** k);
      const rung: AutoTuneRung = {
        stage: 'halving',
        bracket,
        rung: k,
        maxEpochs,
        configs: alive,
        ran: 0,
        seconds: 0,
      };
      rungs.push(rung);
      const t = performance.now();
      const done: AutoTuneTrial[] = [];
      for (const c of alive) {
        if (Date.now() >= shEnd && (k > 0 || done.length > 0)) break;
        done.push(await run(c, { stage: 'halving', bracket, rung: k, maxEpochs }, shEnd));
      }
      rung.ran = done.length;
      rung.seconds = (performance.now() - t) / 1000;
      const uncut = done.filter((x) => !x.cut).sort(byScore);
      const complete = uncut.length === alive.length;
      if (complete || k === 0) winner = uncut[0] ?? [...done].sort(byScore)[0] ?? winner;
      if (!complete) return { winner, complete: false };
      alive = uncut.slice(0, Math.ceil(alive.length / eta)).map((x) => x.config);
    }
    return { winner, complete: true };
  }

  // 3. The final rung: the best winner and the defaults, each to convergence in its share of the time left.
  const best = [...winners].sort(byScore)[0];
  const finalists = best === undefined || best.config === 0 ? [0] : [best.config, 0];
  planned = trials.length + finalists.length;
  const rung: AutoTuneRung = {
    stage: 'final',
    bracket: 0,
    rung: 0,
    maxEpochs: finalEpochs,
    configs: finalists,
    ran: 0,
    seconds: 0,
  };
  rungs.push(rung);
  const t = performance.now();
  const finals: AutoTuneTrial[] = [];
  for (const [i, c] of finalists.entries()) {
    if (Date.now() >= end) break;
    const share = (end - Date.now()) / (finalists.length - i);
    finals.push(
      await run(c, { stage: 'final', bracket: 0, rung: 0, maxEpochs: finalEpochs }, Date.now() + share),
    );
  }
  rung.ran = finals.length;
  rung.seconds = (performance.now() - t) / 1000;
  // The challenger replaces the defaults only when it beats them and the defaults' run settled
  // (it ended by itself, or the budget cut it at least patience/2 epochs after its best epoch):
  // a comparison against defaults still improving when cut could end below them at convergence.
  const defaults = finals.find((x) => x.config === 0);
  const challenger = finals.find((x) => x.config !== 0);
  const settled = (x: AutoTuneTrial) =>
    !x.cut || x.epochs - x.bestEpoch >= Math.max(1, Math.ceil(patience / 2));
  if (defaults && challenger && challenger.score > defaults.score && settled(defaults)) {
    return finish(challenger, 'halving');
  }
  return finish(defaults ?? trials[0]!, 'halving');
}
