/**
 * @module store/sqlite/durability
 * How hard the SQLite store syncs its WAL: `normal` (the default, `synchronous=NORMAL`: a killed
 * process loses no committed write; a power loss may lose the last commits since the WAL was last
 * synced) or `full` (`synchronous=FULL`: every commit is synced to disk before it returns, at the
 * cost of a flush per write; figures in docs/RELIABILITY.md). Chosen by the `durability` option of
 * SqliteStore.open, else by the `sqliteDurability` setting (FUSIONREC_SQLITE_DURABILITY), else `normal`.
 */
import { loadSettings } from '../../config/load.js';
import { settings } from '../../config/runtime.js';

export type Durability = 'normal' | 'full';

/**
 * The durability to use: `chosen`, else the `sqliteDurability` setting (config file or
 * FUSIONREC_SQLITE_DURABILITY, validated by config/load), else `normal`. `env` replaces the
 * process environment (tests).
 */
export function durabilityOf(
  chosen?: Durability,
  env?: Readonly<Record<string, string | undefined>>,
): Durability {
  if (chosen !== undefined) return chosen;
  return env ? loadSettings({ env }).settings.sqliteDurability : settings().sqliteDurability;
}

/** The `synchronous` pragma of a durability. */
export function synchronousPragma(d: Durability): string {
  return d === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL';
}
