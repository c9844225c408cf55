/**
 * The SQLite store's durability setting: NORMAL by default, FULL when asked (option or
 * FUSIONREC_SQLITE_DURABILITY), anything else refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import type { Database } from './driver.js';
import { durabilityOf } from './durability.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SQLite's `synchronous` value of a store's connection: 1 NORMAL, 2 FULL. */
function synchronous(store: SqliteStore): number {
  return (store as unknown as { db: Database }).db.pragma('synchronous', { simple: true }) as number;
}

describe('durability', () => {
  it('is NORMAL by default and FULL when asked', async () => {
    const a = SqliteStore.open(join(dir, 'a.db'));
    const b = SqliteStore.open(join(dir, 'b.db'), { durability: 'full' });
    expect(synchronous(a)).toBe(1);
    expect(synchronous(b)).toBe(2);
    await a.close();
    await b.close();
  });

  it('reads FUSIONREC_SQLITE_DURABILITY when no option is given, and refuses other values', () => {
    expect(durabilityOf(undefined, { FUSIONREC_SQLITE_DURABILITY: 'full' })).toBe('full');
    expect(durabilityOf('normal', { FUSIONREC_SQLITE_DURABILITY: 'full' })).toBe('normal');
    expect(durabilityOf(undefined, {})).toBe('normal');
    expect(() => durabilityOf(undefined, { FUSIONREC_SQLITE_DURABILITY: 'off' })).toThrow(
      InvalidArgumentError,
    );
  });
});
