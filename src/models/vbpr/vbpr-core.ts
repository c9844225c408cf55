/**
 * @module models/vbpr/vbpr-core
 * One VBPR training step (He & McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit
 * Feedback", AAAI 2016) as MMRec's VBPR computes it: user vector p_u = [γ_u ; θ_u] (2·dim), item
 * vector x_i = [γ_i ; E f_i + b] (dim ID + dim content, E a dim x F linear projection with bias b,
 * f_i the item's normalised features), score <p_u, x_i>, loss
 * mean(−log σ(<p_u,x_i> − <p_u,x_j>)) + reg · EmbLoss(p_b, x_b⁺, x_b⁻) where EmbLoss sees the
 * whole item vectors (ID and projected parts); Adam on every table (dense, as torch.optim.Adam in
 * MMRec: rows without a gradient still move with their momentum).
 *
 * Where the time goes and how it is spent:
 * - the two dense products of the projection, C = F_B Eᵀ forward and ∂E = ∂Cᵀ F_B backward, over
 *   the batch's distinct items (all items when they are at least half of the catalogue, as MMRec
 *   always does), run in onnxruntime (onnx/fixed-products: MLAS, AVX-512/AVX2 FMA) or, without
 *   it, in our WebAssembly SIMD product;
 * - everything else runs in WebAssembly SIMD over one memory (util/arena) that holds the training
 *   state: the pairwise scores and their gradients in FREEDOM's pair kernels
 *   (models/freedom/kernels), Adam in LightGCN's dense Adam kernel (models/lightgcn/kernels.wat),
 *   assembling the item vectors, the EmbLoss norms and gradients and splitting the item gradient
 *   in VBPR's own (./kernels.wat). Each half of a row (ID, content) is padded to dp = dim rounded up
 *   to four floats; the padding stays zero (its gradients are zero).
 *
 * The stepper owns the training state: it copies the given tables in and writes the current
 * values back with {@link VbprStepper.writeBack}.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type FixedProducts, type FixedProductsOptions, fixedProducts } from '../../onnx/fixed-products.js';
import { bprGrad, bprLoss, embLossGradScale } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import { Arena } from '../../util/arena.js';
import { type FreedomKernels, freedomKernels } from '../freedom/kernels.js';
import { instantiate, type Kernels, kernelModule } from '../lightgcn/ops.js';
import { type VbprKernels, vbprKernels } from './kernels.js';

/** The trained tables (row-major, unpadded). */
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
  /** Largest batch the stepper will see. */
  maxBatch: number;
  /** Backend of the projection products (onnx/fixed-products). */
  products?: FixedProductsOptions;
}

/** Gradients of a batch's loss w.r.t. every table, dense and unpadded (for checks). */
export interface VbprGradients {
  loss: number;
  user: Float32Array;
  itemId: Float32Array;
  projection: Float32Array;
  projectionBias: Float32Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

type Table =
  | 'U'
  | 'mU'
  | 'vU'
  | 'gU'
  | 'V'
  | 'mV'
  | 'vV'
  | 'gV'
  | 'E'
  | 'mE'
  | 'vE'
  | 'gE'
  | 'B'
  | 'mB'
  | 'vB'
  | 'gB'
  | 'X'
  | 'gX'
  | 'C'
  | 'gCt'
  | 'seen'
  | 'rowScratch'
  | 'rowCoef'
  | 'itemOf'
  | 'ua'
  | 'ia'
  | 'ja'
  | 'dots'
  | 'coef';

const ceil4 = (n: number) => (n + 3) & ~3;

/** Applies VBPR steps; create with {@link VbprStepper.create}. */
export class VbprStepper {
  private readonly d: number;
  /** dim rounded up to four floats: the width of each half of a user or item row. */
  private readonly dp: number;
  /** 2·dp: the row width of the user table and of the batch item table X. */
  private readonly pd: number;
  private readonly F: number;
  private readonly nUsers: number;
  private readonly nItems: number;
  private readonly arena: Arena<Table>;
  private readonly pairs: FreedomKernels;
  private readonly adamK: Kernels;
  private readonly rowsK: VbprKernels;
  private readonly U: Float32Array;
  private readonly V: Float32Array;
  private readonly E: Float32Array;
  private readonly B: Float32Array;
  private readonly gU: Float32Array;
  private readonly gV: Float32Array;
  private readonly gE: Float32Array;
  private readonly gB: Float32Array;
  private readonly gX: Float32Array;
  private readonly C: Float32Array;
  private readonly gCt: Float32Array;
  private readonly ua: Int32Array;
  private readonly ia: Int32Array;
  private readonly ja: Int32Array;
  private readonly dots: Float32Array;
  private readonly coef: Float32Array;
  /** Distinct users of the batch; per-row scratch (squared norms, EmbLoss coefficients). */
  private readonly seen: Int32Array;
  private readonly rowScratch: Float32Array;
  private readonly rowCoef: Float32Array;
  /** slot -> item (identity in dense mode); item -> slot or -1. */
  private readonly itemOf: Int32Array;
  private readonly slotOf: Int32Array;
  private slots = 0;
  private nSeen = 0;
  /** How often each user / slot occurs in the batch (as positive, as negative). */
  private readonly occU: Float32Array;
  private readonly occP: Float32Array;
  private readonly occN: Float32Array;
  private t = 0;

