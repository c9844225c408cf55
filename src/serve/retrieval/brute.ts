/**
 * @module serve/retrieval/brute
 * Exact top-k by a full scan. The item table lives in WebAssembly memory (rows padded to a multiple
 * of four floats) and is scored by the project's SIMD dot kernel (src/math/wasm/dot.wat), a few
 * times faster than a JS loop; the best k + margin candidates by the float32 kernel are then
 * re-scored exactly (serve/retrieval/exact), so brute force and HNSW agree bit for bit.
 * Without WebAssembly SIMD the same memory layout is scored in JS.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type DotExports, dotModule } from '../../math/dot-scorer.js';
import { topK } from '../../math/topk.js';
import { checkItem, checkK, checkVector, exactScore, normalized, rankHits } from './exact.js';
import type { SearchHit, VectorIndex } from './types.js';

/** Options of {@link BruteForceIndex}. */
export interface BruteOptions {
  metric?: 'ip' | 'cosine';
  /** Initial capacity in items (grows on demand). */
  capacity?: number;
  /** false forces the JS scorer (for checking). */
  wasm?: boolean;
}

const PAGE = 65536;

function checkFinite(b: number): void {
  if (!Number.isFinite(b)) throw new InvalidArgumentError(`bias must be finite, got ${b}`);
}

/** Exact scan index. */
export class BruteForceIndex implements VectorIndex {
  readonly kind = 'brute' as const;
  readonly metric: 'ip' | 'cosine';
  private readonly pd: number;
  private readonly ex: DotExports | undefined;
  private memory: ArrayBuffer | WebAssembly.Memory;
  private capacity = 0;
  /** One past the highest item ever stored (the scan length). */
  private extent = 0;
  private live = new Uint8Array(0);
  private bias = new Float32Array(0);
  private hasBias = false;
  private count = 0;

  constructor(
    readonly dim: number,
    options: BruteOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
    this.metric = options.metric ?? 'ip';
    this.pd = Math.ceil(dim / 4) * 4;
    const mod = options.wasm === false ? null : dotModule();
    if (mod) {
      this.ex = new WebAssembly.Instance(mod).exports as unknown as DotExports;
      this.memory = this.ex.memory;
    } else {
      this.memory = new ArrayBuffer(0);
    }
    this.grow(Math.max(1, options.capacity ?? 1024));
  }

  get size(): number {
    return this.count;
  }

  /** Whether the SIMD kernel is in use. */
  get simd(): boolean {
    return this.ex !== undefined;
  }

  // Layout (bytes): [4 query rows][table: capacity rows of pd floats][4 output rows of capacity floats].
  private get tableOff(): number {
    return 4 * this.pd * 4;
  }
  private get outOff(): number {
    return this.tableOff + this.capacity * this.pd * 4;
  }
  private buffer(): ArrayBuffer {
    return this.memory instanceof ArrayBuffer ? this.memory : this.memory.buffer;
  }
  private table(): Float32Array {
    return new Float32Array(this.buffer(), this.tableOff, this.capacity * this.pd);
  }

  /**
   * Sets items 0..n-1 from the rows of `vectors` (n x dim) and `bias` in one pass (as n upserts,
   * without a view and a check call per row: 10^6 rows at server start).
   */
  loadRows(vectors: Float32Array, bias?: Float32Array): void {
    const { dim, pd } = this;
    const n = vectors.length / dim;
    if (!Number.isInteger(n)) {
      throw new InvalidArgumentError(`vectors length ${vectors.length} is not a multiple of dim ${dim}`);
    }
    if (bias && bias.length !== n)
      throw new InvalidArgumentError(`bias must have ${n} entries, got ${bias.length}`);
    if (this.metric === 'cosine') {
      for (let i = 0; i < n; i++) this.upsert(i, vectors.subarray(i * dim, (i + 1) * dim), bias?.[i] ?? 0);
      return;
    }
    for (let k = 0; k < vectors.length; k++) {
      if (!Number.isFinite(vectors[k]!)) {
        throw new InvalidArgumentError(`vector of item ${Math.floor(k / dim)} has a non-finite entry`);
      }
    }
    if (bias) for (let i = 0; i < n; i++) checkFinite(bias[i]!);
    this.grow(n);
    const table = this.table();
    for (let i = 0; i < n; i++) {
      table.set(vectors.subarray(i * dim, (i + 1) * dim), i * pd);
      const b = bias?.[i] ?? 0;
      this.bias[i] = b;
      if (b !== 0) this.hasBias = true;
      if (!this.live[i]) {
        this.live[i] = 1;
        this.count++;
      }
    }
    if (n > this.extent) this.extent = n;
  }

