/**
 * @module models/bpr/bpr-core
 * One matrix-factorisation training step over a batch of (user, positive, negatives) triples,
 * with one of two losses:
 * - 'bpr' (default), as MMRec's BPR computes it (Rendle et al., "BPR: Bayesian Personalized
 *   Ranking from Implicit Feedback", UAI 2009): mean over the size × negatives triples of
 *   −log σ(<u,i> − <u,j>);
 * - 'bce', binary cross-entropy with sampled negatives (pointwise, for click data): each pair
 *   contributes −log σ(<u,i>) − Σ_j log(1 − σ(<u,j>)) (label 1 for the positive, 0 for each of
 *   its negatives, every negative weighted 1), averaged over the batch's `size` positives, so a
 *   batch's loss starts near (1 + negatives) · ln 2.
 * Both add reg · EmbLoss(u_b, i_b, j_b); gradients by hand, duplicate rows summed, then an Adam
 * (or SGD) step on the user and item tables: 'dense' Adam (default) steps every row of both tables
 * as torch.optim.Adam does in MMRec (nn.Embedding gradients are dense, so rows outside the batch
 * keep moving with their momentum), 'lazy' Adam only the batch's rows (TensorFlow's LazyAdam; the
 * Hogwild workers use it, as dense steps cannot be split between threads without locks). SGD
 * steps the batch's rows (a zero gradient leaves the others unchanged anyway). Shared by the main
 * thread and the Hogwild workers; no allocation per sample.
 */
import { InvalidArgumentError } from '../../errors.js';
import { Adam, type AdamState, RowGradients, type RowOptimizer, Sgd } from '../../training/adam.js';
import { bprGrad, bprLoss, embLossGradScale } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';

/** Hyper-parameters of a BPR step (see BPR_PARAMS in models/bpr). */
export interface BprStepOptions {
  dim: number;
  lr: number;
  /** Weight of EmbLoss (divided by the number of pairs in the batch, also with several negatives). */
  reg: number;
  /**
   * Negatives per pair. With loss 'bpr' the BPR term is averaged over all size × negatives
   * triples; with 'bce' the cross-entropy is summed over a pair's positive and negatives and
   * averaged over the size pairs.
   */
  negatives: number;
  optimizer: 'adam' | 'sgd';
  /** Adam over every row ('dense', default, as MMRec's torch Adam) or the batch's rows ('lazy'). */
  adam?: 'dense' | 'lazy';
  /** Training loss (default 'bpr'); see the module comment. */
  loss?: BprLoss;
}

/** The losses a {@link BprStepper} can train. */
export type BprLoss = 'bpr' | 'bce';
export const BPR_LOSSES: readonly BprLoss[] = ['bpr', 'bce'];

/** The tables a step updates (plain or shared memory), with Adam's state when optimizer is adam. */
export interface BprTables {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  userState?: AdamState;
  itemState?: AdamState;
}

/** Applies BPR steps to a pair of factor tables. */
export class BprStepper {
  private readonly U: Float32Array;
  private readonly V: Float32Array;
  private readonly optU: RowOptimizer;
  private readonly optV: RowOptimizer;
  private readonly gu: RowGradients;
  private readonly gv: RowGradients;
  /** Occurrences of each slot's row in the batch: as user, as positive, as negative. */
  private readonly occU: Float32Array;
  private readonly occP: Float32Array;
  private readonly occN: Float32Array;
  /** Scratch for dotAndNorms' squared norms. */
  private readonly acc = new Float64Array(2);
  /** Loss 'bce' (pointwise binary cross-entropy) rather than 'bpr'. */
  private readonly bce: boolean;
  /** Full-table gradient buffers of the dense Adam step (undefined: lazy Adam or SGD); zero between steps. */
  private readonly denseU: Float32Array | undefined;
  private readonly denseV: Float32Array | undefined;