  private constructor(
    private readonly tables: VbprTables,
    private readonly products: FixedProducts,
    private readonly o: VbprStepOptions,
  ) {
    const d = o.dim;
    this.d = d;
    this.dp = ceil4(d);
    this.pd = 2 * this.dp;
    this.F = tables.projection.length / d;
    this.nUsers = tables.user.length / (2 * d);
    this.nItems = tables.itemId.length / d;
    const { nUsers, nItems, F, dp, pd } = this;
    const maxB = o.maxBatch;
    // The batch item table holds every item (dense mode, chosen only when the distinct items are at
    // least half the catalogue, so nItems <= 4·maxBatch) or at most 2·maxBatch distinct ones.
    const S = Math.min(nItems, 4 * maxB);
    const f32 = (length: number) => ({ length: Math.max(length, 4), type: 'f32' as const });
    const i32 = (length: number) => ({ length: Math.max(length, 1), type: 'i32' as const });
    this.arena = new Arena<Table>(
      {
        U: f32(nUsers * pd),
        mU: f32(nUsers * pd),
        vU: f32(nUsers * pd),
        gU: f32(nUsers * pd),
        V: f32(nItems * dp),
        mV: f32(nItems * dp),
        vV: f32(nItems * dp),
        gV: f32(nItems * dp),
        E: f32(dp * F),
        mE: f32(dp * F),
        vE: f32(dp * F),
        gE: f32(dp * F),
        B: f32(dp),
        mB: f32(dp),
        vB: f32(dp),
        gB: f32(dp),
        X: f32(S * pd),
        gX: f32(S * pd),
        C: f32(S * dp),
        gCt: f32(S * dp),
        seen: i32(Math.min(nUsers, maxB)),
        rowScratch: f32(Math.max(S, maxB)),
        rowCoef: f32(Math.max(S, maxB)),
        itemOf: i32(S),
        ua: i32(maxB),
        ia: i32(maxB),
        ja: i32(maxB),
        dots: f32(maxB),
        coef: f32(maxB),
      },
      'vbpr',
    );
    const a = this.arena;
    this.pairs = freedomKernels(a.memory);
    this.adamK = instantiate(kernelModule(), a.memory);
    this.rowsK = vbprKernels(a.memory);
    this.U = a.f32('U');
    this.V = a.f32('V');
    this.E = a.f32('E');
    this.B = a.f32('B');
    this.gU = a.f32('gU');
    this.gV = a.f32('gV');
    this.gE = a.f32('gE');
    this.gB = a.f32('gB');
    this.gX = a.f32('gX');
    this.C = a.f32('C');
    this.gCt = a.f32('gCt');
    this.ua = a.i32('ua');
    this.ia = a.i32('ia');
    this.ja = a.i32('ja');
    this.dots = a.f32('dots');
    this.coef = a.f32('coef');
    this.seen = a.i32('seen');
    this.rowScratch = a.f32('rowScratch');
    this.rowCoef = a.f32('rowCoef');
    this.itemOf = a.i32('itemOf');
    this.slotOf = new Int32Array(nItems).fill(-1);
    this.occU = new Float32Array(nUsers);
    this.occP = new Float32Array(S);
    this.occN = new Float32Array(S);
    const { user, itemId, projection, projectionBias } = tables;
    for (let u = 0; u < nUsers; u++) {
      this.U.set(user.subarray(u * 2 * d, u * 2 * d + d), u * pd);
      this.U.set(user.subarray(u * 2 * d + d, (u + 1) * 2 * d), u * pd + dp);
    }
    for (let i = 0; i < nItems; i++) this.V.set(itemId.subarray(i * d, (i + 1) * d), i * dp);
    this.E.set(projection);
    this.B.set(projectionBias);
  }

