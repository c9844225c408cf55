/**
 * @module rerank/mmr.test
 * MMR on three items where two are duplicates, checked against a hand computation.
 */
import { describe, expect, it } from 'vitest';
import { mmrStage } from './mmr.js';

const vectors = [Float32Array.of(1, 0), Float32Array.of(2, 0), Float32Array.of(0, 1), Float32Array.of(0, 0)];
const ctx = { itemVector: (i: number) => vectors[i] };
const ids = Int32Array.of(0, 1, 2);
const scores = [1, 0.9, 0.5]; // scaled: 1, 0.8, 0

describe('mmrStage', () => {
  it('keeps the score order at lambda 0', () => {
    expect([...mmrStage(0)(ids, scores, ctx).ids]).toEqual([0, 1, 2]);
  });
  it('skips the near-duplicate at lambda 0.5', () => {
    // step 2: item1 0.5·0.8 − 0.5·cos 1 = −0.1; item2 0.5·0 − 0.5·0 = 0 -> item2
    const r = mmrStage(0.5)(ids, scores, ctx);
    expect([...r.ids]).toEqual([0, 2, 1]);
    expect([...r.scores]).toEqual([1, 0.5, 0.9]); // input scores carried with their ids
  });
  it('still prefers relevance at lambda 0.1', () => {
    // item1 0.9·0.8 − 0.1 = 0.62 > item2 0
    expect([...mmrStage(0.1)(ids, scores, ctx).ids]).toEqual([0, 1, 2]);
  });
  it('fills only k positions greedily, the rest keep input order; zero vectors are dissimilar', () => {
    const r = mmrStage(0.5, 1)(Int32Array.of(0, 1, 3), [1, 0.9, 0.8], ctx);
    expect([...r.ids]).toEqual([0, 1, 3]);
    const r2 = mmrStage(0.5, 2)(Int32Array.of(0, 1, 3), [1, 0.9, 0.8], ctx);
    // scaled scores 1, 0.5, 0; item1: 0.5·0.5 − 0.5·1 = −0.25; item3 (zero vector): 0 − 0 = 0
    expect([...r2.ids]).toEqual([0, 3, 1]);
  });
  it('rejects bad arguments', () => {
    expect(() => mmrStage(1.5)).toThrow(/lambda must be in \[0, 1\]/);
    expect(() => mmrStage(0.5)(ids, scores, {})).toThrow(/needs item vectors/);
    expect(() => mmrStage(0.5)(ids, [1, 2], ctx)).toThrow(/must align/);
  });
});
