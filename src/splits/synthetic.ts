/**
 * @module splits/synthetic
 * A seeded synthetic interaction log for tests, demos and benchmarks of the splits: users with
 * 1 to `maxPerUser` events, skewed item popularity, coarse timestamps (so ties occur), repeated
 * (user, item) events, and optional predefined split labels.
 */
import { type InteractionLog, LogBuilder } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';

/** Options of {@link syntheticLog}. */
export interface SyntheticLogOptions {
  nUsers: number;
  nItems: number;
  seed: number;
  /** Most events of one user (each user gets 1 to this many); default 40. */
  maxPerUser?: number;
  /** Chance that an event repeats one of the user's earlier items; default 0.1. */
  repeatRate?: number;
  /** Attach split labels (0/1/2 drawn 80/10/10); default false. */
  withLabels?: boolean;
}

/** Builds the synthetic log (same options, same log). */
export function syntheticLog(options: SyntheticLogOptions): InteractionLog {
  const { nUsers, nItems, seed } = options;
  const maxPerUser = options.maxPerUser ?? 40;
  const repeatRate = options.repeatRate ?? 0.1;
  if (!Number.isInteger(nItems) || nItems < 1 || !Number.isInteger(maxPerUser) || maxPerUser < 1) {
    throw new InvalidArgumentError('syntheticLog: options "nItems" and "maxPerUser" must be integers >= 1');
  }
  const rng = new Rng(seed);
  const b = new LogBuilder({ withLabels: options.withLabels === true });
  for (let u = 0; u < nUsers; u++) {
    const n = 1 + rng.int(maxPerUser);
    const mine: number[] = [];
    for (let k = 0; k < n; k++) {
      const repeat = mine.length > 0 && rng.next() < repeatRate;
      const item = repeat ? mine[rng.int(mine.length)]! : Math.floor(nItems * rng.next() ** 2);
      mine.push(item);
      // Timestamps on a coarse grid: ties within and across users are common.
      const ts = 1_600_000_000 + 3600 * rng.int(500);
      const x = rng.next();
      const label = options.withLabels ? (x < 0.8 ? 0 : x < 0.9 ? 1 : 2) : undefined;
      b.push(u, item, 1 + rng.int(5), ts, label);
    }
  }
  return b.build();
}
