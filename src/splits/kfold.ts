/**
 * @module splits/kfold
 * Per-user k-fold cross-validation: each user's deduplicated interactions are shuffled and dealt
 * round-robin into k folds; split f tests on fold f and takes its validation set from the rest.
 */
import type { InteractionLog } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { buildSplit, checkSeed, dedupeByUser, floorShare, type Parts } from './common.js';
import type { Split } from './split.js';

/** Options of {@link kFoldSplits} and {@link kFoldSplit}. */
export interface KFoldOptions {
  /** Number of folds, an integer >= 2; default 5. */
  k?: number;
  /** Seed of the shuffle (an integer). */
  seed: number;
  /** Share of each user's non-test interactions (floored) that goes to valid, in [0, 1); default 0.1. */
  validRatio?: number;
}

interface Folds {
  readonly k: number;
  readonly seed: number;
  readonly validRatio: number;
  readonly ptr: Int32Array;
  /** Kept rows, grouped by user, in shuffled order within each user. */
  readonly rows: Int32Array;
  /** Fold of each entry of `rows`. */
  readonly fold: Uint8Array;
}

function assignFolds(log: InteractionLog, nUsers: number, nItems: number, options: KFoldOptions): Folds {
  const where = 'kFoldSplits';
  const seed = checkSeed(options.seed, where);
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 2 || k > 255) {
    throw new InvalidArgumentError(`${where}: option "k" must be an integer from 2 to 255, got ${k}`);
  }
  const validRatio = options.validRatio ?? 0.1;
  if (!(Number.isFinite(validRatio) && validRatio >= 0 && validRatio < 1)) {
    throw new InvalidArgumentError(
      `${where}: option "validRatio" must be a number in [0, 1) (e.g. 0.1), got ${validRatio}`,
    );
  }
  const { ptr, rows } = dedupeByUser(log, nUsers, nItems, where);
  const rng = new Rng(seed);
  const fold = new Uint8Array(rows.length);
  // The dealing cursor runs on across users so that fold sizes stay balanced overall.
  let cursor = 0;
  for (let u = 0; u < nUsers; u++) {
    rng.shuffle(rows.subarray(ptr[u]!, ptr[u + 1]!));
    for (let p = ptr[u]!; p < ptr[u + 1]!; p++) fold[p] = cursor++ % k;
  }
  return { k, seed, validRatio, ptr, rows, fold };
}

function foldSplit(log: InteractionLog, nUsers: number, nItems: number, folds: Folds, f: number): Split {
  const { ptr, rows, fold, validRatio } = folds;
  const parts: Parts = [[], [], []];
  for (let u = 0; u < nUsers; u++) {
    const rest: number[] = [];
    for (let p = ptr[u]!; p < ptr[u + 1]!; p++) {
      if (fold[p] === f) parts[2].push(rows[p]!);
      else rest.push(rows[p]!);
    }
    const nValid = floorShare(rest.length, validRatio);
    for (let c = 0; c < rest.length; c++) parts[c < nValid ? 1 : 0].push(rest[c]!);
  }
  const method = `kfold-${folds.k} fold=${f} valid=${validRatio} seed=${folds.seed}`;
  return buildSplit(method, log, nUsers, nItems, parts);
}

/**
 * All k per-user folds. Each user's deduplicated interactions (duplicates keep the latest event)
 * are shuffled with `seed` and dealt round-robin into k folds; split f has fold f as test, and of
 * each user's other interactions floor(count * validRatio) (in shuffled order) as valid, the rest
 * train. Every interaction is in the test part of exactly one of the k splits.
 */
export function kFoldSplits(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: KFoldOptions,
): Split[] {
  const folds = assignFolds(log, nUsers, nItems, options);
  return Array.from({ length: folds.k }, (_, f) => foldSplit(log, nUsers, nItems, folds, f));
}

/** Split `fold` (0-based, < k) of {@link kFoldSplits}, without building the others. */
export function kFoldSplit(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: KFoldOptions & { fold: number },
): Split {
  const folds = assignFolds(log, nUsers, nItems, options);
  const f = options.fold;
  if (!Number.isInteger(f) || f < 0 || f >= folds.k) {
    throw new InvalidArgumentError(
      `kFoldSplit: option "fold" must be an integer from 0 to ${folds.k - 1}, got ${f}`,
    );
  }
  return foldSplit(log, nUsers, nItems, folds, f);
}
