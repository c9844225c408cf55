/**
 * @module nn/tensor
 * The values of the project's small autograd: row-major 2-D Float32 matrices. A Tensor is an
 * intermediate value of one forward pass; a Param is a trained weight that keeps its gradient
 * and optimiser moments across steps. Token sequences are stored flat: B items x T tokens of
 * width d are (B·T) x d rows, item-major (row b·T + t).
 */
import { MismatchError } from '../errors.js';

export class Tensor {
  /** Gradient of the loss with respect to this value; allocated on first use. */
  grad: Float32Array | undefined;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float32Array,
    /** Whether gradients flow into this value (false for inputs and constants). */
    readonly requiresGrad: boolean,
  ) {
    if (data.length !== rows * cols) {
      throw new MismatchError(`tensor ${rows}x${cols} given ${data.length} values`);
    }
  }

  static zeros(rows: number, cols: number, requiresGrad = false): Tensor {
    return new Tensor(rows, cols, new Float32Array(rows * cols), requiresGrad);
  }

  static constant(rows: number, cols: number, data: Float32Array): Tensor {
    return new Tensor(rows, cols, data, false);
  }

  /** The gradient buffer (zero-filled when first asked for). */
  g(): Float32Array {
    if (!this.grad) this.grad = new Float32Array(this.data.length);
    return this.grad;
  }

  get size(): number {
    return this.data.length;
  }
}

/** A trained weight: keeps its gradient between forward passes until the optimiser consumes it. */
export class Param extends Tensor {
  /** Adam's first and second moments. */
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(
    readonly name: string,
    rows: number,
    cols: number,
    data: Float32Array,
    /** Weight decay applies to this parameter (off for biases, norms and mixing logits). */
    readonly decay = true,
  ) {
    super(rows, cols, data, true);
    this.m = new Float32Array(data.length);
    this.v = new Float32Array(data.length);
  }

  zeroGrad(): void {
    this.grad?.fill(0);
  }
}
