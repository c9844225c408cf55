import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { aucBinary } from './classification.js';
import {
  aucFromScores,
  metricKey,
  RANKING_METRICS,
  type RankingMetricName,
  rankingMetric,
  rankingMetricKeys,
  rankingMetricsAt,
} from './ranking.js';

const h = (bits: number[]) => Uint8Array.from(bits);
const all = (hits: Uint8Array, nRel: number, k: number) =>
  Object.fromEntries(RANKING_METRICS.map((m) => [m, rankingMetric(m, hits, nRel, k)]));

describe('rankingMetric', () => {
  it('hits [0,1,0,1], nRelevant 3, k 4', () => {
    // h = 2 hits. recall = 2/3, precision = 2/4, f1 = 2·(1/2·2/3)/(1/2+2/3) = (2/3)/(7/6) = 4/7.
    // DCG = 1/log2(3) + 1/log2(5); IDCG over min(3,4) = 3 positions = 1 + 1/log2(3) + 1/log2(4).
    // AP = (P@2 + P@4) / min(3,4) = (1/2 + 2/4) / 3 = 1/3; first hit at rank 2 -> mrr 1/2.
    const v = all(h([0, 1, 0, 1]), 3, 4);
    expect(v.recall).toBeCloseTo(2 / 3, 12);
    expect(v.precision).toBeCloseTo(0.5, 12);
    expect(v.f1).toBeCloseTo(4 / 7, 12);
    expect(v.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(v.map).toBeCloseTo((1 / 2 + 2 / 4) / 3, 12);
    expect(v.hit).toBe(1);
    expect(v.mrr).toBeCloseTo(0.5, 12);
  });

  it('nRelevant > k: IDCG and the AP divisor stop at k', () => {
    // hits [1,0,1 | 1,0], nRelevant 10, k 3: top-3 hits at ranks 1 and 3, h = 2.
    // recall 2/10, precision 2/3, ndcg = (1 + 1/log2 4) / (1 + 1/log2 3 + 1/log2 4),
    // map = (P@1 + P@3) / min(10,3) = (1 + 2/3) / 3 = 5/9, mrr 1.
    const v = all(h([1, 0, 1, 1, 0]), 10, 3);
    expect(v.recall).toBeCloseTo(0.2, 12);
    expect(v.precision).toBeCloseTo(2 / 3, 12);
    expect(v.ndcg).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(v.map).toBeCloseTo(5 / 9, 12);
    expect(v.mrr).toBe(1);
    expect(v.hit).toBe(1);
  });

  it('a list shorter than k counts the missing positions as misses', () => {
    // hits [0,1], nRelevant 2, k 5: recall 1/2, precision 1/5 (divided by k, not by the length),
    // f1 = 2·(1/5·1/2)/(1/5+1/2) = 2/7, ndcg = (1/log2 3) / (1 + 1/log2 3), map = (1/2)/2, mrr 1/2.
    const v = all(h([0, 1]), 2, 5);
    expect(v.recall).toBeCloseTo(0.5, 12);
    expect(v.precision).toBeCloseTo(0.2, 12);
    expect(v.f1).toBeCloseTo(2 / 7, 12);
    expect(v.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(v.map).toBeCloseTo(0.25, 12);
    expect(v.mrr).toBeCloseTo(0.5, 12);
  });

  it('hits past k are ignored; no hits and nRelevant 0 give 0', () => {
    expect(all(h([0, 0, 1]), 1, 2)).toEqual({
      recall: 0,
      precision: 0,
      f1: 0,
      ndcg: 0,
      map: 0,
      hit: 0,
      mrr: 0,
    });
    expect(all(h([]), 0, 3)).toEqual({ recall: 0, precision: 0, f1: 0, ndcg: 0, map: 0, hit: 0, mrr: 0 });
    // A perfect list: every metric but precision is 1.
    const perfect = all(h([1, 1, 0]), 2, 3);
    expect(perfect.ndcg).toBeCloseTo(1, 12);
    expect(perfect.map).toBeCloseTo(1, 12);
    expect(perfect.recall).toBe(1);
  });

  it('rejects bad arguments', () => {
    expect(() => rankingMetric('recall', h([1]), 1, 0)).toThrow(InvalidArgumentError);
    expect(() => rankingMetric('recall', h([1]), 1, 2.5)).toThrow(/k must be/);
    expect(() => rankingMetric('recall', h([1]), -1, 2)).toThrow(/nRelevant/);
    expect(() => rankingMetric('foo' as RankingMetricName, h([1]), 1, 2)).toThrow(/unknown ranking metric/);
  });
});

describe('rankingMetricsAt', () => {
  it('matches rankingMetric for every name and (unsorted) cut-off, at an offset', () => {
    const rng = new Rng(7);
    const ks = [10, 1, 5, 30];
    const names = [...RANKING_METRICS];
    const out = new Float64Array(3 + names.length * ks.length);
    for (let trial = 0; trial < 200; trial++) {
      const len = rng.int(25);
      const hits = new Uint8Array(len);
      for (let j = 0; j < len; j++) hits[j] = rng.next() < 0.3 ? 1 : 0;
      const nRel = hits.reduce((s, x) => s + x, 0) + rng.int(5);
      rankingMetricsAt(hits, nRel, ks, names, out, 3);
      names.forEach((name, i) => {
        ks.forEach((k, c) => {
          expect(out[3 + i * ks.length + c]).toBeCloseTo(rankingMetric(name, hits, nRel, k), 12);
        });
      });
    }
  });

  it('keys follow the same layout; too short an output throws', () => {
    expect(metricKey('recall', 20)).toBe('recall@20');
    expect(rankingMetricKeys(['recall', 'ndcg'], [10, 20])).toEqual([
      'recall@10',
      'recall@20',
      'ndcg@10',
      'ndcg@20',
    ]);
    expect(() => rankingMetricsAt(h([1]), 1, [5, 10], ['recall'], new Float64Array(1), 0)).toThrow(/out/);
    expect(() => rankingMetricsAt(h([1]), 1, [0], ['recall'], new Float64Array(1), 0)).toThrow(/ks\[0\]/);
  });
});

describe('aucFromScores', () => {
  const scores = Float32Array.from([0.9, 0.5, 0.5, 0.125, 0.75]);

  it('counts ties as 1/2', () => {
    // Positive item 1 (0.5) vs negatives 0.9, 0.5, 0.125, 0.75: win 0.125, tie 0.5 -> 1.5 / 4.
    expect(aucFromScores(scores, Int32Array.from([1]))).toBeCloseTo(0.375, 12);
    // Positives 0.9 and 0.5 vs negatives 0.5, 0.125, 0.75: 0.9 wins 3; 0.5 ties 1, wins 1 -> 4.5 / 6.
    expect(aucFromScores(scores, Int32Array.from([0, 1]))).toBeCloseTo(0.75, 12);
  });

  it('leaves out excluded items, given sorted or as a predicate', () => {
    // Item 3 excluded: 0.9 beats 0.5 and 0.75 (2); 0.5 ties 0.5, loses to 0.75 (0.5) -> 2.5 / 4.
    const rel = Int32Array.from([0, 1]);
    expect(aucFromScores(scores, rel, Int32Array.from([3]))).toBeCloseTo(0.625, 12);
    expect(aucFromScores(scores, rel, (i) => i === 3)).toBeCloseTo(0.625, 12);
    // An excluded positive is ignored: only item 1 remains, vs 0.5, 0.75 -> 0.5 / 2.
    expect(aucFromScores(scores, rel, Int32Array.from([0, 3]))).toBeCloseTo(0.25, 12);
  });

  it('is NaN without positives or negatives, and rejects out-of-range items', () => {
    expect(aucFromScores(scores, Int32Array.from([]))).toBeNaN();
    expect(aucFromScores(scores, Int32Array.from([0, 1, 2, 3, 4]))).toBeNaN();
    expect(() => aucFromScores(scores, Int32Array.from([5]))).toThrow(InvalidArgumentError);
  });

  it('agrees with a brute-force count and with the sort-based aucBinary', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 40;
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) s[i] = rng.int(8) / 8; // many ties
      s[0] = Number.NEGATIVE_INFINITY;
      const relSet = new Set<number>();
      while (relSet.size < 1 + rng.int(6)) relSet.add(rng.int(n));
      const rel = Int32Array.from(relSet);
      const ex = Int32Array.from([...new Set([rng.int(n), rng.int(n), rng.int(n)])].sort((x, y) => x - y));
      let num = 0;
      let pairs = 0;
      const labels: number[] = [];
      const kept: number[] = [];
      for (let i = 0; i < n; i++) {
        if (ex.includes(i)) continue;
        kept.push(s[i]!);
        labels.push(relSet.has(i) ? 1 : 0);
      }
      for (const p of rel) {
        if (ex.includes(p)) continue;
        for (let i = 0; i < n; i++) {
          if (ex.includes(i) || relSet.has(i)) continue;
          pairs++;
          num += s[p]! > s[i]! ? 1 : s[p] === s[i] ? 0.5 : 0;
        }
      }
      const got = aucFromScores(s, rel, ex);
      if (pairs === 0) expect(got).toBeNaN();
      else {
        expect(got).toBeCloseTo(num / pairs, 12);
        expect(got).toBeCloseTo(aucBinary(kept, labels), 12);
      }
    }
  });
});
