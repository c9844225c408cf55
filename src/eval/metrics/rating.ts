/**
 * @module eval/metrics/rating
 * Error metrics of rating prediction: root mean squared error and mean absolute error.
 */

import { InvalidArgumentError } from '../../errors.js';

/** Numeric vectors the metrics accept (typed arrays or plain arrays). */
export type NumericVector = ArrayLike<number>;

function checkPair(pred: NumericVector, truth: NumericVector): void {
  if (pred.length !== truth.length) {
    throw new InvalidArgumentError(
      `pred and truth must have the same length, got ${pred.length} and ${truth.length}`,
    );
  }
  if (pred.length === 0) throw new InvalidArgumentError('pred: must not be empty');
}

/** Root mean squared error sqrt(mean((pred - truth)²)). Throws on different lengths or empty input. */
export function rmse(pred: NumericVector, truth: NumericVector): number {
  checkPair(pred, truth);
  let sum = 0;
  for (let i = 0; i < pred.length; i++) {
    const e = pred[i]! - truth[i]!;
    sum += e * e;
  }
  return Math.sqrt(sum / pred.length);
}

/** Mean absolute error mean(|pred - truth|). Throws on different lengths or empty input. */
export function mae(pred: NumericVector, truth: NumericVector): number {
  checkPair(pred, truth);
  let sum = 0;
  for (let i = 0; i < pred.length; i++) sum += Math.abs(pred[i]! - truth[i]!);
  return sum / pred.length;
}
