/**
 * @module experiment/seeds
 * An experiment repeated over seeds: every model runs once per seed (the seed draws the split
 * where the split is random, and always the model's initialisation and sampling), then each
 * metric is reported as mean ± std with its 95% interval, and every model is compared with the
 * first over the same seeds (paired t-test and Wilcoxon over the per-seed values) and over the
 * same users (paired tests on each user's difference averaged over seeds — both models share each
 * seed's split — when every seed tested the same users).
 */
import type { Dataset } from '../data/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import { compareModels } from '../eval/significance.js';
import { type ExperimentOptions, type ExperimentResult, resultToJson, runExperiment } from './experiment.js';
import { compareOverSeeds, type SeedComparison, type SeedSummary, summarize } from './seed-stats.js';

/** One model's figures over the seeds. */
export interface SeedModelSummary {
  label: string;
  model: string;
  /** Test metric -> summary over seeds. */
  metrics: Record<string, SeedSummary>;
  /** Validation metric -> summary over seeds. */
  validMetrics: Record<string, SeedSummary>;
  trainSecondsPerEpoch: SeedSummary;
  bestEpoch: SeedSummary;
}

/** A model against the first model, for one metric. */
export interface SeedModelComparison {
  baseline: string;
  model: string;
  metric: string;
  seeds: SeedComparison;
  /**
   * Across users, on each user's value averaged over the seeds; present only when every seed
   * evaluated the same test users.
   */
  users?: { n: number; meanDiff: number; tTestP: number; wilcoxonP: number };
}

export interface SeedExperimentResult {
  seeds: number[];
  dataset: ExperimentResult['dataset'];
  runs: ExperimentResult[];
  summary: SeedModelSummary[];
  comparisons: SeedModelComparison[];
}

/** Runs `options` once per seed (in order) and aggregates. */
export async function runExperimentSeeds(
  ds: Dataset,
  options: Omit<ExperimentOptions, 'seed'>,
  seeds: readonly number[],
  onSeed?: (seed: number, index: number) => void,
): Promise<SeedExperimentResult> {
  if (seeds.length === 0) throw new InvalidArgumentError('runExperimentSeeds needs at least one seed');
  const runs: ExperimentResult[] = [];
  for (const [k, seed] of seeds.entries()) {
    onSeed?.(seed, k);
    runs.push(await runExperiment(ds, { ...options, seed }));
  }
  return aggregateSeeds(runs, options.validMetric ?? 'recall@20');
}

/** Aggregates per-seed results of the same models (same labels, same order). */
export function aggregateSeeds(
  runs: readonly ExperimentResult[],
  validMetric = 'recall@20',
): SeedExperimentResult {
  const first = runs[0];
  if (!first) throw new InvalidArgumentError('aggregateSeeds needs at least one run');
  const labels = first.results.map((r) => r.label);
  for (const run of runs) {
    const l = run.results.map((r) => r.label);
    if (l.join('\u0000') !== labels.join('\u0000')) {
      throw new InvalidArgumentError(
        `seed ${run.seed} ran other models (${l.join(', ')}) than seed ${first.seed}`,
      );
    }
  }
  const summary = labels.map((label, m) => {
    const per = runs.map((run) => run.results[m]!);
    const keys = (pick: (r: (typeof per)[number]) => Record<string, number>): Record<string, SeedSummary> => {
      const out: Record<string, SeedSummary> = {};
      for (const key of Object.keys(pick(per[0]!))) {
        const values = per.map(pick).map((x) => x[key]);
        if (values.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
          out[key] = summarize(values);
        }
      }
      return out;
    };
    return {
      label,
      model: per[0]!.model,
      metrics: keys((r) => r.metrics),
      validMetrics: keys((r) => r.validMetrics),
      trainSecondsPerEpoch: summarize(per.map((r) => r.trainSecondsPerEpoch)),
      bestEpoch: summarize(per.map((r) => r.bestEpoch)),
    };
  });
  const comparisons: SeedModelComparison[] = [];
  if (runs.length >= 2) {
    const sameUsers = runs.every((run) => sameArray(run.results[0]?.testUsers, first.results[0]?.testUsers));
    for (let m = 1; m < labels.length; m++) {
      for (const metric of [validMetric, 'ndcg@20']) {
        const a = runs.map((run) => run.results[m]!.metrics[metric]);
        const b = runs.map((run) => run.results[0]!.metrics[metric]);
        if (!a.every(isNum) || !b.every(isNum)) continue;
        const c: SeedModelComparison = {
          baseline: labels[0]!,
          model: labels[m]!,
          metric,
          seeds: compareOverSeeds(a, b),
        };
        if (sameUsers) {
          const ua = meanPerUser(runs.map((run) => run.results[m]!.perUser?.[metric]));
          const ub = meanPerUser(runs.map((run) => run.results[0]!.perUser?.[metric]));
          if (ua && ub && ua.length >= 2) {
            const u = compareModels(ua, ub, { seed: first.seed });
            c.users = { n: u.n, meanDiff: u.meanDiff, tTestP: u.tTest.pValue, wilcoxonP: u.wilcoxon.pValue };
          }
        }
        comparisons.push(c);
      }
    }
  }
  return { seeds: runs.map((r) => r.seed), dataset: first.dataset, runs: [...runs], summary, comparisons };
}

const isNum = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function sameArray(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function meanPerUser(rows: (Float64Array | undefined)[]): Float64Array | undefined {
  if (rows.some((r) => !r) || rows.length === 0) return undefined;
  const n = rows[0]!.length;
  if (rows.some((r) => r!.length !== n)) return undefined;
  const out = new Float64Array(n);
  for (const r of rows) for (let i = 0; i < n; i++) out[i]! += r![i]! / rows.length;
  return out;
}

/** The JSON form: per-seed results without per-user arrays, the summary and the comparisons. */
export function seedResultToJson(r: SeedExperimentResult): unknown {
  return {
    seeds: r.seeds,
    dataset: r.dataset,
    summary: r.summary,
    comparisons: r.comparisons,
    runs: r.runs.map(resultToJson),
  };
}
