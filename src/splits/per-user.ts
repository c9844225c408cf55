/**
 * @module splits/per-user
 * Splits that cut each user's history separately: seeded random (MMRec's rule), temporal per user,
 * and leave-last-out. All first deduplicate (user, item) pairs, keeping the latest event.
 */
import type { InteractionLog } from '../data/log.js';
import { Rng } from '../util/rng.js';
import {
  buildSplit,
  checkRatios,
  checkSeed,
  DEFAULT_RATIOS,
  dedupeByUser,
  floorShare,
  type Parts,
  type Ratios,
  ratioLabel,
  sortByTime,
} from './common.js';
import type { Split } from './split.js';

/** Users with fewer interactions than this get the short-history rule of {@link userPartSizes}. */
export const SHORT_USER_THRESHOLD = 10;

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** [train, valid, test] shares; default [0.8, 0.1, 0.1]. */
  ratios?: Ratios;
  /** Seed of the shuffle (an integer). */
  seed: number;
}

/** Options of {@link temporalUserSplit}. */
export interface TemporalUserSplitOptions {
  /** [train, valid, test] shares; default [0.8, 0.1, 0.1]. */
  ratios?: Ratios;
}

/**
 * How many of a user's `n` (deduplicated) interactions go to [train, valid, test]:
 * - n >= 10: test = floor(n * test share), valid = floor(n * valid share), train = the rest
 *   (10 → 8/1/1, 25 → 21/2/2 at 80/10/10);
 * - 3 <= n < 10: one valid, one test, n - 2 train (5 → 3/1/1);
 * - n = 2: one train, one test; n = 1: train only; n = 0: nothing.
 * A zero valid (test) share gives no valid (test) interaction to short users either.
 */
export function userPartSizes(n: number, ratios: Ratios): [train: number, valid: number, test: number] {
  let nTest: number;
  let nValid: number;
  if (n >= SHORT_USER_THRESHOLD) {
    nTest = floorShare(n, ratios[2]);
    nValid = floorShare(n, ratios[1]);
  } else {
    nTest = ratios[2] > 0 && n >= 2 ? 1 : 0;
    nValid = ratios[1] > 0 && n - nTest >= 2 ? 1 : 0;
  }
  return [n - nValid - nTest, nValid, nTest];
}

/** Deals an ordered list of rows into parts by the given sizes (train first, test last). */
function deal(parts: Parts, ordered: ArrayLike<number>, sizes: [number, number, number]): void {
  let k = 0;
  for (let p = 0; p < 3; p++) {
    for (let c = 0; c < sizes[p]!; c++) parts[p as 0 | 1 | 2].push(ordered[k++]!);
  }
}

/**
 * Per-user random split (MMRec's rule): each user's deduplicated interactions are shuffled with
 * a generator seeded by `seed` (users in ascending order, one stream) and dealt into train, valid,
 * test by {@link userPartSizes}. Duplicate (user, item) pairs keep only their latest event.
 */
export function randomSplit(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: RandomSplitOptions,
): Split {
  const where = 'randomSplit';
  const seed = checkSeed(options.seed, where);
  const ratios = checkRatios(options.ratios ?? DEFAULT_RATIOS, 'ratios', where);
  const { ptr, rows } = dedupeByUser(log, nUsers, nItems, where);
  const rng = new Rng(seed);
  const parts: Parts = [[], [], []];
  for (let u = 0; u < nUsers; u++) {
    const mine = rng.shuffle(rows.subarray(ptr[u]!, ptr[u + 1]!));
    deal(parts, mine, userPartSizes(mine.length, ratios));
  }
  return buildSplit(`random-${ratioLabel(ratios)} seed=${seed}`, log, nUsers, nItems, parts);
}

/**
 * Per-user temporal split: each user's deduplicated interactions are ordered by timestamp (ties:
 * row order); the oldest go to train, the next to valid, the newest to test, with the sizes of
 * {@link userPartSizes}. Deterministic: no seed.
 */
export function temporalUserSplit(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: TemporalUserSplitOptions = {},
): Split {
  const where = 'temporalUserSplit';
  const ratios = checkRatios(options.ratios ?? DEFAULT_RATIOS, 'ratios', where);
  const { ptr, rows } = dedupeByUser(log, nUsers, nItems, where);
  const parts: Parts = [[], [], []];
  for (let u = 0; u < nUsers; u++) {
    const mine = sortByTime(log, rows.subarray(ptr[u]!, ptr[u + 1]!));
    deal(parts, mine, userPartSizes(mine.length, ratios));
  }
  return buildSplit(`temporal-user-${ratioLabel(ratios)}`, log, nUsers, nItems, parts);
}

/**
 * Leave-last-out: per user, the latest deduplicated interaction (by timestamp, ties: the later
 * row) is test, the second latest valid, the rest train. Users with fewer than 3 interactions
 * keep everything in train. Deterministic: no seed.
 */
export function leaveLastOut(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  _options: Record<string, never> = {},
): Split {
  const { ptr, rows } = dedupeByUser(log, nUsers, nItems, 'leaveLastOut');
  const parts: Parts = [[], [], []];
  for (let u = 0; u < nUsers; u++) {
    const mine = sortByTime(log, rows.subarray(ptr[u]!, ptr[u + 1]!));
    const n = mine.length;
    deal(parts, mine, n >= 3 ? [n - 2, 1, 1] : [n, 0, 0]);
  }
  return buildSplit('leave-last-out', log, nUsers, nItems, parts);
}