  /** Makes room for items 0..capacity-1 at once (one allocation instead of doublings). */
  reserve(capacity: number): void {
    this.grow(capacity);
  }

  private grow(minCapacity: number): void {
    if (minCapacity <= this.capacity) return;
    const cap = Math.max(minCapacity, this.capacity * 2);
    const oldCap = this.capacity;
    const bytes = 4 * this.pd * 4 + cap * this.pd * 4 + 4 * cap * 4;
    if (this.memory instanceof ArrayBuffer) {
      const next = new ArrayBuffer(bytes);
      new Uint8Array(next).set(new Uint8Array(this.memory, 0, Math.min(this.memory.byteLength, bytes)));
      this.memory = next;
    } else {
      const have = this.memory.buffer.byteLength;
      if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    }
    this.capacity = cap;
    // Rows past the old capacity held old scratch outputs: clear them.
    this.table().fill(0, oldCap * this.pd);
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
    const bias = new Float32Array(cap);
    bias.set(this.bias);
    this.bias = bias;
  }

  upsert(item: number, vector: Float32Array, bias = 0): void {
    checkItem(item);
    checkVector(vector, this.dim, 'vector');
    if (!Number.isFinite(bias)) throw new InvalidArgumentError(`bias must be finite, got ${bias}`);
    this.grow(item + 1);
    const v = this.metric === 'cosine' ? normalized(vector) : vector;
    this.table().set(v, item * this.pd);
    this.bias[item] = bias;
    if (bias !== 0) this.hasBias = true;
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
    this.table().fill(0, item * this.pd, (item + 1) * this.pd);
    this.bias[item] = 0;
  }

  vector(item: number): Float32Array | undefined {
    if (!Number.isInteger(item) || item < 0 || item >= this.capacity || !this.live[item]) return undefined;
    return this.table().slice(item * this.pd, item * this.pd + this.dim);
  }

  search(query: Float32Array, k: number, filter?: (item: number) => boolean): SearchHit[] {
    return this.searchMany(query, k, filter)[0]!;
  }

  /**
   * Exact hits of the given items for one query, ranked (score desc, ties to the lower item);
   * absent items and items the filter rejects are left out. Used to re-score ANN candidates.
   */
  scoreItems(query: Float32Array, items: Iterable<number>, filter?: (item: number) => boolean): SearchHit[] {
    checkVector(query, this.dim, 'query');
    const q = this.metric === 'cosine' ? normalized(query) : query;
    const table = this.table();
    const hits: SearchHit[] = [];
    for (const i of items) {
      if (!(i >= 0 && i < this.capacity && this.live[i])) continue;
      if (filter && !filter(i)) continue;
      hits.push({ item: i, score: exactScore(q, table, i * this.pd, this.dim, this.bias[i]!) });
    }
    return rankHits(hits);
  }

