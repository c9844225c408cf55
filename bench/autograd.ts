/**
 * Measures the project's autograd (src/nn, WebAssembly SIMD matrix products) against
 * TensorFlow.js with its WebAssembly backend on the fusion model's own work: one training step
 * of the item tower (two modalities projected to 64-d, weighted softmax fusion) and a user
 * embedding gather, BPR loss, backward. Also one plain matrix product, and whether tfjs-wasm can
 * take the gradient of a gather (the embedding lookup). Prints a table, writes
 * bench/results/autograd.json. `node --import tsx bench/autograd.ts`
 */
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { textTable } from '../src/experiment/report.js';
import { gemm } from '../src/nn/gemm.js';
import { Graph } from '../src/nn/graph.js';
import { Param, Tensor } from '../src/nn/tensor.js';
import { Rng } from '../src/util/rng.js';

await tf.setBackend('wasm');
await tf.ready();

const rng = new Rng(1);
const rand = (n: number, s = 0.1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
const reps = 10;
const B = 2048;
const dims = [384, 512];
const d = 64;
const nUsers = 1858;
const X = dims.map((F) => rand(B * F, 1));
const users = Int32Array.from({ length: B }, () => rng.int(nUsers));
const neg = Int32Array.from({ length: B }, () => rng.int(B));

function time(f: () => void, reps: number): number[] {
  f();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

// --- ours
const W = dims.map((F, m) => new Param(`w${m}`, F, d, rand(F * d)));
const logits = new Param('logits', 2, 1, new Float32Array(2), false);
const U = new Param('U', nUsers, d, rand(nUsers * d));
function oursStep(): void {
  const g = new Graph({ train: true });
  const tokens = X.map((x, m) => g.matmul(Tensor.constant(B, dims[m]!, x), W[m]!));
  const idx = Int32Array.from({ length: 2 * B }, (_, k) => k % 2);
  const w = g.groupSoftmax(g.gather(logits, idx), 2);
  const z = g.weightedTokenSum(g.stackTokens(tokens), w, 2);
  const u = g.gather(U, users);
  const loss = g.bprLoss(g.rowDot(u, z), g.rowDot(u, g.gather(z, neg)));
  g.backward(loss);
  for (const p of [...W, logits, U]) p.zeroGrad();
}

// --- tfjs-wasm
const tX = X.map((x, m) => tf.tensor2d(x, [B, dims[m]!]));
const tW = W.map((w, m) => tf.variable(tf.tensor2d(w.data, [dims[m]!, d])));
const tLogits = tf.variable(tf.zeros([2]));
const tU = tf.variable(tf.tensor2d(U.data, [nUsers, d]));
const tUsers = tf.tensor1d(users, 'int32');
const tNeg = tf.tensor1d(neg, 'int32');
/** Gather whose gradient is a dense one-hot product (tfjs-wasm lacks the scatter the default gradient needs). */
const gatherRows = tf.customGrad((table, index, save) => {
  const t = table as tf.Tensor2D;
  const i = index as tf.Tensor1D;
  (save as tf.GradSaveFunc)([i]);
  return {
    value: tf.gather(t, i),
    gradFunc: (dy, saved) => {
      const oneHot = tf.oneHot(saved[0] as tf.Tensor1D, t.shape[0]).toFloat();
      return [tf.matMul(oneHot, dy as tf.Tensor2D, true, false), tf.zerosLike(i)];
    },
  };
});
function tfStep(useCustomGather: boolean): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const w = tf.softmax(tLogits);
      const z = tf.add(
        tf.mul(tf.matMul(tX[0]!, tW[0]!), w.slice([0], [1])),
        tf.mul(tf.matMul(tX[1]!, tW[1]!), w.slice([1], [1])),
      ) as tf.Tensor2D;
      const u = useCustomGather ? (gatherRows(tU, tUsers) as tf.Tensor2D) : tf.gather(tU, tUsers);
      const zn = useCustomGather ? (gatherRows(z, tNeg) as tf.Tensor2D) : tf.gather(z, tNeg);
      const diff = tf.sub(tf.sum(tf.mul(u, z), 1), tf.sum(tf.mul(u, zn), 1));
      return tf.mean(tf.softplus(tf.neg(diff))) as tf.Scalar;
    });
    for (const g of Object.values(grads)) g.dataSync();
  });
}

// the plain product first, before the training steps fill tfjs's memory
const A = rand(1425 * 1024, 1);
const Bm = rand(1024 * d, 1);
const C = new Float32Array(1425 * d);
const gemmMs = time(() => gemm(A, Bm, C, 1425, 1024, d), reps);
const tA = tf.tensor2d(A, [1425, 1024]);
const tB = tf.tensor2d(Bm, [1024, d]);
const tfGemmMs = time(() => tf.tidy(() => tf.matMul(tA, tB).dataSync()), reps);
let defaultGatherGradient = 'works';
try {
  tfStep(false);
} catch (err) {
  defaultGatherGradient = `fails: ${String((err as Error).message).slice(0, 80)}`;
}

const oursMs = time(oursStep, reps);
const tfMs = time(() => tfStep(true), reps);
const flops = (2 * 1425 * 1024 * d) / 1e6;
const med = (a: number[]) => a[Math.floor(a.length / 2)]!;
const rows = [
  [
    'fusion training step (B=2048, 384+512 → 64, weighted, BPR)',
    med(oursMs).toFixed(1),
    med(tfMs).toFixed(1),
    (med(tfMs) / med(oursMs)).toFixed(2),
  ],
  [
    'matrix product 1425x1024 · 1024x64',
    med(gemmMs).toFixed(2),
    med(tfGemmMs).toFixed(2),
    (med(tfGemmMs) / med(gemmMs)).toFixed(2),
  ],
];
process.stdout.write(
  `${textTable(['work', 'ours ms (median)', 'tfjs-wasm ms (median)', 'tfjs / ours'], rows)}\n` +
    `GFLOPS: ours ${(flops / med(gemmMs)).toFixed(1)}, tfjs-wasm ${(flops / med(tfGemmMs)).toFixed(1)}; ` +
    `tfjs-wasm default gather gradient: ${defaultGatherGradient}\n`,
);
await writeFile(
  new URL('./results/autograd.json', import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      reps,
      oursStepMs: oursMs,
      tfjsWasmStepMs: tfMs,
      oursGemmMs: gemmMs,
      tfjsWasmGemmMs: tfGemmMs,
      defaultGatherGradient,
    },
    null,
    1,
  )}\n`,
);
