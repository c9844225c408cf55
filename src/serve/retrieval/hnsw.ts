/**
 * @module serve/retrieval/hnsw
 * Approximate top-k over hnswlib-node's HierarchicalNSW, with exact answers over its candidates.
 *
 * The vectors themselves are kept by a {@link BruteForceIndex} (the store): it returns them, scores
 * candidates exactly, and answers by a full scan when the graph cannot (tiny indexes, filters that
 * reject almost everything). The graph holds [v, b / s] for items and [q, s] for queries, so the
 * graph's inner product is the exact score <q, v> + b; s (`biasScale`) sets how much the bias
 * shapes the graph.
 *
 * The standard MIPS-to-NN reduction (Bachrach et al. 2014: an extra coordinate
 * sqrt(R² - ||x||²) so that all items have norm R, then L2 or ip) is available as `mipsTransform`,
 * but on factor tables with log-normal norms it measured worse than hnswlib's plain inner-product
 * graph (recall@10 0.90 vs 0.995 at 100k x 64, efSearch 128; bench/ann.ts compares them), as
 * Morozov & Babenko (2018, ip-NSW) also found; the default is the plain `ip` space.
 *
 * A search fetches max(4k, efSearch) candidates, re-scores them exactly and returns the exact
 * top-k. A filter is applied to the fetched candidates; the share that passes estimates how much
 * deeper the search must go for the filtered top-k to be covered as well as an unfiltered top-k
 * (fetch / pass rate), and the search is repeated that deep; when that is deeper than a scan would
 * cost (1/SCAN_RATIO of the index), the store is scanned (exact). hnswlib's own filter callback is
 * not used: it calls into JS for every visited node.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { BruteForceIndex } from './brute.js';
import { checkItem, checkK, checkVector, norm2, normalized } from './exact.js';
import { Int8ScanIndex } from './quantized.js';
import type { SearchHit, VectorIndex } from './types.js';

/**
 * A graph search with beam ef costs about as much as scanning 30-40 x ef items with the SIMD kernel
 * (measured at 20k and 100k x 64: ~1 µs per unit of ef, ~0.025 µs per scanned item); a search
 * deeper than size / SCAN_RATIO scans the store instead.
 */
const SCAN_RATIO = 32;

/** Options of {@link HnswIndex}. */
export interface HnswOptions {
  metric?: 'ip' | 'cosine';
  /** Graph degree (default 16). */
  M?: number;
  /** Build beam (default 200). */
  efConstruction?: number;
  /** Search beam (default 128). */
  efSearch?: number;
  /** Level generator seed (default 0). */
  seed?: number;
  /** Initial capacity in items (grows on demand; default 1024). */
  capacity?: number;
  /**
   * The bias enters the graph as an extra coordinate b / biasScale, the query's being biasScale
   * (so scores are unchanged). buildIndex uses 2·rms(b) / rms(||v||), which kept recall@10 >= 0.99
   * for bias spreads from 0.05 to 1 and for popularity-like biases (default 1).
   */
  biasScale?: number;
  /** Apply the MIPS-to-NN transform (default false, see the module notes). */
  mipsTransform?: boolean;
  /** Radius R of the transform: the largest sqrt(||v||² + (b / biasScale)²) (default: the first item's). */
  maxNorm?: number;
  /** hnswlib space (default `ip`; `l2` only makes sense with the transform). */
  space?: 'ip' | 'l2';
  /**
   * How the index keeps the vectors it re-scores and scans (default `float32`: a copy in a SIMD
   * scan table). `int8` (inner product only): int8 codes with a scale per vector, exact
   * re-scoring from the rows of `source` (not copied), see {@link Int8ScanIndex}.
   */
  vectors?: 'float32' | 'int8';
  /** The table (n x dim) items 0..n-1 come from, for `vectors: int8`. */
  source?: Float32Array;
}

/** What a saved graph needs besides its bytes to be served again (see {@link HnswIndex.graphParams}). */
export interface HnswGraphParams {
  metric: 'ip' | 'cosine';
  M: number;
  efConstruction: number;
  seed: number;
  biasScale: number;
  mipsTransform: boolean;
  maxNorm: number;
  space: 'ip' | 'l2';
  /** Dimension of the graph's points (dim + 1, or dim + 2 with the transform). */
  graphDim: number;
  /** Points in the graph (live and deleted). */
  points: number;
}

type Graph = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Labels ordered by ascending distance (ties by lower label); hnswlib returns them in heap order. */
function byDistance(labels: number[], distances: number[]): number[] {
  let sorted = true;
  for (let i = 1; i < labels.length && sorted; i++) if (distances[i]! < distances[i - 1]!) sorted = false;
  if (sorted) return labels;
  const idx = labels.map((_, i) => i);
  idx.sort((a, b) => distances[a]! - distances[b]! || labels[a]! - labels[b]!);
  return idx.map((i) => labels[i]!);
}

