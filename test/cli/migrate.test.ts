/**
 * `fusionrec migrate` and `fusionrec migrate-store` end to end with real databases: a demo catalog
 * imported into SQLite with two trained model versions and an experiment is moved to PostgreSQL (a
 * fresh schema `fr_<random>` on FUSIONREC_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/test, dropped afterwards) and back to a new SQLite file; both
 * copies verify, serve the same recommendations as the source, and a tampered copy is caught.
 * `migrate --check` is run on fresh, old and newer databases of both backends. The PostgreSQL
 * tests fail when PostgreSQL does not answer, unless FUSIONREC_NO_POSTGRES=1, which skips them.
 */

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { openStore } from '../../src/store/open.js';
import { createPool } from '../../src/store/postgres/pool.js';
import * as pgSchema from '../../src/store/postgres/schema.js';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import * as sqliteSchema from '../../src/store/sqlite/schema.js';
import { client, type DemoDb, demoDb } from '../serve/helpers.js';

const PG_URL = process.env.FUSIONREC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NO_POSTGRES = process.env.FUSIONREC_NO_POSTGRES === '1';
const cli = (...args: string[]) => runCli(args, 240_000);

const schemas: string[] = [];
/** A URL naming a new PostgreSQL schema (dropped after all tests). */
function pgUrl(): string {
  const schema = `fr_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const u = new URL(PG_URL);
  u.searchParams.set('schema', schema);
  return u.toString();
}

afterAll(async () => {
  if (schemas.length === 0 || NO_POSTGRES) return;
  const admin = createPool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 3000 });
  try {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await admin.end();
  }
});

/** The top 10 of a few users on a server over `db`. */
async function recommendations(db: string, users: readonly string[]): Promise<string[][]> {
  let server: RunningServer | undefined;
  try {
    server = await startServer({ db, port: 0, webRoot: false, log: () => {} });
    const api = client(server.url);
    const out: string[][] = [];
    for (const u of users) {
      const r = await api.get(`/v1/recommend/${u}?n=10`);
      expect(r.status).toBe(200);
      out.push(r.body.items.map((i: { id: string }) => i.id));
    }
    return out;
  } finally {
    await server?.close();
  }
}

const USERS = ['user-0001', 'user-0007', 'user-0020', 'user-0033'];

describe('migrate --check and migrate: sqlite', () => {
  let demo: DemoDb;
  beforeAll(async () => {
    demo = await demoDb({ items: 20, users: 20 });
  });
  afterAll(() => demo?.cleanup());

  it('reports a fresh (absent) database as pending without creating it', () => {
    const file = join(demo.dir, 'fresh.db');
    const r = cli('migrate', '--db', `sqlite://${file}`, '--check');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `schema version 0, this fusionrec: ${sqliteSchema.SCHEMA_VERSION}; pending: 1 (`,
    );
    expect(existsSync(file)).toBe(false);
  });

  it('migrates an old database, reports it up to date, and refuses a newer one', () => {
    const file = join(demo.dir, 'old.db');
    const db = openDatabase(file);
    const first = sqliteSchema.MIGRATIONS[0]!;
    db.exec(first.sql);
    db.exec(
      'CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    db.prepare('INSERT INTO migrations VALUES (?, ?, ?)').run(first.version, first.name, 'then');
    db.close();
    const url = `sqlite://${file}`;
    const check = cli('migrate', '--db', url, '--check');
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      `schema version 1, this fusionrec: ${sqliteSchema.SCHEMA_VERSION}; pending: 2 (`,
    );
    const check2 = cli('migrate', '--db', url, '--check');
    expect(check2.status).toBe(1); // --check changed nothing
    const run = cli('migrate', '--db', url);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`schema version before: 1, after: ${sqliteSchema.SCHEMA_VERSION}`);
    expect(run.stdout).toMatch(/applied: 2 \(change feed\)/);
    const done = cli('migrate', '--db', url, '--check');
    expect(done.status).toBe(0);
    expect(done.stdout).toContain('up to date');
    expect(cli('migrate', '--db', url).stdout).toContain('nothing to apply');

    const newer = openDatabase(file);
    newer
      .prepare('INSERT INTO migrations VALUES (?, ?, ?)')
      .run(sqliteSchema.SCHEMA_VERSION + 1, 'future', 'later');
    newer.close();
    const n = cli('migrate', '--db', url, '--check');
    expect(n.status).toBe(2);
    expect(n.stdout).toContain('is newer than this fusionrec supports');
    const m = cli('migrate', '--db', url);
    expect(m.status).toBe(2);
    expect(m.stderr).toContain('is newer than this fusionrec supports');
  });
});

