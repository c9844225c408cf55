/**
 * @module models/lightgcn/propagation
 * LightGCN's graph convolution and its exact backward pass (He et al., "LightGCN: Simplifying and
 * Powering Graph Convolution Network for Recommendation", SIGIR 2020, eqs. 7-8): final embeddings
 * F = (1/(K+1)) Σ_{k=0..K} Â^k E0 and, Â being symmetric, dL/dE0 = (1/(K+1)) Σ_k Â^k G for
 * G = dL/dF. Both sums run by Horner's rule (H ← E0 + Â·H), K sparse products each, in the
 * WebAssembly kernels of ./kernels.wat on a thread team; the Adam step on E0 (torch.optim.Adam's,
 * dense) is fused with the backward's last product.
 *
 * A batch only needs F on its rows S: the forward's last product runs on S's rows only, and the
 * backward's first product only reads S's rows of G (zero elsewhere). Work is split over the team
 * in contiguous row ranges of about equal cost; each output row is computed by one thread with the
 * same kernel, so results do not depend on the thread count.
 *
 * Used by LightGCN (a fixed graph; its own team) and by FREEDOM's user-item half (the degree-pruned
 * graph, rewritten every epoch into the same arrays; FREEDOM's team and arena). They differ only
 * in the gradient that joins the propagated one at the Adam step:
 * - 'rows': a table r of the batch rows (by slot): LightGCN's regulariser gradient;
 * - 'dense': a table dv of all n rows: where FREEDOM's item-item graph sends its gradient.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type Csr, splitByCost } from '../../math/spmm.js';
import { Arena } from '../../util/arena.js';
import type { ThreadTeam } from '../../util/thread-team.js';
import { type ArgName, FLOAT, OP } from './ops.js';
import { Team } from './team.js';

/** Adam's hyper-parameters and step number (1-based). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  t: number;
}

/** A team that runs LightGCN's kernels (LightGCN's own, or FREEDOM's, which runs them too). */
export type PropTeam = ThreadTeam<unknown> & { setArgs(args: Partial<Record<ArgName, number>>): void };

/** Where the extra gradient added at the Adam step lives (see the module comment). */
export type ExtraGradient = 'rows' | 'dense';

/** Names of the tables a propagation reads and writes in its arena. */
export type PropTable =
  | 'indptr'
  | 'indices'
  | 'values'
  | 'e0'
  | 'm'
  | 'v'
  | 'a'
  | 'b'
  | 'slot'
  | 'list'
  | 'g'
  | 'f'
  | 'r'
  | 'idmap'
  | 'dv';

/**
 * The arena tables of a propagation over n nodes with row stride pd, `capacity` batch rows and
 * graphs of up to maxNnz non-zeros.
 */
export function propagationSpecs(
  n: number,
  pd: number,
  capacity: number,
  maxNnz: number,
  extra: ExtraGradient,
): Record<PropTable, { length: number; type: 'f32' | 'i32' }> {
  const f = (length: number) => ({ length: Math.max(1, length), type: 'f32' as const });
  const i = (length: number) => ({ length: Math.max(1, length), type: 'i32' as const });
  const rows = extra === 'rows';
  return {
    indptr: i(n + 1),
    indices: i(maxNnz),
    values: f(maxNnz),
    e0: f(n * pd),
    m: f(n * pd),
    v: f(n * pd),
    a: f(n * pd),
    b: f(n * pd),
    slot: i(n),
    list: i(capacity),
    g: f(capacity * pd),
    f: f(capacity * pd),
    r: f(rows ? capacity * pd : 0),
    idmap: i(rows ? 0 : n),
    dv: f(rows ? 0 : n * pd),
  };
}

/** Arguments of one sparse product (see ./kernels.wat `prop`). */
export interface PropArgs {
  /** Output the batch rows (by slot, through `list`) rather than all rows. */
  rows?: boolean;
  /** x is a batch table, read through the slot map. */
  map?: boolean;
  x: number;
  /** Self term added to each row (-1: none), read through the slot map when selfMap. */
  selfX: number;
  selfMap?: boolean;
  y: number;
  scale: number;
}

/**
 * Runs y = scale · (selfX + A·x) for the CSR matrix at byte offsets `csr` on the team's ranges
 * `bounds` (the batch tables `list` and `slot` at `at`).
 */
