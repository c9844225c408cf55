/**
 * @module rerank/util
 * Helpers shared by the re-ranking stages: input checks, score normalisation, sorting by score.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Ranked } from './types.js';

/** Checks that ids and scores align and that scores are finite. */
export function checkCandidates(stage: string, ids: Int32Array, scores: ArrayLike<number>): void {
  if (ids.length !== scores.length) {
    throw new InvalidArgumentError(
      `${stage}: ids and scores must align, got ${ids.length} and ${scores.length}`,
    );
  }
  for (let j = 0; j < scores.length; j++) {
    if (!Number.isFinite(scores[j]!)) {
      throw new InvalidArgumentError(`${stage}: scores[${j}] must be finite, got ${scores[j]}`);
    }
  }
}

/** Min-max scaling of the scores to [0, 1] (all 1 when they are all equal). */
export function minMax(scores: ArrayLike<number>): Float64Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < scores.length; j++) {
    lo = Math.min(lo, scores[j]!);
    hi = Math.max(hi, scores[j]!);
  }
  const out = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) out[j] = hi > lo ? (scores[j]! - lo) / (hi - lo) : 1;
  return out;
}

/** Sorts candidates by descending score (stable: ties keep their input order). */
export function sortByScore(ids: Int32Array, scores: ArrayLike<number>): Ranked {
  const order = Array.from({ length: ids.length }, (_, j) => j).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  return { ids: Int32Array.from(order, (j) => ids[j]!), scores: Float64Array.from(order, (j) => scores[j]!) };
}

/** Builds the output of a greedy stage: the chosen positions first, then the rest in input order. */
export function assemble(ids: Int32Array, scores: ArrayLike<number>, chosen: number[]): Ranked {
  const taken = new Uint8Array(ids.length);
  for (const j of chosen) taken[j] = 1;
  const order = [...chosen];
  for (let j = 0; j < ids.length; j++) if (!taken[j]) order.push(j);
  return { ids: Int32Array.from(order, (j) => ids[j]!), scores: Float64Array.from(order, (j) => scores[j]!) };
}

/** Checks a strength parameter in [lo, hi]. */
export function checkRange(stage: string, name: string, v: number, lo: number, hi: number): void {
  if (!(v >= lo && v <= hi))
    throw new InvalidArgumentError(`${stage}: ${name} must be in [${lo}, ${hi}], got ${v}`);
}

/** Checks a list length k (a positive integer). */
export function checkK(stage: string, k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidArgumentError(`${stage}: k must be a positive integer, got ${k}`);
}
