/**
 * @module eval/significance
 * Paired comparisons of two models evaluated on the same users: `a[u]` and `b[u]` are user u's
 * values of one metric (say ndcg@20) under models A and B. Differences are always a - b, so a
 * positive mean difference or statistic means A scores higher.
 *
 * - {@link pairedTTest}: Student's paired t-test (two-sided).
 * - {@link wilcoxonSignedRank}: Wilcoxon signed-rank test, zero differences dropped, average ranks
 *   for ties; exact p-value for small samples without ties, else the normal approximation with
 *   tie-corrected variance and continuity correction (as R's `wilcox.test` and SciPy).
 * - {@link bootstrapDiffCI}: percentile bootstrap interval of the mean difference, seeded.
 *
 * Ties and zeros are detected by exact floating-point equality.
 */

import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { normalCdf, studentTTwoSidedP } from './metrics/distributions.js';

/** Per-user metric values of one model (plain or typed array). */
export type PairedSample = ArrayLike<number>;

/** Result of {@link pairedTTest}. */
export interface TTestResult {
  /** Number of users (pairs). */
  n: number;
  /** Mean of a - b. */
  meanDiff: number;
  /** t statistic; ±Infinity when all differences are equal and non-zero, 0 when all are zero. */
  t: number;
  /** Degrees of freedom, n - 1. */
  df: number;
  /** Two-sided p-value. */
  pValue: number;
}

/** Result of {@link wilcoxonSignedRank}. */
export interface WilcoxonResult {
  /** Number of non-zero differences (the sample size after dropping zeros). */
  n: number;
  /** Sum of the ranks of |a - b| over positive differences. */
  wPlus: number;
  /** Sum of the ranks over negative differences. */
  wMinus: number;
  /** Normal-approximation z of wPlus (continuity-corrected, tie-corrected variance); 0 when n = 0. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
  /** How `pValue` was computed. */
  method: 'exact' | 'normal';
}

/** Result of {@link bootstrapDiffCI}. */
export interface BootstrapResult {
  /** Mean of a - b over all users. */
  meanDiff: number;
  /** Lower end of the percentile interval. */
  low: number;
  /** Upper end of the percentile interval. */
  high: number;
}

/** Options of {@link bootstrapDiffCI}. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 2000). */
  samples?: number;
  /** Coverage of the interval, in (0, 1) (default 0.95). */
  confidence?: number;
  /** Seed of the resampling generator (default 0). Same seed, same interval. */
  seed?: number;
}

/** Largest n for which the exact signed-rank distribution is used (when there are no ties). */
export const WILCOXON_EXACT_MAX_N = 25;

/** Validates a pair of samples and returns the differences a - b. */
function differences(a: PairedSample, b: PairedSample): Float64Array {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(
      `a and b must have the same length (paired users), got ${a.length} and ${b.length}`,
    );
  }
  if (a.length < 2) throw new InvalidArgumentError(`a: needs at least 2 paired values, got ${a.length}`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x)) throw new InvalidArgumentError(`a[${i}] must be a finite number, got ${x}`);
    if (!Number.isFinite(y)) throw new InvalidArgumentError(`b[${i}] must be a finite number, got ${y}`);
    d[i] = x - y;
  }
  return d;
}

function mean(d: Float64Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]!;
  return s / d.length;
}

/** Paired Student's t-test on a - b (H0: mean difference 0), two-sided. Needs n >= 2. */
export function pairedTTest(a: PairedSample, b: PairedSample): TTestResult {
  return tTestOf(differences(a, b));
}

function tTestOf(d: Float64Array): TTestResult {
  const n = d.length;
  const df = n - 1;
  const m = mean(d);
  // Exactly equal differences have zero variance (the two-pass sum below may leave ~1e-34).
  let allEqual = true;
  for (let i = 1; i < n && allEqual; i++) allEqual = d[i] === d[0];
  if (allEqual) {
    const d0 = d[0]!;
    if (d0 === 0) return { n, meanDiff: 0, t: 0, df, pValue: 1 };
    return {
      n,
      meanDiff: d0,
      t: d0 > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
      df,
      pValue: 0,
    };
  }
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (d[i]! - m) ** 2;
  const se = Math.sqrt(ss / df / n);
  const t = m / se;
  return { n, meanDiff: m, t, df, pValue: studentTTwoSidedP(t, df) };
}

/**
 * Wilcoxon signed-rank test on a - b, two-sided. Zero differences are dropped (Wilcoxon's
 * method), |differences| are ranked with average ranks for ties. With at most
 * {@link WILCOXON_EXACT_MAX_N} non-zero differences, no ties and `exact` not false, the p-value
 * comes from the exact null distribution (by dynamic programming); otherwise from the normal
 * approximation, z = (W+ - n(n+1)/4 ∓ 1/2) / σ with σ² = n(n+1)(2n+1)/24 - Σ(t³ - t)/48 over
 * tie groups (the continuity correction never moves z past 0).
 */
