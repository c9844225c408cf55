/**
 * @module serve/retrieval/quantized
 * Exact top-k by a scan over int8 item codes (one float32 scale per vector: v ≈ scale · code,
 * scale = max|v_d| / 127), then exact float32 re-scoring of the best candidates. The index keeps
 * no float32 copy of the table: re-scoring reads the rows of the table it was built over (the
 * snapshot's own item table), and a private copy only of rows upserted later. So the scan table
 * takes dim + 4 bytes per item instead of 4·dim (64 dims: 68 instead of 256).
 *
 * The int8 score's error is at most |q|₁ · scale / 254 per item; the scan keeps the top
 * max(4k, k + 32) by int8 score for re-scoring, which kept recall@10 >= 0.999 against the exact
 * scan on the synthetic tables (bench/ann.ts). Scores returned are exact (serve/retrieval/exact),
 * so hits agree with the float32 brute force whenever the item is among the candidates.
 * The scan runs in plain JS (no SIMD int8 kernel): slower than the float32 SIMD scan, so this is
 * a memory option (`fusionrec serve --vectors int8`), inner product only.
 */
import { InvalidArgumentError } from '../../errors.js';
import { topK } from '../../math/topk.js';
import { checkItem, checkK, checkVector, exactScore, rankHits } from './exact.js';
import type { SearchHit, VectorIndex } from './types.js';

/** Options of {@link Int8ScanIndex}. */
export interface Int8Options {
  /** Rows 0..n-1 as float32 (n x dim), read for exact re-scoring; not copied. */
  source?: Float32Array;
  /** Initial capacity in items (grows on demand). */
  capacity?: number;
}

/** Int8 scan with exact float32 re-scoring (inner product plus bias). */
export class Int8ScanIndex implements VectorIndex {
  readonly kind = 'brute' as const;
  readonly encoding = 'int8' as const;
  private codes = new Int8Array(0);
  private scale = new Float32Array(0);
  private bias = new Float32Array(0);
  private live = new Uint8Array(0);
  private capacity = 0;
  private extent = 0;
  private count = 0;
  private scratch = new Float32Array(0);
  private readonly source: Float32Array | undefined;
  private readonly sourceRows: number;
  /** Float32 rows upserted after construction (they replace the source's row). */
  private readonly own = new Map<number, Float32Array>();

  constructor(
    readonly dim: number,
    options: Int8Options = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
    this.source = options.source;
    this.sourceRows = options.source ? Math.floor(options.source.length / dim) : 0;
    this.grow(Math.max(1, options.capacity ?? 1024));
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the scan table (codes, scales, biases, flags), not counting the source rows. */
  get tableBytes(): number {
    return this.capacity * (this.dim + 4 + 4 + 1);
  }

  private grow(minCapacity: number): void {
    if (minCapacity <= this.capacity) return;
    const cap = Math.max(minCapacity, this.capacity * 2);
    const codes = new Int8Array(cap * this.dim);
    codes.set(this.codes);
    this.codes = codes;
    for (const name of ['scale', 'bias'] as const) {
      const next = new Float32Array(cap);
      next.set(this[name]);
      this[name] = next;
    }
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
    this.capacity = cap;
  }

  /** The float32 row of a live item: its own copy when upserted later, else the source's row. */
  private row(item: number): Float32Array | undefined {
    const own = this.own.get(item);
    if (own) return own;
    if (item < this.sourceRows) return this.source!.subarray(item * this.dim, (item + 1) * this.dim);
    return undefined;
  }

  /**
   * Adds or replaces an item. A row of the source given as the very same view (buildIndex does
   * this) is not copied; any other vector is kept as a private float32 copy for re-scoring.
   */
  upsert(item: number, vector: Float32Array, bias = 0): void {
    checkItem(item);
    checkVector(vector, this.dim, 'vector');
    if (!Number.isFinite(bias)) throw new InvalidArgumentError(`bias must be finite, got ${bias}`);
    this.grow(item + 1);
    const fromSource =
      item < this.sourceRows &&
      vector.buffer === this.source!.buffer &&
      vector.byteOffset === this.source!.byteOffset + item * this.dim * 4;
    if (fromSource) this.own.delete(item);
    else this.own.set(item, Float32Array.from(vector));
    let max = 0;
    for (let d = 0; d < this.dim; d++) max = Math.max(max, Math.abs(vector[d]!));
    const s = max / 127;
    const o = item * this.dim;
    for (let d = 0; d < this.dim; d++) this.codes[o + d] = s > 0 ? Math.round(vector[d]! / s) : 0;
    this.scale[item] = s;
    this.bias[item] = bias;
    if (!this.live[item]) {
      this.live[item] = 1;
      this.count++;
    }
    if (item >= this.extent) this.extent = item + 1;
  }

  remove(item: number): void {
    checkItem(item);
    if (item >= this.capacity || !this.live[item]) return;
    this.live[item] = 0;
    this.count--;
    this.own.delete(item);
  }

  vector(item: number): Float32Array | undefined {
    if (!Number.isInteger(item) || item < 0 || item >= this.capacity || !this.live[item]) return undefined;
    return this.row(item)?.slice();
  }

  /** Makes room for items 0..capacity-1 at once. */
  reserve(capacity: number): void {
    this.grow(capacity);
  }

  /** As BruteForceIndex.scoreFirst: exact hits of the first `want` present, passing candidates. */
  scoreFirst(
    query: Float32Array,
    items: readonly number[],
    want: number,
    filter?: (item: number) => boolean,
  ): { hits: SearchHit[]; examined: number } {
    checkVector(query, this.dim, 'query');
    const hits: SearchHit[] = [];
    let examined = 0;
    for (; examined < items.length && hits.length < want; examined++) {
      const i = items[examined]!;
      if (!(i >= 0 && i < this.capacity && this.live[i])) continue;
      if (filter && !filter(i)) continue;
      hits.push({ item: i, score: exactScore(query, this.row(i)!, 0, this.dim, this.bias[i]!) });
    }
    return { hits: rankHits(hits), examined };
  }

  search(query: Float32Array, k: number, filter?: (item: number) => boolean): SearchHit[] {
    checkK(k);
    checkVector(query, this.dim, 'query');
    if (k === 0 || this.count === 0) return [];
    const { dim, extent, codes, scale, bias, live } = this;
    if (this.scratch.length < extent) this.scratch = new Float32Array(this.capacity);
    const scores = this.scratch;
    for (let i = 0; i < extent; i++) {
      if (!live[i]) {
        scores[i] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const o = i * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += query[d]! * codes[o + d]!;
      scores[i] = s * scale[i]! + bias[i]!;
    }
    const want = Math.min(extent, Math.max(4 * k, k + 32));
    const items = new Int32Array(want);
    const found = topK(scores, want, items, undefined, {
      n: extent,
      ...(filter ? { skip: (i: number) => !filter(i) } : {}),
    });
    const hits: SearchHit[] = [];
    for (let j = 0; j < found; j++) {
      const i = items[j]!;
      const v = this.row(i)!;
      hits.push({ item: i, score: exactScore(query, v, 0, dim, bias[i]!) });
    }
    return rankHits(hits).slice(0, k);
  }
}
