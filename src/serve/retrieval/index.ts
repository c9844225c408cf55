/**
 * @module serve/retrieval
 * Top-k retrieval for serving: {@link buildIndex} picks exact brute force for small catalogs and
 * HNSW (with exact re-scoring) for large ones; both implement {@link VectorIndex}.
 */
import { InvalidArgumentError } from '../../errors.js';
import { BruteForceIndex } from './brute.js';
import { norm2, normalized } from './exact.js';
import { HnswIndex } from './hnsw.js';
import { Int8ScanIndex } from './quantized.js';
import type { IndexOptions, VectorIndex } from './types.js';

export { BruteForceIndex, type BruteOptions } from './brute.js';
export { HnswIndex, type HnswOptions } from './hnsw.js';
export { type Int8Options, Int8ScanIndex } from './quantized.js';
export { recallAgainstBrute } from './recall.js';
export type { IndexOptions, SearchHit, VectorIndex } from './types.js';

/** Default of {@link IndexOptions.bruteBelow}. */
export const BRUTE_BELOW = 20000;

/** Options of {@link buildIndex}. */
export type BuildOptions = IndexOptions & { bias?: Float32Array; live?: Uint8Array };

/**
 * Builds an index over the rows of `vectors` (n x dim, row i = item i). `bias` adds a per-item
 * score; `live` (n flags) leaves the rows whose flag is 0 out. HNSW items are added in ascending
 * order of norm (ties by index), so the same input and seed give the same index.
 */
export function buildIndex(vectors: Float32Array, dim: number, options: BuildOptions = {}): VectorIndex {
  const plan = planIndex(vectors, dim, options);
  for (const i of plan.order) plan.add(i);
  return plan.index;
}

/** Whether {@link buildIndex} would build an HNSW graph (rather than an exact scan) for these rows. */
export function wouldUseHnsw(liveCount: number, options: IndexOptions = {}): boolean {
  const kind = options.kind ?? 'auto';
  return kind === 'hnsw' || (kind === 'auto' && liveCount >= (options.bruteBelow ?? BRUTE_BELOW));
}

/**
 * {@link buildIndex} without holding the event loop: rows are added in slices of about `sliceMs`
 * with a turn of the event loop between them (an HNSW graph over 100k items takes tens of seconds
 * of native work). Gives the same index as buildIndex.
 */
export async function buildIndexSliced(
  vectors: Float32Array,
  dim: number,
  options: BuildOptions = {},
  sliceMs = 5,
): Promise<VectorIndex> {
  const plan = planIndex(vectors, dim, options);
  let t = performance.now();
  for (const i of plan.order) {
    plan.add(i);
    if (performance.now() - t >= sliceMs) {
      await new Promise((r) => setImmediate(r));
      t = performance.now();
    }
  }
  return plan.index;
}

/** An empty index of the right kind, the order to add rows in, and how to add one. */
function planIndex(
  vectors: Float32Array,
  dim: number,
  options: BuildOptions,
): { index: VectorIndex; order: number[]; add(i: number): void } {
  if (!Number.isInteger(dim) || dim < 1)
    throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
  const n = vectors.length / dim;
  if (!Number.isInteger(n)) {
    throw new InvalidArgumentError(`vectors length ${vectors.length} is not a multiple of dim ${dim}`);
  }
  const { bias, live } = options;
  if (bias && bias.length !== n)
    throw new InvalidArgumentError(`bias must have ${n} entries, got ${bias.length}`);
  if (live && live.length !== n)
    throw new InvalidArgumentError(`live must have ${n} entries, got ${live.length}`);
  const kind = options.kind ?? 'auto';
  if (kind !== 'auto' && kind !== 'hnsw' && kind !== 'brute') {
    throw new InvalidArgumentError(`kind must be auto, hnsw or brute, got ${String(kind)}`);
  }
  const metric = options.metric ?? 'ip';
  if (metric !== 'ip' && metric !== 'cosine') {
    throw new InvalidArgumentError(`metric must be ip or cosine, got ${String(metric)}`);
  }
  let liveCount = 0;
  for (let i = 0; i < n; i++) if (!live || live[i]) liveCount++;
  const capacity = Math.max(1, n);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (!live || live[i]) rows.push(i);
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const vectorsKind = options.vectors ?? 'float32';
  if (vectorsKind !== 'float32' && vectorsKind !== 'int8') {
    throw new InvalidArgumentError(`vectors must be float32 or int8, got ${String(vectorsKind)}`);
  }
  const int8 = vectorsKind === 'int8' && metric === 'ip';
  if (!wouldUseHnsw(liveCount, options)) {
    const index = int8
      ? new Int8ScanIndex(dim, { source: vectors, capacity })
      : new BruteForceIndex(dim, { metric, capacity });
    return { index, order: rows, add: (i) => index.upsert(i, row(i), bias?.[i] ?? 0) };
  }
  // Norms as indexed (unit under cosine); their RMS and the bias RMS set the bias scale.
  const norms = new Float64Array(n);
  let sumV = 0;
  let sumB = 0;
  for (const i of rows) {
    norms[i] = metric === 'cosine' ? norm2(normalized(row(i))) : norm2(row(i));
    sumV += norms[i]!;
    sumB += (bias?.[i] ?? 0) ** 2;
  }
  const biasScale = sumB > 0 && sumV > 0 ? 2 * Math.sqrt(sumB / sumV) : 1;
  let r2 = 0;
  for (const i of rows) {
    norms[i] = norms[i]! + ((bias?.[i] ?? 0) / biasScale) ** 2; // squared norm in the graph
    r2 = Math.max(r2, norms[i]!);
  }
  const index = new HnswIndex(dim, {
    metric,
    capacity,
    maxNorm: Math.sqrt(r2),
    biasScale,
    ...(options.M === undefined ? {} : { M: options.M }),
    ...(options.efConstruction === undefined ? {} : { efConstruction: options.efConstruction }),
    ...(options.efSearch === undefined ? {} : { efSearch: options.efSearch }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(int8 ? { vectors: 'int8' as const, source: vectors } : {}),
  });
  // Smallest norms first: in an inner-product graph, items inserted after larger-norm ones get few
  // incoming links and deeper ranks become unreachable (bench/ann.ts, 100k x 64: recall@40 0.90 in
  // index order, 0.99 in ascending-norm order; recall@10 about the same). Ties keep index order.
  rows.sort((a, b) => norms[a]! - norms[b]! || a - b);
  return { index, order: rows, add: (i) => index.upsert(i, row(i), bias?.[i] ?? 0) };
}
