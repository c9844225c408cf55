/**
 * @module rerank/calibration.test
 * Steck's calibration on a two-category toy case, against a hand computation.
 */
import { describe, expect, it } from 'vitest';
import { calibrationKl, calibrationStage } from './calibration.js';

const cats = [['a'], ['a'], ['b'], ['a'], ['b'], []];
const ctx = { itemCategories: (i: number) => cats[i]!, history: [3, 4] }; // p = {a: .5, b: .5}
const ids = Int32Array.of(0, 1, 2);
const scores = [1, 0.9, 0.5]; // scaled 1, 0.8, 0

describe('calibrationStage', () => {
  it('computes the smoothed KL by hand', () => {
    const kl = calibrationKl(Float64Array.of(0.5, 0.5), Float64Array.of(1, 0), 1);
    expect(kl).toBeCloseTo(0.5 * Math.log(0.5 / 0.995) + 0.5 * Math.log(0.5 / 0.005), 12);
    expect(calibrationKl(Float64Array.of(0.5, 0.5), Float64Array.of(3, 3), 6)).toBeCloseTo(0, 12);
  });
  it('keeps the score order at lambda 0 and calibrates at 0.5', () => {
    expect([...calibrationStage(0)(ids, scores, ctx).ids]).toEqual([0, 1, 2]);
    // step 2: item1 0.5·1.8 − 0.5·1.958 = −0.079; item2 0.5·1 − 0 = 0.5 -> item2
    expect([...calibrationStage(0.5, 2)(ids, scores, ctx).ids]).toEqual([0, 2, 1]);
  });
  it('leaves a user without categorised history in score order', () => {
    expect([...calibrationStage(0.9)(ids, scores, { ...ctx, history: [5] }).ids]).toEqual([0, 1, 2]);
  });
  it('names the missing context', () => {
    expect(() => calibrationStage(0.5)(ids, scores, { history: [] })).toThrow(/item categories/);
    expect(() => calibrationStage(0.5)(ids, scores, { itemCategories: () => [] })).toThrow(/history/);
  });
});
