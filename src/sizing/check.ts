/**
 * @module sizing/check
 * The pre-fit memory check: before a model starts training, its estimated memory
 * (./estimate) plus what the process already holds is compared with the memory limit, and a model
 * that would not fit refuses with a NotSupportedError naming the estimate and the limit, instead
 * of being killed by the OOM killer an hour later. The limit is FUSIONREC_MEMORY_LIMIT ("24G",
 * "512M" or bytes) when set, else 90% of the machine's (or the cgroup's) memory. Tables that must
 * live in one WebAssembly memory are also checked against its 4 GiB. `guardFit` wraps a model's
 * fit() with the check (models/registry's createModel applies it to every model it creates).
 */

import { totalmem } from 'node:os';
import { loadSettings } from '../config/load.js';
import { settings } from '../config/runtime.js';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { Recommender, TrainingData } from '../models/recommender.js';
import {
  type DataShape,
  estimatedModels,
  estimateModel,
  formatBytes,
  type ModelEstimate,
  WASM_LIMIT,
} from './estimate.js';

/** Parses "24G", "512M", "100k" or a byte count. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`not a memory size: "${text}" (e.g. 24G, 512M, 1000000)`);
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase()]!;
  return Math.floor(Number(m[1]) * unit);
}

/**
 * The memory a process may use: the `memoryLimit` setting (FUSIONREC_MEMORY_LIMIT), else 90% of
 * the machine or cgroup. `env` replaces the process environment (tests).
 */
export function memoryLimit(env?: Readonly<Record<string, string | undefined>>): number {
  const set = env ? loadSettings({ env }).settings.memoryLimit : settings().memoryLimit;
  if (set) return parseBytes(set);
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const machine = totalmem();
  const total = constrained && constrained > 0 && constrained < machine ? constrained : machine;
  return Math.floor(total * 0.9);
}

/** The shape a model sees in `data` (feature widths of the modalities it may use). */
export function shapeOf(data: TrainingData, params: Readonly<Record<string, unknown>> = {}): DataShape {
  const wanted =
    typeof params.modalities === 'string' && params.modalities !== 'all'
      ? new Set(params.modalities.split(',').map((s) => s.trim()))
      : undefined;
  return {
    users: data.train.nUsers,
    items: data.train.nItems,
    interactions: data.train.nnz,
    featureDims: data.modalities.filter((m) => !wanted || wanted.has(m.name)).map((m) => m.dim),
  };
}

/**
 * Throws NotSupportedError when `model` would need more memory than the limit (minus what the
 * process holds: `used`, default the current RSS) or more than one WebAssembly memory. Returns the
 * estimate otherwise. Models without an estimate pass.
 */
export function assertFits(
  model: string,
  params: Readonly<Record<string, unknown>>,
  shape: DataShape,
  options: { limit?: number; used?: number } = {},
): ModelEstimate | undefined {
  if (!estimatedModels().includes(model)) return undefined;
  const est = estimateModel(model, params, shape);
  const limit = options.limit ?? memoryLimit();
  const used = options.used ?? process.memoryUsage.rss();
  const size = `${shape.users} users x ${shape.items} items, ${shape.interactions} training pairs`;
  if (used + est.bytes > limit) {
    throw new NotSupportedError(
      `${model} needs about ${formatBytes(est.bytes)} to train on ${size} (the process already holds ${formatBytes(used)}), more than the memory limit ${formatBytes(limit)} (FUSIONREC_MEMORY_LIMIT); not starting. Use a smaller dim, fewer layers, or a model with a smaller footprint (bpr)`,
    );
  }
  if (est.wasmBytes > WASM_LIMIT) {
    throw new NotSupportedError(
      `${model} needs about ${formatBytes(est.wasmBytes)} of tables in one WebAssembly memory to train on ${size}, more than WebAssembly's ${formatBytes(WASM_LIMIT)}; not starting. Use a smaller dim or fewer layers`,
    );
  }
  return est;
}

/** Wraps `model.fit` so that the memory check runs before training starts. */
export function guardFit<T extends Recommender>(model: T): T {
  const original = model.fit.bind(model);
  model.fit = async (data, options) => {
    assertFits(model.name, model.params, shapeOf(data, model.params));
    return original(data, options);
  };
  return model;
}