if (NO_POSTGRES) {
  describe.skip('migrate and migrate-store with PostgreSQL (skipped: FUSIONREC_NO_POSTGRES=1)', () => {
    it('is skipped', () => {});
  });
} else {
  describe('migrate --check and migrate: postgres', () => {
    it('reports a fresh schema as pending without creating it, migrates it, refuses a newer one', async () => {
      const url = pgUrl();
      const schema = schemas[schemas.length - 1]!;
      const fresh = cli('migrate', '--db', url, '--check');
      expect(fresh.stderr).toBe('');
      expect(fresh.status).toBe(1);
      expect(fresh.stdout).toContain(`schema version 0, this fusionrec: ${pgSchema.SCHEMA_VERSION}`);
      const admin = createPool({ connectionString: PG_URL, max: 1 });
      try {
        const exists = async () =>
          (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
        expect(await exists()).toBe(false);
        const run = cli('migrate', '--db', url);
        expect(run.status).toBe(0);
        expect(run.stdout).toContain(`schema version before: 0, after: ${pgSchema.SCHEMA_VERSION}`);
        expect(await exists()).toBe(true);
        expect(cli('migrate', '--db', url, '--check').status).toBe(0);
        await admin.query(`INSERT INTO "${schema}".migrations VALUES ($1, 'future', 'later')`, [
          pgSchema.SCHEMA_VERSION + 1,
        ]);
        expect(cli('migrate', '--db', url, '--check').status).toBe(2);
        expect(cli('migrate', '--db', url).status).toBe(2);
      } finally {
        await admin.end();
      }
    });
  });

  describe('migrate-store: sqlite → postgres → sqlite', () => {
    let demo: DemoDb;
    let source: string;
    beforeAll(async () => {
      demo = await demoDb({ items: 40, users: 40 });
      source = `sqlite://${demo.db}`;
      for (const args of [
        ['--model', 'bpr', '--params', 'dim=8', '--epochs', '3', '--no-activate'],
        ['--model', 'bpr', '--params', 'dim=8', '--epochs', '4', '--seed', '7'],
      ]) {
        const t = cli('train', '--db', source, ...args, '--quiet');
        expect(t.stderr).toBe('');
        expect(t.status).toBe(0);
      }
      const ab = cli('ab', 'create', '--db', source, '--name', 'exp', '--arm', 'a=1:0.5', '--arm', 'b=2:0.5');
      expect(ab.status).toBe(0);
    });
    afterAll(() => demo?.cleanup());

    it('the command line records its activations and A/B changes in the audit log', async () => {
      const store = await openStore(source);
      try {
        const entries = (await store.listAudit()).map((e) => [e.actor, e.action, e.target]);
        expect(entries).toContainEqual(['cli', 'model.activate', '2']);
        expect(entries.some(([actor, action]) => actor === 'cli' && action === 'experiment.start')).toBe(
          true,
        );
        expect(entries.some(([, action, target]) => action === 'model.activate' && target === '1')).toBe(
          false,
        );
      } finally {
        await store.close();
      }
    });

    it('copies to PostgreSQL and back, verifies, serves the same, and catches tampering', async () => {
      const pg = pgUrl();
      const toPg = cli('migrate-store', '--from', source, '--to', pg, '--batch', '50', '--quiet');
      expect(toPg.stderr).toBe('');
      expect(toPg.status).toBe(0);
      expect(toPg.stdout).toMatch(/copied .*: \d+ meta, 40 items, \d+ vectors, 40 users, \d+ feedback/);
      expect(toPg.stdout).toContain('model versions: 1→1, 2→2');
      expect(toPg.stdout).toMatch(/part +source +target +source sha256 +target sha256 +status/);
      expect(toPg.stdout).toMatch(/\nitems +40 +40 +[0-9a-f]{16} +[0-9a-f]{16} +ok/);
      expect(toPg.stdout).toMatch(/\nmodel #2 bpr +\d+ +\d+ .* ok/);
      expect(toPg.stdout).toContain('verified');

      const copy = `sqlite://${join(demo.dir, 'copy.db')}`;
      const back = cli('migrate-store', '--from', pg, '--to', copy, '--quiet');
      expect(back.stderr).toBe('');
      expect(back.status).toBe(0);
      expect(back.stdout).toContain('verified');

      const expected = await recommendations(source, USERS);
      expect(expected.every((l) => l.length === 10)).toBe(true);
      expect(await recommendations(pg, USERS)).toEqual(expected);
      expect(await recommendations(copy, USERS)).toEqual(expected);

      // a second copy into a store with items is refused
      const again = cli('migrate-store', '--from', source, '--to', copy, '--quiet');
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already holds 40 items .* pass --force/);

      // tamper with a feedback row and a model file of the copy
      const db = openDatabase(join(demo.dir, 'copy.db'));
      db.prepare('UPDATE feedback SET value = value + 1 WHERE id = (SELECT MIN(id) FROM feedback)').run();
      db.prepare(
        `UPDATE model_files SET data = x'00' || data WHERE version = 2 AND rowid = (SELECT MIN(rowid) FROM model_files WHERE version = 2)`,
      ).run();
      db.close();
      const verify = cli('migrate-store', '--from', pg, '--to', copy, '--verify-only');
      expect(verify.status).toBe(2);
      expect(verify.stdout).toMatch(/\nfeedback .* different/);
      expect(verify.stdout).toMatch(/\nmodel #2 bpr .* different/);
      expect(verify.stdout).toMatch(/\nitems .* ok/);
      expect(verify.stderr).toContain('verification failed: feedback, model #2 bpr differ');
    });
  });
}
