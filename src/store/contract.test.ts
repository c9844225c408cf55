/**
 * Runs the store contract (store/contract.ts) against SQLite in memory, SQLite in a temporary file
 * and PostgreSQL (each test in a fresh schema `fr_<random>`, dropped afterwards), plus what only
 * the PostgreSQL backend has (schema in the URL, migrations, chunked artifact files, connection
 * errors). PostgreSQL must answer at FUSIONREC_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test): when it does not, the PostgreSQL tests fail, unless
 * FUSIONREC_NO_POSTGRES=1, which skips them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, InvalidArgumentError, MismatchError, NotSupportedError } from '../errors.js';
import { item, storeContract } from './contract.js';
import { openStore } from './open.js';
import { createPool, parsePostgresUrl } from './postgres/pool.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SCHEMA_VERSION } from './postgres/schema.js';

const PG_URL = process.env.FUSIONREC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NO_POSTGRES = process.env.FUSIONREC_NO_POSTGRES === '1';

storeContract('sqlite::memory:', async () => {
  const store = await openStore('sqlite::memory:');
  return { store, cleanup: () => store.close() };
});

storeContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-contract-'));
  const url = `sqlite://${join(dir, 'x.db')}`;
  const store = await openStore(url);
  return {
    store,
    reopen: () => openStore(url),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** Whether PostgreSQL answers; the reason when it does not. */
async function probe(): Promise<string | undefined> {
  if (NO_POSTGRES) return undefined;
  const pool = createPool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 3000 });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (err) {
    return describeError(err);
  } finally {
    await pool.end().catch(() => {});
  }
}

const down = await probe();
const shown = PG_URL.replace(/\/\/[^@/]*@/, '//');

