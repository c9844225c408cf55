/**
 * @module store/batch-checks
 * Checks and paging shared by every store backend: batch ids must be non-empty and unique (the
 * error names the position, `[k].id`), and list paging defaults (100 rows from offset 0).
 */
import { InvalidInputError } from '../errors.js';
import type { ListOptions } from './types.js';

/** Where batch errors point: the request or batch, not a file. */
const BATCH = 'batch';

/** Throws InvalidInputError for an empty or repeated id (`[k].id`). */
export function checkIds(ids: readonly string[], what: string): void {
  const seen = new Map<string, number>();
  ids.forEach((id, k) => {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidInputError(
        { file: BATCH, line: 0, field: `[${k}].id` },
        `expected a non-empty ${what} id`,
      );
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new InvalidInputError(
        { file: BATCH, line: 0, field: `[${k}].id` },
        `expected a unique ${what} id, got ${JSON.stringify(id)} again (first at [${first}])`,
      );
    }
    seen.set(id, k);
  });
}

export function pageOf(o: ListOptions | undefined): { limit: number; offset: number } {
  return { limit: Math.max(0, o?.limit ?? 100), offset: Math.max(0, o?.offset ?? 0) };
}
