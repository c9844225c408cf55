/**
 * @module eval/metrics/classification
 * Metrics of binary (click / no click) predictions: accuracy at a threshold, log loss, and the
 * ROC AUC by the rank-sum (Mann-Whitney) statistic.
 */

import { InvalidArgumentError } from '../../errors.js';

/** Numeric vectors the metrics accept (typed arrays or plain arrays). */
type Vec = ArrayLike<number>;

function checkInputs(values: Vec, labels: Vec, valuesName: string): void {
  if (values.length !== labels.length) {
    throw new InvalidArgumentError(
      `${valuesName} and labels must have the same length, got ${values.length} and ${labels.length}`,
    );
  }
  if (values.length === 0) throw new InvalidArgumentError(`${valuesName}: must not be empty`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new InvalidArgumentError(`labels[${i}] must be 0 or 1, got ${y}`);
  }
}

/**
 * Share of correct predictions, predicting 1 when `probs[i] > threshold` (strictly, as
 * scikit-learn and Keras do).
 */
export function accuracy(probs: Vec, labels: Vec, threshold = 0.5): number {
  checkInputs(probs, labels, 'probs');
  let correct = 0;
  for (let i = 0; i < probs.length; i++) {
    const pred = probs[i]! > threshold ? 1 : 0;
    if (pred === labels[i]) correct++;
  }
  return correct / probs.length;
}

/**
 * Mean binary cross-entropy -[y ln p + (1 - y) ln(1 - p)], with the probability of the true class
 * clipped to [eps, 1 - eps] so that a confident wrong prediction costs ln(1/eps), not Infinity.
 */
export function logLoss(probs: Vec, labels: Vec, eps = 1e-15): number {
  checkInputs(probs, labels, 'probs');
  if (!(eps > 0 && eps < 0.5)) throw new InvalidArgumentError(`eps must be in (0, 0.5), got ${eps}`);
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    // The probability given to the true class, clipped (1 - p is clipped itself, so p = 1 on a
    // negative costs exactly ln(1/eps)).
    const p = labels[i] === 1 ? probs[i]! : 1 - probs[i]!;
    sum -= Math.log(Math.min(1 - eps, Math.max(eps, p)));
  }
  return sum / probs.length;
}

/**
 * ROC AUC = P(score of a random positive > score of a random negative), ties counting 1/2,
 * computed from the rank sum of the positives with average ranks for tied scores: O(n log n).
 * Returns NaN when all labels are equal. Scores must not be NaN.
 */
export function aucBinary(scores: Vec, labels: Vec): number {
  checkInputs(scores, labels, 'scores');
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new InvalidArgumentError(`scores[${i}] is NaN`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => scores[x]! - scores[y]! || x - y);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const s = scores[order[i]!]!;
    while (j < n && scores[order[j]!] === s) j++;
    // Positions i..j-1 share the 1-based ranks i+1..j, whose average is (i + 1 + j) / 2.
    const avgRank = (i + 1 + j) / 2;
    for (let m = i; m < j; m++) {
      if (labels[order[m]!] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
