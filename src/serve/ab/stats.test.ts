import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { normalQuantile, summarizeExperiment, twoProportionZTest, wilsonInterval } from './stats.js';

describe('normalQuantile', () => {
  it('matches tabulated quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.6448536269514729, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 12);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('wilsonInterval', () => {
  it('matches the closed form at 0/10, 5/10 and 50/100', () => {
    // 0/10: upper = z²/(n+z²) with z = 1.959964.
    const z2 = 1.959963984540054 ** 2;
    const zero = wilsonInterval(0, 10);
    expect(zero.rate).toBe(0);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(z2 / (10 + z2), 12);
    // 5/10: 0.5 ± z·sqrt(0.025 + z²/400) / (1 + z²/10) = [0.2366, 0.7634].
    const five = wilsonInterval(5, 10);
    expect(five.low).toBeCloseTo(0.2366, 4);
    expect(five.high).toBeCloseTo(0.7634, 4);
    const fifty = wilsonInterval(50, 100);
    expect(fifty.low).toBeCloseTo(0.4038, 4);
    expect(fifty.high).toBeCloseTo(0.5962, 4);
    expect(wilsonInterval(10, 10).high).toBe(1);
  });

  it("reproduces Newcombe (1998)'s score intervals", () => {
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [s, n, lo, hi] of cases) {
      const ci = wilsonInterval(s, n);
      expect(Math.abs(ci.low - lo)).toBeLessThan(6e-5);
      expect(Math.abs(ci.high - hi)).toBeLessThan(6e-5);
    }
  });

  it('narrows at lower confidence and rejects bad input', () => {
    const a = wilsonInterval(30, 100, 0.9);
    const b = wilsonInterval(30, 100, 0.99);
    expect(a.high - a.low).toBeLessThan(b.high - b.low);
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, low: 0, high: 1 });
    expect(() => wilsonInterval(11, 10)).toThrow(InvalidArgumentError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(InvalidArgumentError);
    expect(() => wilsonInterval(1, 10, 1)).toThrow(InvalidArgumentError);
  });
});

describe('twoProportionZTest', () => {
  it('matches a hand-computed case', () => {
    // 45/100 vs 30/100: pooled 0.375, se = sqrt(0.375·0.625·0.02) = 0.0684653, z = 0.15 / se,
    // z² = 4.8 (R: prop.test(c(45, 30), c(100, 100), correct = FALSE) gives X-squared = 4.8, p = 0.02846).
    const t = twoProportionZTest(45, 100, 30, 100);
    expect(t.z * t.z).toBeCloseTo(4.8, 10);
    expect(t.z).toBeGreaterThan(0);
    expect(t.pValue).toBeCloseTo(0.028459737, 8);
    expect(twoProportionZTest(30, 100, 45, 100).z).toBeCloseTo(-t.z, 12);
    expect(twoProportionZTest(0, 50, 0, 70)).toEqual({ z: 0, pValue: 1 });
    expect(() => twoProportionZTest(1, 0, 1, 2)).toThrow(InvalidArgumentError);
  });
});

/** Binomial(n, p) draw by summing Bernoulli trials (seeded). */
function binomial(rng: Rng, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) s++;
  return s;
}

function simulate(rng: Rng, ctrs: number[], n: number) {
  return ctrs.map((p, i) => {
    const clicks = binomial(rng, n, p);
    return {
      name: i === 0 ? 'control' : `arm${i}`,
      impressions: n,
      clicks,
      conversions: binomial(rng, clicks, 0.2),
    };
  });
}