/** Runs `f` with a file path in a fresh private temporary folder, removed afterwards. */
async function withTempFile<T>(f: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'fusionrec-hnsw-'));
  try {
    return await f(join(dir, 'graph.bin'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** HNSW index with exact re-scoring. */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly metric: 'ip' | 'cosine';
  private ef: number;
  /** Items whose transformed norm exceeded R when added (their extra coordinate is 0). */
  overflowed = 0;
  private readonly store: BruteForceIndex | Int8ScanIndex;
  private graph: Graph;
  private readonly transform: boolean;
  private readonly M: number;
  private readonly efConstruction: number;
  private readonly seed: number;
  private readonly space: 'ip' | 'l2';
  private readonly gdim: number;
  private readonly biasScale: number;
  private capacity: number;
  private radius2: number;

  constructor(
    readonly dim: number,
    options: HnswOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
    const M = options.M ?? 16;
    const efConstruction = options.efConstruction ?? 200;
    this.ef = options.efSearch ?? 128;
    const seed = options.seed ?? 0;
    for (const [name, v, min] of [
      ['M', M, 2],
      ['efConstruction', efConstruction, 1],
      ['efSearch', this.ef, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min)
        throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
    }
    if (!Number.isInteger(seed) || seed < 0)
      throw new InvalidArgumentError(`seed must be a non-negative integer, got ${seed}`);
    this.biasScale = options.biasScale ?? 1;
    if (!(this.biasScale > 0 && Number.isFinite(this.biasScale))) {
      throw new InvalidArgumentError(`biasScale must be finite and > 0, got ${this.biasScale}`);
    }
    const r = options.maxNorm ?? 0;
    if (!(r >= 0 && Number.isFinite(r)))
      throw new InvalidArgumentError(`maxNorm must be finite and >= 0, got ${r}`);
    this.radius2 = r * r;
    this.metric = options.metric ?? 'ip';
    this.transform = options.mipsTransform ?? false;
    this.gdim = this.transform ? dim + 2 : dim + 1;
    this.capacity = Math.max(1, options.capacity ?? 1024);
    if (options.vectors === 'int8') {
      if (this.metric !== 'ip') throw new InvalidArgumentError('vectors int8 supports the ip metric only');
      this.store = new Int8ScanIndex(dim, {
        capacity: this.capacity,
        ...(options.source ? { source: options.source } : {}),
      });
    } else {
      this.store = new BruteForceIndex(dim, { metric: this.metric, capacity: this.capacity });
    }
    this.M = M;
    this.efConstruction = efConstruction;
    this.seed = seed;
    this.space = options.space ?? 'ip';
    this.graph = new hnswlib.HierarchicalNSW(this.space, this.gdim);
    this.graph.initIndex({ maxElements: this.capacity, m: M, efConstruction, randomSeed: seed });
    this.graph.setEf(this.ef);
  }

  /** The parameters a saved graph is restored with ({@link HnswIndex.restore}). */
  graphParams(): HnswGraphParams {
    return {
      metric: this.metric,
      M: this.M,
      efConstruction: this.efConstruction,
      seed: this.seed,
      biasScale: this.biasScale,
      mipsTransform: this.transform,
      maxNorm: Math.sqrt(this.radius2),
      space: this.space,
      graphDim: this.gdim,
      points: this.graph.getCurrentCount(),
    };
  }

  /** The graph in hnswlib's file format (written through a private temporary file). */
  async saveGraph(): Promise<Uint8Array> {
    return withTempFile(async (file) => {
      this.graph.writeIndexSync(file);
      return new Uint8Array(await readFile(file));
    });
  }

  /**
   * An index from a graph saved by {@link saveGraph} and the rows it was built over: row i of
   * `vectors` (and `bias`) is item i, and items whose `live` flag is 0 are marked deleted.
   * The graph is read off the main thread (hnswlib's async reader). Throws MismatchError when the
   * graph does not fit (point count or dimension other than `params` say).
   */
  static async restore(
    dim: number,
    params: HnswGraphParams,
    graph: Uint8Array,
    rows: { vectors: Float32Array; bias?: Float32Array | undefined; live?: Uint8Array | undefined },
    options: { efSearch?: number | undefined; vectors?: 'float32' | 'int8' | undefined } = {},
  ): Promise<HnswIndex> {
    const { efSearch } = options;
    const n = rows.vectors.length / dim;
    if (!Number.isInteger(n) || n !== params.points) {
      throw new MismatchError(`saved graph has ${params.points} points, the table ${n} rows`);
    }
    const index = new HnswIndex(dim, {
      metric: params.metric,
      M: params.M,
      efConstruction: params.efConstruction,
      seed: params.seed,
      biasScale: params.biasScale,
      mipsTransform: params.mipsTransform,
      maxNorm: params.maxNorm,
      space: params.space,
      capacity: 1,
      ...(efSearch === undefined ? {} : { efSearch }),
      ...(options.vectors === 'int8' ? { vectors: 'int8' as const, source: rows.vectors } : {}),
    });
    if (index.gdim !== params.graphDim) {
      throw new MismatchError(`saved graph has dimension ${params.graphDim}, expected ${index.gdim}`);
    }
    const g = new hnswlib.HierarchicalNSW(params.space, index.gdim);
    await withTempFile(async (file) => {
      await writeFile(file, graph);
      await g.readIndex(file);
    });
    if (g.getNumDimensions() !== index.gdim || g.getCurrentCount() !== n) {
      throw new MismatchError(
        `saved graph holds ${g.getCurrentCount()} points of dimension ${g.getNumDimensions()}, ` +
          `expected ${n} of ${index.gdim}`,
      );
    }
    index.graph = g;
    index.capacity = g.getMaxElements();
    g.setEf(index.ef);
    index.store.reserve(Math.max(n, 1));
    if (index.store instanceof BruteForceIndex) index.store.loadRows(rows.vectors, rows.bias);
    else {
      for (let i = 0; i < n; i++) {
        index.store.upsert(i, rows.vectors.subarray(i * dim, (i + 1) * dim), rows.bias?.[i] ?? 0);
      }
    }
    if (rows.live) for (let i = 0; i < n; i++) if (!rows.live[i]) index.remove(i);
    return index;
  }

  /** Search beam: at least max(4k, efSearch) candidates are re-scored per search. */
  get efSearch(): number {
    return this.ef;
  }
  set efSearch(value: number) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`efSearch must be an integer >= 1, got ${value}`);
    this.ef = value;
  }

  get size(): number {
    return this.store.size;
  }

  upsert(item: number, vector: Float32Array, bias = 0): void {
    checkItem(item);
    this.store.upsert(item, vector, bias); // validates vector and bias
    if (item >= this.capacity) {
      this.capacity = Math.max(item + 1, this.capacity * 2);
      this.graph.resizeIndex(this.capacity);
    }
    const v = this.store.vector(item)!; // as indexed (unit under cosine)
    const point = new Array<number>(this.gdim);
    for (let d = 0; d < this.dim; d++) point[d] = v[d]!;
    const b = bias / this.biasScale;
    point[this.dim] = b;
    if (this.transform) {
      const n2 = norm2(v) + b * b;
      if (this.radius2 === 0 && this.size === 1) this.radius2 = n2;
      if (n2 > this.radius2 * (1 + 1e-6)) this.overflowed++;
      point[this.dim + 1] = Math.sqrt(Math.max(0, this.radius2 - n2));
    }
    this.graph.addPoint(point, item);
  }

  remove(item: number): void {
    checkItem(item);
    if (this.store.vector(item) === undefined) return;
    this.store.remove(item);
    this.graph.markDelete(item);
  }

  vector(item: number): Float32Array | undefined {
    return this.store.vector(item);
  }

  search(query: Float32Array, k: number, filter?: (item: number) => boolean): SearchHit[] {
    checkK(k);
    checkVector(query, this.dim, 'query');
    const size = this.size;
    if (k === 0 || size === 0) return [];
    const q = this.metric === 'cosine' ? normalized(query) : query;
    const point = new Array<number>(this.gdim);
    for (let d = 0; d < this.dim; d++) point[d] = q[d]!;
    point[this.dim] = this.biasScale;
    if (this.transform) point[this.dim + 1] = 0;
    const base = Math.max(4 * k, this.ef);
    let fetch = base;
    for (;;) {
      if (SCAN_RATIO * fetch > size) return this.store.search(query, k, filter);
      this.graph.setEf(fetch);
      const { neighbors, distances } = this.graph.searchKnn(point, fetch);
      // The graph's distance is 1 - (the float32 score), so its order is the score order up to
      // rounding: only the first k + margin candidates that pass are re-scored exactly (as brute
      // force re-scores its float32 top k + margin).
      const order = byDistance(neighbors, distances);
      const { hits, examined } = this.store.scoreFirst(query, order, k + Math.max(8, k >> 2), filter);
      if (!filter) return hits.slice(0, k);
      // Depth needed for the filtered top-k to be as well covered as an unfiltered search's.
      const passRate = Math.max(hits.length, 0.5) / Math.max(examined, 1);
      const needed = Math.ceil(base / passRate);
      if (hits.length >= k && fetch * 1.25 >= needed) return hits.slice(0, k);
      fetch = Math.max(2 * fetch, needed);
    }
  }
}
