/**
 * @module serve/ab/stats
 * Statistics of online experiments on rates (CTR, conversion): Wilson score intervals, the pooled
 * two-proportion z-test, and a per-experiment summary with a verdict. The first arm is the
 * control; with more than two arms each arm is compared with the control and the p-values are
 * Bonferroni-adjusted (multiplied by the number of comparisons).
 *
 * The normal CDF is the one in eval/metrics/distributions (erfc through the incomplete gamma
 * function, ~1e-14); the quantile is Acklam's rational approximation refined by one Halley step
 * on that CDF (full double precision).
 */
import { InvalidArgumentError } from '../../errors.js';
import { erfc, normalCdf } from '../../eval/metrics/distributions.js';

/** A rate and its confidence interval. */
export interface ProportionCI {
  rate: number;
  low: number;
  high: number;
}

/** Result of {@link twoProportionZTest}. */
export interface TwoProportionTest {
  z: number;
  pValue: number;
}

/** Raw counts of one arm. */
export interface ArmCounts {
  name: string;
  impressions: number;
  clicks: number;
  conversions: number;
}

/** Counts plus rates and their Wilson intervals (conversion rate = conversions / impressions). */
export interface ArmSummary extends ArmCounts {
  ctr: number;
  ctrLow: number;
  ctrHigh: number;
  conversionRate: number;
  convLow: number;
  convHigh: number;
}

/** The experiment's verdict on CTR. */
export interface Verdict {
  test: string;
  pValue: number;
  verdict: 'significant' | 'not significant' | 'insufficient data';
  winner?: string;
  control?: string;
}

// Acklam's coefficients for the inverse normal CDF.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Standard normal quantile Φ⁻¹(p) for p in (0, 1); ±Infinity at 0 and 1. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) throw new InvalidArgumentError(`p must be in [0, 1], got ${p}`);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // One Halley step on the accurate CDF: relative error ~1e-9 -> machine precision.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`, { field: name });
}

function checkPair(successes: number, trials: number, sName: string, tName: string): void {
  checkCount(successes, sName);
  checkCount(trials, tName);
  if (successes > trials)
    throw new InvalidArgumentError(`${sName} (${successes}) must not exceed ${tName} (${trials})`, {
      field: sName,
    });
}

/**
 * Wilson score interval of a binomial proportion (without continuity correction). With no
 * trials the rate is 0 and the interval the whole [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): ProportionCI {
  checkPair(successes, trials, 'successes', 'trials');
  if (!(confidence > 0 && confidence < 1))
    throw new InvalidArgumentError(`confidence must be in (0, 1), got ${confidence}`);
  if (trials === 0) return { rate: 0, low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // The bounds are exactly 0 / 1 at 0 and n successes (clamp rounding).
  return {
    rate: p,
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Pooled two-proportion z-test of H0: p1 = p2, two-sided; z = (p1 - p2) / se, so z > 0 when the
 * first rate is higher. z = 0 and p = 1 when the pooled rate is 0 or 1 (no variation).
 */
export function twoProportionZTest(s1: number, n1: number, s2: number, n2: number): TwoProportionTest {
  checkPair(s1, n1, 's1', 'n1');
  checkPair(s2, n2, 's2', 'n2');
  if (n1 === 0 || n2 === 0)
    throw new InvalidArgumentError(`both samples need trials, got n1 = ${n1}, n2 = ${n2}`);
  const pooled = (s1 + s2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (s1 / n1 - s2 / n2) / se;
  return { z, pValue: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) };
}

/**
 * Per-arm summaries and a verdict on CTR: first arm = control; with >2 arms each is compared to
 * the control with Bonferroni; 'insufficient data' below minImpressions (default 100) per arm.
 * The winner (when significant) is the highest-CTR arm among those significantly better than the
 * control, or the control when every significant difference is in its favour.
 */
export function summarizeExperiment(
  arms: readonly ArmCounts[],
  options: { alpha?: number; minImpressions?: number } = {},
): { arms: ArmSummary[]; significance: Verdict } {
  const alpha = options.alpha ?? 0.05;
  const minImpressions = options.minImpressions ?? 100;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidArgumentError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(minImpressions >= 0 && Number.isFinite(minImpressions))) {
    throw new InvalidArgumentError(`minImpressions must be finite and >= 0, got ${minImpressions}`);
  }
  const names = new Set<string>();
  const summaries = arms.map((a, i): ArmSummary => {
    if (names.has(a.name))
      throw new InvalidArgumentError(`arms[${i}].name "${a.name}" is repeated`, { field: `arms[${i}].name` });
    names.add(a.name);
    checkPair(a.clicks, a.impressions, `arms[${i}].clicks`, `arms[${i}].impressions`);
    checkPair(a.conversions, a.impressions, `arms[${i}].conversions`, `arms[${i}].impressions`);
    const ctr = wilsonInterval(a.clicks, a.impressions);
    const conv = wilsonInterval(a.conversions, a.impressions);
    return {
      name: a.name,
      impressions: a.impressions,
      clicks: a.clicks,
      conversions: a.conversions,
      ctr: ctr.rate,
      ctrLow: ctr.low,
      ctrHigh: ctr.high,
      conversionRate: conv.rate,
      convLow: conv.low,
      convHigh: conv.high,
    };
  });
  const m = summaries.length - 1;
  const test =
    m <= 1
      ? 'two-proportion z-test on CTR'
      : `two-proportion z-tests on CTR vs control, Bonferroni (${m} comparisons)`;
  const control = summaries[0];
  if (!control || m < 1) {
    return {
      arms: summaries,
      significance: {
        test,
        pValue: 1,
        verdict: 'insufficient data',
        ...(control ? { control: control.name } : {}),
      },
    };
  }
  let best = 1;
  let winner: string | undefined;
  let winnerCtr = control.ctr;
  let controlWins = false;
  const tested = summaries.every((s) => s.impressions > 0);
  if (tested) {
    for (const arm of summaries.slice(1)) {
      const { pValue } = twoProportionZTest(arm.clicks, arm.impressions, control.clicks, control.impressions);
      const adjusted = Math.min(1, pValue * m);
      best = Math.min(best, adjusted);
      if (adjusted < alpha) {
        if (arm.ctr > control.ctr) {
          if (arm.ctr > winnerCtr) {
            winner = arm.name;
            winnerCtr = arm.ctr;
          }
        } else controlWins = true;
      }
    }
  }
  const enough = summaries.every((s) => s.impressions >= minImpressions);
  if (!enough) {
    return {
      arms: summaries,
      significance: { test, pValue: best, verdict: 'insufficient data', control: control.name },
    };
  }
  if (winner === undefined && controlWins) winner = control.name;
  const significance: Verdict =
    winner === undefined
      ? { test, pValue: best, verdict: 'not significant', control: control.name }
      : { test, pValue: best, verdict: 'significant', winner, control: control.name };
  return { arms: summaries, significance };
}
