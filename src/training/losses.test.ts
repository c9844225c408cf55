import { describe, expect, it } from 'vitest';
import {
  bceWithLogits,
  bceWithLogitsGrad,
  bprGrad,
  bprLoss,
  embLoss,
  embLossGradScale,
  frobeniusNorm,
  gatheredNorm,
  sigmoid,
  squaredError,
  squaredErrorGrad,
} from './losses.js';

const h = 1e-6;
const fd = (f: (x: number) => number, x: number): number => (f(x + h) - f(x - h)) / (2 * h);

describe('scalar losses', () => {
  it('BPR: −log σ(x), its gradient against finite differences, stable at extremes', () => {
    expect(bprLoss(0)).toBeCloseTo(Math.LN2, 12);
    for (const x of [-30, -3, -0.5, 0, 0.7, 4, 25]) {
      expect(bprLoss(x)).toBeCloseTo(-Math.log(sigmoid(x)), 8);
      expect(bprGrad(x)).toBeCloseTo(fd(bprLoss, x), 6);
    }
    expect(bprLoss(1000)).toBe(0);
    expect(bprLoss(-1000)).toBe(1000);
    expect(bprGrad(-1000)).toBe(-1);
    expect(Number.isFinite(bprGrad(1000))).toBe(true);
  });

  it('binary cross-entropy from logits and its gradient', () => {
    for (const y of [0, 1, 0.3]) {
      for (const z of [-20, -1, 0, 2, 15]) {
        const p = sigmoid(z);
        if (Math.abs(z) < 10)
          expect(bceWithLogits(z, y)).toBeCloseTo(-y * Math.log(p) - (1 - y) * Math.log(1 - p), 8);
        expect(bceWithLogitsGrad(z, y)).toBeCloseTo(
          fd((t) => bceWithLogits(t, y), z),
          6,
        );
      }
    }
    expect(bceWithLogits(-800, 1)).toBe(800);
  });

  it('squared error and its gradient', () => {
    expect(squaredError(3, 1)).toBe(4);
    expect(squaredErrorGrad(3, 1)).toBe(4);
    expect(squaredErrorGrad(0.3, 1.2)).toBeCloseTo(
      fd((p) => squaredError(p, 1.2), 0.3),
      6,
    );
  });
});

describe('EmbLoss (MMRec): Σ ||E_t||_F / batchSize, norm not squared', () => {
  const table = Float32Array.of(3, 4, 0, 1, 2, 2);
  it('gathered norms count duplicate rows each time', () => {
    expect(gatheredNorm(table, Int32Array.of(0), 2)).toBeCloseTo(5, 12);
    expect(gatheredNorm(table, Int32Array.of(0, 0, 1), 2)).toBeCloseTo(Math.sqrt(51), 6);
    expect(gatheredNorm(table, Int32Array.of(0, 1, 2), 2)).toBeCloseTo(frobeniusNorm(table), 6);
    expect(gatheredNorm(table, Int32Array.of(0, 1, 2), 2, 1)).toBeCloseTo(5, 12);
    expect(embLoss([5, 3], 4)).toBe(2);
  });

  it('gradient E_t / (||E_t|| · batchSize) matches finite differences', () => {
    const e = [0.3, -1.2, 0.5, 2];
    const f = (x: number[]): number => embLoss([Math.hypot(...x.slice(0, 2)), Math.hypot(...x.slice(2))], 3);
    const n1 = Math.hypot(e[0]!, e[1]!);
    const n2 = Math.hypot(e[2]!, e[3]!);
    e.forEach((x, k) => {
      const analytic = x * embLossGradScale(k < 2 ? n1 : n2, 3);
      const num = fd((t) => f(e.map((y, j) => (j === k ? t : y))), x);
      expect(analytic).toBeCloseTo(num, 6);
    });
    expect(embLossGradScale(0, 3)).toBe(0);
  });
});
