/**
 * @module nn/ops/tokens
 * Token-sequence operations for the fusion layers: gathers (embedding lookups), stacking and slicing tokens, concatenation, masked group softmax, weighted token sums and multi-head attention. Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { addInto } from './scalar.js';

/** Rows `index` of a table (an embedding lookup); the gradient scatter-adds into the table. */
export function gather(g: Tape, table: Tensor, index: Int32Array): Tensor {
  const c = table.cols;
  const y = g.out(index.length, c, [table]);
  for (let r = 0; r < index.length; r++) {
    const src = index[r]! * c;
    y.data.set(table.data.subarray(src, src + c), r * c);
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !table.requiresGrad) return;
    const gt = table.g();
    for (let r = 0; r < index.length; r++) {
      const dst = index[r]! * c;
      const o = r * c;
      for (let j = 0; j < c; j++) gt[dst + j]! += gy[o + j]!;
    }
  });
}

/**
 * Softmax within consecutive groups of T entries of a (B·T) x 1 column; entries with
 * mask 0 get weight 0 (a group with nothing present gets all zeros).
 */
export function groupSoftmax(g: Tape, logits: Tensor, T: number, mask?: Uint8Array): Tensor {
  if (logits.cols !== 1 || logits.rows % T !== 0) throw new MismatchError('groupSoftmax: (B·T) x 1 expected');
  const y = g.out(logits.rows, 1, [logits]);
  const B = logits.rows / T;
  for (let b = 0; b < B; b++) {
    const o = b * T;
    let mx = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < T; t++) if (!mask || mask[o + t]) mx = Math.max(mx, logits.data[o + t]!);
    if (mx === Number.NEGATIVE_INFINITY) continue;
    let z = 0;
    for (let t = 0; t < T; t++) {
      if (mask && !mask[o + t]) continue;
      const e = Math.exp(logits.data[o + t]! - mx);
      y.data[o + t] = e;
      z += e;
    }
    for (let t = 0; t < T; t++) y.data[o + t]! /= z;
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !logits.requiresGrad) return;
    const gl = logits.g();
    for (let b = 0; b < B; b++) {
      const o = b * T;
      let dot = 0;
      for (let t = 0; t < T; t++) dot += gy[o + t]! * y.data[o + t]!;
      for (let t = 0; t < T; t++) gl[o + t]! += y.data[o + t]! * (gy[o + t]! - dot);
    }
  });
}

/** Σ_t w[b·T+t] · tokens[b·T+t] for each item b: (B·T) x d tokens, (B·T) x 1 weights → B x d. */
export function weightedTokenSum(g: Tape, tokens: Tensor, weights: Tensor, T: number): Tensor {
  const d = tokens.cols;
  const B = tokens.rows / T;
  if (weights.size !== tokens.rows)
    throw new MismatchError('weightedTokenSum: one weight per token expected');
  const y = g.out(B, d, [tokens, weights]);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const w = weights.data[b * T + t]!;
      if (w === 0) continue;
      const o = (b * T + t) * d;
      for (let j = 0; j < d; j++) y.data[b * d + j]! += w * tokens.data[o + j]!;
    }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    const gt = tokens.requiresGrad ? tokens.g() : undefined;
    const gw = weights.requiresGrad ? weights.g() : undefined;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const w = weights.data[b * T + t]!;
        const o = (b * T + t) * d;
        let acc = 0;
        for (let j = 0; j < d; j++) {
          const g = gy[b * d + j]!;
          if (gt) gt[o + j]! += w * g;
          acc += g * tokens.data[o + j]!;
        }
        if (gw) gw[b * T + t]! += acc;
      }
  });
}

/** Interleaves T tensors of B x d into (B·T) x d token rows (token t of item b = row b·T + t). */
export function stackTokens(g: Tape, parts: readonly Tensor[]): Tensor {
  const T = parts.length;
  const B = parts[0]!.rows;
  const d = parts[0]!.cols;
  for (const p of parts)
    if (p.rows !== B || p.cols !== d) throw new MismatchError('stackTokens: shapes differ');
  const y = g.out(B * T, d, parts);
  parts.forEach((p, t) => {
    for (let b = 0; b < B; b++) y.data.set(p.data.subarray(b * d, (b + 1) * d), (b * T + t) * d);
  });
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    parts.forEach((p, t) => {
      if (!p.requiresGrad) return;
      const gp = p.g();
      for (let b = 0; b < B; b++) {
        const o = (b * T + t) * d;
        for (let j = 0; j < d; j++) gp[b * d + j]! += gy[o + j]!;
      }
    });
  });
}

/** Token t of every item: (B·T) x d → B x d. */
export function token(g: Tape, x: Tensor, T: number, t: number): Tensor {
  const d = x.cols;
  const B = x.rows / T;
  const y = g.out(B, d, [x]);
  for (let b = 0; b < B; b++) y.data.set(x.data.subarray((b * T + t) * d, (b * T + t + 1) * d), b * d);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let b = 0; b < B; b++) {
      const o = (b * T + t) * d;
      for (let j = 0; j < d; j++) gx[o + j]! += gy[b * d + j]!;
    }
  });
}