  /**
   * A stepper over copies of `tables`, with `features` (nItems x F, fixed) feeding the projection.
   */
  static async create(tables: VbprTables, features: Float32Array, o: VbprStepOptions): Promise<VbprStepper> {
    const d = o.dim;
    const nItems = tables.itemId.length / d;
    const F = tables.projection.length / d;
    if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1) {
      throw new InvalidArgumentError(`vbpr: maxBatch must be a positive integer, got ${o.maxBatch}`);
    }
    // E is stored with dp rows (the padding rows stay zero), so the products are dp wide.
    const products = await fixedProducts(features, nItems, F, ceil4(d), o.products);
    return new VbprStepper(tables, products, o);
  }

  /** The backend running the projection products. */
  get backend(): string {
    return this.products.backend;
  }

  /** Copies the current parameters into the tables given at creation. */
  writeBack(): void {
    const { d, dp, pd, tables } = this;
    for (let u = 0; u < this.nUsers; u++) {
      tables.user.set(this.U.subarray(u * pd, u * pd + d), u * 2 * d);
      tables.user.set(this.U.subarray(u * pd + dp, u * pd + dp + d), u * 2 * d + d);
    }
    for (let i = 0; i < this.nItems; i++) tables.itemId.set(this.V.subarray(i * dp, i * dp + d), i * d);
    tables.projection.set(this.E.subarray(0, tables.projection.length));
    tables.projectionBias.set(this.B.subarray(0, d));
  }

  /** Every item's content vector E f_i + b (nItems x dim) under the current parameters. */
  async contentVectors(): Promise<Float32Array> {
    const { d, dp, F, nItems } = this;
    const all = new Float32Array(nItems * dp);
    await this.products.project(this.E.subarray(0, dp * F), all);
    const out = new Float32Array(nItems * d);
    for (let i = 0; i < nItems; i++)
      for (let k = 0; k < d; k++) out[i * d + k] = all[i * dp + k]! + this.B[k]!;
    return out;
  }

  /** Frees the products' backend. */
  release(): Promise<void> {
    return this.products.release();
  }

  /** Maps the batch to slots: dense (slot = item, all items) or the distinct items in order. */
  private collect(batch: TripleBatch): boolean {
    const { size, users, pos, neg } = batch;
    if (size > this.o.maxBatch) {
      throw new InvalidArgumentError(`vbpr: batch of ${size} exceeds maxBatch ${this.o.maxBatch}`);
    }
    const { slotOf, itemOf, occU, seen, ua, ia, ja } = this;
    for (let s = 0; s < this.slots; s++) slotOf[itemOf[s]!] = -1;
    for (let k = 0; k < this.nSeen; k++) occU[seen[k]!] = 0;
    this.nSeen = 0;
    let count = 0;
    for (let b = 0; b < size; b++) {
      const u = users[b]!;
      if (occU[u] === 0) seen[this.nSeen++] = u;
      occU[u]!++;
      ua[b] = u;
      for (let side = 0; side < 2; side++) {
        const item = side === 0 ? pos[b]! : neg[b]!;
        let s = slotOf[item]!;
        if (s < 0) {
          s = count++;
          slotOf[item] = s;
          itemOf[s] = item;
        }
        if (side === 0) ia[b] = s;
        else ja[b] = s;
      }
    }
    const dense = 2 * count >= this.nItems;
    if (dense) {
      for (let s = 0; s < count; s++) slotOf[itemOf[s]!] = -1;
      for (let i = 0; i < this.nItems; i++) {
        slotOf[i] = i;
        itemOf[i] = i;
      }
      count = this.nItems;
      ia.set(pos.subarray(0, size));
      ja.set(neg.subarray(0, size));
    }
    this.slots = count;
    const { occP, occN } = this;
    occP.fill(0, 0, count);
    occN.fill(0, 0, count);
    for (let b = 0; b < size; b++) {
      occP[ia[b]!]!++;
      occN[ja[b]!]!++;
    }
    return dense;
  }

