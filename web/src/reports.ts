/**
 * @module web/reports
 * Reads the JSON reports the server hands out (what `fusionrec experiment`, `tune` and the demo
 * write: src/experiment/experiment.ts, tune.ts) into the few shapes the charts draw: model
 * results with metrics and per-epoch history, comparisons, tuning trials.
 */
import type { EpochRecord, ReportComparison, ReportModelResult } from './api/types.js';

export interface ExperimentLike {
  dataset?: Record<string, unknown>;
  results: ReportModelResult[];
  comparisons?: ReportComparison[];
}

export interface TuneLike {
  model: string;
  metric: string;
  trials: {
    index: number;
    params: Record<string, unknown>;
    score: number;
    bestEpoch?: number;
    seconds?: number;
  }[];
  best?: { index: number };
  test?: { metrics?: Record<string, number> };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function isExperiment(v: unknown): v is ExperimentLike {
  return (
    isObj(v) && Array.isArray(v.results) && v.results.every((r) => isObj(r) && typeof r.model === 'string')
  );
}

export function isTune(v: unknown): v is TuneLike {
  return isObj(v) && Array.isArray(v.trials) && typeof v.metric === 'string';
}

/** A stored report's content: its `body` (GET /v1/reports/{id}), else the value itself. */
export function reportBody(report: unknown): unknown {
  if (isObj(report) && isObj(report.body)) return report.body;
  if (isObj(report) && isObj(report.report)) return report.report;
  return report ?? {};
}

/**
 * The experiment results inside a report: the report itself, or each of its values that is one
 * (the demo writes `{ collaborative, coldStart }`), each with a section title.
 */
export function experimentSections(report: unknown): { title: string; result: ExperimentLike }[] {
  const body = reportBody(report);
  if (isExperiment(body)) return [{ title: '', result: body }];
  if (!isObj(body)) return [];
  return Object.entries(body)
    .filter((e): e is [string, ExperimentLike] => isExperiment(e[1]))
    .map(([k, result]) => ({ title: k, result }));
}

export function label(r: ReportModelResult): string {
  return r.label ?? r.model;
}

/** The Ks for which `metric@K` is present in some of the metric sets, ascending. */
export function ksOf(sets: (Record<string, number> | undefined)[], metric: string): number[] {
  const ks = new Set<number>();
  const re = new RegExp(`^${metric}@(\\d+)$`);
  for (const s of sets)
    for (const k of Object.keys(s ?? {})) {
      const m = re.exec(k);
      if (m) ks.add(Number(m[1]));
    }
  return [...ks].sort((a, b) => a - b);
}

/** Validation value of an epoch: a number, or the named metric of a record. */
export function validValue(e: EpochRecord, metric = 'recall@20'): number | undefined {
  if (typeof e.valid === 'number') return e.valid;
  if (isObj(e.valid)) {
    const v = e.valid[metric] ?? Object.values(e.valid)[0];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/** The first metric name of an epoch's validation record, for axis titles. */
export function validName(history: EpochRecord[]): string {
  const v = history.find((e) => e.valid !== undefined)?.valid;
  if (isObj(v)) return Object.keys(v).includes('recall@20') ? 'recall@20' : (Object.keys(v)[0] ?? 'valid');
  return 'valid';
}

/** Modality weights of a model result or a version report: `modalityWeights`, else `learned.modalityWeights`. */
export function learnedWeights(r: {
  modalityWeights?: unknown;
  learned?: unknown;
}): Record<string, number> | undefined {
  const pick = (v: unknown): Record<string, number> | undefined => {
    if (!isObj(v)) return undefined;
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return pick(r.modalityWeights) ?? (isObj(r.learned) ? pick(r.learned.modalityWeights) : undefined);
}
