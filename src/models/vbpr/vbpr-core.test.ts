import { describe, expect, it } from 'vitest';
import type { TripleBatch } from '../../training/sampler.js';
import { Rng } from '../../util/rng.js';
import { VbprStepper, type VbprTables } from './vbpr-core.js';

const nUsers = 4;
const d = 5;
const F = 5;
const reg = 0.3;

function setup(seed: number, nItems = 7): { tables: VbprTables; features: Float32Array } {
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
  const F = t.projection.length / d;
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

const create = (tables: VbprTables, features: Float32Array, backend: 'onnx' | 'wasm', r = reg) =>
  VbprStepper.create(tables, features, { dim: d, lr: 0.01, reg: r, maxBatch: 8, products: { backend } });

/** Copies of the tables (the stepper's copies stay apart from the finite-difference probes). */
const copy = (t: VbprTables): VbprTables => ({
  user: t.user.slice(),
  itemId: t.itemId.slice(),
  projection: t.projection.slice(),
  projectionBias: t.projectionBias.slice(),
});

describe.each([
  ['onnx', 'all items (dense slots)', 7],
  ['wasm', 'all items (dense slots)', 7],
  ['onnx', 'distinct items only', 40],
  ['wasm', 'distinct items only', 40],
] as const)('VbprStepper (%s products, %s)', (backend, _mode, nItems) => {
  it('computes the loss and the gradients of all tables (checked by finite differences)', async () => {
    const { tables, features } = setup(7, nItems);
    const stepper = await create(copy(tables), features, backend);
    expect(stepper.backend).toBe(backend);
    const g = await stepper.gradients(batch);
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
    await stepper.release();
  });

  it('gradients() changes nothing and is repeatable; writeBack returns the parameters', async () => {
    const { tables, features } = setup(8, nItems);
    const mine = copy(tables);
    const stepper = await create(mine, features, backend);
    const a = await stepper.gradients(batch);
    const b = await stepper.gradients(batch);
    expect(Array.from(b.projection)).toEqual(Array.from(a.projection));
    expect(Array.from(b.user)).toEqual(Array.from(a.user));
    stepper.writeBack();
    expect(Array.from(mine.projection)).toEqual(Array.from(tables.projection));
    expect(Array.from(mine.user)).toEqual(Array.from(tables.user));
    await stepper.step(batch);
    stepper.writeBack();
    expect(Array.from(mine.user)).not.toEqual(Array.from(tables.user));
    await stepper.release();
  });

  it('decreases the loss of a fixed batch over repeated steps', async () => {
    const { tables, features } = setup(9, nItems);
    const stepper = await create(tables, features, backend, 1e-3);
    const first = await stepper.step(batch);
    let last = first;
    for (let s = 0; s < 200; s++) last = await stepper.step(batch);
    expect(last).toBeLessThan(first * 0.5);
    await stepper.release();
  });
});

describe('VbprStepper backends', () => {
  it('onnx and wasm products train to the same tables (to float rounding)', async () => {
    const run = async (backend: 'onnx' | 'wasm') => {
      const { tables, features } = setup(11, 40);
      const stepper = await create(tables, features, backend);
      for (let s = 0; s < 20; s++) await stepper.step(batch);
      stepper.writeBack();
      await stepper.release();
      return tables;
    };
    const [a, b] = [await run('onnx'), await run('wasm')];
    let maxDiff = 0;
    for (let k = 0; k < a.projection.length; k++)
      maxDiff = Math.max(maxDiff, Math.abs(a.projection[k]! - b.projection[k]!));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(Array.from(a.projection)).not.toEqual(Array.from(setup(11, 40).tables.projection));
  });
});