/** Columns side by side: [a | b | …] for tensors with the same rows. */
export function concatCols(g: Tape, parts: readonly Tensor[]): Tensor {
  const n = parts[0]!.rows;
  const width = parts.reduce((s, p) => s + p.cols, 0);
  for (const p of parts) if (p.rows !== n) throw new MismatchError('concatCols: row counts differ');
  const y = g.out(n, width, parts);
  let off = 0;
  const offs: number[] = [];
  for (const p of parts) {
    offs.push(off);
    for (let r = 0; r < n; r++) y.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), r * width + off);
    off += p.cols;
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    parts.forEach((p, k) => {
      if (!p.requiresGrad) return;
      const gp = p.g();
      const o = offs[k]!;
      for (let r = 0; r < n; r++)
        for (let j = 0; j < p.cols; j++) gp[r * p.cols + j]! += gy[r * width + o + j]!;
    });
  });
}

/** Rows of a above rows of b (same width). */
export function concatRows(g: Tape, a: Tensor, b: Tensor): Tensor {
  if (a.cols !== b.cols) throw new MismatchError('concatRows: widths differ');
  const y = g.out(a.rows + b.rows, a.cols, [a, b]);
  y.data.set(a.data, 0);
  y.data.set(b.data, a.size);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    if (a.requiresGrad) addInto(a.g(), gy.subarray(0, a.size));
    if (b.requiresGrad) addInto(b.g(), gy.subarray(a.size));
  });
}

/**
 * Multi-head self-attention inside each item's T tokens (scaled dot product, keys with
 * mask 0 ignored): q, k, v are (B·T) x d projections, d divisible by heads.
 */
export function attention(
  g: Tape,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  T: number,
  heads: number,
  mask?: Uint8Array,
): Tensor {
  const d = q.cols;
  if (d % heads !== 0)
    throw new InvalidArgumentError(`attention: width ${d} is not divisible by ${heads} heads`);
  const dh = d / heads;
  const B = q.rows / T;
  const scale = 1 / Math.sqrt(dh);
  const y = g.out(q.rows, d, [q, k, v]);
  const P = new Float32Array(B * heads * T * T); // attention probabilities
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++) {
      const ho = h * dh;
      for (let i = 0; i < T; i++) {
        const po = ((b * heads + h) * T + i) * T;
        const qi = (b * T + i) * d + ho;
        let mx = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < T; j++) {
          if (mask && !mask[b * T + j]) continue;
          const kj = (b * T + j) * d + ho;
          let s = 0;
          for (let x = 0; x < dh; x++) s += q.data[qi + x]! * k.data[kj + x]!;
          s *= scale;
          P[po + j] = s;
          if (s > mx) mx = s;
        }
        let z = 0;
        for (let j = 0; j < T; j++) {
          if (mask && !mask[b * T + j]) {
            P[po + j] = 0;
            continue;
          }
          const e = Math.exp(P[po + j]! - mx);
          P[po + j] = e;
          z += e;
        }
        const yo = (b * T + i) * d + ho;
        for (let j = 0; j < T; j++) {
          const p = z > 0 ? P[po + j]! / z : 0;
          P[po + j] = p;
          if (p === 0) continue;
          const vj = (b * T + j) * d + ho;
          for (let x = 0; x < dh; x++) y.data[yo + x]! += p * v.data[vj + x]!;
        }
      }
    }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    const gq = q.requiresGrad ? q.g() : undefined;
    const gk = k.requiresGrad ? k.g() : undefined;
    const gv = v.requiresGrad ? v.g() : undefined;
    const dP = new Float32Array(T);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < heads; h++) {
        const ho = h * dh;
        for (let i = 0; i < T; i++) {
          const po = ((b * heads + h) * T + i) * T;
          const yo = (b * T + i) * d + ho;
          let dot = 0;
          for (let j = 0; j < T; j++) {
            const p = P[po + j]!;
            const vj = (b * T + j) * d + ho;
            let s = 0;
            for (let x = 0; x < dh; x++) {
              s += gy[yo + x]! * v.data[vj + x]!;
              if (gv && p !== 0) gv[vj + x]! += p * gy[yo + x]!;
            }
            dP[j] = s;
            dot += p * s;
          }
          const qi = (b * T + i) * d + ho;
          for (let j = 0; j < T; j++) {
            const p = P[po + j]!;
            if (p === 0) continue;
            const ds = p * (dP[j]! - dot) * scale;
            const kj = (b * T + j) * d + ho;
            for (let x = 0; x < dh; x++) {
              if (gq) gq[qi + x]! += ds * k.data[kj + x]!;
              if (gk) gk[kj + x]! += ds * q.data[qi + x]!;
            }
          }
        }
      }
  });
}
