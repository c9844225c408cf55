/**
 * @module cli/commands/migrate
 * `fusionrec migrate --db <url> [--check]`: applies the store's numbered schema migrations (SQLite
 * or PostgreSQL, `?schema=` naming the PostgreSQL schema) and prints the schema version before and
 * after. Opening a store migrates it too; this is the explicit, operator-run form. `--check` reads
 * the `migrations` table without changing anything and exits 0 when up to date, 1 when migrations
 * are pending, 2 when the database is newer than this fusionrec.
 *
 * `fusionrec migrate-store --from <url> --to <url> [--force] [--batch n] [--verify-only]`: copies a
 * whole installation between stores (store/copy.ts), then prints counts and SHA-256 checksums of
 * both sides; exits non-zero when a copied part differs.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { MismatchError } from '../../errors.js';
import { textTable } from '../../experiment/report.js';
import { requireExistingStore, storeFile } from '../../serve/store-file.js';
import {
  compareDigests,
  copyStore,
  type DigestComparison,
  NOT_COPIED,
  storeDigest,
} from '../../store/copy.js';
import { openStore, sqlitePath } from '../../store/open.js';
import { createPool, parsePostgresUrl } from '../../store/postgres/pool.js';
import * as pgSchema from '../../store/postgres/schema.js';
import { openDatabase } from '../../store/sqlite/driver.js';
import * as sqliteSchema from '../../store/sqlite/schema.js';
import { positiveInt } from '../int-flags.js';

/** What `--check` found: the recorded version, the version this code writes, and the migrations' names. */
interface SchemaState {
  location: string;
  current: number;
  target: number;
  pending: { version: number; name: string }[];
}

/** Reads the recorded schema version of the store a URL names, creating and changing nothing. */
async function schemaState(url: string): Promise<SchemaState> {
  const path = sqlitePath(url);
  if (path !== undefined) {
    const file = storeFile(url);
    let current = 0;
    if (file !== undefined && existsSync(file)) {
      const db = openDatabase(file);
      try {
        current = sqliteSchema.recordedSchemaVersion(db);
      } finally {
        db.close();
      }
    }
    const location = file === undefined ? 'sqlite::memory:' : `sqlite://${file}`;
    return state(location, current, sqliteSchema.MIGRATIONS);
  }
  const target = parsePostgresUrl(url);
  const pool = createPool({
    connectionString: target.connectionString,
    max: 1,
    connectionTimeoutMillis: 10_000,
  });
  try {
    const current = await pgSchema.recordedSchemaVersion(pool, target.schema);
    return state(target.display, current, pgSchema.MIGRATIONS);
  } finally {
    await pool.end().catch(() => {});
  }
}

function state(location: string, current: number, migrations: readonly { version: number; name: string }[]) {
  const target = migrations[migrations.length - 1]!.version;
  const pending = migrations
    .filter((m) => m.version > current)
    .map(({ version, name }) => ({ version, name }));
  return { location, current, target, pending };
}

const names = (ms: SchemaState['pending']) => ms.map((m) => `${m.version} (${m.name})`).join(', ');

async function migrateCommand(flags: { db: string; check?: boolean }): Promise<void> {
  const before = await schemaState(flags.db);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`store: ${before.location}`);
  if (flags.check) {
    if (before.current > before.target) {
      out(`schema version ${before.current} is newer than this fusionrec supports (${before.target})`);
      process.exitCode = 2;
    } else if (before.pending.length > 0) {
      out(
        `schema version ${before.current}, this fusionrec: ${before.target}; pending: ${names(before.pending)}`,
      );
      process.exitCode = 1;
    } else {
      out(`schema version ${before.current}: up to date`);
    }
    return;
  }
  if (sqlitePath(flags.db) !== undefined) requireExistingStore(flags.db);
  const store = await openStore(flags.db); // migrates on open; refuses a newer database (MismatchError)
  await store.close();
  const after = await schemaState(flags.db);
  out(`schema version before: ${before.current}, after: ${after.current} (this fusionrec: ${after.target})`);
  out(before.pending.length > 0 ? `applied: ${names(before.pending)}` : 'nothing to apply');
}

const short = (sha: string | undefined) => (sha === undefined ? '-' : sha.slice(0, 16));

/** The verification table: part, counts and checksums on both sides, status. */
export function verifyTable(rows: readonly DigestComparison[]): string {
  return textTable(
    ['part', 'source', 'target', 'source sha256', 'target sha256', 'status'],
    rows.map((r) => [
      r.part,
      r.source ? String(r.source.count) : '-',
      r.target ? String(r.target.count) : '-',
      short(r.source?.sha256),
      short(r.target?.sha256),
      r.status,
    ]),
  );
}

interface StoreFlags {
  from: string;
  to: string;
  force?: boolean;
  batch?: string;
  verifyOnly?: boolean;
  quiet?: boolean;
}

async function migrateStoreCommand(flags: StoreFlags): Promise<void> {
  const batch = positiveInt('batch', flags.batch) ?? 10_000;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  requireExistingStore(flags.from);
  if (flags.verifyOnly) requireExistingStore(flags.to);
  const from = await openStore(flags.from);
  try {
    const to = await openStore(flags.to);
    try {
      if (!flags.verifyOnly) {
        const log = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
        const done = await copyStore(from, to, {
          batch,
          force: flags.force ?? false,
          ...(log ? { log } : {}),
        });
        const parts = Object.entries(done.copied).map(([k, n]) => `${n} ${k}`);
        out(`copied ${from.url} → ${to.url}: ${parts.join(', ')}`);
        const map = [...done.versions].map(([a, b]) => `${a}→${b}`).join(', ');
        if (map !== '') out(`model versions: ${map}`);
        for (const w of done.warnings) out(`warning: ${w}`);
        out(`not copied (the Store interface cannot read them): ${NOT_COPIED.join('; ')}`);
      }
      const rows = compareDigests(await storeDigest(from), await storeDigest(to));
      out(verifyTable(rows));
      const bad = rows.filter((r) => r.status === 'different').map((r) => r.part);
      if (bad.length > 0) throw new MismatchError(`verification failed: ${bad.join(', ')} differ`);
      out('verified: every copied part has the same count and checksum on both sides');
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description("apply the store's schema migrations (or, with --check, only report them)")
    .requiredOption('--db <url>', 'store URL, e.g. sqlite://shop.db or postgres://user@host/db?schema=name')
    .option('--check', 'only report: exit 1 when migrations are pending, 2 when the database is newer')
    .action(migrateCommand);
  program
    .command('migrate-store')
    .description('copy a whole installation from one store to another and verify counts and checksums')
    .requiredOption('--from <url>', 'source store URL')
    .requiredOption('--to <url>', 'destination store URL (must hold no items or feedback unless --force)')
    .option('--force', 'copy into a destination that already holds items or feedback')
    .option('--batch <n>', 'rows per write (default 10000)')
    .option('--verify-only', 'copy nothing: only compare the two stores')
    .option('-q, --quiet', 'no progress lines')
    .action(migrateStoreCommand);
}