describe('summarizeExperiment', () => {
  it('summarises arms with Wilson intervals', () => {
    const { arms } = summarizeExperiment([
      { name: 'control', impressions: 263, clicks: 81, conversions: 15 },
      { name: 'b', impressions: 148, clicks: 15, conversions: 0 },
    ]);
    expect(arms[0]!.ctr).toBeCloseTo(81 / 263, 12);
    expect(arms[0]!.ctrLow).toBeCloseTo(0.2553, 4);
    expect(arms[0]!.conversionRate).toBeCloseTo(15 / 263, 12);
    expect(arms[1]!.convLow).toBe(0);
    expect(arms[1]!.ctrHigh).toBeCloseTo(0.1605, 4);
  });

  it('finds a true CTR lift significant and an A/A test mostly not', () => {
    const rng = new Rng(42);
    let liftFound = 0;
    for (let r = 0; r < 20; r++) {
      const { significance } = summarizeExperiment(simulate(rng, [0.05, 0.065], 10_000));
      if (significance.verdict === 'significant' && significance.winner === 'arm1') liftFound++;
      expect(significance.control).toBe('control');
    }
    expect(liftFound).toBeGreaterThanOrEqual(18); // z ≈ 4.6 expected: power ≈ 0.995 per run
    let falsePositives = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      const { significance } = summarizeExperiment(simulate(rng, [0.05, 0.05], 2000));
      if (significance.verdict === 'significant') falsePositives++;
    }
    // Nominal 5 %: 400 runs give 20 ± 4.4.
    console.log(`A/A false positives: ${falsePositives} / ${runs}; lift found ${liftFound} / 20`);
    expect(falsePositives / runs).toBeLessThan(0.09);
    expect(falsePositives / runs).toBeGreaterThan(0.015);
  });

  it('applies Bonferroni with several arms and names the best significant arm', () => {
    const rng = new Rng(7);
    const { significance } = summarizeExperiment(simulate(rng, [0.05, 0.05, 0.07, 0.08], 20_000));
    expect(significance.verdict).toBe('significant');
    expect(significance.winner).toBe('arm3');
    expect(significance.test).toContain('Bonferroni (3 comparisons)');
    // p = 0.02 on one of three comparisons is not significant after adjustment (0.06).
    const n = 10_000;
    let c2 = 0;
    // The smallest treatment click count with a raw p under 0.02.
    for (let c = 500; c < 800; c++) {
      const p = twoProportionZTest(c, n, 500, n).pValue;
      if (p < 0.02) {
        c2 = c;
        break;
      }
    }
    const raw = twoProportionZTest(c2, n, 500, n).pValue;
    const v = summarizeExperiment([
      { name: 'control', impressions: n, clicks: 500, conversions: 0 },
      { name: 'x', impressions: n, clicks: 500, conversions: 0 },
      { name: 'y', impressions: n, clicks: 500, conversions: 0 },
      { name: 'z', impressions: n, clicks: c2, conversions: 0 },
    ]).significance;
    expect(v.pValue).toBeCloseTo(3 * raw, 12);
    expect(v.verdict).toBe('not significant');
    expect(
      summarizeExperiment([
        { name: 'control', impressions: n, clicks: 500, conversions: 0 },
        { name: 'z', impressions: n, clicks: c2, conversions: 0 },
      ]).significance.verdict,
    ).toBe('significant');
  });

  it('names the control the winner when the treatment is significantly worse', () => {
    const v = summarizeExperiment([
      { name: 'control', impressions: 5000, clicks: 400, conversions: 10 },
      { name: 'new', impressions: 5000, clicks: 250, conversions: 10 },
    ]).significance;
    expect(v).toMatchObject({ verdict: 'significant', winner: 'control', control: 'control' });
  });

  it('reports insufficient data below the minimum impressions, and rejects bad counts', () => {
    const v = summarizeExperiment([
      { name: 'control', impressions: 99, clicks: 1, conversions: 0 },
      { name: 'b', impressions: 5000, clicks: 900, conversions: 0 },
    ]).significance;
    expect(v.verdict).toBe('insufficient data');
    expect(v.winner).toBeUndefined();
    expect(v.pValue).toBeLessThan(0.05);
    expect(
      summarizeExperiment([{ name: 'only', impressions: 1000, clicks: 5, conversions: 1 }]).significance
        .verdict,
    ).toBe('insufficient data');
    expect(
      summarizeExperiment(
        [
          { name: 'a', impressions: 0, clicks: 0, conversions: 0 },
          { name: 'b', impressions: 0, clicks: 0, conversions: 0 },
        ],
        { minImpressions: 0 },
      ).significance.verdict,
    ).toBe('not significant');
    expect(() => summarizeExperiment([{ name: 'a', impressions: 5, clicks: 6, conversions: 0 }])).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      summarizeExperiment([
        { name: 'a', impressions: 5, clicks: 1, conversions: 0 },
        { name: 'a', impressions: 5, clicks: 1, conversions: 0 },
      ]),
    ).toThrow(InvalidArgumentError);
  });
});
