/**
 * @module models/vbpr/vbpr-core
 * One VBPR training step (He & McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit
 * Feedback", AAAI 2016) as MMRec's VBPR computes it: user vector p_u = [γ_u ; θ_u] (2·dim), item
 * vector x_i = [γ_i ; E f_i + b] (dim ID + dim content, E a dim x F linear projection with bias b,
 * f_i the item's normalised features), score <p_u, x_i>, loss
 * mean(−log σ(<p_u,x_i> − <p_u,x_j>)) + reg · EmbLoss(p_b, x_b⁺, x_b⁻) where EmbLoss sees the
 * whole item vectors (ID and projected parts). Gradients by hand; lazy Adam on the user and item-ID
 * rows of the batch, dense Adam on E and b. Content vectors are computed only for the batch's
 * distinct items (the same gradient as MMRec's all-item forward).
 */
import { Adam, RowGradients } from '../../training/adam.js';
import { bprGrad, bprLoss, embLossGradScale } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import { projectionGradient, projectRows } from './projection.js';

/** The trained tables. */
export interface VbprTables {
  /** nUsers x 2·dim: [γ_u ; θ_u]. */
  user: Float32Array;
  /** nItems x dim: γ_i. */
  itemId: Float32Array;
  /** dim x F, row k = weights of content dimension k. */
  projection: Float32Array;
  /** dim: the projection's bias. */
  projectionBias: Float32Array;
}

export interface VbprStepOptions {
  /** Width of each half (ID and content). */
  dim: number;
  lr: number;
  /** EmbLoss weight. */
  reg: number;
}

/** Gradients of a batch's loss w.r.t. every table, dense (for checks). */
export interface VbprGradients {
  loss: number;
  user: Float32Array;
  itemId: Float32Array;
  projection: Float32Array;
  projectionBias: Float32Array;
}

/** Applies VBPR steps to a set of tables. */
export class VbprStepper {
  private readonly d: number;
  private readonly F: number;
  private readonly optU: Adam;
  private readonly optV: Adam;
  private readonly optE: Adam;
  private readonly optB: Adam;
  private readonly gu: RowGradients;
  private readonly gv: RowGradients;
  /** Content vectors E f + b of the batch's distinct items, and their gradients, by gv slot. */
  private readonly C: Float32Array;
  private readonly GC: Float32Array;
  private readonly GE: Float32Array;
  private readonly Gb: Float32Array;
  private readonly occU: Float32Array;
  private readonly occP: Float32Array;
  private readonly occN: Float32Array;

  constructor(
    private readonly t: VbprTables,
    private readonly features: Float32Array,
    private readonly o: VbprStepOptions,
  ) {
    const d = o.dim;
    const nUsers = t.user.length / (2 * d);
    const nItems = t.itemId.length / d;
    this.d = d;
    this.F = t.projection.length / d;
    this.optU = new Adam(t.user, 2 * d, { lr: o.lr });
    this.optV = new Adam(t.itemId, d, { lr: o.lr });
    this.optE = new Adam(t.projection, this.F, { lr: o.lr });
    this.optB = new Adam(t.projectionBias, d, { lr: o.lr });
    this.gu = new RowGradients(nUsers, 2 * d, 2048);
    this.gv = new RowGradients(nItems, d, 4096);
    this.C = new Float32Array(nItems * d);
    this.GC = new Float32Array(nItems * d);
    this.GE = new Float32Array(t.projection.length);
    this.Gb = new Float32Array(d);
    this.occU = new Float32Array(nUsers);
    this.occP = new Float32Array(nItems);
    this.occN = new Float32Array(nItems);
  }

  /** The gv slot of `item` (occurrence counts zeroed on first use in the batch). */
  private itemSlot(item: number): number {
    const gv = this.gv;
    const n0 = gv.count;
    const s = gv.slot(item);
    if (gv.count !== n0) {
      this.occP[s] = 0;
      this.occN[s] = 0;
    }
    return s;
  }

