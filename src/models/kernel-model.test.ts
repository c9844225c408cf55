import { describe, expect, it } from 'vitest';
import { KernelModel } from './kernel-model.js';

describe('KernelModel', () => {
  it('scores and recommends from a dot kernel, excluding items', () => {
    const m = new KernelModel('fixed', {
      kind: 'dot',
      nUsers: 2,
      nItems: 3,
      dim: 1,
      userFactors: Float32Array.of(1, -1),
      itemFactors: Float32Array.of(1, 2, 3),
    });
    const out = new Float32Array(6);
    m.scoreBatch(Int32Array.of(0, 1), out);
    expect(Array.from(out)).toEqual([1, 2, 3, -1, -2, -3]);
    expect(Array.from(m.recommend(0, 2).items)).toEqual([2, 1]);
    expect(Array.from(m.recommend(1, 2, { exclude: (i) => i === 0 }).items)).toEqual([1, 2]);
    expect(() => m.similarItems()).toThrow(/no item similarity/);
  });
});