export function runProp(
  team: PropTeam,
  csr: { indptr: number; indices: number; values: number },
  at: { list: number; slot: number },
  pd: number,
  o: PropArgs,
  bounds: Int32Array,
  op: number = OP.prop,
): void {
  team.setArgs({ ...csr, x: o.x, selfX: o.selfX, y: o.y, pd });
  team.setArgs({ rows: o.rows ? at.list : -1, map: o.map ? at.slot : -1, selfMap: o.selfMap ? at.slot : -1 });
  team.f[FLOAT.scale] = o.scale;
  team.setRanges(bounds);
  team.run(op);
}

/** Sets the float arguments of an Adam step on the team (torch.optim.Adam's update). */
export function setAdamFloats(team: PropTeam, s: AdamStep, gscale: number): void {
  team.f[FLOAT.gscale] = gscale;
  team.f[FLOAT.stepSize] = s.lr / (1 - s.beta1 ** s.t);
  team.f[FLOAT.b1] = s.beta1;
  team.f[FLOAT.b2] = s.beta2;
  team.f[FLOAT.eps] = s.eps;
  team.f[FLOAT.bc2s] = Math.sqrt(1 - s.beta2 ** s.t);
}

export class Propagation {
  /** Rows in the current batch. */
  count = 0;
  /** Ego embeddings E0, n x pd. */
  readonly e0: Float32Array;
  /** slot[node] = the node's row in the batch tables, or -1. */
  readonly slot: Int32Array;
  /** The batch's nodes by slot. */
  readonly list: Int32Array;
  /** dL/dF of the batch rows, by slot. */
  readonly g: Float32Array;
  /** Final embeddings of the batch rows, by slot (after forward()). */
  readonly f: Float32Array;
  /** 'rows': gradient added to dL/dE0 as is, by slot. */
  readonly r: Float32Array;
  /** 'dense': gradient added to dL/dE0 as is, n x pd. */
  readonly dv: Float32Array;
  private readonly indptr: Int32Array;
  private readonly indices: Int32Array;
  private readonly values: Float32Array;
  private fullBounds: Int32Array;
  private degPrefix: Float64Array;
  private readonly listCost: Float64Array;
  private nnz = 0;
  /** The team this propagation started (create) and stops on close; none when given one. */
  private owned: PropTeam | undefined;

  /**
   * A propagation over the tables of `arena` (see {@link propagationSpecs}) run by `team`; install
   * a graph with {@link setGraph} before use. `nUsers` (users first, then items) only guides the
   * load balance of the backward's first product.
   */
  constructor(
    private readonly arena: Arena<PropTable>,
    private team: PropTeam | undefined,
    readonly n: number,
    readonly nUsers: number,
    readonly dim: number,
    readonly pd: number,
    readonly layers: number,
    readonly extra: ExtraGradient,
  ) {
    if (!Number.isInteger(layers) || layers < 0) {
      throw new InvalidArgumentError(`propagation layers must be an integer >= 0, got ${layers}`);
    }
    this.e0 = arena.f32('e0');
    this.slot = arena.i32('slot').fill(-1);
    this.list = arena.i32('list');
    this.g = arena.f32('g');
    this.f = arena.f32('f');
    this.r = arena.f32('r');
    this.dv = arena.f32('dv');
    if (extra === 'dense') {
      const idmap = arena.i32('idmap');
      for (let x = 0; x < n; x++) idmap[x] = x;
    }
    this.indptr = arena.i32('indptr');
    this.indices = arena.i32('indices');
    this.values = arena.f32('values');
    this.listCost = new Float64Array(this.list.length + 1);
    this.degPrefix = new Float64Array(n + 1);
    this.fullBounds = splitByCost((x) => x, n, this.t.members);
  }