  constructor(
    tables: BprTables,
    private readonly o: BprStepOptions,
  ) {
    const loss = o.loss ?? 'bpr';
    if (!BPR_LOSSES.includes(loss)) {
      throw new InvalidArgumentError(
        `loss must be one of ${BPR_LOSSES.map((l) => `"${l}"`).join(', ')}, got ${JSON.stringify(loss)}`,
      );
    }
    this.bce = loss === 'bce';
    this.U = tables.userFactors;
    this.V = tables.itemFactors;
    const d = o.dim;
    const adam = o.adam ?? 'dense';
    if (adam !== 'dense' && adam !== 'lazy') {
      throw new InvalidArgumentError(`adam must be "dense" or "lazy", got ${JSON.stringify(adam)}`);
    }
    if (o.optimizer === 'adam') {
      this.optU = new Adam(this.U, d, { lr: o.lr, ...(tables.userState ? { state: tables.userState } : {}) });
      this.optV = new Adam(this.V, d, { lr: o.lr, ...(tables.itemState ? { state: tables.itemState } : {}) });
      if (adam === 'dense') {
        this.denseU = new Float32Array(this.U.length);
        this.denseV = new Float32Array(this.V.length);
      }
    } else {
      this.optU = new Sgd(this.U, d, { lr: o.lr });
      this.optV = new Sgd(this.V, d, { lr: o.lr });
    }
    this.gu = new RowGradients(this.U.length / d, d, 2048);
    this.gv = new RowGradients(this.V.length / d, d, 4096);
    this.occU = new Float32Array(this.U.length / d);
    this.occP = new Float32Array(this.V.length / d);
    this.occN = new Float32Array(this.V.length / d);
  }

  /** One step on `batch`; returns the batch loss (BPR or BCE mean + reg · EmbLoss), before the update. */
  step(batch: TripleBatch): number {
    const { size, users, pos, neg } = batch;
    const d = this.o.dim;
    const m = this.o.negatives;
    const U = this.U;
    const V = this.V;
    const gu = this.gu;
    const gv = this.gv;
    const occU = this.occU;
    const occP = this.occP;
    const occN = this.occN;
    const bce = this.bce;
    // BPR averages over the size × m triples, BCE over the size positives.
    const scale = bce ? 1 / size : 1 / (size * m);
    // Squared Frobenius norms of the gathered u_b, i_b, j_b (for EmbLoss), summed on the way.
    let sqU = 0;
    let sqP = 0;
    let sqN = 0;
    let loss = 0;
    for (let b = 0; b < size; b++) {
      const u = users[b]!;
      const i = pos[b]!;
      const uo = u * d;
      const io = i * d;
      const nu0 = gu.count;
      const su = gu.slot(u);
      if (gu.count !== nu0) occU[su] = 0; // a new slot
      occU[su]!++;
      const nv0 = gv.count;
      const si = gv.slot(i);
      if (gv.count !== nv0) {
        occP[si] = 0;
        occN[si] = 0;
      }
      occP[si]!++;
      const sPos = dotAndNorms(U, uo, V, io, d, this.acc);
      sqU += this.acc[0]!;
      sqP += this.acc[1]!;
      // ∂loss/∂<u,i>: BPR sums it over the pair's triples below; BCE: σ(<u,i>) − 1.
      let gPosSum = 0;
      if (bce) {
        // −log σ(z) and its derivative σ(z) − 1, from one exp.
        let g: number;
        if (sPos >= 0) {
          const e = Math.exp(-sPos);
          loss += Math.log1p(e);
          g = -e / (1 + e);
        } else {
          const e = Math.exp(sPos);
          loss += Math.log1p(e) - sPos;
          g = -1 / (1 + e);
        }
        gPosSum = g * scale;
      }
      for (let s = 0; s < m; s++) {
        const j = neg[b * m + s]!;
        const jo = j * d;
        const nj0 = gv.count;
        const sj = gv.slot(j);
        if (gv.count !== nj0) {
          occP[sj] = 0;
          occN[sj] = 0;
        }
        occN[sj]!++;
        const sNeg = dotAndNorms(U, uo, V, jo, d, this.acc);
        sqN += this.acc[1]!;
        // gNeg = ∂loss/∂<u,j>.
        let gNeg: number;
        if (bce) {
          // −log(1 − σ(z)) = softplus(z) and its derivative σ(z), from one exp.
          if (sNeg >= 0) {
            const e = Math.exp(-sNeg);
            loss += sNeg + Math.log1p(e);
            gNeg = 1 / (1 + e);
          } else {
            const e = Math.exp(sNeg);
            loss += Math.log1p(e);
            gNeg = e / (1 + e);
          }
          gNeg *= scale;
        } else {
          const x = sPos - sNeg;
          loss += bprLoss(x);
          const g = bprGrad(x) * scale;
          gPosSum += g;
          gNeg = -g;
        }
        // ∂/∂U_u += gNeg·V_j ; ∂/∂V_j += gNeg·U_u
        axpy(gu.grads, su * d, gNeg, V, jo, d);
        axpy(gv.grads, sj * d, gNeg, U, uo, d);
      }
      // ∂/∂U_u += gPosSum·V_i ; ∂/∂V_i += gPosSum·U_u
      axpy(gu.grads, su * d, gPosSum, V, io, d);
      axpy(gv.grads, si * d, gPosSum, U, uo, d);
    }
    // EmbLoss = (||u_b|| + ||i_b|| + ||j_b||) / size; each occurrence of a row adds c·row to its gradient.
    const reg = this.o.reg;
    const nu = Math.sqrt(sqU);
    const np = Math.sqrt(sqP);
    const nn = Math.sqrt(sqN);
    if (reg !== 0) {
      const cu = reg * embLossGradScale(nu, size);
      const cp = reg * embLossGradScale(np, size);
      const cn = reg * embLossGradScale(nn, size);
      // The optimiser adds decay[s] · row to the gradient of slot s.
      for (let s = 0; s < gu.count; s++) occU[s] = cu * occU[s]!;
      for (let s = 0; s < gv.count; s++) occP[s] = cp * occP[s]! + cn * occN[s]!;
      applyStep(this.optU, gu, U, d, occU, this.denseU);
      applyStep(this.optV, gv, V, d, occP, this.denseV);
    } else {
      applyStep(this.optU, gu, U, d, undefined, this.denseU);
      applyStep(this.optV, gv, V, d, undefined, this.denseV);
    }
    gu.reset();
    gv.reset();
    return loss * scale + reg * ((nu + np + nn) / size);
  }
}

