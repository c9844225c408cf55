import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { topK, topKRanked } from './topk.js';

describe('topK', () => {
  it('returns the k best, best first, with ties to the lower index', () => {
    const s = Float32Array.from([1, 5, 3, 5, 2, 5]);
    const r = topKRanked(s, 4);
    expect(Array.from(r.items)).toEqual([1, 3, 5, 2]);
    expect(Array.from(r.scores)).toEqual([5, 5, 5, 3]);
  });

  it('skips excluded items, -Infinity and NaN, and returns fewer when too few remain', () => {
    const s = Float32Array.from([1, Number.NEGATIVE_INFINITY, Number.NaN, 4]);
    const r = topKRanked(s, 3, (i) => i === 3);
    expect(Array.from(r.items)).toEqual([0]);
  });

  it('agrees with a full sort on random data', () => {
    const rng = new Rng(7);
    const s = new Float32Array(5000);
    for (let i = 0; i < s.length; i++) s[i] = Math.round(rng.next() * 200) / 10; // many ties
    const out = new Int32Array(50);
    const n = topK(s, 50, out);
    const ref = Array.from(s.keys())
      .sort((a, b) => s[b]! - s[a]! || a - b)
      .slice(0, 50);
    expect(n).toBe(50);
    expect(Array.from(out)).toEqual(ref);
  });

  it('works on a slice given by offset and n', () => {
    const s = Float32Array.from([9, 9, 1, 3, 2]);
    const out = new Int32Array(2);
    expect(topK(s, 2, out, undefined, { offset: 2, n: 3 })).toBe(2);
    expect(Array.from(out)).toEqual([1, 2]);
  });
});
