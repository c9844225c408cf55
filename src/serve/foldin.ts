/**
 * @module serve/foldin
 * A user's vector recomputed at once from their positive items, item vectors fixed: one implicit-ALS
 * user step (Hu, Koren & Volinsky 2008) with the Gramian trick and a pull towards a prior vector
 * (the user's trained vector), so that the next request reflects a new feedback event.
 *
 * The objective for user vector u, with c_i = alpha · weight_i for the history items S, G = VᵀV,
 * w0 = unobservedWeight, p = priorWeight and λ = lambda, is
 *
 *   w0 Σ_all (uᵀv_j)² + Σ_{i∈S} [(1 + c_i)(1 - uᵀv_i)² - (uᵀv_i)²] + λ||u||² + p||u - prior||²,
 *
 * every item a weak negative and each history item a positive of confidence 1 + c_i (with w0 = 1
 * this is exactly HKV's loss). Its minimiser solves
 *
 *   (w0·G + Σ_{i∈S} c_i v_i v_iᵀ + (λ + p) I) u = Σ_{i∈S} (1 + c_i) v_i + p · prior,
 *
 * which costs O(|S| d² + d³) instead of O(n d²): G is computed once per model version. The d x d
 * system is assembled and solved by Cholesky in Float64Array. Without a prior, p is 0.
 */
import { InvalidArgumentError } from '../errors.js';

/** What fold-in needs from a model version. */
export interface FoldInModel {
  dim: number;
  itemFactors: Float32Array;
  /** V^T V (dim x dim), computed once per model version. */
  gram: Float32Array;
}

/** Options of {@link foldInUser}. */
export interface FoldInOptions {
  /** Confidence weight of observed items (default 10). */
  alpha?: number;
  /** Ridge (default 0.1). */
  lambda?: number;
  /** Pull towards `prior` (default 1; 0 without a prior). */
  priorWeight?: number;
  /** Weight of the Gramian: all items as weak negatives (default 1). */
  unobservedWeight?: number;
}

/** Largest supported dimension (the system is dim x dim doubles). */
export const MAX_FOLDIN_DIM = 512;

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_FOLDIN_DIM) {
    throw new InvalidArgumentError(`dim must be an integer in [1, ${MAX_FOLDIN_DIM}], got ${dim}`);
  }
}

/** G = VᵀV for the n x dim item table V (accumulated in double precision). */
export function gramian(itemFactors: Float32Array, dim: number): Float32Array {
  checkDim(dim);
  const n = itemFactors.length / dim;
  if (!Number.isInteger(n)) {
    throw new InvalidArgumentError(
      `itemFactors length ${itemFactors.length} is not a multiple of dim ${dim}`,
    );
  }
  const g = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) row[a] = itemFactors[o + a]!;
    // Upper triangle only; mirrored below.
    for (let a = 0; a < dim; a++) {
      const x = row[a]!;
      if (x === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) g[base + b] = g[base + b]! + x * row[b]!;
    }
  }
  const out = new Float32Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      out[a * dim + b] = g[a * dim + b]!;
      out[b * dim + a] = g[a * dim + b]!;
    }
  }
  return out;
}

function option(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v >= 0 && Number.isFinite(v)))
    throw new InvalidArgumentError(`${name} must be finite and >= 0, got ${v}`);
  return v;
}

/**
 * Solves (w0·G + Σ_{i∈S} c_i v_i v_iᵀ + (λ+p)I) u = Σ_{i∈S}(1+c_i) v_i + p·prior,
 * c_i = alpha·weight_i. `items` may repeat (their terms add up); `weights` default to 1.
 */
export function foldInUser(
  model: FoldInModel,
  items: Int32Array,
  weights?: Float32Array,
  prior?: Float32Array,
  options: FoldInOptions = {},
): Float32Array {
  const { dim, itemFactors, gram } = model;
  checkDim(dim);
  const nItems = itemFactors.length / dim;
  if (!Number.isInteger(nItems)) {
    throw new InvalidArgumentError(
      `itemFactors length ${itemFactors.length} is not a multiple of dim ${dim}`,
    );
  }
  if (gram.length !== dim * dim)
    throw new InvalidArgumentError(`gram must have ${dim * dim} entries, got ${gram.length}`);
  if (weights && weights.length !== items.length) {
    throw new InvalidArgumentError(
      `weights must have ${items.length} entries (one per item), got ${weights.length}`,
    );
  }
  if (prior && prior.length !== dim)
    throw new InvalidArgumentError(`prior must have ${dim} entries, got ${prior.length}`);
  const alpha = option(options.alpha, 10, 'alpha');
  const lambda = option(options.lambda, 0.1, 'lambda');
  const p = prior ? option(options.priorWeight, 1, 'priorWeight') : 0;
  const w0 = option(options.unobservedWeight, 1, 'unobservedWeight');

  const A = new Float64Array(dim * dim);
  const rhs = new Float64Array(dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) A[a * dim + b] = w0 * gram[a * dim + b]!;
    A[a * dim + a] = A[a * dim + a]! + lambda + p;
    if (prior) rhs[a] = p * prior[a]!;
  }
  const v = new Float64Array(dim);
  for (let j = 0; j < items.length; j++) {
    const i = items[j]!;
    if (!(i >= 0 && i < nItems))
      throw new InvalidArgumentError(`items[${j}] = ${i} is not an item index in [0, ${nItems})`);
    const w = weights ? weights[j]! : 1;
    if (!(w >= 0 && Number.isFinite(w)))
      throw new InvalidArgumentError(`weights[${j}] must be finite and >= 0, got ${w}`);
    const c = alpha * w;
    const o = i * dim;
    for (let a = 0; a < dim; a++) v[a] = itemFactors[o + a]!;
    for (let a = 0; a < dim; a++) {
      const x = v[a]!;
      rhs[a] = rhs[a]! + (1 + c) * x;
      const cx = c * x;
      if (cx === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) A[base + b] = A[base + b]! + cx * v[b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = a + 1; b < dim; b++) A[b * dim + a] = A[a * dim + b]!;
  return Float32Array.from(choleskySolve(A, rhs, dim));
}

/**
 * Solves A x = b for symmetric positive definite A (n x n, row-major; overwritten by its Cholesky
 * factor L in the lower triangle). Throws when A is not positive definite.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = A[rj + j]!;
    for (let k = 0; k < j; k++) s -= A[rj + k]! * A[rj + k]!;
    if (!(s > 0)) {
      throw new InvalidArgumentError(
        'fold-in system is not positive definite (raise lambda, priorWeight or unobservedWeight)',
      );
    }
    const d = Math.sqrt(s);
    A[rj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = A[ri + j]!;
      for (let k = 0; k < j; k++) t -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = t / d;
    }
  }
  const x = Float64Array.from(b);
  // Forward: L y = b.
  for (let i = 0; i < n; i++) {
    let t = x[i]!;
    for (let k = 0; k < i; k++) t -= A[i * n + k]! * x[k]!;
    x[i] = t / A[i * n + i]!;
  }
  // Backward: Lᵀ x = y.
  for (let i = n - 1; i >= 0; i--) {
    let t = x[i]!;
    for (let k = i + 1; k < n; k++) t -= A[k * n + i]! * x[k]!;
    x[i] = t / A[i * n + i]!;
  }
  return x;
}
