import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { LogBuilder } from '../../data/log.js';
import type { Csr } from '../../math/spmm.js';
import type { TripleBatch } from '../../training/sampler.js';
import { Rng } from '../../util/rng.js';
import { FreedomCore } from './freedom-core.js';
import { combineKnn, knnTable } from './item-graph.js';
import { keptAdjacency } from './pruning.js';

const nUsers = 4;
const nItems = 6;
const dim = 5; // padded to 8: padding must stay out of every result
const modalDims = [3, 6];
const reg = 0.7;

const pairs: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 3],
  [1, 1],
  [1, 2],
  [2, 0],
  [2, 4],
  [2, 5],
  [3, 3],
  [3, 5],
];

function trainGraph(): { train: Interactions; graph: Csr } {
  const b = new LogBuilder();
  for (const [u, i] of pairs) b.push(u, i);
  const train = Interactions.fromLog(b.build(), nUsers, nItems);
  // Drop two edges, as a pruned epoch would.
  const keep = new Uint8Array(train.nnz).fill(1);
  keep[2] = 0;
  keep[7] = 0;
  return { train, graph: keptAdjacency(train, keep) };
}

function itemGraph(rng: Rng): Csr {
  const mods = [4, 7].map((d) => ({
    dim: d,
    data: Float32Array.from({ length: nItems * d }, () => rng.next() * 2 - 1),
    present: Uint8Array.of(1, 1, 1, 1, 1, 0),
  }));
  mods[1]!.present.fill(1);
  const tables = mods.map((m) => knnTable(m, nItems, 3));
  return combineKnn(
    tables,
    mods.map((m) => m.present),
    [0.3, 0.7],
    nItems,
    3,
  ).graph;
}

// Duplicates on purpose: user 0 twice, item 1 as positive and negative.
const batch: TripleBatch = {
  size: 5,
  users: Int32Array.of(0, 1, 0, 2, 3),
  pos: Int32Array.of(1, 2, 3, 5, 5),
  neg: Int32Array.of(4, 1, 2, 3, 0),
};

interface Params {
  e0: Float64Array; // n x dim
  x: Float64Array[]; // nItems x d
  w: Float64Array[]; // d x dim (W^T)
}

function spmm64(a: Csr, x: Float64Array, d: number): Float64Array {
  const y = new Float64Array(a.nRows * d);
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]!; k < a.indptr[r + 1]!; k++) {
      for (let j = 0; j < d; j++) y[r * d + j]! += a.values[k]! * x[a.indices[k]! * d + j]!;
    }
  }
  return y;
}

/** The batch loss in float64 straight from the definition (MMRec's FREEDOM calculate_loss). */
function referenceLoss(p: Params, graph: Csr, s: Csr, uiLayers: number, mmLayers: number): number {
  let layer = p.e0;
  const f = Float64Array.from(p.e0);
  for (let k = 1; k <= uiLayers; k++) {
    layer = spmm64(graph, layer, dim);
    for (let q = 0; q < f.length; q++) f[q]! += layer[q]!;
  }
  for (let q = 0; q < f.length; q++) f[q]! /= uiLayers + 1;
  let h: Float64Array = p.e0.slice(nUsers * dim);
  for (let k = 0; k < mmLayers; k++) h = spmm64(s, h, dim);
  const user = (u: number) => f.subarray(u * dim, (u + 1) * dim);
  const item = (i: number) =>
    Array.from({ length: dim }, (_, j) => f[(nUsers + i) * dim + j]! + h[i * dim + j]!);
  const softplus = (z: number) => Math.log1p(Math.exp(z));
  let bpr = 0;
  for (let b = 0; b < batch.size; b++) {
    const u = user(batch.users[b]!);
    const xi = item(batch.pos[b]!);
    const xj = item(batch.neg[b]!);
    let x = 0;
    for (let j = 0; j < dim; j++) x += u[j]! * (xi[j]! - xj[j]!);
    bpr += softplus(-x);
  }
  let loss = bpr / batch.size;
  modalDims.forEach((d, m) => {
    const proj = (i: number) => {
      const out = new Float64Array(dim);
      for (let c = 0; c < d; c++)
        for (let j = 0; j < dim; j++) out[j]! += p.x[m]![i * d + c]! * p.w[m]![c * dim + j]!;
      return out;
    };
    let l = 0;
    for (let b = 0; b < batch.size; b++) {
      const u = user(batch.users[b]!);
      const ti = proj(batch.pos[b]!);
      const tj = proj(batch.neg[b]!);
      let x = 0;
      for (let j = 0; j < dim; j++) x += u[j]! * (ti[j]! - tj[j]!);
      l += softplus(-x);
    }
    loss += (reg * l) / batch.size;
  });
  return loss;
}

