import { describe, expect, it } from 'vitest';
import { Adam, RowGradients, Sgd, sumDuplicateRows } from './adam.js';

/** Adam by the formula of Kingma & Ba (2015), one scalar at a time, in float64. */
function adamRef(p: number, grads: number[], lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, k) => {
    const t = k + 1;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    p -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
  return p;
}

describe('Adam', () => {
  it('matches the formula by hand for dense steps', () => {
    const p = Float32Array.of(0.5, -0.25, 1, 2);
    const adam = new Adam(p, 2, { lr: 0.01 });
    const g1 = Float32Array.of(0.1, -0.2, 0.3, 0);
    const g2 = Float32Array.of(-0.05, 0.4, 0.3, 1);
    adam.step(g1);
    adam.step(g2);
    const start = [0.5, -0.25, 1, 2];
    for (let i = 0; i < 4; i++) {
      expect(p[i]).toBeCloseTo(adamRef(start[i]!, [g1[i]!, g2[i]!], 0.01), 6);
    }
    // First step moves every entry with a non-zero gradient by about lr (m̂/√v̂ = ±1).
    expect(adamRef(0, [0.3], 0.01)).toBeCloseTo(-0.01, 6);
  });

  it('lazy step touches only the listed rows, each with its own step count', () => {
    const p = new Float32Array(4 * 3).fill(1);
    const adam = new Adam(p, 3, { lr: 0.1 });
    adam.stepRows(Int32Array.of(2), Float32Array.of(1, -1, 0.5));
    expect(Array.from(p.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(p.subarray(9))).toEqual([1, 1, 1]);
    expect(p[6]).toBeCloseTo(0.9, 6);
    expect(p[7]).toBeCloseTo(1.1, 6);
    // Row 0's first step is bias-corrected as a first step, even though row 2 has taken one.
    adam.stepRows(Int32Array.of(0, 2), Float32Array.of(2, 0, 0, 1, -1, 0.5));
    expect(p[0]).toBeCloseTo(adamRef(1, [2], 0.1), 6);
    expect(p[6]).toBeCloseTo(adamRef(1, [1, 1], 0.1), 6);
    expect(adam.state.steps[0]).toBe(1);
    expect(adam.state.steps[2]).toBe(2);
    expect(adam.state.steps[1]).toBe(0);
  });

  it('honours count, weight decay and a per-row decay term', () => {
    const p = Float32Array.of(1, 2, 3, 4);
    const adam = new Adam(p, 1, { lr: 0.1, weightDecay: 0.5 });
    adam.stepRows(Int32Array.of(1, 3), Float32Array.of(0, 0), 1);
    expect(p[1]).toBeCloseTo(adamRef(2, [0.5 * 2], 0.1), 6);
    expect(p[3]).toBe(4);
    const q = Float32Array.of(1, 2);
    const b = new Adam(q, 1, { lr: 0.1 });
    b.stepRows(Int32Array.of(0, 1), Float32Array.of(0.2, 0), 2, Float32Array.of(0, 0.25));
    expect(q[0]).toBeCloseTo(adamRef(1, [0.2], 0.1), 6);
    expect(q[1]).toBeCloseTo(adamRef(2, [0.25 * 2], 0.1), 6);
  });

  it('rejects bad shapes', () => {
    expect(() => new Adam(new Float32Array(5), 2)).toThrow(/rowSize/);
    expect(() => new Adam(new Float32Array(4), 2).step(new Float32Array(3))).toThrow(/grad/);
    expect(() => new Adam(new Float32Array(4), 2).stepRows(Int32Array.of(0), new Float32Array(2), 2)).toThrow(
      /count/,
    );
  });
});

describe('Sgd', () => {
  it('steps rows and the dense table', () => {
    const p = Float32Array.of(1, 1, 1, 1);
    const sgd = new Sgd(p, 2, { lr: 0.5 });
    sgd.stepRows(Int32Array.of(1), Float32Array.of(2, -2));
    expect(Array.from(p)).toEqual([1, 1, 0, 2]);
    sgd.step(Float32Array.of(1, 1, 1, 1));
    expect(Array.from(p)).toEqual([0.5, 0.5, -0.5, 1.5]);
  });
});

describe('duplicate rows', () => {
  it('sumDuplicateRows compacts repeated rows and sums their gradients', () => {
    const rows = Int32Array.of(3, 1, 3, 0, 1);
    const grads = Float32Array.of(1, 1, 2, 2, 10, 10, 5, 5, 20, 20);
    const n = sumDuplicateRows(rows, grads, 2);
    expect(n).toBe(3);
    expect(Array.from(rows.subarray(0, n))).toEqual([3, 1, 0]);
    expect(Array.from(grads.subarray(0, 2 * n))).toEqual([11, 11, 22, 22, 5, 5]);
  });

  it('a summed lazy step equals one step with the total gradient', () => {
    const a = Float32Array.of(1, 1, 1, 1);
    const b = Float32Array.of(1, 1, 1, 1);
    const rows = Int32Array.of(1, 1);
    const grads = Float32Array.of(0.1, 0.2, 0.3, -0.1);
    const n = sumDuplicateRows(rows, grads, 2);
    new Adam(a, 2).stepRows(rows, grads, n);
    new Adam(b, 2).stepRows(Int32Array.of(1), Float32Array.of(0.4, 0.1));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('RowGradients hands out one zeroed slot per row and forgets them on reset', () => {
    const acc = new RowGradients(10, 2, 1);
    const s1 = acc.slot(7);
    acc.grads[s1 * 2] = 1;
    const s2 = acc.slot(2);
    acc.grads[s2 * 2 + 1] = 3;
    expect(acc.slot(7)).toBe(s1);
    acc.grads[acc.slot(7) * 2]! += 1;
    expect(acc.count).toBe(2);
    expect(Array.from(acc.rows.subarray(0, 2))).toEqual([7, 2]);
    expect(Array.from(acc.grads.subarray(0, 4))).toEqual([2, 0, 0, 3]);
    acc.reset();
    expect(acc.count).toBe(0);
    expect(acc.slot(2)).toBe(0);
    expect(Array.from(acc.grads.subarray(0, 2))).toEqual([0, 0]);
  });
});