if (NO_POSTGRES) {
  console.warn('FUSIONREC_NO_POSTGRES=1: the PostgreSQL store tests are skipped');
  describe.skip('store contract: postgres (skipped: FUSIONREC_NO_POSTGRES=1)', () => {
    it('is skipped', () => {});
  });
} else if (down !== undefined) {
  describe('store contract: postgres', () => {
    it('needs PostgreSQL', () => {
      throw new Error(
        `PostgreSQL is not answering at ${shown} (${down}). Start it ("npm test" does, through scripts/setup-test.mjs; or pg_ctlcluster <version> main start), ` +
          'point FUSIONREC_TEST_POSTGRES_URL at one, or set FUSIONREC_NO_POSTGRES=1 to skip these tests.',
      );
    });
  });
} else {
  const admin = createPool({ connectionString: PG_URL, max: 2 });
  afterAll(() => admin.end());
  const schemas = new Set<string>();
  const dropSchema = async (schema: string) => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    schemas.delete(schema);
  };
  afterAll(async () => {
    for (const s of [...schemas]) await dropSchema(s);
  });
  /** A URL naming a new schema (created on open, dropped by the test's cleanup or after all). */
  const freshUrl = (): { url: string; schema: string } => {
    const schema = `fr_${randomBytes(6).toString('hex')}`;
    schemas.add(schema);
    const u = new URL(PG_URL);
    u.searchParams.set('schema', schema);
    return { url: u.toString(), schema };
  };

  storeContract('postgres', async () => {
    const { url, schema } = freshUrl();
    const store = await openStore(url);
    return {
      store,
      reopen: () => openStore(url),
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('postgres store: schema, migrations, files, errors', () => {
    it('keeps each store in the schema its URL names, and shows the URL without a password', async () => {
      const a = freshUrl();
      const b = freshUrl();
      const sa = await openStore(a.url);
      const sb = await openStore(b.url.replace(/^postgres:/, 'postgresql:'));
      try {
        expect(sa).toBeInstanceOf(PostgresStore);
        expect(sb).toBeInstanceOf(PostgresStore);
        expect((sa as PostgresStore).schema).toBe(a.schema);
        expect(sa.url).toContain(`schema=${a.schema}`);
        expect(sa.dataDir).toBeUndefined();
        await sa.upsertItems([item('only-in-a')]);
        expect(await sb.getItem('only-in-a')).toBeUndefined();
        expect((await sb.counts()).items).toBe(0);
        const { rows } = await admin.query<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
          [a.schema],
        );
        expect(rows[0]!.n).toBeGreaterThan(10);
      } finally {
        await sa.close();
        await sb.close();
        await dropSchema(a.schema);
        await dropSchema(b.schema);
      }
      const withPassword = parsePostgresUrl(
        'postgres://me:secret@db.example:5433/shop?schema=fr_x&sslmode=disable',
      );
      expect(withPassword.display).not.toContain('secret');
      expect(withPassword.schema).toBe('fr_x');
      expect(withPassword.connectionString).not.toContain('schema=');
      expect(withPassword.connectionString).toContain('sslmode=disable');
      expect(parsePostgresUrl('postgres://h/db').schema).toBe('public');
      expect(() => parsePostgresUrl('postgres://h/db?schema=Bad-Name')).toThrow(InvalidArgumentError);
      expect(() => parsePostgresUrl('postgres://h/db?schema=x;drop')).toThrow(InvalidArgumentError);
    });

    it('records the schema version, migrates once, and refuses a newer schema', async () => {
      const { url, schema } = freshUrl();
      const s1 = await openStore(url);
      await s1.upsertItems([item('i1')]);
      await s1.close();
      // reopening migrates nothing and keeps the data
      const s2 = await openStore(url);
      expect((await s2.getItem('i1'))?.id).toBe('i1');
      await s2.close();
      const { rows } = await admin.query<{ v: number }>(
        `SELECT MAX(version) AS v FROM "${schema}".migrations`,
      );
      expect(rows[0]!.v).toBe(SCHEMA_VERSION);
      await admin.query(
        `INSERT INTO "${schema}".migrations (version, name, applied_at) VALUES (999, 'future', 'x')`,
      );
      await expect(openStore(url)).rejects.toThrow(MismatchError);
      await expect(openStore(url)).rejects.toThrow(
        /schema version 999 is newer than this fusionrec supports/,
      );
      await dropSchema(schema);
    });

    it('opens one schema from several handles at once (migration runs once)', async () => {
      const { url, schema } = freshUrl();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      const { rows } = await admin.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM "${schema}".migrations`,
      );
      expect(rows[0]!.n).toBe(SCHEMA_VERSION);
      for (const s of stores) await s.close();
      await dropSchema(schema);
    });

    it('writes artifact files in chunk rows of at most 1 MiB', async () => {
      const { url, schema } = freshUrl();
      const store = await openStore(url);
      try {
        const data = new Uint8Array(2.5 * 1024 * 1024).map((_, k) => k % 251);
        const v = await store.addModelVersion({
          name: 'm',
          params: {},
          metrics: {},
          report: {},
          items: [],
          users: [],
          files: [{ name: 'w.bin', data }],
        });
        const { rows } = await admin.query<{ chunk: number; bytes: number }>(
          `SELECT chunk, length(data) AS bytes FROM "${schema}".model_files WHERE version = $1 ORDER BY chunk`,
          [v],
        );
        expect(rows.map((r) => r.bytes)).toEqual([1 << 20, 1 << 20, data.length - (2 << 20)]);
        expect(Buffer.from((await store.modelFiles(v))[0]!.data).equals(Buffer.from(data))).toBe(true);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('names the server when it cannot connect, and keeps other schemes unsupported', async () => {
      await expect(openStore('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow(
        /cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/test/,
      );
      await expect(openStore('redis://127.0.0.1:6379')).rejects.toThrow(NotSupportedError);
      await expect(openStore('postgres://postgres@127.0.0.1:5432/test?schema=UPPER')).rejects.toThrow(
        InvalidArgumentError,
      );
    });
  });
}
