/**
 * @module nn/ops/norm
 * Normalisations: layer norm and row-wise L2 normalisation. Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';

/** Layer normalisation of each row, then γ ⊙ x̂ + β (γ, β: 1 x cols). */
export function layerNorm(g: Tape, x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const n = x.rows;
  const c = x.cols;
  const y = g.out(n, c, [x, gamma, beta]);
  const xhat = new Float32Array(x.size);
  const inv = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    let mean = 0;
    for (let j = 0; j < c; j++) mean += x.data[o + j]!;
    mean /= c;
    let vr = 0;
    for (let j = 0; j < c; j++) vr += (x.data[o + j]! - mean) ** 2;
    const is = 1 / Math.sqrt(vr / c + eps);
    inv[r] = is;
    for (let j = 0; j < c; j++) {
      const h = (x.data[o + j]! - mean) * is;
      xhat[o + j] = h;
      y.data[o + j] = gamma.data[j]! * h + beta.data[j]!;
    }
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    const gg = gamma.requiresGrad ? gamma.g() : undefined;
    const gb = beta.requiresGrad ? beta.g() : undefined;
    const gx = x.requiresGrad ? x.g() : undefined;
    for (let r = 0; r < n; r++) {
      const o = r * c;
      let s1 = 0;
      let s2 = 0;
      for (let j = 0; j < c; j++) {
        const d = gy[o + j]!;
        if (gg) gg[j]! += d * xhat[o + j]!;
        if (gb) gb[j]! += d;
        const dh = d * gamma.data[j]!;
        s1 += dh;
        s2 += dh * xhat[o + j]!;
      }
      if (!gx) continue;
      const is = inv[r]!;
      for (let j = 0; j < c; j++) {
        const dh = gy[o + j]! * gamma.data[j]!;
        gx[o + j]! += (is / c) * (c * dh - s1 - xhat[o + j]! * s2);
      }
    }
  });
}

/** Rows scaled to unit L2 norm (zero rows stay zero). */
export function l2NormalizeRows(g: Tape, x: Tensor, eps = 1e-12): Tensor {
  const d = x.cols;
  const y = g.out(x.rows, d, [x]);
  const norms = new Float32Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[r * d + j]! ** 2;
    const nr = Math.sqrt(s);
    norms[r] = nr;
    if (nr > eps) for (let j = 0; j < d; j++) y.data[r * d + j] = x.data[r * d + j]! / nr;
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let r = 0; r < x.rows; r++) {
      const nr = norms[r]!;
      if (nr <= eps) continue;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += gy[r * d + j]! * y.data[r * d + j]!;
      for (let j = 0; j < d; j++) gx[r * d + j]! += (gy[r * d + j]! - dot * y.data[r * d + j]!) / nr;
    }
  });
}