/**
 * Steps `table` with the batch's compact row gradients `rg` (plus decay[s] · row for slot s when
 * given): sparse (opt.stepRows) when `dense` is undefined, else scattered into the zeroed
 * full-table buffer `dense` for one step over every row (opt.step), which is zeroed again after.
 */
function applyStep(
  opt: RowOptimizer,
  rg: RowGradients,
  table: Float32Array,
  d: number,
  decay: Float32Array | undefined,
  dense: Float32Array | undefined,
): void {
  if (!dense) {
    opt.stepRows(rg.rows, rg.grads, rg.count, decay);
    return;
  }
  const { rows, grads, count } = rg;
  for (let s = 0; s < count; s++) {
    const o = rows[s]! * d;
    const g0 = s * d;
    const c = decay ? decay[s]! : 0;
    for (let j = 0; j < d; j++) dense[o + j] = grads[g0 + j]! + c * table[o + j]!;
  }
  opt.step(dense);
  for (let s = 0; s < count; s++) dense.fill(0, rows[s]! * d, (rows[s]! + 1) * d);
}

/**
 * <A[ao..ao+d), B[bo..bo+d)>, writing ||A row||² and ||B row||² into acc[0], acc[1]. Unrolled
 * with four independent accumulators (V8 does not vectorise; this halves the add latency chain).
 */
function dotAndNorms(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  d: number,
  acc: Float64Array,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    const x0 = A[ao + k]!;
    const x1 = A[ao + k + 1]!;
    const x2 = A[ao + k + 2]!;
    const x3 = A[ao + k + 3]!;
    const y0 = B[bo + k]!;
    const y1 = B[bo + k + 1]!;
    const y2 = B[bo + k + 2]!;
    const y3 = B[bo + k + 3]!;
    s0 += x0 * y0;
    s1 += x1 * y1;
    s2 += x2 * y2;
    s3 += x3 * y3;
    a0 += x0 * x0 + x2 * x2;
    a1 += x1 * x1 + x3 * x3;
    b0 += y0 * y0 + y2 * y2;
    b1 += y1 * y1 + y3 * y3;
  }
  for (; k < d; k++) {
    const x = A[ao + k]!;
    const y = B[bo + k]!;
    s0 += x * y;
    a0 += x * x;
    b0 += y * y;
  }
  acc[0] = a0 + a1;
  acc[1] = b0 + b1;
  return s0 + s1 + (s2 + s3);
}

/** Y[yo..yo+d) += a · X[xo..xo+d), unrolled by four. */
function axpy(Y: Float32Array, yo: number, a: number, X: Float32Array, xo: number, d: number): void {
  let k = 0;
  for (; k + 3 < d; k += 4) {
    const x0 = X[xo + k]!;
    const x1 = X[xo + k + 1]!;
    const x2 = X[xo + k + 2]!;
    const x3 = X[xo + k + 3]!;
    Y[yo + k]! += a * x0;
    Y[yo + k + 1]! += a * x1;
    Y[yo + k + 2]! += a * x2;
    Y[yo + k + 3]! += a * x3;
  }
  for (; k < d; k++) Y[yo + k]! += a * X[xo + k]!;
}
