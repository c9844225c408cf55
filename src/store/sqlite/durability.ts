/**
 * @module store/sqlite/durability
 * How hard the SQLite store syncs its WAL: `normal` (the default, `synchronous=NORMAL`: a killed
 * process loses no committed write; a power loss may lose the last commits since the WAL was last
 * synced) or `full` (`synchronous=FULL`: every commit is synced to disk before it returns, at the
 * cost of a flush per write; figures in docs/RELIABILITY.md). Chosen by the `durability` option of
 * SqliteStore.open, else by FUSIONREC_SQLITE_DURABILITY, else `normal`.
 */
import { InvalidArgumentError } from '../../errors.js';

export type Durability = 'normal' | 'full';

/** The durability to use: `chosen`, else the environment's, else `normal`. */
export function durabilityOf(chosen?: Durability, env: NodeJS.ProcessEnv = process.env): Durability {
  const v = chosen ?? env.FUSIONREC_SQLITE_DURABILITY;
  if (v === undefined || v === '' || v === 'normal') return 'normal';
  if (v === 'full') return 'full';
  throw new InvalidArgumentError(`FUSIONREC_SQLITE_DURABILITY must be normal or full, got "${v}"`);
}

/** The `synchronous` pragma of a durability. */
export function synchronousPragma(d: Durability): string {
  return d === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL';
}