  /**
   * Accumulates the batch's gradients (BPR part in gu/gv/GC, EmbLoss as per-slot coefficients in
   * occU/occP) and returns the loss. Leaves GE/Gb holding the projection gradients.
   */
  private accumulate(batch: TripleBatch): number {
    const { size, users, pos, neg } = batch;
    const d = this.d;
    const d2 = 2 * d;
    const { user: U, itemId: V } = this.t;
    const { gu, C, GC, occU, occP, occN } = this;
    const gv = this.gv;
    const scale = 1 / size;
    let sqU = 0;
    let sqP = 0;
    let sqN = 0;
    let loss = 0;
    // Pass 1: the batch's distinct items, then their content vectors in one blocked product.
    for (let b = 0; b < size; b++) {
      this.itemSlot(pos[b]!);
      this.itemSlot(neg[b]!);
    }
    const F = this.F;
    const { projection: E, projectionBias: bias } = this.t;
    projectRows(E, bias, d, F, this.features, gv.rows, gv.count, C, 0, d);
    GC.fill(0, 0, gv.count * d);
    for (let b = 0; b < size; b++) {
      const u = users[b]!;
      const uo = u * d2;
      const n0 = gu.count;
      const su = gu.slot(u);
      if (gu.count !== n0) occU[su] = 0;
      occU[su]!++;
      const i = pos[b]!;
      const j = neg[b]!;
      const si = this.itemSlot(i);
      const sj = this.itemSlot(j);
      occP[si]!++;
      occN[sj]!++;
      const io = i * d;
      const jo = j * d;
      const ci = si * d;
      const cj = sj * d;
      const sPos = dot(U, uo, V, io, d) + dot(U, uo + d, C, ci, d);
      const sNeg = dot(U, uo, V, jo, d) + dot(U, uo + d, C, cj, d);
      sqU += dot(U, uo, U, uo, d2);
      sqP += dot(V, io, V, io, d) + dot(C, ci, C, ci, d);
      sqN += dot(V, jo, V, jo, d) + dot(C, cj, C, cj, d);
      const x = sPos - sNeg;
      loss += bprLoss(x);
      const g = bprGrad(x) * scale;
      const gus = su * d2;
      axpy(gu.grads, gus, g, V, io, d);
      axpy(gu.grads, gus, -g, V, jo, d);
      axpy(gu.grads, gus + d, g, C, ci, d);
      axpy(gu.grads, gus + d, -g, C, cj, d);
      axpy(gv.grads, si * d, g, U, uo, d);
      axpy(gv.grads, sj * d, -g, U, uo, d);
      axpy(GC, ci, g, U, uo + d, d);
      axpy(GC, cj, -g, U, uo + d, d);
    }
    const reg = this.o.reg;
    const nu = Math.sqrt(sqU);
    const np = Math.sqrt(sqP);
    const nn = Math.sqrt(sqN);
    const cu = reg * embLossGradScale(nu, size);
    const cp = reg * embLossGradScale(np, size);
    const cn = reg * embLossGradScale(nn, size);
    for (let s = 0; s < gu.count; s++) occU[s] = cu * occU[s]!;
    for (let s = 0; s < gv.count; s++) {
      const c = cp * occP[s]! + cn * occN[s]!;
      occP[s] = c;
      // The content half's EmbLoss gradient goes through E and b.
      if (c !== 0) axpy(GC, s * d, c, C, s * d, d);
    }
    // ∂/∂E = Σ_slots GC[s] ⊗ f_item ; ∂/∂b = Σ_slots GC[s].
    this.GE.fill(0);
    this.Gb.fill(0);
    projectionGradient(GC, d, F, this.features, gv.rows, gv.count, this.GE, this.Gb);
    return loss * scale + reg * ((nu + np + nn) / size);
  }

  /** One step on `batch`; returns the batch loss before the update. */
  step(batch: TripleBatch): number {
    const loss = this.accumulate(batch);
    const { gu, gv } = this;
    this.optU.stepRows(gu.rows, gu.grads, gu.count, this.occU);
    this.optV.stepRows(gv.rows, gv.grads, gv.count, this.occP);
    this.optE.step(this.GE);
    this.optB.step(this.Gb);
    gu.reset();
    gv.reset();
    return loss;
  }

  /** The batch loss and its dense gradients, without updating anything. */
  gradients(batch: TripleBatch): VbprGradients {
    const loss = this.accumulate(batch);
    const { gu, gv, d } = this;
    const { user: U, itemId: V } = this.t;
    const user = new Float32Array(U.length);
    const itemId = new Float32Array(V.length);
    const dense = (out: Float32Array, g: RowGradients, decay: Float32Array, P: Float32Array, w: number) => {
      for (let s = 0; s < g.count; s++) {
        const o = g.rows[s]! * w;
        for (let k = 0; k < w; k++) out[o + k] = g.grads[s * w + k]! + decay[s]! * P[o + k]!;
      }
    };
    dense(user, gu, this.occU, U, 2 * d);
    dense(itemId, gv, this.occP, V, d);
    gu.reset();
    gv.reset();
    return { loss, user, itemId, projection: this.GE.slice(), projectionBias: this.Gb.slice() };
  }
}

/** <A[ao..ao+n), B[bo..bo+n)>, with four accumulators. */
function dot(A: Float32Array, ao: number, B: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += A[ao + k]! * B[bo + k]!;
    s1 += A[ao + k + 1]! * B[bo + k + 1]!;
    s2 += A[ao + k + 2]! * B[bo + k + 2]!;
    s3 += A[ao + k + 3]! * B[bo + k + 3]!;
  }
  for (; k < n; k++) s0 += A[ao + k]! * B[bo + k]!;
  return s0 + s1 + (s2 + s3);
}

/** Y[yo..yo+n) += a · X[xo..xo+n). */
function axpy(Y: Float32Array, yo: number, a: number, X: Float32Array, xo: number, n: number): void {
  let k = 0;
  for (; k + 3 < n; k += 4) {
    Y[yo + k]! += a * X[xo + k]!;
    Y[yo + k + 1]! += a * X[xo + k + 1]!;
    Y[yo + k + 2]! += a * X[xo + k + 2]!;
    Y[yo + k + 3]! += a * X[xo + k + 3]!;
  }
  for (; k < n; k++) Y[yo + k]! += a * X[xo + k]!;
}
