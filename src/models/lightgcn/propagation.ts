/**
 * @module models/lightgcn/propagation
 * LightGCN's graph convolution and its exact backward pass (He et al., "LightGCN: Simplifying and
 * Powering Graph Convolution Network for Recommendation", SIGIR 2020, eqs. 7-8): final embeddings
 * F = (1/(K+1)) Σ_{k=0..K} Â^k E0 and, Â being symmetric, dL/dE0 = (1/(K+1)) Σ_k Â^k G for
 * G = dL/dF. Both sums run by Horner's rule (H ← E0 + Â·H), K sparse products each.
 *
 * A batch only needs F on its rows S: the forward's last product runs on S's rows only, and the
 * backward's first product only reads S's rows of G (zero elsewhere). The Adam step on E0 is fused
 * with the last product. Work is split over a {@link Team} of threads in contiguous row ranges of
 * about equal cost.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type Csr, splitByCost } from '../../math/spmm.js';
import { FLOAT, OP } from './ops.js';
import { Tables } from './tables.js';
import { Team } from './team.js';

/** Adam's hyper-parameters and step number (1-based). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  t: number;
}

interface PropArgs {
  /** Output the batch rows (by slot) rather than all rows. */
  rows?: boolean;
  /** x is a batch table (read through the slot map). */
  map?: boolean;
  x: number;
  /** Self term: a table added to each row (-1: none), read through the slot map when selfMap. */
  selfX: number;
  selfMap?: boolean;
  y: number;
  scale: number;
}

export class Propagation {
  readonly n: number;
  /** Row stride of the tables. */
  readonly pd: number;
  /** Rows in the current batch. */
  count = 0;
  private readonly degPrefix: Float64Array;
  private readonly fullBounds: Int32Array;
  /** Cost prefix over the batch list (work of the forward's last product). */
  private readonly listCost: Float64Array;

  private constructor(
    readonly graph: Csr,
    readonly nUsers: number,
    readonly dim: number,
    readonly layers: number,
    readonly tables: Tables,
    private team: Team | undefined,
  ) {
    this.n = tables.n;
    this.pd = tables.pd;
    this.degPrefix = Float64Array.from(graph.indptr);
    this.listCost = new Float64Array(tables.list.length + 1);
    this.fullBounds = splitByCost((x) => graph.indptr[x]! + 4 * x, this.n, team!.members);
  }

  /**
   * Lays out the tables for `graph` (Â over users then items) and starts `threads` threads (the
   * caller included); `capacity` bounds the distinct rows of a batch.
   */
  static async create(
    graph: Csr,
    nUsers: number,
    o: { dim: number; layers: number; capacity: number; threads: number },
  ): Promise<Propagation> {
    if (!Number.isInteger(o.layers) || o.layers < 0 || !Number.isInteger(o.threads) || o.threads < 1) {
      throw new InvalidArgumentError(
        `layers must be >= 0 and threads >= 1, got ${o.layers} and ${o.threads}`,
      );
    }
    const tables = new Tables(graph, o.dim, Math.max(1, Math.min(o.capacity, graph.nRows)));
    const team = await Team.start(tables.memory, o.threads);
    return new Propagation(graph, nUsers, o.dim, o.layers, tables, team);
  }

  private get t(): Team {
    if (!this.team) throw new InvalidArgumentError('LightGCN propagation is closed');
    return this.team;
  }

  /** Member boundaries over 0..n, where cost(x) (monotone) is the cost of the items before x. */
  private split(cost: (x: number) => number, n: number): Int32Array {
    return splitByCost(cost, n, this.t.members);
  }

  /** y = scale · (selfX + Â·x) on every member's range of `bounds`. */
  private prop(o: PropArgs, bounds: Int32Array, op: number = OP.prop): void {
    const { t, pd } = this;
    const { indptr, indices, values, list, slot } = this.tables.at;
    const { x, selfX, y } = o;
    t.setArgs({ indptr, indices, values, x, selfX, y, pd });
    t.setArgs({ rows: o.rows ? list : -1, map: o.map ? slot : -1, selfMap: o.selfMap ? slot : -1 });
    t.f[FLOAT.scale] = o.scale;
    t.setRanges(bounds);
    t.run(op);
  }

