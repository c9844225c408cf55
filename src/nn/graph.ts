/**
 * @module nn/graph
 * A small reverse-mode autograd on 2-D Float32 tensors: each operation computes its value and
 * records a closure that pushes its output gradient back to its inputs; backward() runs the
 * closures in reverse. The operation set is what the fusion layers need (linear layers, GELU,
 * layer norm, dropout, masked group softmax, multi-head attention over short token sequences,
 * gathers with scatter-add gradients, the BPR/BCE/MSE/InfoNCE losses), written as direct loops
 * with matrix products in WebAssembly SIMD (./gemm). A forward pass without training (no
 * backward) records nothing: create the Graph with `train: false`.
 */
import { InvalidArgumentError, MismatchError } from '../errors.js';
import type { Csr } from '../math/spmm.js';
import type { Rng } from '../util/rng.js';
import { gemm } from './gemm.js';
import { propagateLayers } from './propagate.js';
import { Tensor } from './tensor.js';

const SQRT_2_PI = Math.sqrt(2 / Math.PI);

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export class Graph {
  private readonly tape: (() => void)[] = [];
  /** Whether operations record gradients and dropout is active. */
  readonly train: boolean;

  constructor(options: { train: boolean }) {
    this.train = options.train;
  }

  private out(rows: number, cols: number, inputs: readonly Tensor[]): Tensor {
    const requires = this.train && inputs.some((t) => t.requiresGrad);
    return new Tensor(rows, cols, new Float32Array(rows * cols), requires);
  }

  private record(out: Tensor, back: () => void): Tensor {
    if (out.requiresGrad) this.tape.push(back);
    return out;
  }

  /** Back-propagates from a 1x1 loss (d loss / d loss = 1). */
  backward(loss: Tensor): void {
    if (loss.size !== 1)
      throw new MismatchError(`backward() needs a scalar loss, got ${loss.rows}x${loss.cols}`);
    if (!loss.requiresGrad) return;
    loss.g()[0] = 1;
    for (let i = this.tape.length - 1; i >= 0; i--) this.tape[i]!();
    this.tape.length = 0;
  }

  /** x[n x k] · W[k x m]. */
  matmul(x: Tensor, w: Tensor): Tensor {
    if (x.cols !== w.rows) throw new MismatchError(`matmul ${x.rows}x${x.cols} · ${w.rows}x${w.cols}`);
    const n = x.rows;
    const k = x.cols;
    const m = w.cols;
    const y = this.out(n, m, [x, w]);
    gemm(x.data, w.data, y.data, n, k, m);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      if (x.requiresGrad) gemm(gy, w.data, x.g(), n, m, k, { transB: true, accumulate: true });
      if (w.requiresGrad) {
        if (n * k > 4 * n * m) {
          // x is the big operand (many rows of wide inputs): transposing the output gradient
          // (n x m) is cheaper than transposing x (n x k), so compute (∂W)ᵀ = gyᵀ·x instead.
          const t = new Float32Array(m * k);
          gemm(gy, x.data, t, m, n, k, { transA: true });
          const gw = w.g();
          for (let j = 0; j < m; j++) for (let p = 0; p < k; p++) gw[p * m + j]! += t[j * k + p]!;
        } else gemm(x.data, gy, w.g(), k, n, m, { transA: true, accumulate: true });
      }
    });
  }

  /** x + b with b a 1 x cols row broadcast over rows. */
  addBias(x: Tensor, b: Tensor): Tensor {
    if (b.size !== x.cols) throw new MismatchError(`bias of ${b.size} for ${x.cols} columns`);
    const y = this.out(x.rows, x.cols, [x, b]);
    const c = x.cols;
    for (let i = 0; i < x.size; i++) y.data[i] = x.data[i]! + b.data[i % c]!;
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      if (x.requiresGrad) addInto(x.g(), gy);
      if (b.requiresGrad) {
        const gb = b.g();
        for (let i = 0; i < gy.length; i++) gb[i % c]! += gy[i]!;
      }
    });
  }

  /** Element-wise sum of tensors of one shape. */
  add(...xs: Tensor[]): Tensor {
    const a = xs[0]!;
    for (const t of xs) if (t.size !== a.size) throw new MismatchError('add: shapes differ');
    const y = this.out(a.rows, a.cols, xs);
    for (const t of xs) addInto(y.data, t.data);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      for (const t of xs) if (t.requiresGrad) addInto(t.g(), gy);
    });
  }

  /** c · x. */
  scale(x: Tensor, c: number): Tensor {
    const y = this.out(x.rows, x.cols, [x]);
    for (let i = 0; i < x.size; i++) y.data[i] = c * x.data[i]!;
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      const gx = x.g();
      for (let i = 0; i < gy.length; i++) gx[i]! += c * gy[i]!;
    });
  }

  relu(x: Tensor): Tensor {
    const y = this.out(x.rows, x.cols, [x]);
    for (let i = 0; i < x.size; i++) y.data[i] = Math.max(x.data[i]!, 0);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      const gx = x.g();
      for (let i = 0; i < gy.length; i++) if (x.data[i]! > 0) gx[i]! += gy[i]!;
    });
  }

  tanh(x: Tensor): Tensor {
    const y = this.out(x.rows, x.cols, [x]);
    for (let i = 0; i < x.size; i++) y.data[i] = Math.tanh(x.data[i]!);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      const gx = x.g();
      for (let i = 0; i < gy.length; i++) gx[i]! += gy[i]! * (1 - y.data[i]! * y.data[i]!);
    });
  }

  /** GELU, tanh approximation (as BERT). */
  gelu(x: Tensor): Tensor {
    const y = this.out(x.rows, x.cols, [x]);
    const th = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i]!;
      const t = Math.tanh(SQRT_2_PI * (v + 0.044715 * v * v * v));
      th[i] = t;
      y.data[i] = 0.5 * v * (1 + t);
    }
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      const gx = x.g();
      for (let i = 0; i < gy.length; i++) {
        const v = x.data[i]!;
        const t = th[i]!;
        const dt = (1 - t * t) * SQRT_2_PI * (1 + 3 * 0.044715 * v * v);
        gx[i]! += gy[i]! * (0.5 * (1 + t) + 0.5 * v * dt);
      }
    });
  }

  /** Inverted dropout: zeroes each value with probability p and scales the rest by 1/(1-p); identity when not training. */
  dropout(x: Tensor, p: number, rng: Rng): Tensor {
    if (!this.train || p <= 0) return x;
    const keep = new Uint8Array(x.size);
    const s = 1 / (1 - p);
    const y = this.out(x.rows, x.cols, [x]);
    for (let i = 0; i < x.size; i++) {
      if (rng.next() >= p) {
        keep[i] = 1;
        y.data[i] = x.data[i]! * s;
      }
    }
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      const gx = x.g();
      for (let i = 0; i < gy.length; i++) if (keep[i]) gx[i]! += gy[i]! * s;
    });
  }

  /** Layer normalisation of each row, then γ ⊙ x̂ + β (γ, β: 1 x cols). */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
    const n = x.rows;
    const c = x.cols;
    const y = this.out(n, c, [x, gamma, beta]);
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
    return this.record(y, () => {
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

  /** Rows `index` of a table (an embedding lookup); the gradient scatter-adds into the table. */
  gather(table: Tensor, index: Int32Array): Tensor {
    const c = table.cols;
    const y = this.out(index.length, c, [table]);
    for (let r = 0; r < index.length; r++) {
      const src = index[r]! * c;
      y.data.set(table.data.subarray(src, src + c), r * c);
    }
    return this.record(y, () => {
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

  /** Each row of x times a per-row scalar s (rows x 1). */
  mulRows(x: Tensor, s: Tensor): Tensor {
    if (s.size !== x.rows) throw new MismatchError('mulRows: one scalar per row expected');
    const c = x.cols;
    const y = this.out(x.rows, c, [x, s]);
    for (let r = 0; r < x.rows; r++) {
      const a = s.data[r]!;
      for (let j = 0; j < c; j++) y.data[r * c + j] = a * x.data[r * c + j]!;
    }
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      const gx = x.requiresGrad ? x.g() : undefined;
      const gs = s.requiresGrad ? s.g() : undefined;
      for (let r = 0; r < x.rows; r++) {
        const a = s.data[r]!;
        let acc = 0;
        for (let j = 0; j < c; j++) {
          const d = gy[r * c + j]!;
          if (gx) gx[r * c + j]! += a * d;
          acc += d * x.data[r * c + j]!;
        }
        if (gs) gs[r]! += acc;
      }
    });
  }

  /**
   * Softmax within consecutive groups of T entries of a (B·T) x 1 column; entries with
   * mask 0 get weight 0 (a group with nothing present gets all zeros).
   */
  groupSoftmax(logits: Tensor, T: number, mask?: Uint8Array): Tensor {
    if (logits.cols !== 1 || logits.rows % T !== 0)
      throw new MismatchError('groupSoftmax: (B·T) x 1 expected');
    const y = this.out(logits.rows, 1, [logits]);
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
    return this.record(y, () => {
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
  weightedTokenSum(tokens: Tensor, weights: Tensor, T: number): Tensor {
    const d = tokens.cols;
    const B = tokens.rows / T;
    if (weights.size !== tokens.rows)
      throw new MismatchError('weightedTokenSum: one weight per token expected');
    const y = this.out(B, d, [tokens, weights]);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const w = weights.data[b * T + t]!;
        if (w === 0) continue;
        const o = (b * T + t) * d;
        for (let j = 0; j < d; j++) y.data[b * d + j]! += w * tokens.data[o + j]!;
      }
    return this.record(y, () => {
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
  stackTokens(parts: readonly Tensor[]): Tensor {
    const T = parts.length;
    const B = parts[0]!.rows;
    const d = parts[0]!.cols;
    for (const p of parts)
      if (p.rows !== B || p.cols !== d) throw new MismatchError('stackTokens: shapes differ');
    const y = this.out(B * T, d, parts);
    parts.forEach((p, t) => {
      for (let b = 0; b < B; b++) y.data.set(p.data.subarray(b * d, (b + 1) * d), (b * T + t) * d);
    });
    return this.record(y, () => {
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
  token(x: Tensor, T: number, t: number): Tensor {
    const d = x.cols;
    const B = x.rows / T;
    const y = this.out(B, d, [x]);
    for (let b = 0; b < B; b++) y.data.set(x.data.subarray((b * T + t) * d, (b * T + t + 1) * d), b * d);
    return this.record(y, () => {
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
  concatCols(parts: readonly Tensor[]): Tensor {
    const n = parts[0]!.rows;
    const width = parts.reduce((s, p) => s + p.cols, 0);
    for (const p of parts) if (p.rows !== n) throw new MismatchError('concatCols: row counts differ');
    const y = this.out(n, width, parts);
    let off = 0;
    const offs: number[] = [];
    for (const p of parts) {
      offs.push(off);
      for (let r = 0; r < n; r++) y.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), r * width + off);
      off += p.cols;
    }
    return this.record(y, () => {
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

  /** Row-wise dot products of two n x d tensors → n x 1. */
  rowDot(a: Tensor, b: Tensor): Tensor {
    if (a.rows !== b.rows || a.cols !== b.cols) throw new MismatchError('rowDot: shapes differ');
    const d = a.cols;
    const y = this.out(a.rows, 1, [a, b]);
    for (let r = 0; r < a.rows; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += a.data[r * d + j]! * b.data[r * d + j]!;
      y.data[r] = s;
    }
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      const ga = a.requiresGrad ? a.g() : undefined;
      const gb = b.requiresGrad ? b.g() : undefined;
      for (let r = 0; r < a.rows; r++) {
        const g = gy[r]!;
        for (let j = 0; j < d; j++) {
          if (ga) ga[r * d + j]! += g * b.data[r * d + j]!;
          if (gb) gb[r * d + j]! += g * a.data[r * d + j]!;
        }
      }
    });
  }

  /** Rows scaled to unit L2 norm (zero rows stay zero). */
  l2NormalizeRows(x: Tensor, eps = 1e-12): Tensor {
    const d = x.cols;
    const y = this.out(x.rows, d, [x]);
    const norms = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x.data[r * d + j]! ** 2;
      const nr = Math.sqrt(s);
      norms[r] = nr;
      if (nr > eps) for (let j = 0; j < d; j++) y.data[r * d + j] = x.data[r * d + j]! / nr;
    }
    return this.record(y, () => {
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

  /**
   * Multi-head self-attention inside each item's T tokens (scaled dot product, keys with
   * mask 0 ignored): q, k, v are (B·T) x d projections, d divisible by heads.
   */
  attention(q: Tensor, k: Tensor, v: Tensor, T: number, heads: number, mask?: Uint8Array): Tensor {
    const d = q.cols;
    if (d % heads !== 0)
      throw new InvalidArgumentError(`attention: width ${d} is not divisible by ${heads} heads`);
    const dh = d / heads;
    const B = q.rows / T;
    const scale = 1 / Math.sqrt(dh);
    const y = this.out(q.rows, d, [q, k, v]);
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
    return this.record(y, () => {
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

  /** Mean over rows of softplus(neg − pos) = −log σ(pos − neg): the BPR loss (n x 1 inputs). */
  bprLoss(pos: Tensor, neg: Tensor): Tensor {
    const n = pos.rows;
    const y = this.out(1, 1, [pos, neg]);
    let s = 0;
    for (let r = 0; r < n; r++) s += softplus(neg.data[r]! - pos.data[r]!);
    y.data[0] = s / n;
    return this.record(y, () => {
      const g = y.grad![0]! / n;
      const gp = pos.requiresGrad ? pos.g() : undefined;
      const gn = neg.requiresGrad ? neg.g() : undefined;
      for (let r = 0; r < n; r++) {
        const sg = sigmoid(neg.data[r]! - pos.data[r]!) * g;
        if (gp) gp[r]! -= sg;
        if (gn) gn[r]! += sg;
      }
    });
  }

  /** Mean binary cross-entropy of logits (n x 1) against labels in [0, 1]. */
  bceLoss(logits: Tensor, labels: Float32Array): Tensor {
    const n = logits.rows;
    const y = this.out(1, 1, [logits]);
    let s = 0;
    for (let r = 0; r < n; r++) {
      const z = logits.data[r]!;
      s += softplus(z) - labels[r]! * z;
    }
    y.data[0] = s / n;
    return this.record(y, () => {
      if (!logits.requiresGrad) return;
      const g = y.grad![0]! / n;
      const gl = logits.g();
      for (let r = 0; r < n; r++) gl[r]! += g * (sigmoid(logits.data[r]!) - labels[r]!);
    });
  }

  /** Mean squared error of predictions (n x 1) against targets. */
  mseLoss(pred: Tensor, target: Float32Array): Tensor {
    const n = pred.rows;
    const y = this.out(1, 1, [pred]);
    let s = 0;
    for (let r = 0; r < n; r++) s += (pred.data[r]! - target[r]!) ** 2;
    y.data[0] = s / n;
    return this.record(y, () => {
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
  infoNce(a: Tensor, b: Tensor, tau: number, valid?: Uint8Array): Tensor {
    const n = a.rows;
    const d = a.cols;
    const idx: number[] = [];
    for (let r = 0; r < n; r++) if (!valid || valid[r]) idx.push(r);
    const m = idx.length;
    const y = this.out(1, 1, [a, b]);
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
    return this.record(y, () => {
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
  sumSquares(xs: readonly Tensor[], divisor: number): Tensor {
    const y = this.out(1, 1, xs);
    let s = 0;
    for (const t of xs) for (let i = 0; i < t.size; i++) s += t.data[i]! * t.data[i]!;
    y.data[0] = s / divisor;
    return this.record(y, () => {
      const g = (2 * y.grad![0]!) / divisor;
      for (const t of xs) {
        if (!t.requiresGrad) continue;
        const gt = t.g();
        for (let i = 0; i < t.size; i++) gt[i]! += g * t.data[i]!;
      }
    });
  }

  /** Rows of a above rows of b (same width). */
  concatRows(a: Tensor, b: Tensor): Tensor {
    if (a.cols !== b.cols) throw new MismatchError('concatRows: widths differ');
    const y = this.out(a.rows + b.rows, a.cols, [a, b]);
    y.data.set(a.data, 0);
    y.data.set(b.data, a.size);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      if (a.requiresGrad) addInto(a.g(), gy.subarray(0, a.size));
      if (b.requiresGrad) addInto(b.g(), gy.subarray(a.size));
    });
  }

  /**
   * LightGCN's layer combination over a symmetric normalised adjacency Â (N x N):
   * (1 / (L+1)) Σ_{k=0..L} Â^k x (WebAssembly SIMD, ./propagate). Â is symmetric, so the gradient
   * is the same map of the output gradient.
   */
  propagate(x: Tensor, adj: Csr, layers: number): Tensor {
    const y = this.out(x.rows, x.cols, [x]);
    const d = x.cols;
    propagateLayers(adj, x.data, d, layers, y.data);
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy || !x.requiresGrad) return;
      addInto(x.g(), propagateLayers(adj, gy, d, layers, new Float32Array(gy.length)));
    });
  }

  /** Σ of all entries → 1 x 1. */
  sum(x: Tensor): Tensor {
    const y = this.out(1, 1, [x]);
    let s = 0;
    for (let i = 0; i < x.size; i++) s += x.data[i]!;
    y.data[0] = s;
    return this.record(y, () => {
      if (!x.requiresGrad) return;
      const g = y.grad![0]!;
      const gx = x.g();
      for (let i = 0; i < gx.length; i++) gx[i]! += g;
    });
  }

  /** Element-wise product of two tensors of one shape. */
  mul(a: Tensor, b: Tensor): Tensor {
    if (a.size !== b.size) throw new MismatchError('mul: shapes differ');
    const y = this.out(a.rows, a.cols, [a, b]);
    for (let i = 0; i < a.size; i++) y.data[i] = a.data[i]! * b.data[i]!;
    return this.record(y, () => {
      const gy = y.grad;
      if (!gy) return;
      if (a.requiresGrad) {
        const ga = a.g();
        for (let i = 0; i < gy.length; i++) ga[i]! += gy[i]! * b.data[i]!;
      }
      if (b.requiresGrad) {
        const gb = b.g();
        for (let i = 0; i < gy.length; i++) gb[i]! += gy[i]! * a.data[i]!;
      }
    });
  }

  /** Σ_t ||t||_F / divisor: MMRec's EmbLoss (norms, not squared norms). */
  frobenius(xs: readonly Tensor[], divisor: number): Tensor {
    const y = this.out(1, 1, xs);
    const norms = xs.map((t) => {
      let s = 0;
      for (let i = 0; i < t.size; i++) s += t.data[i]! * t.data[i]!;
      return Math.sqrt(s);
    });
    y.data[0] = norms.reduce((a, b) => a + b, 0) / divisor;
    return this.record(y, () => {
      const g = y.grad![0]! / divisor;
      xs.forEach((t, k) => {
        const nr = norms[k]!;
        if (!t.requiresGrad || nr === 0) return;
        const gt = t.g();
        for (let i = 0; i < t.size; i++) gt[i]! += (g * t.data[i]!) / nr;
      });
    });
  }

  /** Σ_k c_k · x_k over 1x1 scalars. */
  weightedSum(terms: readonly (readonly [Tensor, number])[]): Tensor {
    const y = this.out(
      1,
      1,
      terms.map(([t]) => t),
    );
    for (const [t, c] of terms) y.data[0]! += c * t.data[0]!;
    return this.record(y, () => {
      const g = y.grad![0]!;
      for (const [t, c] of terms) if (t.requiresGrad) t.g()[0]! += c * g;
    });
  }
}

function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < src.length; i++) dst[i]! += src[i]!;
}
