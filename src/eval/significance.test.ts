import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { bootstrapDiffCI, compareModels, pairedTTest, wilcoxonSignedRank } from './significance.js';

describe('pairedTTest', () => {
  it('matches a hand computation (and scipy.stats.ttest_rel)', () => {
    // d = a - b = [-1, 0, -1, -1, -2]: mean -1, Σ(d - mean)² = 2, s² = 2/4, se = √(0.5/5) = √0.1,
    // t = -1/√0.1 = -√10, df 4. The t(4) CDF in closed form, s = 1 + t²/4 = 7/2:
    // p = 1 - (3/4)(|t|/√s)(1 - t²/(12 s)) = 1 - (3/4)·√(20/7)·(32/42) = 1 - (4/7)√(20/7).
    // scipy.stats.ttest_rel gives t = -3.162277660168379, p = 0.03410942316740963.
    const r = pairedTTest([1, 2, 3, 4, 5], [2, 2, 4, 5, 7]);
    expect(r.n).toBe(5);
    expect(r.df).toBe(4);
    expect(r.meanDiff).toBeCloseTo(-1, 12);
    expect(r.t).toBeCloseTo(-Math.sqrt(10), 12);
    expect(r.pValue).toBeCloseTo(1 - (4 / 7) * Math.sqrt(20 / 7), 12);
    expect(r.pValue).toBeCloseTo(0.03410942316740963, 12);
    // Swapping the models flips the sign only.
    const s = pairedTTest([2, 2, 4, 5, 7], [1, 2, 3, 4, 5]);
    expect(s.t).toBeCloseTo(Math.sqrt(10), 12);
    expect(s.pValue).toBeCloseTo(r.pValue, 14);
  });

  it('handles zero variance', () => {
    expect(pairedTTest([1, 2, 3], [1, 2, 3])).toEqual({ n: 3, meanDiff: 0, t: 0, df: 2, pValue: 1 });
    // d = 0.1 exactly three times (0.1 + 0.1 + 0.1 != 0.3 in floating point: must still be exact).
    const up = pairedTTest([0.1, 0.1, 0.1], [0, 0, 0]);
    expect(up.t).toBe(Number.POSITIVE_INFINITY);
    expect(up.pValue).toBe(0);
    expect(up.meanDiff).toBe(0.1);
    expect(pairedTTest([0, 0], [1, 1]).t).toBe(Number.NEGATIVE_INFINITY);
  });

  it('validates its input, naming the argument', () => {
    expect(() => pairedTTest([1, 2], [1])).toThrow(InvalidArgumentError);
    expect(() => pairedTTest([1], [1])).toThrow(/at least 2/);
    expect(() => pairedTTest([1, Number.NaN], [1, 2])).toThrow(/a\[1\]/);
    expect(() => pairedTTest([1, 2], [Number.POSITIVE_INFINITY, 2])).toThrow(/b\[0\]/);
  });
});

describe('wilcoxonSignedRank', () => {
  // R's ?wilcox.test example (Hollander & Wolfe, depression scale before/after).
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

  it('exact p-value on a worked example', () => {
    // d = .952, -.147, 1.022, .43, .62, .59, .49, -.08, .01 -> |d| ranks 8, 3, 9, 4, 7, 6, 5, 2, 1.
    // W- = 3 + 2 = 5, W+ = 45 - 5 = 40 (R: V = 40). Subsets of {1..9} with sum <= 5:
    // {}, {1}, {2}, {3}, {1,2}, {4}, {1,3}, {5}, {1,4}, {2,3} = 10, so p = 2 · 10 / 512.
    const r = wilcoxonSignedRank(x, y);
    expect(r).toMatchObject({ n: 9, wPlus: 40, wMinus: 5, method: 'exact' });
    expect(r.pValue).toBeCloseTo(20 / 512, 14); // R and scipy: 0.0390625
  });

  it('normal approximation with continuity correction', () => {
    // μ = 9·10/4 = 22.5, σ² = 9·10·19/24 = 71.25, z = (40 - 22.5 - 0.5)/√71.25.
    // scipy.stats.wilcoxon(x, y, method='approx', correction=True): p = 0.04401098401295143.
    const r = wilcoxonSignedRank(x, y, { exact: false });
    expect(r.method).toBe('normal');
    expect(r.z).toBeCloseTo(17 / Math.sqrt(71.25), 12);
    expect(r.pValue).toBeCloseTo(0.04401098401295143, 12);
  });

  it('drops zeros, averages tied ranks and corrects the variance for ties', () => {
    // d = [1, 1, -1, 2, 2, 2, 0, 3]: the zero is dropped, n = 7. |d| = 1,1,1 take ranks 1..3
    // (average 2), 2,2,2 take 4..6 (average 5), 3 takes 7. W+ = 2+2+5+5+5+7 = 26, W- = 2.
    // μ = 7·8/4 = 14, σ² = 7·8·15/24 - [(3³-3) + (3³-3)]/48 = 35 - 1 = 34, z = (26 - 14 - 0.5)/√34.
    // scipy.stats.wilcoxon(d, method='approx', correction=True): p = 0.048582930923358435.
    const d = [1, 1, -1, 2, 2, 2, 0, 3];
    const r = wilcoxonSignedRank(d, new Array(d.length).fill(0));
    expect(r).toMatchObject({ n: 7, wPlus: 26, wMinus: 2, method: 'normal' });
    expect(r.z).toBeCloseTo(11.5 / Math.sqrt(34), 12);
    expect(r.pValue).toBeCloseTo(0.048582930923358435, 12);
  });

  it('is symmetric and degenerates gracefully', () => {
    const r = wilcoxonSignedRank(y, x);
    expect(r.wPlus).toBe(5);
    expect(r.pValue).toBeCloseTo(20 / 512, 14);
    expect(wilcoxonSignedRank([1, 2, 3], [1, 2, 3])).toEqual({
      n: 0,
      wPlus: 0,
      wMinus: 0,
      z: 0,
      pValue: 1,
      method: 'exact',
    });
    // A single non-zero difference: p = 2 · min(P(W <= 1), P(W >= 1)) = 2 · 1/2 = 1.
    expect(wilcoxonSignedRank([1, 1], [0, 1]).pValue).toBe(1);
  });

  it('exact and normal p-values agree for n = 25', () => {
    const rng = new Rng(11);
    const a = Array.from({ length: 25 }, () => rng.normal() + 0.4);
    const b = Array.from({ length: 25 }, () => rng.normal());
    const exact = wilcoxonSignedRank(a, b);
    const normal = wilcoxonSignedRank(a, b, { exact: false });
    expect(exact.method).toBe('exact');
    expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.01);
  });
});

