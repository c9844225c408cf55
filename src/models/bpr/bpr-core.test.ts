import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { bceWithLogits } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import { Rng } from '../../util/rng.js';
import { type BprLoss, BprStepper } from './bpr-core.js';

const d = 5;
const nUsers = 3;
const nItems = 4;
// Duplicates on purpose: user 1 twice, item 2 as positive and as negative, item 3 twice as negative.
const batch: TripleBatch = {
  size: 3,
  users: Int32Array.of(1, 0, 1),
  pos: Int32Array.of(2, 1, 0),
  neg: Int32Array.of(3, 2, 3, 3, 0, 2),
};

function tables(seed: number): { userFactors: Float32Array; itemFactors: Float32Array } {
  const rng = new Rng(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.5);
  return { userFactors: f(nUsers * d), itemFactors: f(nItems * d) };
}

/** Loss of one step on fresh copies of `t` (the stepper returns the loss before its update). */
function lossAt(
  t: { userFactors: Float32Array; itemFactors: Float32Array },
  reg: number,
  loss: BprLoss = 'bpr',
): number {
  const copy = { userFactors: t.userFactors.slice(), itemFactors: t.itemFactors.slice() };
  return new BprStepper(copy, { dim: d, lr: 1, reg, negatives: 2, optimizer: 'sgd', loss }).step(batch);
}

