/**
 * @module models/freedom/freedom-core
 * One FREEDOM training state and its batch step, as MMRec's FREEDOM `calculate_loss` defines it
 * (Zhou & Shen, ACM MM 2023):
 *
 *   F = LightGCN(E0 = [U; V0], pruned graph Â', K layers)   (models/lightgcn/propagation)
 *   item i's vector  F_i + h_i,  h = S^L V0                   (item-propagation)
 *   loss = mean BPR(F_u, F_i + h_i, F_j + h_j) + reg · Σ_m mean BPR(F_u, T_m[i], T_m[j])   (modal)
 *
 * with one dense Adam step per batch on E0, every X_m and every W_m (torch.optim.Adam, lr, no
 * weight decay). All tables live in one shared WebAssembly memory (./arena) so that both graph
 * propagations, the projection products and the Adam steps run on one thread team (./team); the
 * pairwise BPR terms run on the main thread (./kernels). With reg = 0 the modality tables are
 * not even allocated: their gradients would be zero and Adam would leave them unchanged, exactly.
 */
import type { Csr } from '../../math/spmm.js';
import { splitByCost } from '../../math/spmm.js';
import { bprGrad, bprLoss } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import { Arena, type TableSpec } from '../../util/arena.js';
import { OP } from '../lightgcn/ops.js';
import {
  type AdamStep,
  Propagation,
  type PropTable,
  propagationSpecs,
  setAdamFloats,
} from '../lightgcn/propagation.js';
import { ItemPropagation, type ItemTable, itemTableSpecs } from './item-propagation.js';
import { ModalBatch, type ModalBatchTable, type ModalTables, modalBatchSpecs, modalLoss } from './modal.js';
import { FreedomTeam as Team } from './team.js';

/** Adam's constants (torch defaults, as MMRec uses them). */
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface CoreOptions {
  nUsers: number;
  nItems: number;
  dim: number;
  uiLayers: number;
  /** The frozen item-item graph S (nItems x nItems) and its propagation depth L. */
  itemGraph: Csr;
  mmLayers: number;
  /** Feature widths of the modalities with a projection loss (empty: no modality loss). */
  modalDims: readonly number[];
  /** Weight of the modality loss (0: the projections are not trained). */
  reg: number;
  lr: number;
  batchSize: number;
  /** Largest user-item graph to install (non-zeros). */
  maxNnz: number;
  threads: number;
}

/** Gradients of one batch loss (tests and checks): dE0 (n x dim), dX_m, dW_m (padded tables). */
export interface CoreGradients {
  loss: number;
  e0: Float32Array;
  x: Float32Array[];
  w: Float32Array[];
}

type BatchTable = 'us' | 'is' | 'js' | 'dots' | 'coef';

export class FreedomCore {
  readonly n: number;
  readonly pd: number;
  readonly ui: Propagation;
  readonly items: ItemPropagation;
  readonly modal: ModalTables[];
  private readonly arena: Arena<string>;
  private readonly mb: ModalBatch | undefined;
  private readonly us: Int32Array;
  private readonly is: Int32Array;
  private readonly js: Int32Array;
  private readonly dots: Float32Array;
  private readonly coef: Float32Array;
  private step = 0;
  private closed = false;

  private constructor(
    readonly o: CoreOptions,
    arena: Arena<string>,
    private readonly team: Team,
  ) {
    const { nUsers, nItems, dim } = o;
    this.n = nUsers + nItems;
    this.pd = Math.ceil(dim / 4) * 4;
    this.arena = arena;
    const ui = arena as Arena<PropTable>;
    this.ui = new Propagation(ui, team, this.n, nUsers, dim, this.pd, o.uiLayers, 'dense');
    this.items = new ItemPropagation(
      arena as Arena<ItemTable>,
      team,
      o.itemGraph,
      nUsers,
      this.pd,
      o.mmLayers,
    );
    this.modal = o.modalDims.map((d, k) => ({
      dim: d,
      pdim: Math.ceil(d / 4) * 4,
      x: arena.f32(`x${k}`),
      w: arena.f32(`w${k}`),
      xg: arena.f32(`xg${k}`),
      wg: arena.f32(`wg${k}`),
      at: { x: arena.at[`x${k}`]!, w: arena.at[`w${k}`]!, xg: arena.at[`xg${k}`]!, wg: arena.at[`wg${k}`]! },
    }));
    this.mb = o.modalDims.length > 0 ? new ModalBatch(nItems, arena as Arena<ModalBatchTable>) : undefined;
    this.us = arena.i32('us');
    this.is = arena.i32('is');
    this.js = arena.i32('js');
    this.dots = arena.f32('dots');
    this.coef = arena.f32('coef');
  }

