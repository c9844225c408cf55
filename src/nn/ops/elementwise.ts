/**
 * @module nn/ops/elementwise
 * Element-wise operations, activations, dropout and scalar reductions (sum, weighted sum, row dot). Each op computes its value and records on the tape the closure that pushes the
 * output gradient back to its inputs (see nn/tape).
 */
import { MismatchError } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import type { Tape } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { addInto, SQRT_2_PI } from './scalar.js';

/** Element-wise sum of tensors of one shape. */
export function add(g: Tape, ...xs: Tensor[]): Tensor {
  const a = xs[0]!;
  for (const t of xs) if (t.size !== a.size) throw new MismatchError('add: shapes differ');
  const y = g.out(a.rows, a.cols, xs);
  for (const t of xs) addInto(y.data, t.data);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy) return;
    for (const t of xs) if (t.requiresGrad) addInto(t.g(), gy);
  });
}

/** c · x. */
export function scale(g: Tape, x: Tensor, c: number): Tensor {
  const y = g.out(x.rows, x.cols, [x]);
  for (let i = 0; i < x.size; i++) y.data[i] = c * x.data[i]!;
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let i = 0; i < gy.length; i++) gx[i]! += c * gy[i]!;
  });
}

/** Element-wise product of two tensors of one shape. */
export function mul(g: Tape, a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new MismatchError('mul: shapes differ');
  const y = g.out(a.rows, a.cols, [a, b]);
  for (let i = 0; i < a.size; i++) y.data[i] = a.data[i]! * b.data[i]!;
  return g.record(y, () => {
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

/** Each row of x times a per-row scalar s (rows x 1). */
export function mulRows(g: Tape, x: Tensor, s: Tensor): Tensor {
  if (s.size !== x.rows) throw new MismatchError('mulRows: one scalar per row expected');
  const c = x.cols;
  const y = g.out(x.rows, c, [x, s]);
  for (let r = 0; r < x.rows; r++) {
    const a = s.data[r]!;
    for (let j = 0; j < c; j++) y.data[r * c + j] = a * x.data[r * c + j]!;
  }
  return g.record(y, () => {
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

export function relu(g: Tape, x: Tensor): Tensor {
  const y = g.out(x.rows, x.cols, [x]);
  for (let i = 0; i < x.size; i++) y.data[i] = Math.max(x.data[i]!, 0);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let i = 0; i < gy.length; i++) if (x.data[i]! > 0) gx[i]! += gy[i]!;
  });
}

export function tanh(g: Tape, x: Tensor): Tensor {
  const y = g.out(x.rows, x.cols, [x]);
  for (let i = 0; i < x.size; i++) y.data[i] = Math.tanh(x.data[i]!);
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let i = 0; i < gy.length; i++) gx[i]! += gy[i]! * (1 - y.data[i]! * y.data[i]!);
  });
}

/** GELU, tanh approximation (as BERT). */
export function gelu(g: Tape, x: Tensor): Tensor {
  const y = g.out(x.rows, x.cols, [x]);
  const th = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i]!;
    const t = Math.tanh(SQRT_2_PI * (v + 0.044715 * v * v * v));
    th[i] = t;
    y.data[i] = 0.5 * v * (1 + t);
  }
  return g.record(y, () => {
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
export function dropout(g: Tape, x: Tensor, p: number, rng: Rng): Tensor {
  if (!g.train || p <= 0) return x;
  const keep = new Uint8Array(x.size);
  const s = 1 / (1 - p);
  const y = g.out(x.rows, x.cols, [x]);
  for (let i = 0; i < x.size; i++) {
    if (rng.next() >= p) {
      keep[i] = 1;
      y.data[i] = x.data[i]! * s;
    }
  }
  return g.record(y, () => {
    const gy = y.grad;
    if (!gy || !x.requiresGrad) return;
    const gx = x.g();
    for (let i = 0; i < gy.length; i++) if (keep[i]) gx[i]! += gy[i]! * s;
  });
}

/** Σ of all entries → 1 x 1. */
export function sum(g: Tape, x: Tensor): Tensor {
  const y = g.out(1, 1, [x]);
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i]!;
  y.data[0] = s;
  return g.record(y, () => {
    if (!x.requiresGrad) return;
    const g = y.grad![0]!;
    const gx = x.g();
    for (let i = 0; i < gx.length; i++) gx[i]! += g;
  });
}

/** Σ_k c_k · x_k over 1x1 scalars. */
export function weightedSum(g: Tape, terms: readonly (readonly [Tensor, number])[]): Tensor {
  const y = g.out(
    1,
    1,
    terms.map(([t]) => t),
  );
  for (const [t, c] of terms) y.data[0]! += c * t.data[0]!;
  return g.record(y, () => {
    const g = y.grad![0]!;
    for (const [t, c] of terms) if (t.requiresGrad) t.g()[0]! += c * g;
  });
}

/** Row-wise dot products of two n x d tensors → n x 1. */
export function rowDot(g: Tape, a: Tensor, b: Tensor): Tensor {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new MismatchError('rowDot: shapes differ');
  const d = a.cols;
  const y = g.out(a.rows, 1, [a, b]);
  for (let r = 0; r < a.rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a.data[r * d + j]! * b.data[r * d + j]!;
    y.data[r] = s;
  }
  return g.record(y, () => {
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
