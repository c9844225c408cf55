import { describe, expect, it } from 'vitest';
import type { TripleBatch } from '../../training/sampler.js';
import { Rng } from '../../util/rng.js';
import { VbprStepper, type VbprTables } from './vbpr-core.js';

const nUsers = 4;
const nItems = 7;
const d = 5;
const F = 5;
const reg = 0.3;

function setup(seed: number): { tables: VbprTables; features: Float32Array } {
  const rng = new Rng(seed);
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * s);
  const features = rand(nItems * F, 1);
  features.fill(0, 6 * F, 7 * F); // item 6 lacks the modality
  return {
    tables: {
      user: rand(nUsers * 2 * d, 0.8),
      itemId: rand(nItems * d, 0.8),
      projection: rand(d * F, 0.6),
      projectionBias: rand(d, 0.3),
    },
    features,
  };
}

// Duplicates on purpose: user 0 twice, item 1 as positive and negative, item 2 twice as positive.
const batch: TripleBatch = {
  size: 5,
  users: Int32Array.of(0, 1, 0, 2, 3),
  pos: Int32Array.of(1, 2, 2, 3, 6),
  neg: Int32Array.of(4, 1, 5, 6, 0),
};

/** The batch loss in float64 straight from the definition (MMRec's VBPR calculate_loss). */
function referenceLoss(t: VbprTables, f: Float32Array): number {
  const item = (i: number): number[] => {
    const v: number[] = [];
    for (let k = 0; k < d; k++) v.push(t.itemId[i * d + k]!);
    for (let k = 0; k < d; k++) {
      let s = t.projectionBias[k]!;
      for (let c = 0; c < F; c++) s += t.projection[k * F + c]! * f[i * F + c]!;
      v.push(s);
    }
    return v;
  };
  const userRow = (u: number): number[] => Array.from(t.user.subarray(u * 2 * d, (u + 1) * 2 * d));
  const dotp = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
  let bpr = 0;
  let sqU = 0;
  let sqP = 0;
  let sqN = 0;
  for (let b = 0; b < batch.size; b++) {
    const u = userRow(batch.users[b]!);
    const xi = item(batch.pos[b]!);
    const xj = item(batch.neg[b]!);
    const x = dotp(u, xi) - dotp(u, xj);
    bpr += Math.log1p(Math.exp(-x));
    sqU += dotp(u, u);
    sqP += dotp(xi, xi);
    sqN += dotp(xj, xj);
  }
  const n = batch.size;
  return bpr / n + (reg * (Math.sqrt(sqU) + Math.sqrt(sqP) + Math.sqrt(sqN))) / n;
}

describe('VbprStepper', () => {
  it('computes the loss and the gradients of all tables (checked by finite differences)', () => {
    const { tables, features } = setup(7);
    const stepper = new VbprStepper(tables, features, { dim: d, lr: 0.01, reg });
    const g = stepper.gradients(batch);
    expect(g.loss).toBeCloseTo(referenceLoss(tables, features), 5);
    const eps = 1e-3;
    for (const name of ['user', 'itemId', 'projection', 'projectionBias'] as const) {
      const table = tables[name];
      let maxErr = 0;
      let maxAbs = 0;
      for (let k = 0; k < table.length; k++) {
        const orig = table[k]!;
        table[k] = orig + eps;
        const up = referenceLoss(tables, features);
        table[k] = orig - eps;
        const down = referenceLoss(tables, features);
        table[k] = orig;
        const fd = (up - down) / (2 * eps);
        maxErr = Math.max(maxErr, Math.abs(fd - g[name][k]!));
        maxAbs = Math.max(maxAbs, Math.abs(fd));
      }
      expect(maxAbs, name).toBeGreaterThan(1e-3); // the check is not vacuous
      expect(maxErr, name).toBeLessThan(2e-4);
    }
  });

  it('gradients() leaves the tables unchanged and is repeatable', () => {
    const { tables, features } = setup(8);
    const before = tables.projection.slice();
    const stepper = new VbprStepper(tables, features, { dim: d, lr: 0.01, reg });
    const a = stepper.gradients(batch);
    const b = stepper.gradients(batch);
    expect(Array.from(tables.projection)).toEqual(Array.from(before));
    expect(Array.from(b.projection)).toEqual(Array.from(a.projection));
    expect(Array.from(b.user)).toEqual(Array.from(a.user));
  });

  it('decreases the loss of a fixed batch over repeated steps', () => {
    const { tables, features } = setup(9);
    const stepper = new VbprStepper(tables, features, { dim: d, lr: 0.01, reg: 1e-3 });
    const first = stepper.step(batch);
    let last = first;
    for (let s = 0; s < 200; s++) last = stepper.step(batch);
    expect(last).toBeLessThan(first * 0.5);
  });
});
