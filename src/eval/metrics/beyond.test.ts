import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { catalogCoverage, intraListDiversity, meanIntraListDiversity, novelty } from './beyond.js';

const L = (...xs: number[]) => Int32Array.from(xs);

describe('beyond-accuracy metrics', () => {
  it('catalogCoverage in both list forms', () => {
    // Items 0, 1, 2 of 5 are recommended -> 3/5.
    expect(catalogCoverage([L(0, 1), L(1, 2)], 5)).toBeCloseTo(0.6, 12);
    expect(catalogCoverage({ flat: L(0, 1, 1, 2, -1, -1), k: 2 }, 5)).toBeCloseTo(0.6, 12);
    expect(() => catalogCoverage([L(5)], 5)).toThrow(InvalidArgumentError);
    expect(() => catalogCoverage({ flat: L(0, 1, 2), k: 2 }, 5)).toThrow(/lists.k/);
  });

  it('novelty: mean self-information, popularity 0 counted as 1', () => {
    // nUsers 4, pop [4, 2, 1, 0]: -log2(pop/4) = 0, 1, 2, 2 (pop 0 -> 1).
    // Lists [0,1] -> 0.5 and [2,3] -> 2; the empty third list is skipped -> 1.25.
    const pop = Int32Array.from([4, 2, 1, 0]);
    expect(novelty([L(0, 1), L(2, 3), L()], pop, 4)).toBeCloseTo(1.25, 12);
    expect(novelty({ flat: L(0, 1, 2, 3), k: 2 }, Float32Array.from(pop), 4)).toBeCloseTo(1.25, 12);
    expect(novelty([L(-1)], pop, 4)).toBeNaN();
  });

  it('intraListDiversity: mean pairwise 1 - cosine', () => {
    // Vectors: 0 = (1,0), 1 = (0,1), 2 = (1,1), 3 = (0,0).
    const v = Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]);
    // [0,1,2]: 1 - 0, 1 - 1/√2, 1 - 1/√2 over 3 pairs.
    expect(intraListDiversity(L(0, 1, 2), v, 2)).toBeCloseTo((1 + 2 * (1 - Math.SQRT1_2)) / 3, 6);
    expect(intraListDiversity(L(0, 3), v, 2)).toBe(1); // zero vector: cosine 0
    expect(intraListDiversity(L(0, 0), v, 2)).toBe(0);
    expect(intraListDiversity(L(2, -1), v, 2)).toBe(0); // fewer than 2 items
    // Mean over lists with >= 2 items: (1 + 0) / 2.
    expect(meanIntraListDiversity([L(0, 1), L(1, 1), L(3)], v, 2)).toBeCloseTo(0.5, 12);
    expect(() => intraListDiversity(L(0, 4), v, 2)).toThrow(InvalidArgumentError);
  });
});