  /**
   * Accumulates the batch's gradients: gU (users), gV (item IDs), gE, gB (projection); returns the
   * loss.
   */
  private async accumulate(batch: TripleBatch): Promise<number> {
    const size = batch.size;
    const dense = this.collect(batch);
    const { dp, pd, F, slots, itemOf } = this;
    const at = this.arena.at;
    const rows = dense ? undefined : itemOf;
    // Forward: C = F_B Eᵀ, X[s] = [γ_item ; C[s] + b].
    await this.products.project(this.E.subarray(0, dp * F), this.C, rows, slots);
    const k = this.rowsK;
    k.assemble(slots, at.itemOf, at.V, at.C, at.B, at.X, dp);
    this.pairs.pairDots(size, at.ua, at.ia, at.ja, at.U, at.X, at.dots, pd);
    const { dots, coef } = this;
    const scale = 1 / size;
    let loss = 0;
    for (let b = 0; b < size; b++) {
      loss += bprLoss(dots[b]!);
      coef[b] = bprGrad(dots[b]!) * scale;
    }
    this.gU.fill(0);
    this.gX.fill(0, 0, slots * pd);
    this.pairs.pairGrads(size, at.ua, at.ia, at.ja, at.U, at.X, at.coef, at.gU, at.gX, pd);
    // EmbLoss: reg · (‖U_B‖ + ‖X⁺_B‖ + ‖X⁻_B‖) / size over the batch's rows (repeats counted).
    const { occU, occP, occN, seen, rowScratch: q, rowCoef: c } = this;
    const nSeen = this.nSeen;
    k.rowSq(nSeen, at.seen, at.U, pd, at.rowScratch);
    let sqU = 0;
    for (let j = 0; j < nSeen; j++) sqU += occU[seen[j]!]! * q[j]!;
    k.rowSq(slots, -1, at.X, pd, at.rowScratch);
    let sqP = 0;
    let sqN = 0;
    for (let s = 0; s < slots; s++) {
      sqP += occP[s]! * q[s]!;
      sqN += occN[s]! * q[s]!;
    }
    const reg = this.o.reg;
    const nu = Math.sqrt(sqU);
    const np = Math.sqrt(sqP);
    const nn = Math.sqrt(sqN);
    if (reg > 0) {
      const cu = reg * embLossGradScale(nu, size);
      const cp = reg * embLossGradScale(np, size);
      const cn = reg * embLossGradScale(nn, size);
      for (let j = 0; j < nSeen; j++) c[j] = cu * occU[seen[j]!]!;
      k.scaleRows(nSeen, at.seen, at.U, at.gU, at.rowCoef, pd);
      for (let s = 0; s < slots; s++) c[s] = cp * occP[s]! + cn * occN[s]!;
      k.scaleRows(slots, -1, at.X, at.gX, at.rowCoef, pd);
    }
    // Split gX into ∂γ (dense over items) and ∂C; ∂b = Σ_s ∂C[s]; ∂E = ∂Cᵀ F_B.
    if (!dense) this.gV.fill(0);
    this.gB.fill(0);
    k.split(slots, at.itemOf, at.gX, at.gV, at.gCt, at.gB, dp);
    await this.products.gradient(this.gCt, this.gE, rows, slots);
    return loss * scale + reg * ((nu + np + nn) / size);
  }

  /** One step on `batch`; returns the batch loss before the update. */
  async step(batch: TripleBatch): Promise<number> {
    const loss = await this.accumulate(batch);
    this.t++;
    const stepSize = this.o.lr / (1 - BETA1 ** this.t);
    const bc2s = Math.sqrt(1 - BETA2 ** this.t);
    const at = this.arena.at;
    const { dp, pd, F } = this;
    // Every table as rows of four floats (their lengths are multiples of four).
    const adam = (p: number, m: number, v: number, g: number, length: number) =>
      this.adamK.adam(0, length / 4, p, m, v, g, 1, -1, -1, 4, stepSize, BETA1, BETA2, EPS, bc2s);
    adam(at.U, at.mU, at.vU, at.gU, this.nUsers * pd);
    adam(at.V, at.mV, at.vV, at.gV, this.nItems * dp);
    adam(at.E, at.mE, at.vE, at.gE, dp * F);
    adam(at.B, at.mB, at.vB, at.gB, dp);
    return loss;
  }

  /** The batch loss and its dense gradients, without updating anything. */
  async gradients(batch: TripleBatch): Promise<VbprGradients> {
    const loss = await this.accumulate(batch);
    const { d, dp, pd } = this;
    const user = new Float32Array(this.nUsers * 2 * d);
    for (let u = 0; u < this.nUsers; u++) {
      user.set(this.gU.subarray(u * pd, u * pd + d), u * 2 * d);
      user.set(this.gU.subarray(u * pd + dp, u * pd + dp + d), u * 2 * d + d);
    }
    const itemId = new Float32Array(this.nItems * d);
    for (let i = 0; i < this.nItems; i++) itemId.set(this.gV.subarray(i * dp, i * dp + d), i * d);
    return {
      loss,
      user,
      itemId,
      projection: this.gE.slice(0, d * this.F),
      projectionBias: this.gB.slice(0, d),
    };
  }
}
