/**
 * @module splits/global
 * Splits that cut the whole log at once: one global temporal cut, cold-start items held out with
 * all their interactions, and the predefined labels the source carries (MMRec's `x_label`).
 */
import type { InteractionLog } from '../data/log.js';
import { SPLIT_LABEL } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
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

/** Options of {@link globalTemporalSplit}. */
export interface GlobalTemporalSplitOptions {
  /** [train, valid, test] shares of all interactions; default [0.8, 0.1, 0.1]. */
  ratios?: Ratios;
}

/** Options of {@link coldStartItemSplit}. */
export interface ColdStartSplitOptions {
  /** [train, valid, test] shares of the items; default [0.8, 0.1, 0.1]. */
  itemRatios?: Ratios;
  /** Seed of the item draw (an integer). */
  seed: number;
}

/**
 * One global temporal cut: all deduplicated interactions are ordered by timestamp (ties: row
 * order); of N, the newest floor(N * test share) are test, the floor(N * valid share) before them
 * valid, the rest train. So every train timestamp <= every valid one <= every test one.
 */
export function globalTemporalSplit(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: GlobalTemporalSplitOptions = {},
): Split {
  const where = 'globalTemporalSplit';
  const ratios = checkRatios(options.ratios ?? DEFAULT_RATIOS, 'ratios', where);
  const ordered = sortByTime(log, dedupeByUser(log, nUsers, nItems, where).rows);
  const n = ordered.length;
  const nTest = floorShare(n, ratios[2]);
  const nValid = floorShare(n, ratios[1]);
  const cut1 = n - nTest - nValid;
  const cut2 = n - nTest;
  const parts: Parts = [
    Array.from(ordered.subarray(0, cut1)),
    Array.from(ordered.subarray(cut1, cut2)),
    Array.from(ordered.subarray(cut2)),
  ];
  return buildSplit(`temporal-global-${ratioLabel(ratios)}`, log, nUsers, nItems, parts);
}

/**
 * Cold-start item split: of the m items with at least one interaction (shuffled with `seed`),
 * floor(m * test share) are test items and floor(m * valid share) valid items (at least one of
 * each when its share is > 0 and one item is left for training). Every interaction of a test
 * (valid) item goes to test (valid); train never holds them. `coldItems` lists all held-out items,
 * `coldValidItems` and `coldTestItems` each group, ascending. Duplicate pairs keep the latest event.
 */
export function coldStartItemSplit(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: ColdStartSplitOptions,
): Split {
  const where = 'coldStartItemSplit';
  const seed = checkSeed(options.seed, where);
  const ratios = checkRatios(options.itemRatios ?? DEFAULT_RATIOS, 'itemRatios', where);
  const { rows } = dedupeByUser(log, nUsers, nItems, where);
  const seen = new Uint8Array(nItems);
  for (const r of rows) seen[log.items[r]!] = 1;
  const active: number[] = [];
  for (let i = 0; i < nItems; i++) if (seen[i]) active.push(i);
  new Rng(seed).shuffle(active);
  const m = active.length;
  const nTest = ratios[2] > 0 && m >= 2 ? Math.max(1, floorShare(m, ratios[2])) : 0;
  const nValid = ratios[1] > 0 && m - nTest >= 2 ? Math.max(1, floorShare(m, ratios[1])) : 0;
  // part of each item: 0 train, 1 valid, 2 test
  const partOf = new Uint8Array(nItems);
  const testItems = Int32Array.from(active.slice(0, nTest)).sort();
  const validItems = Int32Array.from(active.slice(nTest, nTest + nValid)).sort();
  for (const i of testItems) partOf[i] = 2;
  for (const i of validItems) partOf[i] = 1;
  const parts: Parts = [[], [], []];
  for (const r of rows) parts[partOf[log.items[r]!] as 0 | 1 | 2].push(r);
  const coldItems = Int32Array.from([...validItems, ...testItems]).sort();
  return buildSplit(`cold-start-${ratioLabel(ratios)} seed=${seed}`, log, nUsers, nItems, parts, {
    coldItems,
    coldValidItems: validItems,
    coldTestItems: testItems,
  });
}

/**
 * The split the source defines: `log.labels` row by row (0 train, 1 valid, 2 test). Duplicate
 * (user, item) pairs keep only their latest event, and that event's label, so no pair spans two
 * parts. Throws InvalidArgumentError when the log carries no labels or a label is not 0, 1 or 2.
 */
export function predefinedSplit(log: InteractionLog, nUsers: number, nItems: number): Split {
  const where = 'predefinedSplit';
  const labels = log.labels;
  if (!labels) {
    throw new InvalidArgumentError(
      `${where}: the log has no split labels; use a dataset that carries them (e.g. MMRec's x_label) ` +
        'or another split method (random, temporal-user, leave-last-out, temporal-global, cold-start, kfold)',
    );
  }
  const { rows } = dedupeByUser(log, nUsers, nItems, where);
  const parts: Parts = [[], [], []];
  for (const r of rows) {
    const label = labels[r]!;
    if (label !== SPLIT_LABEL.train && label !== SPLIT_LABEL.valid && label !== SPLIT_LABEL.test) {
      throw new InvalidArgumentError(
        `${where}: log row ${r} has split label ${label}; valid labels are 0 (train), 1 (valid), 2 (test)`,
      );
    }
    parts[label].push(r);
  }
  return buildSplit('predefined', log, nUsers, nItems, parts);
}
