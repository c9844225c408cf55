/**
 * @module encoders/text/projection
 * Achlioptas' sparse random projection (2003) from the hash-bucket space to `dims` dimensions:
 * R[b, d] = sqrt(3) x (+1 with probability 1/6, 0 with 2/3, -1 with 1/6). Row b is drawn from a
 * generator seeded by (seed, b), so it never has to be stored in full or shipped to a worker:
 * rows are generated on first use and kept in one compact table. The constant sqrt(3 / dims) is
 * left out because the encoder L2-normalises its output.
 */
import { InvalidArgumentError } from '../../errors.js';
import { fmix32 } from '../../util/hash.js';
import { Rng } from '../../util/rng.js';
import type { SparseVector } from './tfidf.js';

const ONE_SIXTH = 715827883; // ceil(2^32 / 6)
const ONE_THIRD = 1431655766; // ceil(2^32 / 3)

/** A seeded sparse random projection with lazily generated rows. */
export class SparseRandomProjection {
  /** Where bucket b's row starts in `store` (-1: not generated yet). */
  private readonly start: Int32Array;
  /** Row b holds `plus[b]` dimensions of +1, then `minus[b]` dimensions of -1. */
  private readonly plus: Uint16Array;
  private readonly minus: Uint16Array;
  private store = new Int16Array(1 << 16);
  private used = 0;
  private readonly scratch: Int16Array;

  /** `bits`: log2 of the input buckets; `dims`: output size (1..32767). */
  constructor(
    readonly bits: number,
    readonly dims: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(dims) || dims < 1 || dims > 32767) {
      throw new InvalidArgumentError(`projection dims must be an integer in 1..32767, got ${dims}`);
    }
    this.start = new Int32Array(1 << bits).fill(-1);
    this.plus = new Uint16Array(1 << bits);
    this.minus = new Uint16Array(1 << bits);
    this.scratch = new Int16Array(dims);
  }

  /** Row `bucket` as dense values in {-1, 0, +1}. */
  row(bucket: number): Int8Array {
    const out = new Int8Array(this.dims);
    const at = this.ensure(bucket);
    const p = this.plus[bucket]!;
    const m = this.minus[bucket]!;
    for (let t = 0; t < p; t++) out[this.store[at + t]!] = 1;
    for (let t = p; t < p + m; t++) out[this.store[at + t]!] = -1;
    return out;
  }

  private ensure(bucket: number): number {
    const at = this.start[bucket]!;
    return at >= 0 ? at : this.generate(bucket);
  }

  private generate(bucket: number): number {
    const rng = new Rng((fmix32((bucket + 1) * 0x9e3779b1) ^ this.seed) | 0);
    let p = 0;
    let m = this.dims;
    // +1 dimensions fill the scratch from the front, -1 dimensions from the back.
    for (let d = 0; d < this.dims; d++) {
      const u = rng.nextU32();
      if (u < ONE_SIXTH) this.scratch[p++] = d;
      else if (u < ONE_THIRD) this.scratch[--m] = d;
    }
    const n = p + (this.dims - m);
    if (this.used + n > this.store.length) {
      const grown = new Int16Array(Math.max(this.store.length * 2, this.used + n));
      grown.set(this.store.subarray(0, this.used));
      this.store = grown;
    }
    const at = this.used;
    this.store.set(this.scratch.subarray(0, p), at);
    this.store.set(this.scratch.subarray(m), at + p);
    this.start[bucket] = at;
    this.plus[bucket] = p;
    this.minus[bucket] = this.dims - m;
    this.used += n;
    return at;
  }

  /** Adds R^T x into out[offset .. offset + dims). */
  project(x: SparseVector, out: Float32Array, offset: number): void {
    const acc = new Float64Array(this.dims);
    for (let k = 0; k < x.buckets.length; k++) this.ensure(x.buckets[k]!);
    const store = this.store;
    for (let k = 0; k < x.buckets.length; k++) {
      const b = x.buckets[k]!;
      const v = x.values[k]!;
      const at = this.start[b]!;
      const mid = at + this.plus[b]!;
      const end = mid + this.minus[b]!;
      for (let t = at; t < mid; t++) acc[store[t]!]! += v;
      for (let t = mid; t < end; t++) acc[store[t]!]! -= v;
    }
    for (let d = 0; d < this.dims; d++) out[offset + d]! += acc[d]!;
  }
}
