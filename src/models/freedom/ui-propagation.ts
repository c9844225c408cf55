/**
 * @module models/freedom/ui-propagation
 * The LightGCN half of FREEDOM: final embeddings F = (1/(K+1)) Σ_{k=0..K} Â^k E0 over a user-item
 * graph Â that changes every epoch (the degree-pruned graph in training, the full graph for
 * scoring), and the exact backward dL/dE0 = (1/(K+1)) Σ_k Â^k G (Â symmetric), both by Horner's
 * rule as in models/lightgcn/propagation, whose WebAssembly kernels it runs on FREEDOM's thread
 * team (./team; each output row is computed by one thread with the same kernel, so results do not
 * depend on the thread count).
 *
 * Differences from LightGCN's propagation: the graph is rewritten in place (its CSR arrays are
 * sized for the largest graph), and the Adam step adds a dense n-row gradient `dv` (through the
 * identity map `idmap`) to the propagated one, which is where FREEDOM's item-item graph sends its
 * gradient: dL/dE0 = T_K/(K+1) + dv.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type Csr, splitByCost } from '../../math/spmm.js';
import type { Arena } from '../../util/arena.js';
import { FLOAT, OP } from '../lightgcn/ops.js';
import type { FreedomTeam as Team } from './team.js';

/** Names of the tables this module reads and writes in the arena. */
export type UiTable =
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
  | 'idmap'
  | 'dv';

/** Adam's hyper-parameters and step number (1-based). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  t: number;
}

/** The arena tables of a user-item propagation over n nodes, `capacity` batch rows. */
export function uiTableSpecs(
  n: number,
  pd: number,
  capacity: number,
  maxNnz: number,
): Record<UiTable, { length: number; type: 'f32' | 'i32' }> {
  const f = (length: number) => ({ length, type: 'f32' as const });
  const i = (length: number) => ({ length, type: 'i32' as const });
  return {
    indptr: i(n + 1),
    indices: i(Math.max(1, maxNnz)),
    values: f(Math.max(1, maxNnz)),
    e0: f(n * pd),
    m: f(n * pd),
    v: f(n * pd),
    a: f(n * pd),
    b: f(n * pd),
    slot: i(n),
    list: i(capacity),
    g: f(capacity * pd),
    f: f(capacity * pd),
    idmap: i(n),
    dv: f(n * pd),
  };
}

/** Arguments of one sparse product (see models/lightgcn/kernels.wat `prop`). */
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
  team: Team,
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
export function setAdamFloats(team: Team, s: AdamStep, gscale: number): void {
  team.f[FLOAT.gscale] = gscale;
  team.f[FLOAT.stepSize] = s.lr / (1 - s.beta1 ** s.t);
  team.f[FLOAT.b1] = s.beta1;
  team.f[FLOAT.b2] = s.beta2;
  team.f[FLOAT.eps] = s.eps;
  team.f[FLOAT.bc2s] = Math.sqrt(1 - s.beta2 ** s.t);
}

export class UiPropagation {
  /** Rows in the current batch. */
  count = 0;
  readonly e0: Float32Array;
  readonly slot: Int32Array;
  readonly list: Int32Array;
  /** dL/dF of the batch rows, by slot. */
  readonly g: Float32Array;
  /** Final embeddings of the batch rows, by slot (after forward()). */
  readonly f: Float32Array;
  /** Extra dense gradient on E0 (n x pd), added by the Adam step. */
  readonly dv: Float32Array;
  private readonly indptr: Int32Array;
  private readonly indices: Int32Array;
  private readonly values: Float32Array;
  private fullBounds: Int32Array;
  private degPrefix: Float64Array;
  private readonly listCost: Float64Array;
  private nnz = 0;

  constructor(
    private readonly arena: Arena<UiTable>,
    private readonly team: Team,
    readonly n: number,
    readonly dim: number,
    readonly pd: number,
    readonly layers: number,
  ) {
    if (!Number.isInteger(layers) || layers < 0) {
      throw new InvalidArgumentError(`user-item layers must be an integer >= 0, got ${layers}`);
    }
    this.e0 = arena.f32('e0');
    this.slot = arena.i32('slot').fill(-1);
    this.list = arena.i32('list');
    this.g = arena.f32('g');
    this.f = arena.f32('f');
    this.dv = arena.f32('dv');
    const idmap = arena.i32('idmap');
    for (let r = 0; r < n; r++) idmap[r] = r;
    this.indptr = arena.i32('indptr');
    this.indices = arena.i32('indices');
    this.values = arena.f32('values');
    this.listCost = new Float64Array(this.list.length + 1);
    this.degPrefix = new Float64Array(n + 1);
    this.fullBounds = splitByCost((x) => x, n, team.members);
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
    this.fullBounds = splitByCost((x) => ip[x]! + 4 * x, this.n, this.team.members);
  }

