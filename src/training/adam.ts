/**
 * @module training/adam
 * Optimisers over Float32Array parameter tables (rows x rowSize): Adam (Kingma & Ba, "Adam: A
 * Method for Stochastic Optimization", ICLR 2015) with a lazy/sparse row step as TensorFlow
 * Addons' LazyAdam (moments and bias correction advance only for rows that get a gradient, with
 * a per-row step count), a dense step as torch.optim.Adam, and plain SGD. The helpers that sum
 * the gradients of rows appearing several times in a batch live in training/row-gradients.
 */
import { InvalidArgumentError } from '../errors.js';

export interface AdamOptions {
  /** Learning rate (default 0.001). */
  lr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Denominator epsilon (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient, as torch's Adam `weight_decay` (default 0). */
  weightDecay?: number;
}

/** Adam's state; may live in shared memory so that worker threads update the same tables. */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  /** Steps taken by each row. */
  steps: Int32Array;
}

function checkShape(param: Float32Array, rowSize: number): number {
  if (!Number.isInteger(rowSize) || rowSize < 1 || param.length % rowSize !== 0) {
    throw new InvalidArgumentError(
      `rowSize must be a positive integer dividing param.length=${param.length}, got ${rowSize}`,
    );
  }
  return param.length / rowSize;
}

function checkRows(rows: Int32Array, grads: Float32Array, count: number, rowSize: number): void {
  if (count > rows.length || count * rowSize > grads.length) {
    throw new InvalidArgumentError(
      `stepRows: count=${count} exceeds rows (${rows.length}) or grads (${grads.length / rowSize} rows)`,
    );
  }
}

/** Allocates Adam state for `param` (in a SharedArrayBuffer when `shared`). */
export function adamState(paramLength: number, rowSize: number, shared = false): AdamState {
  const f = (n: number) => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  const nRows = paramLength / rowSize;
  return {
    m: f(paramLength),
    v: f(paramLength),
    steps: shared ? new Int32Array(new SharedArrayBuffer(nRows * 4)) : new Int32Array(nRows),
  };
}

