/**
 * @module experiment/seed-stats
 * Statistics of a metric over repeated runs (seeds): mean, sample standard deviation and the 95%
 * Student-t interval of the mean, and the paired tests of two models across the same seeds.
 */
import { InvalidArgumentError } from '../errors.js';
import { studentTCdf } from '../eval/metrics/distributions.js';
import { pairedTTest, wilcoxonSignedRank } from '../eval/significance.js';

/** Summary of one metric over n runs. */
export interface SeedSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); 0 for one run. */
  std: number;
  min: number;
  max: number;
  /** 95% interval of the mean: mean ± t(0.975, n-1)·std/√n; equal to the mean for one run. */
  ciLow: number;
  ciHigh: number;
}

/** The 0.975 quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new InvalidArgumentError(`t quantile needs df >= 1, got ${df}`);
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, spread and 95% interval of `values` (one value per seed). */
export function summarize(values: readonly number[]): SeedSummary {
  const n = values.length;
  if (n === 0) throw new InvalidArgumentError('summarize needs at least one value');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`summarize got a non-finite value (${v})`);
  }
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { n, mean, std: 0, min: mean, max: mean, ciLow: mean, ciHigh: mean };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * std) / Math.sqrt(n);
  return {
    n,
    mean,
    std,
    min: Math.min(...values),
    max: Math.max(...values),
    ciLow: mean - half,
    ciHigh: mean + half,
  };
}

/** Paired comparison of model a against model b over the same seeds. */
export interface SeedComparison {
  n: number;
  meanDiff: number;
  /** Paired t-test over seeds (needs n >= 2). */
  tTestP: number;
  /**
   * Wilcoxon signed-rank over seeds (exact). With n seeds the smallest two-sided p it can give is
   * 2 / 2^n (0.0625 for 5 seeds): it cannot show significance below 6 seeds at the 5% level.
   */
  wilcoxonP: number;
  /** Seeds on which a beat b. */
  wins: number;
}

/** Paired tests of per-seed values `a` against `b` (same seed order). */
export function compareOverSeeds(a: readonly number[], b: readonly number[]): SeedComparison {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(`paired seeds differ in length (${a.length} vs ${b.length})`);
  }
  if (a.length < 2) throw new InvalidArgumentError('a comparison over seeds needs at least 2 seeds');
  const t = pairedTTest(a, b);
  const w = wilcoxonSignedRank(a, b);
  let wins = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > b[i]!) wins++;
  return { n: a.length, meanDiff: t.meanDiff, tTestP: t.pValue, wilcoxonP: w.pValue, wins };
}

/** Parses "1,2,3" or "1-5" (or a mix, "1-3,7") into a list of distinct integer seeds. */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (hi < lo || hi - lo > 1000) throw new InvalidArgumentError(`--seeds: bad range "${part}"`);
      for (let s = lo; s <= hi; s++) out.push(s);
    } else if (/^\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      throw new InvalidArgumentError(`--seeds expects integers or ranges like 1,2,3 or 1-5, got "${part}"`);
    }
  }
  if (out.length === 0) throw new InvalidArgumentError('--seeds is empty');
  if (new Set(out).size !== out.length) throw new InvalidArgumentError(`--seeds repeats a seed: "${text}"`);
  return out;
}
