/**
 * What only the SQLite backend does: migrations of old files, WAL on reopen, URL forms. Every
 * Store behaviour is in the contract suite (src/store/contract.ts), run against SQLite too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MismatchError, NotSupportedError } from '../../errors.js';
import { openStore } from '../open.js';
import type { Store, StoredItem } from '../types.js';
import { openDatabase } from './driver.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

const item = (id: string, extra: Partial<StoredItem> = {}): StoredItem => ({
  id,
  text: { title: `title of ${id}` },
  categories: ['a'],
  labels: [],
  attributes: {},
  timestamp: 100,
  hidden: false,
  modalities: {},
  ...extra,
});

let dir = '';
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-store-'));
  store = await openStore(`sqlite://${join(dir, 'x.db')}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('brings a version-1 database (before the change feed) up to date on open, keeping its data', async () => {
    const file = join(dir, 'v1.db');
    const db = openDatabase(file);
    db.exec(MIGRATIONS[0]!.sql);
    db.exec(
      'CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    db.exec(`INSERT INTO migrations VALUES (1, 'initial schema', 'x')`);
    db.exec(`INSERT INTO meta (key, value) VALUES ('k', '"v"')`);
    db.close();
    const old = await openStore(`sqlite://${file}`);
    expect(await old.getMeta('k')).toBe('v');
    expect(await old.lastChangeSeq()).toBe(0);
    await old.setMeta('k', 'w');
    expect((await old.changesSince(0)).map((c) => [c.kind, c.keys])).toEqual([['meta', ['k']]]);
    await old.close();
  });

  it('persists across reopen, in WAL mode, with the schema version recorded', async () => {
    await store.upsertItems([item('i1')]);
    await store.close();
    store = await openStore(`sqlite://${join(dir, 'x.db')}`);
    expect((await store.getItem('i1'))?.text.title).toBe('title of i1');
    const db = openDatabase(join(dir, 'x.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) AS v FROM migrations').get()).toEqual({ v: SCHEMA_VERSION });
    db.exec(`INSERT INTO migrations (version, name, applied_at) VALUES (999, 'future', 'x')`);
    db.close();
    await store.close();
    expect(() => SqliteStore.open(join(dir, 'x.db'))).toThrow(MismatchError);
    store = await openStore('sqlite::memory:');
  });

  it('chooses the backend by URL', async () => {
    const mem = await openStore('sqlite::memory:');
    expect(mem.url).toBe('sqlite::memory:');
    expect(mem.dataDir).toBeUndefined();
    await mem.close();
    await expect(openStore('redis://localhost/x')).rejects.toThrow(NotSupportedError);
    await expect(openStore('nonsense')).rejects.toThrow(/sqlite:\/\//);
  });
});
