import { afterEach, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { LogBuilder } from '../../data/log.js';
import { type Csr, normalizedAdjacency } from '../../math/spmm.js';
import { Adam } from '../../training/adam.js';
import { softplus } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import { Rng } from '../../util/rng.js';
import { assignSlots, batchObjective } from './objective.js';
import { Propagation } from './propagation.js';

const open: Propagation[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function graph(nUsers: number, nItems: number, edges: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const b = new LogBuilder();
  for (let k = 0; k < edges; k++) b.push(rng.int(nUsers), rng.int(nItems));
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

async function make(
  a: Csr,
  nUsers: number,
  dim: number,
  layers: number,
  threads: number,
  e0: Float64Array,
): Promise<Propagation> {
  const p = await Propagation.create(a, nUsers, { dim, layers, capacity: a.nRows, threads });
  open.push(p);
  const f = Float32Array.from(e0);
  p.setEmbeddings(f.subarray(0, nUsers * dim), f.subarray(nUsers * dim));
  return p;
}

/** F = (1/(K+1)) Σ_k Â^k E0 in float64 (dense reference). */
function referenceFinal(a: Csr, e0: Float64Array, dim: number, layers: number): Float64Array {
  const n = a.nRows;
  let cur = Float64Array.from(e0);
  const sum = Float64Array.from(e0);
  for (let k = 0; k < layers; k++) {
    const next = new Float64Array(n * dim);
    for (let r = 0; r < n; r++) {
      for (let q = a.indptr[r]!; q < a.indptr[r + 1]!; q++) {
        for (let j = 0; j < dim; j++) next[r * dim + j]! += a.values[q]! * cur[a.indices[q]! * dim + j]!;
      }
    }
    cur = next;
    for (let i = 0; i < sum.length; i++) sum[i]! += cur[i]!;
  }
  return sum.map((v) => v / (layers + 1));
}

/** The batch loss in float64, as objective.ts defines it. */
function referenceLoss(
  a: Csr,
  e0: Float64Array,
  dim: number,
  layers: number,
  nUsers: number,
  batch: TripleBatch,
  reg: number,
): number {
  const f = referenceFinal(a, e0, dim, layers);
  const row = (t: Float64Array, node: number) => t.subarray(node * dim, (node + 1) * dim);
  let bpr = 0;
  for (let b = 0; b < batch.size; b++) {
    const u = row(f, batch.users[b]!);
    const i = row(f, nUsers + batch.pos[b]!);
    const j = row(f, nUsers + batch.neg[b]!);
    let x = 0;
    for (let k = 0; k < dim; k++) x += u[k]! * (i[k]! - j[k]!);
    bpr += softplus(-x);
  }
  const norm = (nodes: Int32Array, off: number) => {
    let s = 0;
    for (const node of nodes) for (const v of row(e0, node + off)) s += v * v;
    return Math.sqrt(s);
  };
  const emb = norm(batch.users, 0) + norm(batch.pos, nUsers) + norm(batch.neg, nUsers);
  return bpr / batch.size + (reg * emb) / batch.size;
}

const nUsers = 5;
const nItems = 4;
const train = graph(nUsers, nItems, 12, 7);
const adj = normalizedAdjacency(train);
const n = nUsers + nItems;
// Repeated user 1, item 2 both positive and negative: gradients of repeated rows must add up.
const batch: TripleBatch = {
  size: 4,
  users: Int32Array.from([1, 0, 1, 3]),
  pos: Int32Array.from([2, 0, 3, 1]),
  neg: Int32Array.from([0, 2, 2, 3]),
};

describe('Propagation (WebAssembly kernels)', () => {
  for (const [dim, layers] of [
    [6, 3],
    [40, 2],
    [8, 0],
    [4, 1],
  ] as const) {
    it(`computes F = mean_k Â^k E0 for all rows and for a batch (dim ${dim}, ${layers} layers)`, async () => {
      const rng = new Rng(dim + layers);
      const e0 = Float64Array.from({ length: n * dim }, () => Math.fround(rng.normal()));
      const ref = referenceFinal(adj, e0, dim, layers);
      for (const threads of [1, 2]) {
        const p = await make(adj, nUsers, dim, layers, threads, e0);
        const users = new Float32Array(nUsers * dim);
        const items = new Float32Array(nItems * dim);
        p.finals(users, items);
        for (let i = 0; i < n * dim; i++) {
          const got = i < nUsers * dim ? users[i]! : items[i - nUsers * dim]!;
          expect(got).toBeCloseTo(ref[i]!, 5);
        }
        assignSlots(p, batch, nUsers);
        p.forward();
        for (let s = 0; s < p.count; s++) {
          const node = p.list[s]!;
          for (let j = 0; j < dim; j++) expect(p.f[s * p.pd + j]).toBeCloseTo(ref[node * dim + j]!, 5);
        }
      }
    });
  }

  for (const layers of [3, 1, 0]) {
    it(`back-propagates the exact gradient (finite differences, ${layers} layers)`, async () => {
      const dim = 6;
      const reg = 0.05;
      const rng = new Rng(11 + layers);
      const e0 = Float64Array.from({ length: n * dim }, () => Math.fround(0.8 * rng.normal()));
      const p = await make(adj, nUsers, dim, layers, 2, e0);
      assignSlots(p, batch, nUsers);
      p.zeroGradients();
      p.forward();
      const loss = batchObjective(p, batch, nUsers, reg);
      expect(loss).toBeCloseTo(referenceLoss(adj, e0, dim, layers, nUsers, batch, reg), 5);
      const grad = p.gradient();
      const h = 1e-5;
      let maxErr = 0;
      let maxAbs = 0;
      for (let i = 0; i < e0.length; i++) {
        const plus = Float64Array.from(e0);
        const minus = Float64Array.from(e0);
        plus[i]! += h;
        minus[i]! -= h;
        const fd =
          (referenceLoss(adj, plus, dim, layers, nUsers, batch, reg) -
            referenceLoss(adj, minus, dim, layers, nUsers, batch, reg)) /
          (2 * h);
        maxErr = Math.max(maxErr, Math.abs(fd - grad[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(fd));
      }
      expect(maxAbs).toBeGreaterThan(1e-2); // the check is not vacuous
      expect(maxErr).toBeLessThan(2e-5 + 1e-4 * maxAbs);
    });
  }

  it("takes torch.optim.Adam's dense step on dL/dE0", async () => {
    const dim = 6;
    const rng = new Rng(4);
    const e0 = Float64Array.from({ length: n * dim }, () => Math.fround(0.5 * rng.normal()));
    const p = await make(adj, nUsers, dim, 3, 2, e0);
    const ref = new Adam(Float32Array.from(e0), dim, { lr: 0.01 });
    assignSlots(p, batch, nUsers);
    for (let t = 1; t <= 3; t++) {
      p.zeroGradients();
      p.forward();
      batchObjective(p, batch, nUsers, 0.01);
      ref.step(p.gradient());
      p.backwardAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, t });
      const got = p.embeddings();
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(ref.param[i]!, 6);
    }
    // Rows outside the batch's neighbourhood still move (momentum), as in a dense step.
    expect(p.embeddings().every((v, i) => v !== Math.fround(e0[i]!))).toBe(true);
  });

  it('gives bit-identical training steps on 1 and 2 threads', async () => {
    const big = graph(60, 45, 500, 5);
    const a = normalizedAdjacency(big);
    const dim = 36;
    const rng = new Rng(2);
    const e0 = Float64Array.from({ length: a.nRows * dim }, () => Math.fround(0.1 * rng.normal()));
    const runs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const p = await make(a, 60, dim, 3, threads, e0);
      const r = new Rng(9);
      for (let t = 1; t <= 5; t++) {
        const size = 50;
        const b: TripleBatch = {
          size,
          users: Int32Array.from({ length: size }, () => r.int(60)),
          pos: Int32Array.from({ length: size }, () => r.int(45)),
          neg: Int32Array.from({ length: size }, () => r.int(45)),
        };
        assignSlots(p, b, 60);
        p.zeroGradients();
        p.forward();
        batchObjective(p, b, 60, 1e-3);
        p.backwardAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, t });
        p.clearBatch();
      }
      runs.push(p.embeddings());
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]!.some((v, i) => v !== Math.fround(e0[i]!))).toBe(true);
  });
});
