/**
 * @module sizing/estimate
 * Memory and time estimates per model family before a fit, from the shape of the data alone
 * (users, items, training pairs, feature widths) and the model's parameters. Memory counts the
 * tables a fit allocates on top of the loaded dataset (weights, Adam moments, graph copies, feature
 * copies, activations), and the part of it that must live in one WebAssembly memory (at most
 * 4 GiB). Seconds per epoch are `work / rate`: `work` counts the multiply-adds an epoch does
 * (what grows with the data), `rate` is calibrated on this project's 2-core machine from
 * bench/scale.ts (BENCHMARKS.md "Scale curves (issue 15)").
 *
 * Why several families grow faster than linearly: LightGCN, FREEDOM and fusion with graph layers
 * propagate over the whole user-item graph for every mini-batch (as MMRec does), so an epoch costs
 * (pairs / batch) x (pairs x dim x layers): quadratic in the data. VBPR projects every item's
 * features for every batch (dense Adam, MMRec's), (pairs / batch) x items x features x dim.
 */
import { InvalidArgumentError } from '../errors.js';

/** The shape of what a model is fitted on. */
export interface DataShape {
  users: number;
  items: number;
  /** Training pairs (the training matrix's non-zeros). */
  interactions: number;
  /** Width of each feature modality the model may use. */
  featureDims: number[];
}

export interface ModelEstimate {
  model: string;
  /** Bytes the fit allocates beyond the dataset. */
  bytes: number;
  /** Of which in one WebAssembly memory (limited to 4 GiB), 0 when none. */
  wasmBytes: number;
  /** Estimated seconds per training epoch on this machine (2 shared cores). */
  secondsPerEpoch: number;
  /** Multiply-adds per epoch (the unit `secondsPerEpoch` is calibrated in). */
  work: number;
  /** Estimated seconds of one-off work before the first epoch (FREEDOM's item graph). */
  setupSeconds: number;
}

/** WebAssembly's 32-bit memory limit. */
export const WASM_LIMIT = 4 * 2 ** 30;

const num = (params: Record<string, unknown>, key: string, fallback: number): number => {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
};

/**
 * Multiply-adds per second per model family, measured by bench/scale.ts on the synthetic shop
 * (bpr and vbpr at 10^6 events, the others at 10^5; 2026-12-05, 2 cores shared with other jobs
 * at a load average of 12-22, so an idle machine is several times faster). The families differ
 * because their `work` counts different things (fusion's many element-wise autograd ops over
 * every node are slow per multiply-add; VBPR's big products run in onnxruntime).
 */
export const CALIBRATED_RATE: Record<string, number> = {
  bpr: 1.4e8,
  lightgcn: 6.6e8,
  vbpr: 3.6e9,
  freedom: 1.8e8,
  fusion: 4.1e7,
  'mf-rating': 1.4e8,
  itemknn: 4.3e8,
  popularity: 1.0e8,
};

/** Multiply-adds per second of FREEDOM's item-graph build (all item pairs, per modality). */
export const ITEM_GRAPH_RATE = 4.3e8;

/**
 * Measured peak RSS growth of a fit over the tables counted here (allocator slack, temporary
 * copies, WebAssembly memories rounded up), from bench/scale.ts.
 */
export const MEMORY_FACTOR: Record<string, number> = {
  bpr: 1.25,
  lightgcn: 1.5,
  vbpr: 1.35,
  freedom: 1.5,
  fusion: 1.5,
};

const FAMILIES = Object.keys(CALIBRATED_RATE);

/** The models `estimateModel` knows. */
export function estimatedModels(): string[] {
  return [...FAMILIES];
}