describe('BprStepper', () => {
  it.each([
    ['mean BPR', 'bpr'],
    ['BCE with sampled negatives', 'bce'],
  ] as const)('computes the gradient of %s + reg · EmbLoss (checked by finite differences)', (_, loss) => {
    const reg = 0.3;
    const t0 = tables(1);
    // An SGD step with lr 1 moves each parameter by minus its gradient.
    const after = { userFactors: t0.userFactors.slice(), itemFactors: t0.itemFactors.slice() };
    new BprStepper(after, { dim: d, lr: 1, reg, negatives: 2, optimizer: 'sgd', loss }).step(batch);
    const h = 1e-2;
    let moved = 0;
    for (const name of ['userFactors', 'itemFactors'] as const) {
      for (let k = 0; k < t0[name].length; k++) {
        const analytic = t0[name][k]! - after[name][k]!;
        moved += Math.abs(analytic);
        const plus = { userFactors: t0.userFactors.slice(), itemFactors: t0.itemFactors.slice() };
        const minus = { userFactors: t0.userFactors.slice(), itemFactors: t0.itemFactors.slice() };
        plus[name][k]! += h;
        minus[name][k]! -= h;
        const numeric = (lossAt(plus, reg, loss) - lossAt(minus, reg, loss)) / (2 * h);
        expect(analytic).toBeCloseTo(numeric, 3);
      }
    }
    expect(moved).toBeGreaterThan(0.1);
  });

  it('returns the BCE batch loss: Σ_pairs [−log σ(s⁺) − Σ_j log(1 − σ(s⁻_j))] / size + reg · EmbLoss', () => {
    const t = tables(3);
    const U = t.userFactors;
    const V = t.itemFactors;
    const dot = (u: number, i: number) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += U[u * d + k]! * V[i * d + k]!;
      return s;
    };
    const norm = (T: Float32Array, rows: Int32Array) => {
      let s = 0;
      for (const r of rows) for (let k = 0; k < d; k++) s += T[r * d + k]! ** 2;
      return Math.sqrt(s);
    };
    let bce = 0;
    for (let b = 0; b < 3; b++) {
      bce += bceWithLogits(dot(batch.users[b]!, batch.pos[b]!), 1);
      for (let s = 0; s < 2; s++) bce += bceWithLogits(dot(batch.users[b]!, batch.neg[2 * b + s]!), 0);
    }
    const reg = 0.01;
    const expected = bce / 3 + (reg * (norm(U, batch.users) + norm(V, batch.pos) + norm(V, batch.neg))) / 3;
    expect(lossAt(t, reg, 'bce')).toBeCloseTo(expected, 6);
    // Extreme logits stay finite (stable softplus on both sides).
    const big = {
      userFactors: t.userFactors.map((x) => x * 40),
      itemFactors: t.itemFactors.map((x) => x * 40),
    };
    expect(Number.isFinite(lossAt(big, 0, 'bce'))).toBe(true);
  });

  it('rejects an unknown loss, listing the valid ones', () => {
    const t = tables(4);
    const make = () =>
      new BprStepper(t, { dim: d, lr: 1, reg: 0, negatives: 2, optimizer: 'sgd', loss: 'mse' as BprLoss });
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(/"bpr", "bce"/);
  });

  it('returns the batch loss: mean −log σ(s⁺ − s⁻) + reg · (||U_b|| + ||I_b|| + ||J_b||) / size', () => {
    const t = tables(2);
    const U = t.userFactors;
    const V = t.itemFactors;
    const dot = (u: number, i: number) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += U[u * d + k]! * V[i * d + k]!;
      return s;
    };
    const norm = (T: Float32Array, rows: Int32Array) => {
      let s = 0;
      for (const r of rows) for (let k = 0; k < d; k++) s += T[r * d + k]! ** 2;
      return Math.sqrt(s);
    };
    let bpr = 0;
    for (let b = 0; b < 3; b++) {
      for (let s = 0; s < 2; s++) {
        const x = dot(batch.users[b]!, batch.pos[b]!) - dot(batch.users[b]!, batch.neg[2 * b + s]!);
        bpr += -Math.log(1 / (1 + Math.exp(-x)));
      }
    }
    const reg = 0.01;
    const expected = bpr / 6 + (reg * (norm(U, batch.users) + norm(V, batch.pos) + norm(V, batch.neg))) / 3;
    expect(lossAt(t, reg)).toBeCloseTo(expected, 6);
  });

  it("dense Adam moves rows outside the batch with their momentum, as torch's Adam; lazy Adam does not", () => {
    // Step 1 touches user 0 and items 0, 1; step 2 touches only user 1 and items 2, 3.
    const one: TripleBatch = {
      size: 1,
      users: Int32Array.of(0),
      pos: Int32Array.of(0),
      neg: Int32Array.of(1),
    };
    const two: TripleBatch = {
      size: 1,
      users: Int32Array.of(1),
      pos: Int32Array.of(2),
      neg: Int32Array.of(3),
    };
    const lr = 0.01;
    const run = (adam: 'dense' | 'lazy') => {
      const t = tables(4);
      const stepper = new BprStepper(t, { dim: d, lr, reg: 0, negatives: 1, optimizer: 'adam', adam });
      stepper.step(one);
      const afterOne = t.userFactors.slice(0, d);
      stepper.step(two);
      return { afterOne, afterTwo: t.userFactors.slice(0, d), start: tables(4).userFactors.slice(0, d) };
    };
    const dense = run('dense');
    const lazy = run('lazy');
    // Step 1 (t = 1, bias-corrected m̂/√v̂ = sign g): every entry of user 0 moves by lr.
    for (let k = 0; k < d; k++) {
      expect(Math.abs(dense.afterOne[k]! - dense.start[k]!)).toBeCloseTo(lr, 6);
      expect(lazy.afterOne[k]!).toBe(dense.afterOne[k]!);
    }
    // Step 2 with a zero gradient (t = 2): m̂ = 0.09 g / (1 − 0.81), v̂ = 0.000999 g² / (1 − 0.999²),
    // so the row moves on by lr · 0.47368 / √0.49975 = 0.67006 · lr in the same direction.
    const expected = (0.09 / 0.19 / Math.sqrt(0.000999 / (1 - 0.999 ** 2))) * lr;
    for (let k = 0; k < d; k++) {
      const first = dense.afterOne[k]! - dense.start[k]!;
      const second = dense.afterTwo[k]! - dense.afterOne[k]!;
      expect(Math.sign(second)).toBe(Math.sign(first));
      expect(Math.abs(second)).toBeCloseTo(expected, 6);
      expect(lazy.afterTwo[k]!).toBe(lazy.afterOne[k]!);
    }
  });

  it('rejects an unknown Adam mode', () => {
    const t = tables(1);
    const o = { dim: d, lr: 1, reg: 0, negatives: 2, optimizer: 'adam' as const };
    expect(() => new BprStepper(t, { ...o, adam: 'sparse' as 'lazy' })).toThrow(InvalidArgumentError);
  });
});
