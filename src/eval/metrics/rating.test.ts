import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { mae, rmse } from './rating.js';

describe('rating metrics', () => {
  it('rmse and mae by hand', () => {
    // errors 0, -1, -2: rmse = √((0 + 1 + 4) / 3), mae = (0 + 1 + 2) / 3 = 1.
    const pred = Float32Array.from([1, 2, 3]);
    const truth = Float64Array.from([1, 3, 5]);
    expect(rmse(pred, truth)).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(mae(pred, truth)).toBeCloseTo(1, 12);
    expect(rmse([2.5], [2.5])).toBe(0);
  });

  it('rejects different lengths and empty input', () => {
    expect(() => rmse([1, 2], [1])).toThrow(InvalidArgumentError);
    expect(() => mae([], [])).toThrow(/empty/);
  });
});