  /** Adds `node` to the batch (once) and returns its slot. */
  slotOf(node: number): number {
    let s = this.tables.slot[node]!;
    if (s < 0) {
      s = this.count++;
      this.tables.slot[node] = s;
      this.tables.list[s] = node;
    }
    return s;
  }

  /** Forgets the batch's rows. */
  clearBatch(): void {
    for (let s = 0; s < this.count; s++) this.tables.slot[this.tables.list[s]!] = -1;
    this.count = 0;
  }

  /** Zeroes g and r on the batch's rows (call after the slots are assigned). */
  zeroGradients(): void {
    this.tables.g.fill(0, 0, this.count * this.pd);
    this.tables.r.fill(0, 0, this.count * this.pd);
  }

  /** Horner's forward up to H = Σ_{k<K} Â^k E0 (all rows); returns its table. */
  private partialSums(): number {
    const { a, b, e0 } = this.tables.at;
    let cur = e0;
    for (let k = 1; k < this.layers; k++) {
      const dst = cur === a ? b : a;
      this.prop({ x: cur, selfX: e0, y: dst, scale: 1 }, this.fullBounds);
      cur = dst;
    }
    return cur;
  }

  /** Final embeddings F of the batch rows into `f` (by slot). */
  forward(): void {
    const { count, pd } = this;
    const { list, e0 } = this.tables;
    if (this.layers === 0) {
      for (let s = 0; s < count; s++) {
        this.tables.f.set(e0.subarray(list[s]! * pd, (list[s]! + 1) * pd), s * pd);
      }
      return;
    }
    const h = this.partialSums();
    const dp = this.degPrefix;
    const prefix = this.listCost;
    for (let s = 0; s < count; s++) prefix[s + 1] = prefix[s]! + dp[list[s]! + 1]! - dp[list[s]!]! + 4;
    const at = this.tables.at;
    const scale = 1 / (this.layers + 1);
    this.prop(
      { rows: true, x: h, selfX: at.e0, y: at.f, scale },
      this.split((x) => prefix[x]!, count),
    );
  }

  /** Ranges for the backward's first product: its work sits on the neighbours of the batch rows. */
  private maskedBounds(): Int32Array {
    const { nUsers: nU, degPrefix: dp } = this;
    let fromUsers = 0;
    let fromItems = 0;
    for (let s = 0; s < this.count; s++) {
      const r = this.tables.list[s]!;
      if (r < nU) fromUsers += dp[r + 1]! - dp[r]!;
      else fromItems += dp[r + 1]! - dp[r]!;
    }
    const edges = Math.max(1, dp[this.n]! / 2);
    // A neighbour in the batch costs pd/4 vector updates, one outside it a skipped index.
    const wUsers = 1 + (this.pd / 4) * (fromItems / edges); // user rows see the batch's items
    const wItems = 1 + (this.pd / 4) * (fromUsers / edges);
    return this.split(
      (x) => (x <= nU ? wUsers * dp[x]! : wUsers * dp[nU]! + wItems * (dp[x]! - dp[nU]!)),
      this.n,
    );
  }

  /** Horner's backward T_1 = G + Â·G, T_k = G + Â·T_{k-1}; returns T_K's table (K >= 1). */
  private backwardSums(adam?: AdamStep): number {
    const at = this.tables.at;
    let cur = at.g;
    for (let k = 1; k <= this.layers; k++) {
      const dst = k % 2 === 1 ? at.a : at.b;
      const first = k === 1;
      const fused = k === this.layers && adam !== undefined;
      if (fused) this.setAdam(adam, dst, 1 / (this.layers + 1));
      const args = { map: first, x: cur, selfX: at.g, selfMap: true, y: dst, scale: 1 };
      this.prop(args, first ? this.maskedBounds() : this.fullBounds, fused ? OP.propAdam : OP.prop);
      cur = dst;
    }
    return cur;
  }