  /** Lays out the tables and starts the thread team. */
  static async create(o: CoreOptions): Promise<FreedomCore> {
    const n = o.nUsers + o.nItems;
    const pd = Math.ceil(o.dim / 4) * 4;
    const capacity = Math.max(1, Math.min(n, 3 * o.batchSize));
    const batch: Record<BatchTable, TableSpec> = {
      us: { length: o.batchSize, type: 'i32' },
      is: { length: o.batchSize, type: 'i32' },
      js: { length: o.batchSize, type: 'i32' },
      dots: { length: o.batchSize, type: 'f32' },
      coef: { length: o.batchSize, type: 'f32' },
    };
    const specs: Record<string, TableSpec> = {
      ...propagationSpecs(n, pd, capacity, o.maxNnz, 'dense'),
      ...itemTableSpecs(n, pd, capacity, o.itemGraph.indices.length, o.mmLayers),
      ...batch,
    };
    if (o.modalDims.length > 0) Object.assign(specs, modalBatchSpecs(o.nItems, o.batchSize, pd));
    o.modalDims.forEach((d, k) => {
      const pdim = Math.ceil(d / 4) * 4;
      for (const t of ['x', 'xm', 'xv', 'xg']) specs[`${t}${k}`] = { length: o.nItems * pdim, type: 'f32' };
      for (const t of ['w', 'wm', 'wv', 'wg']) specs[`${t}${k}`] = { length: d * pd, type: 'f32' };
    });
    const arena = new Arena<string>(specs, 'FREEDOM');
    const team = await Team.start(arena.memory, o.threads);
    return new FreedomCore(o, arena, team);
  }

  /** Sets E0 from user and item tables (rows x dim). */
  setEmbeddings(users: Float32Array, items: Float32Array): void {
    const { pd, n } = this;
    const { nUsers, dim } = this.o;
    const e0 = this.ui.e0.fill(0);
    for (let node = 0; node < n; node++) {
      const [t, row] = node < nUsers ? [users, node] : [items, node - nUsers];
      e0.set(t.subarray(row * dim, (row + 1) * dim), node * pd);
    }
  }

  /** Sets modality k's features (nItems x dim) and projection W^T (dim x embedding dim). */
  setModal(k: number, features: Float32Array, wT: Float32Array): void {
    const m = this.modal[k]!;
    const { nItems, dim } = this.o;
    m.x.fill(0);
    for (let i = 0; i < nItems; i++) m.x.set(features.subarray(i * m.dim, (i + 1) * m.dim), i * m.pdim);
    m.w.fill(0);
    for (let c = 0; c < m.dim; c++) m.w.set(wT.subarray(c * dim, (c + 1) * dim), c * this.pd);
  }

  /** Installs the user-item graph used by the following steps (pruned) or by finals (full). */
  setGraph(graph: Csr): void {
    this.ui.setGraph(graph);
  }

