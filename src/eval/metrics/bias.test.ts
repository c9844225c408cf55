/**
 * @module eval/metrics/bias.test
 * Hand-computed cases for the popularity-bias, exposure and fairness figures.
 */
import { describe, expect, it } from 'vitest';
import { makeModality } from '../../modalities/modality.js';
import {
  activityGroups,
  averagePopularity,
  contentVectors,
  exposureGini,
  gini,
  groupAccuracy,
  listBiasFigures,
  longTailShare,
  popularityLift,
  providerExposure,
  tailItems,
  topItemsShare,
  welchTTest,
} from './bias.js';

const L = (...xs: number[]) => Int32Array.from(xs);

describe('popularity bias', () => {
  const pop = Int32Array.from([10, 5, 1, 0]);
  it('average popularity: mean of list means, padding and empty lists skipped', () => {
    // user 0: (10 + 5) / 2 = 7.5; user 1: (1 + 0) / 2 = 0.5; user 2 empty -> mean 4
    expect(averagePopularity([L(0, 1), L(2, 3, -1), L(-1)], pop)).toBe(4);
    expect(averagePopularity({ flat: L(0, 2, 1, -1), k: 2 }, pop)).toBe((5.5 + 5) / 2);
    expect(averagePopularity([L()], pop)).toBeNaN();
    expect(() => averagePopularity([L(4)], pop)).toThrow(/outside \[0, 4\)/);
  });
  it('popularity lift against the history', () => {
    // recs: u0 mean 7.5, u1 mean 10 -> R = 8.75; history u0 {2} = 1, u1 {1, 2} = 3 -> H = 2
    const hist = [L(2), L(1, 2)];
    expect(popularityLift([L(0, 1), L(0)], (u) => hist[u]!, pop)).toBeCloseTo((8.75 - 2) / 2, 12);
    // a user without history is skipped
    expect(popularityLift([L(0, 1), L(0)], (u) => (u === 0 ? L() : hist[u]!), pop)).toBeCloseTo(
      (10 - 3) / 3,
      12,
    );
  });
});

describe('exposure concentration', () => {
  it('Gini of hand-computed vectors', () => {
    expect(gini([1, 1, 1, 1])).toBe(0);
    expect(gini([0, 0, 0, 4])).toBeCloseTo(3 / 4, 12); // (n-1)/n
    // sorted 1,2,3: (−2·1 + 0·2 + 2·3) / (3·6) = 4/18
    expect(gini([3, 1, 2])).toBeCloseTo(4 / 18, 12);
    expect(gini([0, 0])).toBe(0);
  });
  it('exposure Gini counts never-recommended items and top-1% share', () => {
    // exposures over 4 items: item0 2, item1 1, item2 1, item3 0 -> sorted 0,1,1,2
    // (−3·0 − 1·1 + 1·1 + 3·2) / (4·4) = 6/16
    const lists = [L(0, 1), L(0, 2)];
    expect(exposureGini(lists, 4)).toBeCloseTo(6 / 16, 12);
    // top 1% of 4 items = ceil(0.04) = 1 item (item0, 2 of 4 slots)
    expect(topItemsShare(lists, 4)).toBe(0.5);
    expect(topItemsShare(lists, 4, 0.5)).toBe(0.75);
  });
});