/** Memory and time estimate for fitting `model` with `params` on data of shape `shape`. */
export function estimateModel(
  model: string,
  params: Record<string, unknown>,
  shape: DataShape,
): ModelEstimate {
  const U = shape.users;
  const I = shape.items;
  const E = shape.interactions;
  const N = U + I;
  const d = num(params, 'dim', 64);
  const B = num(params, 'batchSize', 2048);
  const batches = Math.max(1, Math.ceil(E / B));
  const F = shape.featureDims.reduce((a, b) => a + b, 0);
  const M = Math.max(1, shape.featureDims.length);
  const f4 = 4;
  const sampler = E * 12;
  let bytes: number;
  let wasmBytes = 0;
  let work: number;
  let setup = 0;
  switch (model) {
    case 'popularity':
      bytes = I * 8;
      work = E;
      break;
    case 'itemknn': {
      const k = num(params, 'k', 50);
      const source = params.source;
      const content = typeof source === 'string' && source !== 'interactions';
      bytes = I * k * 8 * 2 + E * 8;
      // interactions: co-occurrence over each user's pairs; content: all item pairs
      work = content ? (I * I * F) / M : (E * E) / Math.max(1, U);
      break;
    }
    case 'bpr':
    case 'mf-rating': {
      bytes = N * d * f4 * 3 + sampler;
      // the pairs' dot products and row gradients, plus (adam: dense, the default) an Adam step
      // over every row of both tables for every batch
      const dense = params.adam !== 'lazy' && params.optimizer !== 'sgd';
      work = E * d * 6 + (dense ? batches * N * d * 3 : 0);
      break;
    }
    case 'lightgcn': {
      const L = num(params, 'layers', 3);
      wasmBytes = N * d * f4 * (3 + L + 4) + E * 2 * 8 + N * 4;
      bytes = wasmBytes + E * 2 * 8 + sampler;
      work = batches * (4 * L * E * d + 4 * N * d);
      break;
    }
    case 'vbpr': {
      wasmBytes = U * 2 * d * f4 * 3 + I * d * f4 * 3 + F * d * f4 * 3 + I * F * f4 + I * 2 * d * f4;
      bytes = wasmBytes + I * F * f4 + I * 2 * d * f4 + sampler;
      work = batches * (I * F * d * 2 + 4 * N * d);
      break;
    }
    case 'freedom': {
      const L = num(params, 'uiLayers', 2);
      const k = num(params, 'knnK', 10);
      wasmBytes = N * d * f4 * (3 + L + 4) + E * 2 * 8 * 2 + I * k * M * 8 + I * F * f4;
      bytes = wasmBytes + I * F * f4 + E * 16 + sampler;
      // the per-batch propagation; the frozen item graph (all item pairs per modality) is set-up
      work = batches * (4 * L * E * d + 4 * N * d);
      setup = (I * I * F) / ITEM_GRAPH_RATE;
      break;
    }
    case 'fusion': {
      const L = num(params, 'layers', 2);
      const every = L > 0 ? num(params, 'towerEvery', 0) : 1;
      const groups = L > 0 ? (every > 0 ? Math.ceil(batches / every) : 1) : 0;
      const towerBytes = L > 0 ? I * d * f4 * (M * 5 + 6) + I * F * f4 : B * 3 * d * f4 * (M * 5 + 6);
      const propBytes = L > 0 ? N * d * f4 * (L + 3) * 2 + E * 2 * 8 : 0;
      bytes = N * d * f4 * 3 + I * F * f4 + towerBytes + propBytes + sampler;
      // dense Adam over every user and item row per batch in both variants
      work =
        L > 0
          ? groups * (I * F * d * 3) + batches * (4 * L * E * d + 6 * N * d)
          : E * 3 * (F * d * 3 + 6 * d) + batches * 3 * N * d;
      break;
    }
    default:
      throw new InvalidArgumentError(`no size estimate for model "${model}". Known: ${FAMILIES.join(', ')}`);
  }
  const rate = CALIBRATED_RATE[model]!;
  return {
    model,
    bytes: Math.round(bytes * (MEMORY_FACTOR[model] ?? 1)),
    wasmBytes,
    work,
    secondsPerEpoch: work / rate,
    setupSeconds: setup,
  };
}

/** "1.2 GiB", "350 MiB"… */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${(n / 1024).toFixed(0)} KiB`;
}

/** "3.2 s", "14 min", "2.5 h". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
