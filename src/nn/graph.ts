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
import * as elementwise from './ops/elementwise.js';
import * as linear from './ops/linear.js';
import * as losses from './ops/losses.js';
import * as norm from './ops/norm.js';
import * as propagate from './ops/propagate.js';
import * as tokens from './ops/tokens.js';
import { Tape } from './tape.js';
import type { Tensor } from './tensor.js';

/** The arguments of an op after the tape. */
type OpArgs<F> = F extends (g: Tape, ...args: infer A) => Tensor ? A : never;

/**
 * The tape with every op as a method (`g.matmul(x, w)`), so model code reads as a forward pass.
 * The ops live in nn/ops by family (as tfjs splits its ops); this class only binds them.
 */
export class Graph extends Tape {
  /** {@link linear.matmul} */
  matmul(...a: OpArgs<typeof linear.matmul>): Tensor {
    return linear.matmul(this, ...a);
  }
  /** {@link linear.addBias} */
  addBias(...a: OpArgs<typeof linear.addBias>): Tensor {
    return linear.addBias(this, ...a);
  }
  /** {@link elementwise.add} */
  add(...a: OpArgs<typeof elementwise.add>): Tensor {
    return elementwise.add(this, ...a);
  }
  /** {@link elementwise.scale} */
  scale(...a: OpArgs<typeof elementwise.scale>): Tensor {
    return elementwise.scale(this, ...a);
  }
  /** {@link elementwise.mul} */
  mul(...a: OpArgs<typeof elementwise.mul>): Tensor {
    return elementwise.mul(this, ...a);
  }
  /** {@link elementwise.mulRows} */
  mulRows(...a: OpArgs<typeof elementwise.mulRows>): Tensor {
    return elementwise.mulRows(this, ...a);
  }
  /** {@link elementwise.relu} */
  relu(...a: OpArgs<typeof elementwise.relu>): Tensor {
    return elementwise.relu(this, ...a);
  }
  /** {@link elementwise.tanh} */
  tanh(...a: OpArgs<typeof elementwise.tanh>): Tensor {
    return elementwise.tanh(this, ...a);
  }
  /** {@link elementwise.gelu} */
  gelu(...a: OpArgs<typeof elementwise.gelu>): Tensor {
    return elementwise.gelu(this, ...a);
  }
  /** {@link elementwise.dropout} */
  dropout(...a: OpArgs<typeof elementwise.dropout>): Tensor {
    return elementwise.dropout(this, ...a);
  }
  /** {@link elementwise.sum} */
  sum(...a: OpArgs<typeof elementwise.sum>): Tensor {
    return elementwise.sum(this, ...a);
  }
  /** {@link elementwise.weightedSum} */
  weightedSum(...a: OpArgs<typeof elementwise.weightedSum>): Tensor {
    return elementwise.weightedSum(this, ...a);
  }
  /** {@link elementwise.rowDot} */
  rowDot(...a: OpArgs<typeof elementwise.rowDot>): Tensor {
    return elementwise.rowDot(this, ...a);
  }
  /** {@link norm.layerNorm} */
  layerNorm(...a: OpArgs<typeof norm.layerNorm>): Tensor {
    return norm.layerNorm(this, ...a);
  }
  /** {@link norm.l2NormalizeRows} */
  l2NormalizeRows(...a: OpArgs<typeof norm.l2NormalizeRows>): Tensor {
    return norm.l2NormalizeRows(this, ...a);
  }
  /** {@link tokens.gather} */
  gather(...a: OpArgs<typeof tokens.gather>): Tensor {
    return tokens.gather(this, ...a);
  }
  /** {@link tokens.groupSoftmax} */
  groupSoftmax(...a: OpArgs<typeof tokens.groupSoftmax>): Tensor {
    return tokens.groupSoftmax(this, ...a);
  }
  /** {@link tokens.weightedTokenSum} */
  weightedTokenSum(...a: OpArgs<typeof tokens.weightedTokenSum>): Tensor {
    return tokens.weightedTokenSum(this, ...a);
  }
  /** {@link tokens.stackTokens} */
  stackTokens(...a: OpArgs<typeof tokens.stackTokens>): Tensor {
    return tokens.stackTokens(this, ...a);
  }
  /** {@link tokens.token} */
  token(...a: OpArgs<typeof tokens.token>): Tensor {
    return tokens.token(this, ...a);
  }
  /** {@link tokens.concatCols} */
  concatCols(...a: OpArgs<typeof tokens.concatCols>): Tensor {
    return tokens.concatCols(this, ...a);
  }
  /** {@link tokens.concatRows} */
  concatRows(...a: OpArgs<typeof tokens.concatRows>): Tensor {
    return tokens.concatRows(this, ...a);
  }
  /** {@link tokens.attention} */
  attention(...a: OpArgs<typeof tokens.attention>): Tensor {
    return tokens.attention(this, ...a);
  }
  /** {@link propagate.propagate} */
  propagate(...a: OpArgs<typeof propagate.propagate>): Tensor {
    return propagate.propagate(this, ...a);
  }
  /** {@link losses.bprLoss} */
  bprLoss(...a: OpArgs<typeof losses.bprLoss>): Tensor {
    return losses.bprLoss(this, ...a);
  }
  /** {@link losses.bceLoss} */
  bceLoss(...a: OpArgs<typeof losses.bceLoss>): Tensor {
    return losses.bceLoss(this, ...a);
  }
  /** {@link losses.mseLoss} */
  mseLoss(...a: OpArgs<typeof losses.mseLoss>): Tensor {
    return losses.mseLoss(this, ...a);
  }
  /** {@link losses.infoNce} */
  infoNce(...a: OpArgs<typeof losses.infoNce>): Tensor {
    return losses.infoNce(this, ...a);
  }
  /** {@link losses.sumSquares} */
  sumSquares(...a: OpArgs<typeof losses.sumSquares>): Tensor {
    return losses.sumSquares(this, ...a);
  }
  /** {@link losses.frobenius} */
  frobenius(...a: OpArgs<typeof losses.frobenius>): Tensor {
    return losses.frobenius(this, ...a);
  }
}
