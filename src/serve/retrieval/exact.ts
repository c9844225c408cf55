/**
 * @module serve/retrieval/exact
 * Exact scoring shared by every index: argument checks, normalisation, the one score function
 * (double accumulation, so that all indexes return bit-identical scores for the same item) and the
 * final ordering (score desc, ties to the lower item).
 */
import { InvalidArgumentError } from '../../errors.js';
import type { SearchHit } from './types.js';

/** Throws unless `item` is a non-negative safe integer below 2^31. */
export function checkItem(item: number): void {
  if (!Number.isInteger(item) || item < 0 || item > 0x7fffffff) {
    throw new InvalidArgumentError(`item must be an integer in [0, 2^31), got ${item}`);
  }
}

/** Throws unless `v` has `dim` finite entries. */
export function checkVector(v: Float32Array, dim: number, name: string): void {
  if (v.length !== dim) throw new InvalidArgumentError(`${name} must have ${dim} entries, got ${v.length}`);
  for (let d = 0; d < dim; d++) {
    if (!Number.isFinite(v[d]!)) throw new InvalidArgumentError(`${name}[${d}] must be finite, got ${v[d]}`);
  }
}

/** Throws unless k is a non-negative integer. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0)
    throw new InvalidArgumentError(`k must be a non-negative integer, got ${k}`);
}

/** Squared Euclidean norm. */
export function norm2(v: Float32Array, offset = 0, dim = v.length): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = v[offset + d]!;
    s += x * x;
  }
  return s;
}

/** A unit-length copy of `v` (a zero vector stays zero). */
export function normalized(v: Float32Array): Float32Array {
  const out = Float32Array.from(v);
  const n = Math.sqrt(norm2(v));
  if (n > 0) for (let d = 0; d < out.length; d++) out[d] = out[d]! / n;
  return out;
}

/** <query, table[offset .. offset+dim)> + bias, accumulated in double precision. */
export function exactScore(
  query: Float32Array,
  table: Float32Array,
  offset: number,
  dim: number,
  bias: number,
): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += query[d]! * table[offset + d]!;
  return s + bias;
}

/** Sorts hits in place: score desc, ties by lower item. */
export function rankHits(hits: SearchHit[]): SearchHit[] {
  return hits.sort((a, b) => b.score - a.score || a.item - b.item);
}
