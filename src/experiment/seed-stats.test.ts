import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { compareOverSeeds, parseSeeds, summarize, tQuantile975 } from './seed-stats.js';

describe('tQuantile975', () => {
  it('matches published Student-t tables', () => {
    // Standard tables: t(0.975; 1) = 12.706, t(0.975; 4) = 2.776, t(0.975; 10) = 2.228, t(0.975; 30) = 2.042.
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile975(4)).toBeCloseTo(2.7764, 3);
    expect(tQuantile975(10)).toBeCloseTo(2.2281, 3);
    expect(tQuantile975(30)).toBeCloseTo(2.0423, 3);
  });
  it('rejects df < 1', () => {
    expect(() => tQuantile975(0)).toThrow(InvalidArgumentError);
  });
});

describe('summarize', () => {
  it('gives mean, sample std and the t interval (hand computation)', () => {
    const s = summarize([1, 2, 3, 4, 5]);
    // mean 3; sample variance (4+1+0+1+4)/4 = 2.5; half-width 2.7764 · √2.5 / √5 = 1.9632.
    expect(s.mean).toBe(3);
    expect(s.std).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.ciLow).toBeCloseTo(3 - 1.9632, 3);
    expect(s.ciHigh).toBeCloseTo(3 + 1.9632, 3);
    expect([s.min, s.max, s.n]).toEqual([1, 5, 5]);
  });
  it('one run has no spread', () => {
    expect(summarize([0.4])).toMatchObject({ n: 1, mean: 0.4, std: 0, ciLow: 0.4, ciHigh: 0.4 });
  });
  it('rejects empty and non-finite input', () => {
    expect(() => summarize([])).toThrow(/at least one/);
    expect(() => summarize([1, Number.NaN])).toThrow(/non-finite/);
  });
});

describe('compareOverSeeds', () => {
  it('pairs by seed: a constant lead on every seed is significant by t, Wilcoxon bounded by 2/2^n', () => {
    const b = [0.4, 0.41, 0.39, 0.405, 0.395];
    const a = b.map((v, i) => v + 0.01 + i * 0.001);
    const c = compareOverSeeds(a, b);
    expect(c.wins).toBe(5);
    expect(c.meanDiff).toBeCloseTo(0.012, 12);
    expect(c.tTestP).toBeLessThan(1e-4);
    expect(c.wilcoxonP).toBeCloseTo(2 / 32, 12);
  });
  it('no difference on average gives a large p', () => {
    const c = compareOverSeeds([1, 2, 3, 4], [2, 1, 4, 3]);
    expect(c.meanDiff).toBe(0);
    expect(c.tTestP).toBeCloseTo(1, 9);
    expect(c.wins).toBe(2);
  });
  it('rejects unequal lengths and a single seed', () => {
    expect(() => compareOverSeeds([1, 2], [1])).toThrow(/length/);
    expect(() => compareOverSeeds([1], [1])).toThrow(/at least 2/);
  });
});

describe('parseSeeds', () => {
  it('reads lists and ranges', () => {
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('999, 42,1-2')).toEqual([999, 42, 1, 2]);
  });
  it('names what is wrong', () => {
    expect(() => parseSeeds('1,x')).toThrow(/"x"/);
    expect(() => parseSeeds('1,1')).toThrow(/repeats/);
    expect(() => parseSeeds('5-1')).toThrow(/bad range/);
    expect(() => parseSeeds('')).toThrow(/empty/);
  });
});