  /** Forward and loss of a batch; leaves dL/dF in ui.g and the item-graph gradient in ui.dv. */
  private forwardBackward(batch: TripleBatch): number {
    const { ui, pd, us, is, js, dots, coef } = this;
    const k = this.team.local;
    const at = this.arena.at;
    const { nUsers, reg } = this.o;
    const { users, pos, neg, size } = batch;
    for (let b = 0; b < size; b++) us[b] = ui.slotOf(users[b]!);
    for (let b = 0; b < size; b++) is[b] = ui.slotOf(nUsers + pos[b]!);
    for (let b = 0; b < size; b++) js[b] = ui.slotOf(nUsers + neg[b]!);
    ui.zeroGradients();
    ui.forward();
    this.items.forward(ui.count);
    // BPR on z (F_u; F_i + h_i): dL/dz into g, which both graphs back-propagate.
    k.pairDots(size, at.us!, at.is!, at.js!, at.z!, at.z!, at.dots!, pd);
    let loss = 0;
    for (let b = 0; b < size; b++) {
      loss += bprLoss(dots[b]!);
      coef[b] = bprGrad(dots[b]!) / size;
    }
    loss /= size;
    k.pairGrads(size, at.us!, at.is!, at.js!, at.z!, at.z!, at.coef!, at.g!, at.g!, pd);
    // Item rows of g -> dv through the item-item graph (the modality terms only touch user rows).
    this.items.backward(ui.count);
    if (this.mb && reg > 0) {
      this.mb.collect(batch);
      const o = { fAt: at.f!, gAt: at.g!, usersAt: at.us!, dotsAt: at.dots!, coefAt: at.coef! };
      for (const m of this.modal) loss += modalLoss(this.team, m, this.mb, size, o, dots, coef, pd, reg);
    }
    return loss;
  }

  /** One training step on a batch (forward, loss, backward, Adam); returns the batch loss. */
  trainStep(batch: TripleBatch): number {
    const loss = this.forwardBackward(batch);
    const step: AdamStep = { lr: this.o.lr, ...ADAM, t: ++this.step };
    this.ui.backwardAdam(step);
    if (this.o.reg > 0) for (let k = 0; k < this.modal.length; k++) this.adamModal(k, step);
    this.ui.clearBatch();
    return loss;
  }

  private adamModal(k: number, step: AdamStep): void {
    const at = this.arena.at;
    const m = this.modal[k]!;
    const { team } = this;
    const run = (p: string, rows: number, pd: number) => {
      team.setArgs({ p: at[`${p}${k}`]!, m: at[`${p}m${k}`]!, v: at[`${p}v${k}`]!, grad: at[`${p}g${k}`]! });
      team.setArgs({ slot: -1, extra: -1, pd });
      setAdamFloats(team, step, 1);
      team.setRanges(splitByCost((r) => r, rows, team.members));
      team.run(OP.adam);
    };
    run('x', this.o.nItems, m.pdim);
    run('w', m.dim, this.pd);
  }

  /** The loss and all gradients of a batch, changing nothing (for gradient checks). */
  gradients(batch: TripleBatch): CoreGradients {
    const loss = this.forwardBackward(batch);
    const e0 = this.ui.gradient();
    const out: CoreGradients = {
      loss,
      e0,
      x: this.modal.map((m) => (this.o.reg > 0 ? m.xg.slice() : new Float32Array(m.xg.length))),
      w: this.modal.map((m) => (this.o.reg > 0 ? m.wg.slice() : new Float32Array(m.wg.length))),
    };
    this.ui.clearBatch();
    return out;
  }

  /**
   * Scoring inputs over the installed graph: users' F (nUsers x dim), items' F (nItems x dim) and
   * the item ID embeddings V0 (nItems x dim), without padding.
   */
  finals(): { users: Float32Array; items: Float32Array; v0: Float32Array } {
    const { pd, n } = this;
    const { nUsers, nItems, dim } = this.o;
    const all = new Float32Array(n * pd);
    this.ui.finalsPadded(all);
    const strip = (src: Float32Array, from: number, rows: number): Float32Array => {
      const out = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) out.set(src.subarray((from + r) * pd, (from + r) * pd + dim), r * dim);
      return out;
    };
    return {
      users: strip(all, 0, nUsers),
      items: strip(all, nUsers, nItems),
      v0: strip(this.ui.e0, nUsers, nItems),
    };
  }

  /** A copy of E0 without padding (n x dim). */
  embeddings(): Float32Array {
    const { n, pd } = this;
    const dim = this.o.dim;
    const out = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) out.set(this.ui.e0.subarray(r * pd, r * pd + dim), r * dim);
    return out;
  }

  /** Stops the threads (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.team.close();
  }
}
