/**
 * @module sizing/table
 * The sizing rows `fusionrec inspect` prints before a long run: for each trainable model family,
 * the estimated memory of a fit (./estimate), whether it fits the memory limit (./check), and the
 * estimated seconds per epoch (plus one-off set-up) on this machine.
 */
import { memoryLimit } from './check.js';
import { type DataShape, estimateModel, formatBytes, formatSeconds, WASM_LIMIT } from './estimate.js';

/** The models inspect sizes by default (those with several epochs, and a content kNN). */
export const SIZED_MODELS = ['bpr', 'lightgcn', 'vbpr', 'freedom', 'fusion'] as const;

/** Models that need at least one feature modality. */
const CONTENT = new Set(['vbpr', 'freedom', 'fusion']);

/** One row per model: name, memory, fits?, seconds per epoch, set-up. */
export function sizingRows(
  shape: DataShape,
  options: { limit?: number; used?: number; models?: readonly string[] } = {},
): string[][] {
  const limit = options.limit ?? memoryLimit();
  const used = options.used ?? process.memoryUsage.rss();
  return (options.models ?? SIZED_MODELS).map((model) => {
    if (CONTENT.has(model) && shape.featureDims.length === 0)
      return [model, '-', 'needs a feature modality (--modality)', '-', '-'];
    const e = estimateModel(model, {}, shape);
    const fits =
      e.wasmBytes > WASM_LIMIT
        ? `no: ${formatBytes(e.wasmBytes)} > WebAssembly's 4 GiB`
        : used + e.bytes > limit
          ? `no: + ${formatBytes(used)} held > limit ${formatBytes(limit)}`
          : 'yes';
    return [
      model,
      formatBytes(e.bytes),
      fits,
      formatSeconds(e.secondsPerEpoch),
      e.setupSeconds > 0 ? formatSeconds(e.setupSeconds) : '-',
    ];
  });
}

export const SIZING_HEADER = ['model', 'est. memory', 'fits', 'est. s/epoch', 'set-up'];
