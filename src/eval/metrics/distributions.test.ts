import { describe, expect, it } from 'vitest';
import {
  erfc,
  lnGamma,
  normalCdf,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTwoSidedP,
} from './distributions.js';

// Reference values marked "scipy" come from SciPy 1.17 (scipy.stats.norm.cdf, scipy.stats.t.cdf,
// scipy.special.betainc, scipy.special.gammaln).

describe('lnGamma', () => {
  it('matches exact and reference values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12); // scipy
    expect(lnGamma(10.5)).toBeCloseTo(13.940625219403763, 12); // scipy
    expect(lnGamma(1000.3)).toBeCloseTo(5907.292644785879, 9); // scipy
  });
});

describe('normalCdf', () => {
  it('matches table values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14); // scipy
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14); // scipy
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14); // scipy
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 15); // scipy
    expect(normalCdf(5)).toBeCloseTo(0.9999997133484281, 14); // scipy
  });

  it('keeps relative accuracy far in the lower tail', () => {
    expect(normalCdf(-8) / 6.22096057427174e-16).toBeCloseTo(1, 10); // scipy
    expect(normalCdf(-20) / 2.7536241186061556e-89).toBeCloseTo(1, 10); // scipy
    expect(erfc(0)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe('regularizedIncompleteBeta', () => {
  it('matches closed forms and reference values', () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1/2, 1/2) = (2/π) asin(√x).
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedIncompleteBeta(0.7, 3, 1)).toBeCloseTo(0.343, 14);
    expect(regularizedIncompleteBeta(0.9, 0.5, 0.5)).toBeCloseTo(
      (2 / Math.PI) * Math.asin(Math.sqrt(0.9)),
      13,
    );
    expect(regularizedIncompleteBeta(0.3, 2.5, 3.5)).toBeCloseTo(0.29675298929566646, 13); // scipy
    expect(regularizedIncompleteBeta(0.45, 50, 60)).toBeCloseTo(0.4642352914306031, 12); // scipy
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('Student t', () => {
  it('matches the closed forms for df = 1 (Cauchy), 2 and 4', () => {
    for (const t of [-7, -1.3, -0.2, 0, 0.5, 2, 30]) {
      // df 1: F = 1/2 + atan(t)/π. df 2: F = 1/2 + t / (2 √(t² + 2)).
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(t * t + 2)), 13);
      // df 4: with s = 1 + t²/4, F = 1/2 + (3/8) (t/√s) (1 - t²/(12 s)).
      const s = 1 + (t * t) / 4;
      expect(studentTCdf(t, 4)).toBeCloseTo(
        0.5 + (3 / 8) * (t / Math.sqrt(s)) * (1 - (t * t) / (12 * s)),
        13,
      );
    }
  });

  it('matches table values', () => {
    // The 97.5% quantile of t(10) is 2.228: two-sided p ≈ 0.05.
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05001177181711132, 13); // scipy
    // For huge df the t tends to the normal: t = 1.96 gives p ≈ 0.05.
    expect(studentTTwoSidedP(1.96, 1e6)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSidedP(1.96, 1e6)).toBeCloseTo(0.04999606758526985, 9); // scipy
    expect(studentTCdf(0.5, 3.5)).toBeCloseTo(0.6765747803387245, 13); // scipy
    expect(studentTCdf(1.3, 30)).toBeCloseTo(0.8982495207309416, 13); // scipy
    expect(studentTTwoSidedP(-40, 7) / 1.5902179984850364e-9).toBeCloseTo(1, 10); // scipy
    expect(studentTTwoSidedP(1.96, Number.POSITIVE_INFINITY)).toBeCloseTo(2 * normalCdf(-1.96), 14);
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 5)).toBe(0);
    expect(studentTTwoSidedP(0, 5)).toBe(1);
  });
});