describe('long tail', () => {
  it('head = fewest most popular items that reach 20% of interactions', () => {
    // total 100; item1 (40) alone reaches 20 -> head {1}
    expect([...tailItems([10, 40, 30, 20])]).toEqual([1, 0, 1, 1]);
    // total 100, 20% = 20: item0 (15) is not enough, item1 (15, tie -> lower index first) joins
    expect([...tailItems([15, 15, 10, 10, 10, 10, 10, 10, 10])]).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect([...tailItems([10, 15, 15, 10, 10, 10, 10, 10, 10])]).toEqual([1, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect([...tailItems([0, 0])]).toEqual([1, 1]);
  });
  it('long-tail share is the mean per-list share', () => {
    const tail = Uint8Array.from([0, 1, 1]);
    // list0 1/2 tail, list1 1/1 tail -> 0.75
    expect(longTailShare([L(0, 1), L(2)], tail)).toBe(0.75);
  });
});

describe('content vectors', () => {
  it('concatenate L2-normalised modality rows, missing rows zero', () => {
    const a = makeModality('a', 2, 2, Float32Array.from([3, 4, 1, 0]), 'x');
    const b = makeModality('b', 2, 1, Float32Array.from([2, 5]), 'y', Uint8Array.from([1, 0]));
    const cv = contentVectors([a, b], 2)!;
    expect(cv.dim).toBe(3);
    expect([...cv.vectors].map((v) => Number(v.toFixed(6)))).toEqual([0.6, 0.8, 1, 1, 0, 0]);
    expect(contentVectors([], 2)).toBeUndefined();
  });
});

describe('group accuracy', () => {
  it('Welch t-test against a hand computation', () => {
    // a: mean 2, var 1 (n 3); b: mean 5, var 4 (n 3)... b = 3,5,7 -> var 4
    const r = welchTTest([1, 2, 3], [3, 5, 7]);
    const se = Math.sqrt(1 / 3 + 4 / 3);
    expect(r.t).toBeCloseTo(-3 / se, 12);
    // df = (1/3 + 4/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = (25/9) / (17/18) = 50/17
    expect(r.df).toBeCloseTo(50 / 17, 12);
    expect(r.pValue).toBeGreaterThan(0.05);
    expect(r.pValue).toBeLessThan(0.2);
    expect(welchTTest([1, 1], [1, 1]).pValue).toBe(1);
    expect(welchTTest([1, 1], [2, 2]).pValue).toBe(0);
  });
  it('activity bins by quantiles of train counts, ties in one bin', () => {
    const counts = [1, 2, 3, 4, 5, 6, 6, 6, 9];
    const labels = activityGroups(Int32Array.from(counts.keys()), (u) => counts[u]!, 3);
    // cuts at the 1/3 and 2/3 quantiles: 3.667 and 6 -> {1,2,3}, {4,5,6,6,6}, {9}
    expect(labels).toEqual([
      'q1 (1-3)',
      'q1 (1-3)',
      'q1 (1-3)',
      'q2 (4-6)',
      'q2 (4-6)',
      'q2 (4-6)',
      'q2 (4-6)',
      'q2 (4-6)',
      'q3 (9-9)',
    ]);
  });
  it('gap between the best and the worst group, groups of one left out of the test', () => {
    const r = groupAccuracy([1, 0.5, 0, 0.2, 0.9], ['a', 'a', 'b', 'b', 'c']);
    expect(r.groups).toEqual([
      { group: 'a', n: 2, mean: 0.75 },
      { group: 'b', n: 2, mean: 0.1 },
      { group: 'c', n: 1, mean: 0.9 },
    ]);
    expect(r.best).toBe('a');
    expect(r.worst).toBe('b');
    expect(r.gap).toBeCloseTo(0.65, 12);
    expect(r.test?.meanDiff).toBeCloseTo(0.65, 12);
    expect(groupAccuracy([1, 2], ['a', undefined]).gap).toBe(0);
  });
});

describe('provider exposure', () => {
  it('exposure share against relevance share per item group', () => {
    const group = ['x', 'x', 'y', undefined];
    const rel = [L(2), L(2, 0)];
    const r = providerExposure(
      [L(0, 1), L(0, 2)],
      (u) => rel[u]!,
      (i) => group[i],
      4,
    );
    // slots: x 3/4, y 1/4; relevant pairs: x 1/3, y 2/3
    expect(r).toEqual([
      { group: '(none)', items: 1, exposure: 0, relevance: 0, ratio: Number.NaN },
      { group: 'x', items: 2, exposure: 0.75, relevance: 1 / 3, ratio: 0.75 / (1 / 3) },
      { group: 'y', items: 1, exposure: 0.25, relevance: 2 / 3, ratio: 0.25 / (2 / 3) },
    ]);
  });
});

describe('listBiasFigures', () => {
  it('gathers every figure under its key', () => {
    const pop = Int32Array.from([10, 5, 1, 0]);
    const lists = [L(0, 1), L(0, 2)];
    const vectors = { vectors: Float32Array.from([1, 0, 1, 0, 0, 1, 0, 0]), dim: 2 };
    const f = listBiasFigures(lists, {
      nItems: 4,
      nUsers: 16,
      itemPopularity: pop,
      history: () => L(3),
      vectors,
    });
    expect(f.arp).toBe((7.5 + 5.5) / 2);
    expect(f.gini).toBeCloseTo(6 / 16, 12);
    expect(f.coverage).toBe(0.75);
    // head: item0 alone holds 10/16 >= 20% -> tail {1,2,3}; each list half tail
    expect(f.longtail).toBe(0.5);
    // list0: items 0,1 identical (distance 0); list1: 0,2 orthogonal (1) -> 0.5
    expect(f.ild).toBe(0.5);
    // history popularity 0 -> lift undefined
    expect(f.poplift).toBeNaN();
    expect(Object.keys(f).sort()).toEqual([
      'arp',
      'coverage',
      'gini',
      'ild',
      'longtail',
      'novelty',
      'poplift',
      'top1share',
    ]);
  });
});
