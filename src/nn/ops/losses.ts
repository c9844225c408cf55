/**
 * @module nn/ops/losses
 * Losses and regularisers: BPR, binary cross-entropy, MSE, InfoNCE, and the L2 / Frobenius embedding penalties. Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */
import { MismatchError } from '../../errors.js';
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { sigmoid, softplus } from './scalar.js';

/**
 * Mean over rows of softplus(neg − pos) = −log σ(pos − neg): the BPR loss (n x 1 inputs); with
 * `weights`, the weighted mean Σ w_r·loss_r / Σ w_r (inverse-propensity weighting of positives).
 */
export function bprLoss(g: Tape, pos: Tensor, neg: Tensor, weights?: Float32Array): Tensor {
  const n = pos.rows;
  if (weights && weights.length !== n)
    throw new MismatchError(`bprLoss: ${weights.length} weights for ${n} rows`);
  // with weights: Σ w_r · softplus(neg − pos) / Σ w_r (self-normalised inverse-propensity weighting)
  let total = n;
  if (weights) {
    total = 0;
    for (let r = 0; r < n; r++) total += weights[r]!;
  }
  const y = g.out(1, 1, [pos, neg]);
  let s = 0;
  for (let r = 0; r < n; r++) s += (weights ? weights[r]! : 1) * softplus(neg.data[r]! - pos.data[r]!);
  y.data[0] = s / total;
  return g.record(y, () => {
    const g = y.grad![0]! / total;
    const gp = pos.requiresGrad ? pos.g() : undefined;
    const gn = neg.requiresGrad ? neg.g() : undefined;
    for (let r = 0; r < n; r++) {
      const sg = sigmoid(neg.data[r]! - pos.data[r]!) * g * (weights ? weights[r]! : 1);
      if (gp) gp[r]! -= sg;
      if (gn) gn[r]! += sg;
    }
  });
}

/** Mean binary cross-entropy of logits (n x 1) against labels in [0, 1]. */
export function bceLoss(g: Tape, logits: Tensor, labels: Float32Array): Tensor {
  const n = logits.rows;
  const y = g.out(1, 1, [logits]);
  let s = 0;
  for (let r = 0; r < n; r++) {
    const z = logits.data[r]!;
    s += softplus(z) - labels[r]! * z;
  }
  y.data[0] = s / n;
  return g.record(y, () => {
    if (!logits.requiresGrad) return;
    const g = y.grad![0]! / n;
    const gl = logits.g();
    for (let r = 0; r < n; r++) gl[r]! += g * (sigmoid(logits.data[r]!) - labels[r]!);
  });
}

/** Mean squared error of predictions (n x 1) against targets. */
export function mseLoss(g: Tape, pred: Tensor, target: Float32Array): Tensor {
  const n = pred.rows;
  const y = g.out(1, 1, [pred]);
  let s = 0;
  for (let r = 0; r < n; r++) s += (pred.data[r]! - target[r]!) ** 2;
  y.data[0] = s / n;
  return g.record(y, () => {
    if (!pred.requiresGrad) return;
    const g = (2 * y.grad![0]!) / n;
    const gp = pred.g();
    for (let r = 0; r < n; r++) gp[r]! += g * (pred.data[r]! - target[r]!);
  });
}

/**
 * Symmetric InfoNCE (CLIP's loss) between rows of a and b (n x d, already normalised):
 * row r of a should match row r of b among all rows of b, and vice versa, at temperature τ.
 * Rows with valid[r] = 0 take part neither as anchors nor as negatives.
 */
export function infoNce(g: Tape, a: Tensor, b: Tensor, tau: number, valid?: Uint8Array): Tensor {
  const n = a.rows;
  const d = a.cols;
  const idx: number[] = [];
  for (let r = 0; r < n; r++) if (!valid || valid[r]) idx.push(r);
  const m = idx.length;
  const y = g.out(1, 1, [a, b]);
  if (m < 2) return y;
  const S = new Float32Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      const ai = idx[i]! * d;
      const bj = idx[j]! * d;
      for (let x = 0; x < d; x++) s += a.data[ai + x]! * b.data[bj + x]!;
      S[i * m + j] = s / tau;
    }
  // row softmax (a→b) and column softmax (b→a)
  const R = new Float32Array(m * m);
  const C = new Float32Array(m * m);
  let loss = 0;
  for (let i = 0; i < m; i++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < m; j++) mx = Math.max(mx, S[i * m + j]!);
    let z = 0;
    for (let j = 0; j < m; j++) z += Math.exp(S[i * m + j]! - mx);
    for (let j = 0; j < m; j++) R[i * m + j] = Math.exp(S[i * m + j]! - mx) / z;
    loss += -(S[i * m + i]! - mx - Math.log(z));
  }
  for (let j = 0; j < m; j++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < m; i++) mx = Math.max(mx, S[i * m + j]!);
    let z = 0;
    for (let i = 0; i < m; i++) z += Math.exp(S[i * m + j]! - mx);
    for (let i = 0; i < m; i++) C[i * m + j] = Math.exp(S[i * m + j]! - mx) / z;
    loss += -(S[j * m + j]! - mx - Math.log(z));
  }
  y.data[0] = loss / (2 * m);
  return g.record(y, () => {
    const g = y.grad![0]! / (2 * m * tau);
    const ga = a.requiresGrad ? a.g() : undefined;
    const gb = b.requiresGrad ? b.g() : undefined;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const dS = g * (R[i * m + j]! + C[i * m + j]! - (i === j ? 2 : 0));
        if (dS === 0) continue;
        const ai = idx[i]! * d;
        const bj = idx[j]! * d;
        for (let x = 0; x < d; x++) {
          if (ga) ga[ai + x]! += dS * b.data[bj + x]!;
          if (gb) gb[bj + x]! += dS * a.data[ai + x]!;
        }
      }
  });
}

/** Σ of squared entries of the tensors, divided by `divisor` (MMRec's EmbLoss with norm 2). */
export function sumSquares(g: Tape, xs: readonly Tensor[], divisor: number): Tensor {
  const y = g.out(1, 1, xs);
  let s = 0;
  for (const t of xs) for (let i = 0; i < t.size; i++) s += t.data[i]! * t.data[i]!;
  y.data[0] = s / divisor;
  return g.record(y, () => {
    const g = (2 * y.grad![0]!) / divisor;
    for (const t of xs) {
      if (!t.requiresGrad) continue;
      const gt = t.g();
      for (let i = 0; i < t.size; i++) gt[i]! += g * t.data[i]!;
    }
  });
}

/** Σ_t ||t||_F / divisor: MMRec's EmbLoss (norms, not squared norms). */
export function frobenius(g: Tape, xs: readonly Tensor[], divisor: number): Tensor {
  const y = g.out(1, 1, xs);
  const norms = xs.map((t) => {
    let s = 0;
    for (let i = 0; i < t.size; i++) s += t.data[i]! * t.data[i]!;
    return Math.sqrt(s);
  });
  y.data[0] = norms.reduce((a, b) => a + b, 0) / divisor;
  return g.record(y, () => {
    const g = y.grad![0]! / divisor;
    xs.forEach((t, k) => {
      const nr = norms[k]!;
      if (!t.requiresGrad || nr === 0) return;
      const gt = t.g();
      for (let i = 0; i < t.size; i++) gt[i]! += (g * t.data[i]!) / nr;
    });
  });
}
