import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { accuracy, aucBinary, logLoss } from './classification.js';

describe('classification metrics', () => {
  it('accuracy predicts 1 strictly above the threshold', () => {
    // predictions (> 0.5): 1, 0, 0, 1 vs labels 1, 0, 1, 0 -> 2 of 4 right.
    expect(accuracy([0.9, 0.4, 0.5, 0.6], [1, 0, 1, 0])).toBeCloseTo(0.5, 12);
    // threshold 0.45: 1, 0, 1, 1 -> 3 of 4.
    expect(accuracy([0.9, 0.4, 0.5, 0.6], Uint8Array.from([1, 0, 1, 0]), 0.45)).toBeCloseTo(0.75, 12);
  });

  it('logLoss by hand, with clipping', () => {
    // -(ln 0.8 + ln(1 - 0.3)) / 2
    expect(logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    // p = 0 for a positive and p = 1 for a negative are clipped to 1e-15: ln(1e15) each.
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(15 * Math.log(10), 6);
    expect(Number.isFinite(logLoss([0], [1], 1e-7))).toBe(true);
  });

  it('aucBinary: rank-sum AUC with ties as 1/2', () => {
    // Positives 0.35, 0.8 vs negatives 0.1, 0.4: 0.35 beats 0.1; 0.8 beats both -> 3/4.
    expect(aucBinary([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // Positives 0.5, 0.9 vs negatives 0.5, 0.2: 0.5 ties 0.5 (1/2), beats 0.2; 0.9 beats both -> 3.5/4.
    expect(aucBinary(Float32Array.from([0.5, 0.5, 0.2, 0.9]), [1, 0, 0, 1])).toBeCloseTo(0.875, 12);
    expect(aucBinary([0.3, 0.3, 0.3], [1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(aucBinary([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('validates labels and lengths', () => {
    expect(() => accuracy([0.1], [2])).toThrow(/labels\[0\]/);
    expect(() => logLoss([0.1, 0.2], [1])).toThrow(InvalidArgumentError);
    expect(() => aucBinary([Number.NaN, 1], [1, 0])).toThrow(/NaN/);
  });
});
