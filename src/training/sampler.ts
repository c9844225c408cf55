/**
 * @module training/sampler
 * Seeded (user, positive, negative) triple sampling for pairwise ranking losses such as BPR
 * (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009), done
 * the way MMRec's TrainDataLoader does it: every training pair once per epoch in a shuffled
 * order, each with negatives drawn uniformly from the items the user has not interacted with
 * (rejection: re-draw on a hit). MMRec draws from the item ids present in the training file; by
 * default this sampler draws from all items (the same on splits where every item has training
 * pairs); `negativePool: interactedItems(train)` gives MMRec's rule exactly.
 */
import type { Interactions } from '../data/interactions.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';

/** One batch of triples. Arrays are views of buffers that the sampler reuses between batches. */
export interface TripleBatch {
  /** Number of (user, positive) pairs in the batch. */
  size: number;
  /** Users, length `size`. */
  users: Int32Array;
  /** Positive items, length `size`. */
  pos: Int32Array;
  /** Negative items, `size * negatives`, row-major (the negatives of pair b start at b * negatives). */
  neg: Int32Array;
}

export interface TripleSamplerOptions {
  /** Seed of the shuffles and negative draws. */
  seed: number;
  /** Negatives per positive pair (default 1). */
  negatives?: number;
  /**
   * For data-parallel training (Hogwild): this sampler yields only batches b with
   * b % parts === part. Samplers of the same seed and different parts share the shuffle and
   * so split each epoch's pairs exactly; their negative draws are independent streams.
   */
  part?: number;
  parts?: number;
  /**
   * Items negatives are drawn from (default: all items). Cold-start training passes the items
   * with training interactions, so that held-out new items are never shown to the model as
   * negatives (in production they do not exist yet at training time).
   */
  negativePool?: Int32Array;
}

/**
 * Shuffled (user, positive, negatives) batches over all training pairs. Successive calls to
 * epoch() continue one seeded random stream, so a sampler built with the same seed yields the
 * same batches epoch after epoch.
 */
export class TripleSampler {
  /** Number of training (user, item) pairs, i.e. triples per epoch. */
  readonly nPairs: number;
  readonly negatives: number;
  private readonly train: Interactions;
  private readonly shuffleRng: Rng;
  private readonly rng: Rng;
  private readonly part: number;
  private readonly parts: number;
  /** User of each stored pair (aligned with train.indices). */
  private readonly pairUsers: Int32Array;
  private readonly order: Int32Array;

  constructor(train: Interactions, options: TripleSamplerOptions) {
    const negatives = options.negatives ?? 1;
    if (!Number.isInteger(negatives) || negatives < 1) {
      throw new InvalidArgumentError(`negatives must be a positive integer, got ${negatives}`);
    }
    this.train = train;
    this.negatives = negatives;
    this.part = options.part ?? 0;
    this.parts = options.parts ?? 1;
    if (!Number.isInteger(this.parts) || this.parts < 1 || !(this.part >= 0 && this.part < this.parts)) {
      throw new InvalidArgumentError(`part must be in [0, parts), got part=${this.part} parts=${this.parts}`);
    }
    this.shuffleRng = new Rng(options.seed);
    this.rng = new Rng((Math.imul(options.seed | 0, 0x2545f491) + 0x6c8e9cf5 * (this.part + 1)) | 0);
    this.nPairs = train.nnz;
    this.pairUsers = new Int32Array(train.nnz);
    for (let u = 0; u < train.nUsers; u++) {
      const from = train.indptr[u]!;
      const to = train.indptr[u + 1]!;
      if (to > from && to - from >= train.nItems) {
        throw new InvalidArgumentError(
          `user ${u} interacted with all ${train.nItems} items: no negative item can be sampled`,
        );
      }
      this.pairUsers.fill(u, from, to);
    }
    this.order = new Int32Array(train.nnz);
    if (options.negativePool) {
      const pool = options.negativePool;
      if (pool.length === 0) throw new InvalidArgumentError('negativePool is empty');
      const inPoolMask = new Uint8Array(train.nItems);
      for (const i of pool) inPoolMask[i] = 1;
      for (let u = 0; u < train.nUsers; u++) {
        let inPool = 0;
        for (let k = train.indptr[u]!; k < train.indptr[u + 1]!; k++)
          inPool += inPoolMask[train.indices[k]!]!;
        if (train.indptr[u + 1]! > train.indptr[u]! && inPool >= pool.length) {
          throw new InvalidArgumentError(`user ${u} interacted with every item of the negative pool`);
        }
      }
      this.pool = pool;
    }
  }

  private readonly pool: Int32Array | undefined;

  /** Draws one item the user has not interacted with in train (uniform, by rejection). */
  sampleNegative(user: number): number {
    const { indptr, indices, nItems } = this.train;
    const from = indptr[user]!;
    const to = indptr[user + 1]! - 1;
    const pool = this.pool;
    for (;;) {
      const j = (this.rng.nextU32() / 4294967296) * (pool ? pool.length : nItems);
      const item = pool ? pool[j | 0]! : j | 0;
      // Binary search in the user's sorted row.
      let lo = from;
      let hi = to;
      let hit = false;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = indices[mid]!;
        if (v === item) {
          hit = true;
          break;
        }
        if (v < item) lo = mid + 1;
        else hi = mid - 1;
      }
      if (!hit) return item;
    }
  }

  /**
   * Shuffles all training pairs and yields them in batches of `batchSize` (the last one may be
   * smaller), each pair with `negatives` sampled negatives. Buffers are reused between batches:
   * copy what must outlive the next iteration.
   */
  *epoch(batchSize: number): Generator<TripleBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    const n = this.nPairs;
    const order = this.order;
    for (let k = 0; k < n; k++) order[k] = k;
    const rng = this.shuffleRng;
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor((rng.nextU32() / 4294967296) * (k + 1));
      const t = order[k]!;
      order[k] = order[j]!;
      order[j] = t;
    }
    const cap = Math.min(batchSize, Math.max(1, n));
    const users = new Int32Array(cap);
    const pos = new Int32Array(cap);
    const neg = new Int32Array(cap * this.negatives);
    const items = this.train.indices;
    const m = this.negatives;
    for (let start = this.part * batchSize; start < n; start += batchSize * this.parts) {
      const size = Math.min(batchSize, n - start);
      for (let b = 0; b < size; b++) {
        const p = order[start + b]!;
        const u = this.pairUsers[p]!;
        users[b] = u;
        pos[b] = items[p]!;
        for (let s = 0; s < m; s++) neg[b * m + s] = this.sampleNegative(u);
      }
      yield {
        size,
        users: size === cap ? users : users.subarray(0, size),
        pos: size === cap ? pos : pos.subarray(0, size),
        neg: size === cap ? neg : neg.subarray(0, size * m),
      };
    }
  }
}

/** The items with at least one training interaction (the negative pool of cold-start training). */
export function interactedItems(train: Interactions): Int32Array {
  const seen = new Uint8Array(train.nItems);
  for (let k = 0; k < train.nnz; k++) seen[train.indices[k]!] = 1;
  const out: number[] = [];
  seen.forEach((w, i) => {
    if (w) out.push(i);
  });
  return Int32Array.from(out);
}
