/**
 * @module models/freedom/item-propagation
 * The item-item half of FREEDOM (Zhou & Shen, ACM MM 2023, eq. 3): h = S^L V0, the item ID
 * embeddings V0 propagated L times over the frozen item-item graph S, added to the items' final
 * user-item embeddings. S and S^T are stored over all n = users + items nodes (user rows empty,
 * item i at node nUsers + i) so that they run on the same E0 table and batch slots as the
 * user-item graph, with the same kernel and thread team:
 * - forward: z = f + S·(S^{L-1} E0) on the batch rows (z: the items' vectors F_i + h_i, and the
 *   users' F_u unchanged, their rows of S being empty);
 * - backward: dv = (S^T)^L G, the first product reading G through the slot map.
 */
import { type Csr, splitByCost } from '../../math/spmm.js';
import type { Arena } from '../../util/arena.js';
import { runProp } from '../lightgcn/propagation.js';
import { transposeCsr } from './item-graph.js';
import type { FreedomTeam as Team } from './team.js';

/** Arena tables of this module. */
export type ItemTable =
  | 'sIndptr'
  | 'sIndices'
  | 'sValues'
  | 'tIndptr'
  | 'tIndices'
  | 'tValues'
  | 'ha'
  | 'hb'
  | 'z'
  | 'list'
  | 'slot'
  | 'e0'
  | 'f'
  | 'g'
  | 'dv';

/** S (nItems x nItems) as an n x n matrix over users then items. */
export function nodeGraph(s: Csr, nUsers: number): Csr {
  const n = nUsers + s.nRows;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < s.nRows; i++) indptr[nUsers + i + 1] = s.indptr[i + 1]!;
  const indices = Int32Array.from(s.indices, (c) => c + nUsers);
  return { nRows: n, nCols: n, indptr, indices, values: s.values };
}

/** Table specs for a graph S with `nnz` non-zeros over n nodes (work tables only when L > 1). */
export function itemTableSpecs(
  n: number,
  pd: number,
  capacity: number,
  nnz: number,
  layers: number,
): Record<
  'sIndptr' | 'sIndices' | 'sValues' | 'tIndptr' | 'tIndices' | 'tValues' | 'ha' | 'hb' | 'z',
  {
    length: number;
    type: 'f32' | 'i32';
  }
> {
  const work = layers > 1 ? n * pd : 1;
  return {
    sIndptr: { length: n + 1, type: 'i32' },
    sIndices: { length: Math.max(1, nnz), type: 'i32' },
    sValues: { length: Math.max(1, nnz), type: 'f32' },
    tIndptr: { length: n + 1, type: 'i32' },
    tIndices: { length: Math.max(1, nnz), type: 'i32' },
    tValues: { length: Math.max(1, nnz), type: 'f32' },
    ha: { length: work, type: 'f32' },
    hb: { length: work, type: 'f32' },
    z: { length: capacity * pd, type: 'f32' },
  };
}

export class ItemPropagation {
  /** The batch rows' final vectors (by slot): F + h for items, F for users. */
  readonly z: Float32Array;
  private readonly sIndptr: Int32Array;
  private readonly sBounds: Int32Array;
  private readonly tBounds: Int32Array;
  private readonly listCost: Float64Array;

  constructor(
    private readonly arena: Arena<ItemTable>,
    private readonly team: Team,
    graph: Csr,
    readonly nUsers: number,
    readonly pd: number,
    readonly layers: number,
  ) {
    const s = nodeGraph(graph, nUsers);
    const t = nodeGraph(transposeCsr(graph), nUsers);
    arena.i32('sIndptr').set(s.indptr);
    arena.i32('sIndices').set(s.indices);
    arena.f32('sValues').set(s.values);
    arena.i32('tIndptr').set(t.indptr);
    arena.i32('tIndices').set(t.indices);
    arena.f32('tValues').set(t.values);
    this.sIndptr = s.indptr;
    this.z = arena.f32('z');
    const cost = (ip: Int32Array) => (x: number) => ip[x]! + 4 * x;
    this.sBounds = splitByCost(cost(s.indptr), s.nRows, team.members);
    this.tBounds = splitByCost(cost(t.indptr), t.nRows, team.members);
    this.listCost = new Float64Array(arena.i32('list').length + 1);
  }

  private csr(which: 's' | 't') {
    const at = this.arena.at;
    return which === 's'
      ? { indptr: at.sIndptr, indices: at.sIndices, values: at.sValues }
      : { indptr: at.tIndptr, indices: at.tIndices, values: at.tValues };
  }

  /** z = f + S^L E0 on the `count` batch rows (after the user-item forward filled f). */
  forward(count: number): void {
    const { pd, team } = this;
    const at = this.arena.at;
    const list = this.arena.i32('list');
    if (this.layers === 0) {
      const { z } = this;
      const f = this.arena.f32('f');
      const e0 = this.arena.f32('e0');
      for (let s = 0; s < count; s++) {
        const node = list[s]!;
        const item = node >= this.nUsers;
        for (let j = 0; j < pd; j++) z[s * pd + j] = f[s * pd + j]! + (item ? e0[node * pd + j]! : 0);
      }
      return;
    }
    let x = at.e0;
    for (let k = 1; k < this.layers; k++) {
      const dst = k % 2 === 1 ? at.ha : at.hb;
      runProp(team, this.csr('s'), at, pd, { x, selfX: -1, y: dst, scale: 1 }, this.sBounds);
      x = dst;
    }
    const ip = this.sIndptr;
    const prefix = this.listCost;
    for (let s = 0; s < count; s++) prefix[s + 1] = prefix[s]! + ip[list[s]! + 1]! - ip[list[s]!]! + 4;
    runProp(
      team,
      this.csr('s'),
      at,
      pd,
      { rows: true, x, selfX: at.f, selfMap: true, y: at.z, scale: 1 },
      splitByCost((q) => prefix[q]!, count, team.members),
    );
  }

  /** dv = (S^T)^L G, G being the batch rows of g (overwrites all of dv). */
  backward(count: number): void {
    const { pd, team } = this;
    const at = this.arena.at;
    if (this.layers === 0) {
      const dv = this.arena.f32('dv').fill(0);
      const g = this.arena.f32('g');
      const list = this.arena.i32('list');
      for (let s = 0; s < count; s++) {
        const node = list[s]!;
        if (node < this.nUsers) continue;
        for (let j = 0; j < pd; j++) dv[node * pd + j] = g[s * pd + j]!;
      }
      return;
    }
    let x = at.g;
    for (let k = 1; k <= this.layers; k++) {
      const dst = k === this.layers ? at.dv : k % 2 === 1 ? at.ha : at.hb;
      runProp(team, this.csr('t'), at, pd, { map: k === 1, x, selfX: -1, y: dst, scale: 1 }, this.tBounds);
      x = dst;
    }
  }
}