  /**
   * Exact hits of the first `want` items of `items` (best-first candidates) that are present and
   * pass the filter, ranked; `examined` counts the candidates looked at (for pass-rate estimates).
   */
  scoreFirst(
    query: Float32Array,
    items: readonly number[],
    want: number,
    filter?: (item: number) => boolean,
  ): { hits: SearchHit[]; examined: number } {
    checkVector(query, this.dim, 'query');
    const q = this.metric === 'cosine' ? normalized(query) : query;
    const table = this.table();
    const hits: SearchHit[] = [];
    let examined = 0;
    for (; examined < items.length && hits.length < want; examined++) {
      const i = items[examined]!;
      if (!(i >= 0 && i < this.capacity && this.live[i])) continue;
      if (filter && !filter(i)) continue;
      hits.push({ item: i, score: exactScore(q, table, i * this.pd, this.dim, this.bias[i]!) });
    }
    return { hits: rankHits(hits), examined };
  }

  /** {@link search} for `queries.length / dim` queries at once (four per pass over the table). */
  searchMany(queries: Float32Array, k: number, filter?: (item: number) => boolean): SearchHit[][] {
    checkK(k);
    const { dim, pd, extent } = this;
    const nq = queries.length / dim;
    if (!Number.isInteger(nq)) {
      throw new InvalidArgumentError(`queries length ${queries.length} is not a multiple of dim ${dim}`);
    }
    const results: SearchHit[][] = [];
    for (let start = 0; start < nq; start += 4) {
      const m = Math.min(4, nq - start);
      const qs: Float32Array[] = [];
      for (let r = 0; r < m; r++) {
        const q = queries.subarray((start + r) * dim, (start + r + 1) * dim);
        checkVector(q, dim, 'query');
        qs.push(this.metric === 'cosine' ? normalized(q) : q);
      }
      if (k === 0 || this.count === 0) {
        for (let r = 0; r < m; r++) results.push([]);
        continue;
      }
      const scores = this.scoreBlock(qs);
      const live = this.live;
      const skip = filter ? (i: number) => !live[i] || !filter(i) : (i: number) => !live[i];
      const want = Math.min(extent, k + Math.max(8, k >> 2));
      const items = new Int32Array(want);
      const table = this.table();
      for (let r = 0; r < m; r++) {
        const found = topK(scores[r]!, want, items, undefined, { skip });
        const hits: SearchHit[] = [];
        for (let j = 0; j < found; j++) {
          const i = items[j]!;
          hits.push({ item: i, score: exactScore(qs[r]!, table, i * pd, dim, this.bias[i]!) });
        }
        results.push(rankHits(hits).slice(0, k));
      }
    }
    return results;
  }

  /** Float32 scores of up to four queries against rows 0..extent-1 (bias added). */
  private scoreBlock(qs: Float32Array[]): Float32Array[] {
    const { dim, pd, extent } = this;
    const buf = this.buffer();
    const qrows = new Float32Array(buf, 0, 4 * pd);
    qrows.fill(0);
    for (let r = 0; r < 4; r++) qrows.set(qs[Math.min(r, qs.length - 1)]!, r * pd);
    const out = (r: number) => this.outOff + r * this.capacity * 4;
    if (this.ex) {
      const q = (r: number) => r * pd * 4;
      // Missing rows repeat the last query and write to its output (same values).
      const rr = (r: number) => Math.min(r, qs.length - 1);
      this.ex.block4(
        q(0),
        q(rr(1)),
        q(rr(2)),
        q(rr(3)),
        this.tableOff,
        extent,
        pd,
        out(0),
        out(rr(1)),
        out(rr(2)),
        out(rr(3)),
      );
    } else {
      const table = this.table();
      for (let r = 0; r < qs.length; r++) {
        const o = new Float32Array(buf, out(r), extent);
        const q = qs[r]!;
        for (let i = 0; i < extent; i++) {
          const base = i * pd;
          let s = 0;
          for (let d = 0; d < dim; d++) s += q[d]! * table[base + d]!;
          o[i] = s;
        }
      }
    }
    const result: Float32Array[] = [];
    for (let r = 0; r < qs.length; r++) {
      const o = new Float32Array(this.buffer(), out(r), extent);
      if (this.hasBias) for (let i = 0; i < extent; i++) o[i] = o[i]! + this.bias[i]!;
      result.push(o);
    }
    return result;
  }
}