  /**
   * LightGCN's propagation over a fixed `graph` (Â over users then items) in its own arena, with
   * `threads` threads (the caller included); `capacity` bounds the distinct rows of a batch.
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
    const n = graph.nRows;
    const pd = Math.ceil(o.dim / 4) * 4;
    const capacity = Math.max(1, Math.min(o.capacity, n));
    const arena = new Arena(propagationSpecs(n, pd, capacity, graph.indices.length, 'rows'), 'LightGCN');
    const team = await Team.start(arena.memory, o.threads);
    const p = new Propagation(arena, team, n, nUsers, o.dim, pd, o.layers, 'rows');
    p.owned = team;
    p.setGraph(graph);
    return p;
  }

  private get t(): PropTeam {
    if (!this.team) throw new InvalidArgumentError('LightGCN propagation is closed');
    return this.team;
  }

  /** Installs graph Â (n x n, at most the arena's capacity of non-zeros). */
  setGraph(graph: Csr): void {
    const nnz = graph.indices.length;
    if (graph.nRows !== this.n || nnz > this.indices.length) {
      throw new InvalidArgumentError(
        `graph of ${graph.nRows} rows and ${nnz} non-zeros does not fit ${this.n} rows and ${this.indices.length}`,
      );
    }
    this.indptr.set(graph.indptr);
    this.indices.set(graph.indices);
    this.values.set(graph.values);
    this.nnz = nnz;
    this.degPrefix = Float64Array.from(graph.indptr);
    const ip = graph.indptr;
    this.fullBounds = splitByCost((x) => ip[x]! + 4 * x, this.n, this.t.members);
  }

  /** Non-zeros of the installed graph. */
  get graphNnz(): number {
    return this.nnz;
  }

  /** A Float32Array view of one of the n-row work tables by its offset. */
  private view(offset: number): Float32Array {
    return offset === this.arena.at.a ? this.arena.f32('a') : this.arena.f32('b');
  }

  /** y = scale · (selfX + Â·x) over `bounds`. */
  private prop(o: PropArgs, bounds: Int32Array, op: number = OP.prop): void {
    const at = this.arena.at;
    const csr = { indptr: at.indptr, indices: at.indices, values: at.values };
    runProp(this.t, csr, at, this.pd, o, bounds, op);
  }

  /** Adds `node` to the batch (once) and returns its slot. */
  slotOf(node: number): number {
    let s = this.slot[node]!;
    if (s < 0) {
      s = this.count++;
      this.slot[node] = s;
      this.list[s] = node;
    }
    return s;
  }

  /** Forgets the batch's rows. */
  clearBatch(): void {
    for (let s = 0; s < this.count; s++) this.slot[this.list[s]!] = -1;
    this.count = 0;
  }

  /** Zeroes g (and r, 'rows') on the batch rows; dv ('dense') is the caller's to set. */
  zeroGradients(): void {
    this.g.fill(0, 0, this.count * this.pd);
    if (this.extra === 'rows') this.r.fill(0, 0, this.count * this.pd);
  }

  /** Horner's forward up to H = Σ_{k<K} Â^k E0 (all rows); returns its table's offset. */
  private partialSums(): number {
    const { a, b, e0 } = this.arena.at;
    let cur = e0;
    for (let k = 1; k < this.layers; k++) {
      const dst = cur === a ? b : a;
      this.prop({ x: cur, selfX: e0, y: dst, scale: 1 }, this.fullBounds);
      cur = dst;
    }
    return cur;
  }

  /** Final embeddings F of the batch rows into f (by slot). */
  forward(): void {
    const { count, pd, list, e0 } = this;
    if (this.layers === 0) {
      for (let s = 0; s < count; s++) this.f.set(e0.subarray(list[s]! * pd, (list[s]! + 1) * pd), s * pd);
      return;
    }
    const h = this.partialSums();
    const dp = this.degPrefix;
    const prefix = this.listCost;
    for (let s = 0; s < count; s++) prefix[s + 1] = prefix[s]! + dp[list[s]! + 1]! - dp[list[s]!]! + 4;
    const at = this.arena.at;
    this.prop(
      { rows: true, x: h, selfX: at.e0, y: at.f, scale: 1 / (this.layers + 1) },
      splitByCost((x) => prefix[x]!, count, this.t.members),
    );
  }

  /** Ranges for the backward's first product: its work sits on the neighbours of the batch rows. */
  private maskedBounds(): Int32Array {
    const { nUsers: nU, degPrefix: dp } = this;
    let fromUsers = 0;
    let fromItems = 0;
    for (let s = 0; s < this.count; s++) {
      const r = this.list[s]!;
      if (r < nU) fromUsers += dp[r + 1]! - dp[r]!;
      else fromItems += dp[r + 1]! - dp[r]!;
    }
    const edges = Math.max(1, dp[this.n]! / 2);
    // A neighbour in the batch costs pd/4 vector updates, one outside it a skipped index.
    const wUsers = 1 + (this.pd / 4) * (fromItems / edges); // user rows see the batch's items
    const wItems = 1 + (this.pd / 4) * (fromUsers / edges);
    return splitByCost(
      (x) => (x <= nU ? wUsers * dp[x]! : wUsers * dp[nU]! + wItems * (dp[x]! - dp[nU]!)),
      this.n,
      this.t.members,
    );
  }