/** Adam over one parameter table (rows x rowSize). */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly state: AdamState;
  readonly nRows: number;
  /** Per step count t: the step factor lr·sqrt(1−β2^t)/(1−β1^t) and sqrt(1−β2^t) (cached, grown on demand). */
  private stepFactor = new Float64Array(0);
  private bc2Cache = new Float64Array(0);

  constructor(
    readonly param: Float32Array,
    readonly rowSize: number,
    options: AdamOptions & { state?: AdamState } = {},
  ) {
    this.nRows = checkShape(param, rowSize);
    this.lr = options.lr ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.lr > 0) || !(this.beta1 >= 0 && this.beta1 < 1) || !(this.beta2 >= 0 && this.beta2 < 1)) {
      throw new InvalidArgumentError(
        `Adam: expected lr > 0 and betas in [0, 1), got lr=${this.lr} beta1=${this.beta1} beta2=${this.beta2}`,
      );
    }
    this.state = options.state ?? adamState(param.length, rowSize);
    if (this.state.m.length !== param.length || this.state.steps.length !== this.nRows) {
      throw new InvalidArgumentError('Adam: state does not match the parameter shape');
    }
  }

  /**
   * Lazy/sparse step: `grads` holds `count` (default rows.length) compact rows, gradient k for
   * parameter row rows[k]. Only those rows change; each row's bias correction uses its own step
   * count. Rows must be distinct (see {@link sumDuplicateRows} / {@link RowGradients}).
   * `decay`, when given, adds decay[k] · p[rows[k]] to row k's gradient (an L2-style term with a
   * per-row coefficient, e.g. a regulariser's gradient), saving a pass over the rows.
   */
  stepRows(rows: Int32Array, grads: Float32Array, count: number = rows.length, decay?: Float32Array): void {
    const d = this.rowSize;
    checkRows(rows, grads, count, d);
    const { m, v, steps } = this.state;
    const p = this.param;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const eps = this.eps;
    for (let k = 0; k < count; k++) {
      const row = rows[k]!;
      const t = ++steps[row]!;
      // p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps), with one division per entry.
      if (t >= this.stepFactor.length) this.growCaches(t);
      const bc2s = this.bc2Cache[t]!;
      const a = this.stepFactor[t]!;
      const e = eps * bc2s;
      const wd = this.weightDecay + (decay ? decay[k]! : 0);
      const o = row * d;
      const g0 = k * d;
      for (let j = 0; j < d; j++) {
        const i = o + j;
        const pi = p[i]!;
        const g = grads[g0 + j]! + wd * pi;
        const mi = b1 * m[i]! + c1 * g;
        const vi = b2 * v[i]! + c2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - (a * mi) / (Math.sqrt(vi) + e);
      }
    }
  }

  /** Extends the bias-correction caches past step count t. */
  private growCaches(t: number): void {
    const n = Math.max(2 * this.stepFactor.length, t + 1, 64);
    const bc2 = new Float64Array(n);
    const step = new Float64Array(n);
    for (let s = 1; s < n; s++) {
      bc2[s] = Math.sqrt(1 - this.beta2 ** s);
      step[s] = (this.lr * bc2[s]!) / (1 - this.beta1 ** s);
    }
    this.bc2Cache = bc2;
    this.stepFactor = step;
  }

  /** Dense step over the whole table (`grad` has param.length entries), as torch.optim.Adam. */
  step(grad: Float32Array): void {
    if (grad.length !== this.param.length) {
      throw new InvalidArgumentError(
        `Adam.step: grad has ${grad.length} entries, expected ${this.param.length}`,
      );
    }
    const d = this.rowSize;
    const { m, v, steps } = this.state;
    const p = this.param;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const wd = this.weightDecay;
    for (let row = 0; row < this.nRows; row++) {
      const t = ++steps[row]!;
      if (t >= this.stepFactor.length) this.growCaches(t);
      const a = this.stepFactor[t]!;
      const e = this.eps * this.bc2Cache[t]!;
      for (let i = row * d, end = i + d; i < end; i++) {
        const pi = p[i]!;
        const g = grad[i]! + wd * pi;
        const mi = b1 * m[i]! + c1 * g;
        const vi = b2 * v[i]! + c2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - (a * mi) / (Math.sqrt(vi) + e);
      }
    }
  }
}

/** Plain stochastic gradient descent over one parameter table. */
export class Sgd {
  readonly lr: number;
  readonly nRows: number;

  constructor(
    readonly param: Float32Array,
    readonly rowSize: number,
    options: { lr?: number } = {},
  ) {
    this.nRows = checkShape(param, rowSize);
    this.lr = options.lr ?? 0.01;
    if (!(this.lr > 0)) throw new InvalidArgumentError(`Sgd: lr must be > 0, got ${this.lr}`);
  }

  /**
   * p[rows[k]] −= lr · (grads[k] + decay[k] · p[rows[k]]) for k < count. Duplicate rows simply
   * apply twice (the same as summing, up to the decay term).
   */
  stepRows(rows: Int32Array, grads: Float32Array, count: number = rows.length, decay?: Float32Array): void {
    const d = this.rowSize;
    checkRows(rows, grads, count, d);
    const p = this.param;
    const lr = this.lr;
    for (let k = 0; k < count; k++) {
      const o = rows[k]! * d;
      const g0 = k * d;
      const wd = decay ? decay[k]! : 0;
      for (let j = 0; j < d; j++) p[o + j] = p[o + j]! - lr * (grads[g0 + j]! + wd * p[o + j]!);
    }
  }

  /** p −= lr · grad over the whole table. */
  step(grad: Float32Array): void {
    if (grad.length !== this.param.length) {
      throw new InvalidArgumentError(
        `Sgd.step: grad has ${grad.length} entries, expected ${this.param.length}`,
      );
    }
    const p = this.param;
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - this.lr * grad[i]!;
  }
}

/** What {@link Adam} and {@link Sgd} have in common. */
export interface RowOptimizer {
  stepRows(rows: Int32Array, grads: Float32Array, count?: number, decay?: Float32Array): void;
  step(grad: Float32Array): void;
}

export { RowGradients, sumDuplicateRows } from './row-gradients.js';