export function wilcoxonSignedRank(
  a: PairedSample,
  b: PairedSample,
  options: { exact?: boolean } = {},
): WilcoxonResult {
  return wilcoxonOf(differences(a, b), options.exact ?? true);
}

function wilcoxonOf(d: Float64Array, allowExact: boolean): WilcoxonResult {
  const nz: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) nz.push(d[i]!);
  const n = nz.length;
  const abs = nz.map(Math.abs);
  const order = nz.map((_, i) => i).sort((x, y) => abs[x]! - abs[y]!);
  let wPlus = 0;
  let wMinus = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && abs[order[j]!] === abs[order[i]!]) j++;
    const rank = (i + 1 + j) / 2; // average of the 1-based ranks i+1..j
    const t = j - i;
    tieTerm += t * t * t - t;
    for (let m = i; m < j; m++) {
      if (nz[order[m]!]! > 0) wPlus += rank;
      else wMinus += rank;
    }
    i = j;
  }
  const mu = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const dev = wPlus - mu;
  const z = n === 0 ? 0 : (Math.sign(dev) * Math.max(0, Math.abs(dev) - 0.5)) / Math.sqrt(variance);
  if (allowExact && tieTerm === 0 && n <= WILCOXON_EXACT_MAX_N) {
    return { n, wPlus, wMinus, z, pValue: exactSignedRankP(n, wPlus), method: 'exact' };
  }
  return { n, wPlus, wMinus, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))), method: 'normal' };
}

/** Two-sided exact p of W+ = w under H0 for n untied ranks: 2 · min(P(W <= w), P(W >= w)), capped at 1. */
function exactSignedRankP(n: number, w: number): number {
  const maxSum = (n * (n + 1)) / 2;
  // counts[s] = number of subsets of {1..n} with sum s (at most 2^25, exact in a double).
  const counts = new Float64Array(maxSum + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) {
    for (let s = maxSum; s >= r; s--) counts[s] = counts[s]! + counts[s - r]!;
  }
  let le = 0;
  let ge = 0;
  for (let s = 0; s <= maxSum; s++) {
    if (s <= w) le += counts[s]!;
    if (s >= w) ge += counts[s]!;
  }
  const total = 2 ** n;
  return Math.min(1, (2 * Math.min(le, ge)) / total);
}

/**
 * Percentile bootstrap confidence interval of the mean of a - b: `samples` resamples of the
 * users with replacement (seeded {@link Rng}), the interval between the (1-confidence)/2 and
 * (1+confidence)/2 quantiles of the resampled means (linear interpolation between order
 * statistics, NumPy's default).
 */
export function bootstrapDiffCI(
  a: PairedSample,
  b: PairedSample,
  options: BootstrapOptions = {},
): BootstrapResult {
  return bootstrapOf(differences(a, b), options);
}

function bootstrapOf(d: Float64Array, options: BootstrapOptions): BootstrapResult {
  const samples = options.samples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new InvalidArgumentError(`samples must be a positive integer, got ${samples}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new InvalidArgumentError(`confidence must be in (0, 1), got ${confidence}`);
  }
  if (!Number.isFinite(seed)) throw new InvalidArgumentError(`seed must be a finite number, got ${seed}`);
  const n = d.length;
  const rng = new Rng(seed);
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[rng.int(n)]!;
    means[s] = sum / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { meanDiff: mean(d), low: quantile(means, alpha / 2), high: quantile(means, 1 - alpha / 2) };
}

/** Quantile q of sorted values, linear interpolation between order statistics (type 7). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Result of {@link compareModels}. */
export interface ModelComparison {
  /** Number of paired users. */
  n: number;
  /** Mean of a. */
  meanA: number;
  /** Mean of b. */
  meanB: number;
  /** Mean of a - b. */
  meanDiff: number;
  tTest: TTestResult;
  wilcoxon: WilcoxonResult;
  bootstrap: BootstrapResult;
}

/** All three paired analyses of a against b (validating the input once). */
export function compareModels(
  a: PairedSample,
  b: PairedSample,
  options: BootstrapOptions & { exact?: boolean } = {},
): ModelComparison {
  const d = differences(a, b);
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < d.length; i++) {
    sumA += a[i]!;
    sumB += b[i]!;
  }
  return {
    n: d.length,
    meanA: sumA / d.length,
    meanB: sumB / d.length,
    meanDiff: mean(d),
    tTest: tTestOf(d),
    wilcoxon: wilcoxonOf(d, options.exact ?? true),
    bootstrap: bootstrapOf(d, options),
  };
}
