/**
 * @module rerank/popularity.test
 * Inverse-propensity and tail-boost re-scoring by hand.
 */
import { describe, expect, it } from 'vitest';
import { inversePropensityStage, tailBoostStage } from './popularity.js';

const ids = Int32Array.of(0, 1, 2, 3);
const scores = [3, 2.7, 1.5, 0]; // scaled 1, 0.9, 0.5, 0
const ctx = { itemPopularity: [99, 0, 3, 0], tail: Uint8Array.of(0, 1, 1, 1) };

describe('popularity correction', () => {
  it('divides the scaled score by (1 + pop)^beta', () => {
    // 1/100, 0.9/1, 0.5/4, 0
    const r = inversePropensityStage(1)(ids, scores, ctx);
    expect([...r.ids]).toEqual([1, 2, 0, 3]);
    expect(r.scores[0]).toBeCloseTo(0.9, 12);
    expect(r.scores[1]).toBeCloseTo(0.125, 12);
    expect(r.scores[2]).toBeCloseTo(0.01, 12);
    expect([...inversePropensityStage(0)(ids, scores, ctx).ids]).toEqual([0, 1, 2, 3]);
  });
  it('boosts tail items by w', () => {
    // 1, 1.1, 0.7, 0.2
    expect([...tailBoostStage(0.2)(ids, scores, ctx).ids]).toEqual([1, 0, 2, 3]);
    expect([...tailBoostStage(0.05)(ids, scores, ctx).ids]).toEqual([0, 1, 2, 3]);
  });
  it('checks its parameters and context', () => {
    expect(() => inversePropensityStage(3)).toThrow(/beta must be in \[0, 2\]/);
    expect(() => inversePropensityStage(1)(ids, scores, {})).toThrow(/item popularity/);
    expect(() => tailBoostStage(0.2)(ids, scores, {})).toThrow(/long-tail mask/);
    expect(() => tailBoostStage(0.2)(ids, [1, 2, 3, Number.NaN], ctx)).toThrow(/scores\[3\] must be finite/);
  });
});