  /**
   * Horner's backward T_1 = G + Â·G, T_k = G + Â·T_{k-1} (K >= 1); with `adam`, the last product
   * is fused with the Adam step on E0 (gradient T_K/(K+1) + the extra gradient). Returns T_K's
   * table offset.
   */
  private backwardSums(adam?: AdamStep): number {
    const at = this.arena.at;
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

  /** Adam on E0 with gradient gscale · grad (-1: none) + the extra gradient. */
  private setAdam(s: AdamStep, grad: number, gscale: number): void {
    const at = this.arena.at;
    const [slot, extra] = this.extra === 'rows' ? [at.slot, at.r] : [at.idmap, at.dv];
    this.t.setArgs({ p: at.e0, m: at.m, v: at.v, grad, slot, extra, pd: this.pd });
    setAdamFloats(this.t, s, gscale);
  }

  /** Back-propagates g, then one dense Adam step on E0 with dL/dE0 = backprop(g) + extra. */
  backwardAdam(step: AdamStep): void {
    if (this.layers > 0) {
      this.backwardSums(step);
      return;
    }
    // No propagation: dL/dE0 = G (on the batch rows) + extra; fold G into the extra table.
    const { pd, g, list } = this;
    const rows = this.extra === 'rows';
    const target = rows ? this.r : this.dv;
    for (let s = 0; s < this.count; s++) {
      const o = (rows ? s : list[s]!) * pd;
      for (let j = 0; j < pd; j++) target[o + j]! += g[s * pd + j]!;
    }
    this.setAdam(step, -1, 0);
    this.t.setRanges(this.fullBounds);
    this.t.run(OP.adam);
  }

  /** dL/dE0 (n x dim, no padding) from g and the extra gradient, changing nothing: for checks. */
  gradient(): Float32Array {
    const { n, dim, pd } = this;
    const out = new Float32Array(n * dim);
    const src = this.layers > 0 ? this.view(this.backwardSums()) : undefined;
    const scale = 1 / (this.layers + 1);
    const rows = this.extra === 'rows';
    for (let node = 0; node < n; node++) {
      const s = this.slot[node]!;
      for (let j = 0; j < dim; j++) {
        let v = rows ? (s >= 0 ? this.r[s * pd + j]! : 0) : this.dv[node * pd + j]!;
        if (src) v += scale * src[node * pd + j]!;
        else if (s >= 0) v += this.g[s * pd + j]!;
        out[node * dim + j] = v;
      }
    }
    return out;
  }

  /** Final embeddings of all nodes (n x pd, padded) over the installed graph, into `out`. */
  finalsPadded(out: Float32Array): void {
    if (this.layers === 0) {
      out.set(this.e0);
      return;
    }
    const at = this.arena.at;
    const h = this.partialSums();
    const dst = h === at.a ? at.b : at.a;
    this.prop({ x: h, selfX: at.e0, y: dst, scale: 1 / (this.layers + 1) }, this.fullBounds);
    out.set(this.view(dst));
  }

  /** Final embeddings of all nodes into user and item tables (rows x dim, no padding). */
  finals(users: Float32Array, items: Float32Array): void {
    const { pd, dim, nUsers } = this;
    let src = this.e0;
    if (this.layers > 0) {
      const at = this.arena.at;
      const h = this.partialSums();
      const dst = h === at.a ? at.b : at.a;
      this.prop({ x: h, selfX: at.e0, y: dst, scale: 1 / (this.layers + 1) }, this.fullBounds);
      src = this.view(dst);
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
    this.e0.fill(0);
    for (let node = 0; node < this.n; node++) {
      const [t, row] = node < nUsers ? [users, node] : [items, node - nUsers];
      this.e0.set(t.subarray(row * dim, (row + 1) * dim), node * pd);
    }
  }

  /** A copy of E0 without padding (n x dim). */
  embeddings(): Float32Array {
    const out = new Float32Array(this.n * this.dim);
    for (let node = 0; node < this.n; node++) {
      out.set(this.e0.subarray(node * this.pd, node * this.pd + this.dim), node * this.dim);
    }
    return out;
  }

  /** Stops the team when this propagation started it (create); idempotent. */
  async close(): Promise<void> {
    const t = this.owned;
    this.team = undefined;
    this.owned = undefined;
    await t?.close();
  }
}