  /** Non-zeros of the installed graph. */
  get graphNnz(): number {
    return this.nnz;
  }

  /** y = scale · (selfX + Â·x) over `bounds` (see kernels.wat `prop`). */
  private prop(o: PropArgs, bounds: Int32Array, op: number = OP.prop): void {
    const at = this.arena.at;
    runProp(
      this.team,
      { indptr: at.indptr, indices: at.indices, values: at.values },
      at,
      this.pd,
      o,
      bounds,
      op,
    );
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

  /** Zeroes g on the batch rows (dv is the caller's to set before the backward pass). */
  zeroGradients(): void {
    this.g.fill(0, 0, this.count * this.pd);
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
      splitByCost((x) => prefix[x]!, count, this.team.members),
    );
  }

  /**
   * Horner's backward T_1 = G + Â·G, T_k = G + Â·T_{k-1} (K >= 1); with `adam`, the last product
   * is fused with the Adam step on E0 with gradient T_K/(K+1) + dv. Returns T_K's table.
   */
  private backwardSums(adam?: AdamStep): number {
    const at = this.arena.at;
    let cur = at.g;
    for (let k = 1; k <= this.layers; k++) {
      const dst = k % 2 === 1 ? at.a : at.b;
      const fused = k === this.layers && adam !== undefined;
      if (fused) this.setAdam(adam, dst, 1 / (this.layers + 1));
      const args = { map: k === 1, x: cur, selfX: at.g, selfMap: true, y: dst, scale: 1 };
      this.prop(args, this.fullBounds, fused ? OP.propAdam : OP.prop);
      cur = dst;
    }
    return cur;
  }

  private setAdam(s: AdamStep, grad: number, gscale: number): void {
    const at = this.arena.at;
    this.team.setArgs({ p: at.e0, m: at.m, v: at.v, grad, slot: at.idmap, extra: at.dv, pd: this.pd });
    setAdamFloats(this.team, s, gscale);
  }

  /** Folds the batch rows of g into dv (the K = 0 case, where dL/dE0 = G + dv). */
  private foldG(): void {
    const { pd, g, dv, list } = this;
    for (let s = 0; s < this.count; s++) {
      const o = list[s]! * pd;
      for (let j = 0; j < pd; j++) dv[o + j]! += g[s * pd + j]!;
    }
  }

  /** Back-propagates g, then one dense Adam step on E0 with dL/dE0 = backprop(g) + dv. */
  backwardAdam(step: AdamStep): void {
    if (this.layers > 0) {
      this.backwardSums(step);
      return;
    }
    this.foldG();
    this.setAdam(step, -1, 0);
    this.team.setRanges(this.fullBounds);
    this.team.run(OP.adam);
  }

  /** dL/dE0 (n x dim, no padding) from g and dv, changing nothing: for tests and checks. */
  gradient(): Float32Array {
    const { n, dim, pd } = this;
    const out = new Float32Array(n * dim);
    let src: Float32Array | undefined;
    if (this.layers > 0) {
      const at = this.arena.at;
      src = this.backwardSums() === at.a ? this.arena.f32('a') : this.arena.f32('b');
    }
    const scale = 1 / (this.layers + 1);
    for (let node = 0; node < n; node++) {
      const s = this.slot[node]!;
      for (let j = 0; j < dim; j++) {
        let v = this.dv[node * pd + j]!;
        if (src) v += scale * src[node * pd + j]!;
        else if (s >= 0) v += this.g[s * pd + j]!;
        out[node * dim + j] = v;
      }
    }
    return out;
  }

  /** Final embeddings of all nodes (n x pd, padded) over the installed graph, into `out`. */
  finals(out: Float32Array): void {
    if (this.layers === 0) {
      out.set(this.e0);
      return;
    }
    const at = this.arena.at;
    const h = this.partialSums();
    const dst = h === at.a ? at.b : at.a;
    this.prop({ x: h, selfX: at.e0, y: dst, scale: 1 / (this.layers + 1) }, this.fullBounds);
    out.set(dst === at.a ? this.arena.f32('a') : this.arena.f32('b'));
  }
}