  /** Adam on E0 with gradient gscale · grad (-1: none) + r (by slot). */
  private setAdam(s: AdamStep, grad: number, gscale: number): void {
    const { t, pd } = this;
    const { e0, m, v, slot, r } = this.tables.at;
    t.setArgs({ p: e0, m, v, grad, slot, extra: r, pd });
    t.f[FLOAT.gscale] = gscale;
    t.f[FLOAT.stepSize] = s.lr / (1 - s.beta1 ** s.t);
    t.f[FLOAT.b1] = s.beta1;
    t.f[FLOAT.b2] = s.beta2;
    t.f[FLOAT.eps] = s.eps;
    t.f[FLOAT.bc2s] = Math.sqrt(1 - s.beta2 ** s.t);
  }

  /** Back-propagates g (and adds r), then takes one dense Adam step on E0 (torch.optim.Adam's). */
  backwardAdam(step: AdamStep): void {
    if (this.layers > 0) {
      this.backwardSums(step);
      return;
    }
    // No propagation: dL/dE0 = G + R on the batch rows, zero elsewhere.
    for (let i = 0; i < this.count * this.pd; i++) this.tables.r[i]! += this.tables.g[i]!;
    this.setAdam(step, -1, 0);
    this.t.setRanges(this.split((x) => x, this.n));
    this.t.run(OP.adam);
  }

  /** dL/dE0 (n x dim, no padding) from g and r, changing nothing: for tests and checks. */
  gradient(): Float32Array {
    const { n, dim, pd } = this;
    const out = new Float32Array(n * dim);
    const src = this.layers > 0 ? this.tables.view(this.backwardSums()) : undefined;
    const scale = 1 / (this.layers + 1);
    for (let node = 0; node < n; node++) {
      const s = this.tables.slot[node]!;
      for (let j = 0; j < dim; j++) {
        let v = src ? scale * src[node * pd + j]! : 0;
        if (s >= 0) v += (src ? 0 : this.tables.g[s * pd + j]!) + this.tables.r[s * pd + j]!;
        out[node * dim + j] = v;
      }
    }
    return out;
  }

  /** Final embeddings of all nodes into user and item tables (rows x dim, no padding). */
  finals(users: Float32Array, items: Float32Array): void {
    const { pd, dim, nUsers } = this;
    let src = this.tables.e0;
    if (this.layers > 0) {
      const at = this.tables.at;
      const h = this.partialSums();
      const dst = h === at.a ? at.b : at.a;
      this.prop({ x: h, selfX: at.e0, y: dst, scale: 1 / (this.layers + 1) }, this.fullBounds);
      src = this.tables.view(dst);
    }
    for (let node = 0; node < this.n; node++) {
      const row = src.subarray(node * pd, node * pd + dim);
      if (node < nUsers) users.set(row, node * dim);
      else items.set(row, (node - nUsers) * dim);
    }
  }

  /** Sets E0 from user and item tables (rows x dim). */
  setEmbeddings(users: Float32Array, items: Float32Array): void {
    const { pd, dim, nUsers } = this;
    this.tables.e0.fill(0);
    for (let node = 0; node < this.n; node++) {
      const [t, row] = node < nUsers ? [users, node] : [items, node - nUsers];
      this.tables.e0.set(t.subarray(row * dim, (row + 1) * dim), node * pd);
    }
  }

  /** A copy of E0 without padding (n x dim). */
  embeddings(): Float32Array {
    const out = new Float32Array(this.n * this.dim);
    for (let node = 0; node < this.n; node++) {
      out.set(this.tables.e0.subarray(node * this.pd, node * this.pd + this.dim), node * this.dim);
    }
    return out;
  }

  /** Stops the threads (idempotent). */
  async close(): Promise<void> {
    const t = this.team;
    this.team = undefined;
    await t?.close();
  }
}