describe('bootstrapDiffCI', () => {
  const sample = (n: number, seed: number) => {
    const rng = new Rng(seed);
    const a = Float64Array.from({ length: n }, () => 0.3 + 0.1 * rng.normal());
    const b = Float64Array.from({ length: n }, (_, i) => a[i]! - 0.02 + 0.05 * rng.normal());
    return { a, b };
  };

  it('is reproducible by seed and contains the mean difference', () => {
    const { a, b } = sample(300, 1);
    const r1 = bootstrapDiffCI(a, b, { seed: 42 });
    const r2 = bootstrapDiffCI(a, b, { seed: 42 });
    expect(r2).toEqual(r1);
    expect(bootstrapDiffCI(a, b, { seed: 43 })).not.toEqual(r1);
    expect(r1.low).toBeLessThan(r1.meanDiff);
    expect(r1.high).toBeGreaterThan(r1.meanDiff);
    // Close to the normal-theory interval meanDiff ± 1.96 · 0.05/√300 (width ≈ 0.0113).
    expect(r1.high - r1.low).toBeGreaterThan(0.0113 * 0.85);
    expect(r1.high - r1.low).toBeLessThan(0.0113 * 1.15);
    // A lower confidence gives a narrower interval.
    const r80 = bootstrapDiffCI(a, b, { seed: 42, confidence: 0.8 });
    expect(r80.high - r80.low).toBeLessThan(r1.high - r1.low);
  });

  it('narrows with more users', () => {
    const small = sample(50, 2);
    const large = sample(5000, 2);
    const ws = bootstrapDiffCI(small.a, small.b, { seed: 1 });
    const wl = bootstrapDiffCI(large.a, large.b, { seed: 1, samples: 500 });
    expect(wl.high - wl.low).toBeLessThan((ws.high - ws.low) / 5);
  });

  it('collapses on constant differences and validates options', () => {
    const r = bootstrapDiffCI([1, 2, 3], [0.5, 1.5, 2.5], { samples: 50 });
    expect(r).toEqual({ meanDiff: 0.5, low: 0.5, high: 0.5 });
    expect(() => bootstrapDiffCI([1, 2], [1, 2], { samples: 0 })).toThrow(/samples/);
    expect(() => bootstrapDiffCI([1, 2], [1, 2], { confidence: 1 })).toThrow(/confidence/);
  });
});

describe('compareModels', () => {
  it('bundles the three analyses', () => {
    const a = [0.5, 0.2, 0.9, 0.4, 0.3, 0.8];
    const b = [0.4, 0.2, 0.7, 0.5, 0.1, 0.6];
    const c = compareModels(a, b, { seed: 5, samples: 300 });
    expect(c.n).toBe(6);
    expect(c.meanA).toBeCloseTo(3.1 / 6, 12);
    expect(c.meanB).toBeCloseTo(2.5 / 6, 12);
    expect(c.meanDiff).toBeCloseTo(0.1, 12);
    expect(c.tTest).toEqual(pairedTTest(a, b));
    expect(c.wilcoxon).toEqual(wilcoxonSignedRank(a, b));
    expect(c.bootstrap).toEqual(bootstrapDiffCI(a, b, { seed: 5, samples: 300 }));
    expect(() => compareModels([1, 2, 3], [1, 2])).toThrow(InvalidArgumentError);
  });
});
