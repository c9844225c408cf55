/**
 * @module nn/tape
 * The gradient tape of the autograd: every operation (nn/ops/*) allocates its output through
 * `out`, which marks it as needing a gradient when training and any input needs one, and records
 * through `record` the closure that pushes the output's gradient back to its inputs; `backward`
 * runs the closures in reverse. With `train: false` nothing is recorded (a forward pass only).
 */
import { MismatchError } from '../errors.js';
import { Tensor } from './tensor.js';

export class Tape {
  private readonly tape: (() => void)[] = [];
  /** Whether operations record gradients and dropout is active. */
  readonly train: boolean;

  constructor(options: { train: boolean }) {
    this.train = options.train;
  }

  /** A zeroed rows x cols output that needs a gradient when training and any input needs one (for ops). */
  out(rows: number, cols: number, inputs: readonly Tensor[]): Tensor {
    const requires = this.train && inputs.some((t) => t.requiresGrad);
    return new Tensor(rows, cols, new Float32Array(rows * cols), requires);
  }

  /** Records `back` (the op's gradient closure) when `out` needs a gradient; returns `out` (for ops). */
  record(out: Tensor, back: () => void): Tensor {
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
}
