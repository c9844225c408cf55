/**
 * @module training/losses
 * Scalar loss helpers with their gradients, written to be numerically stable:
 * the BPR loss −log σ(x) (Rendle et al., UAI 2009), binary cross-entropy from logits, squared
 * error, and MMRec's EmbLoss regulariser (Zhou et al., "A Comprehensive Survey on Multimodal
 * Recommender Systems" / MMRec toolbox, 2023): reg = (Σ_t ||E_t||_F) / batchSize over the batch's
 * embedding matrices, with the Frobenius norm NOT squared, as MMRec's `EmbLoss` computes it.
 */

/** Logistic sigmoid σ(x) = 1 / (1 + e^−x), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1 + e^x), stable for large |x|. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** BPR loss of a score difference x = s⁺ − s⁻: −log σ(x) = softplus(−x). */
export function bprLoss(x: number): number {
  return softplus(-x);
}

/** d/dx of −log σ(x): −σ(−x) = σ(x) − 1. */
export function bprGrad(x: number): number {
  return -sigmoid(-x);
}

/** Binary cross-entropy of a logit z against a label y ∈ [0, 1]: −y log σ(z) − (1−y) log(1−σ(z)). */
export function bceWithLogits(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

/** d/dz of {@link bceWithLogits}: σ(z) − y. */
export function bceWithLogitsGrad(z: number, y: number): number {
  return sigmoid(z) - y;
}

/** Squared error (pred − target)². */
export function squaredError(pred: number, target: number): number {
  const e = pred - target;
  return e * e;
}

/** d/dpred of {@link squaredError}: 2 (pred − target). */
export function squaredErrorGrad(pred: number, target: number): number {
  return 2 * (pred - target);
}

/**
 * Frobenius norm of the matrix made of `count` rows of `table` (rowSize wide) listed in `rows`,
 * duplicates counted each time (the gathered matrix E_b = table[rows] of a batch), without
 * gathering it. A dense matrix is the case rows = 0..n−1.
 */
export function gatheredNorm(
  table: Float32Array,
  rows: Int32Array,
  rowSize: number,
  count = rows.length,
): number {
  let s = 0;
  for (let k = 0; k < count; k++) {
    const o = rows[k]! * rowSize;
    for (let j = 0; j < rowSize; j++) {
      const x = table[o + j]!;
      s += x * x;
    }
  }
  return Math.sqrt(s);
}

/** Frobenius norm of a dense matrix (all entries of `m`). */
export function frobeniusNorm(m: Float32Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i]! * m[i]!;
  return Math.sqrt(s);
}

/** MMRec's EmbLoss from the norms ||E_t||_F of the batch's embedding matrices: Σ_t norms[t] / batchSize. */
export function embLoss(norms: readonly number[], batchSize: number): number {
  let s = 0;
  for (const n of norms) s += n;
  return s / batchSize;
}

/**
 * Scale c with ∂EmbLoss/∂E_t = c · E_t, i.e. c = 1 / (||E_t||_F · batchSize) (0 for a zero
 * matrix, where the norm has no gradient; torch returns 0 there too). Each gathered row
 * occurrence contributes c · row to its table row's gradient.
 */
export function embLossGradScale(norm: number, batchSize: number): number {
  return norm > 0 ? 1 / (norm * batchSize) : 0;
}