async function makeCore(p: Params, graph: Csr, s: Csr, uiLayers: number, mmLayers: number, threads: number) {
  const core = await FreedomCore.create({
    nUsers,
    nItems,
    dim,
    uiLayers,
    itemGraph: s,
    mmLayers,
    modalDims,
    reg,
    lr: 0.01,
    batchSize: batch.size,
    maxNnz: 2 * pairs.length,
    threads,
  });
  const e0 = Float32Array.from(p.e0);
  core.setEmbeddings(e0.subarray(0, nUsers * dim), e0.subarray(nUsers * dim));
  for (let m = 0; m < modalDims.length; m++)
    core.setModal(m, Float32Array.from(p.x[m]!), Float32Array.from(p.w[m]!));
  core.setGraph(graph);
  return core;
}

function randomParams(rng: Rng): Params {
  const r = (n: number, s: number) =>
    Float64Array.from({ length: n }, () => Math.fround((rng.next() * 2 - 1) * s));
  return {
    e0: r((nUsers + nItems) * dim, 0.9),
    x: modalDims.map((d) => r(nItems * d, 1)),
    w: modalDims.map((d) => r(d * dim, 0.8)),
  };
}

describe('FreedomCore gradients', () => {
  for (const [uiLayers, mmLayers] of [
    [2, 1],
    [1, 2],
    [0, 0],
    [3, 1],
  ] as const) {
    it(`match central finite differences of the float64 loss (K=${uiLayers}, L=${mmLayers})`, async () => {
      const rng = new Rng(7);
      const p = randomParams(rng);
      const { graph } = trainGraph();
      const s = itemGraph(rng);
      const core = await makeCore(p, graph, s, uiLayers, mmLayers, 1);
      try {
        const got = core.gradients(batch);
        expect(got.loss).toBeCloseTo(referenceLoss(p, graph, s, uiLayers, mmLayers), 5);
        const eps = 1e-6;
        const check = (arr: Float64Array, grad: (q: number) => number) => {
          for (let q = 0; q < arr.length; q++) {
            const old = arr[q]!;
            arr[q] = old + eps;
            const up = referenceLoss(p, graph, s, uiLayers, mmLayers);
            arr[q] = old - eps;
            const down = referenceLoss(p, graph, s, uiLayers, mmLayers);
            arr[q] = old;
            expect(grad(q)).toBeCloseTo((up - down) / (2 * eps), 4);
          }
        };
        check(p.e0, (q) => got.e0[q]!);
        modalDims.forEach((d, m) => {
          const pdim = Math.ceil(d / 4) * 4;
          check(p.x[m]!, (q) => got.x[m]![Math.floor(q / d) * pdim + (q % d)]!);
          check(p.w[m]!, (q) => got.w[m]![Math.floor(q / dim) * 8 + (q % dim)]!);
        });
      } finally {
        await core.close();
      }
    });
  }

  it('takes the same steps on 1 and 2 threads', async () => {
    const rng = new Rng(3);
    const p = randomParams(rng);
    const { graph } = trainGraph();
    const s = itemGraph(rng);
    const runs = [];
    for (const threads of [1, 2]) {
      const core = await makeCore(p, graph, s, 2, 1, threads);
      try {
        for (let t = 0; t < 3; t++) core.trainStep(batch);
        runs.push({
          e0: core.embeddings(),
          x: core.modal.map((m) => m.x.slice()),
          w: core.modal.map((m) => m.w.slice()),
        });
      } finally {
        await core.close();
      }
    }
    expect(runs[1]!.e0).toEqual(runs[0]!.e0);
    expect(runs[1]!.x).toEqual(runs[0]!.x);
    expect(runs[1]!.w).toEqual(runs[0]!.w);
    expect(runs[0]!.e0).not.toEqual(Float32Array.from(p.e0));
  });
});
