/**
 * @module encoders/cache
 * The feature cache: one SQLite file (better-sqlite3, WAL journal, so several processes may read
 * while one writes) mapping (content hash, encoder id) to a Float32 vector. The content hash is
 * sha256 of the text for text and of the file bytes for media; the encoder id names the model and
 * every setting that changes its output (see Encoder.id), so a hit is always the right vector.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** The slice of better-sqlite3's API used here (the package ships no TypeScript types). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type DatabaseConstructor = new (file: string, options?: { timeout?: number }) => Database;

const require = createRequire(import.meta.url);

/** sha256 (hex) of a text, as UTF-8: the cache key of text content. */
export function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 (hex) of bytes: the cache key of media content. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** One encoder's share of the cache. */
export interface CacheEncoderStats {
  encoder: string;
  dims: number;
  entries: number;
  bytes: number;
}

/** What {@link FeatureCache.stats} reports. */
export interface CacheStats {
  path: string;
  entries: number;
  /** Vector bytes stored (without SQLite overhead). */
  bytes: number;
  encoders: CacheEncoderStats[];
}

// Vectors live in a rowid table (a WITHOUT ROWID table would push every ~1 KB vector onto
// overflow pages and triple the file); encoder ids are interned as small integers.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS encoders (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS vectors (
  encoder INTEGER NOT NULL REFERENCES encoders (id),
  hash TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (encoder, hash)
);
`;

/** A feature cache on one SQLite file. Open with {@link FeatureCache.open}; close when done. */
export class FeatureCache {
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;
  private readonly encoderStmt: Statement;
  private readonly addEncoderStmt: Statement;

  private constructor(
    readonly path: string,
    private readonly db: Database,
  ) {
    this.getStmt = db.prepare('SELECT dims, vector FROM vectors WHERE encoder = ? AND hash = ?');
    this.putStmt = db.prepare(
      'INSERT OR REPLACE INTO vectors (encoder, hash, dims, vector, created) VALUES (?, ?, ?, ?, ?)',
    );
    this.encoderStmt = db.prepare('SELECT id FROM encoders WHERE name = ?');
    this.addEncoderStmt = db.prepare('INSERT OR IGNORE INTO encoders (name) VALUES (?)');
  }

  private encoderKey(encoderId: string, create: boolean): number | undefined {
    if (create) this.addEncoderStmt.run(encoderId);
    return (this.encoderStmt.get(encoderId) as { id: number } | undefined)?.id;
  }

  /** Opens (creating when needed, with its folder) the cache at `path`; ":memory:" for a private one. */
  static open(path: string): FeatureCache {
    const file = path === ':memory:' ? path : resolve(path);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const Ctor = require('better-sqlite3') as DatabaseConstructor;
    const db = new Ctor(file, { timeout: 10_000 });
    try {
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    return new FeatureCache(file, db);
  }

  /** The cached vectors of `encoderId` among `hashes` (absent hashes are left out). */
  getMany(encoderId: string, hashes: Iterable<string>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const key = this.encoderKey(encoderId, false);
    if (key === undefined) return out;
    for (const hash of hashes) {
      if (out.has(hash)) continue;
      const row = this.getStmt.get(key, hash) as { dims: number; vector: Buffer } | undefined;
      if (!row || row.vector.byteLength !== row.dims * 4) continue;
      // Copy: the Buffer may be unaligned for a Float32Array view.
      const vec = new Float32Array(row.dims);
      new Uint8Array(vec.buffer).set(row.vector);
      out.set(hash, vec);
    }
    return out;
  }

  /** Stores vectors of `dims` floats for `encoderId`, all in one transaction. */
  putMany(encoderId: string, dims: number, entries: Iterable<readonly [string, Float32Array]>): number {
    if (!Number.isInteger(dims) || dims < 1) {
      throw new InvalidArgumentError(`FeatureCache.putMany: dims must be a positive integer, got ${dims}`);
    }
    const list = [...entries];
    for (const [hash, vec] of list) {
      if (vec.length !== dims) {
        throw new InvalidArgumentError(
          `FeatureCache.putMany: vector for ${hash} has ${vec.length} values, expected ${dims}`,
        );
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const insert = this.db.transaction((rows: (readonly [string, Float32Array])[]) => {
      const key = this.encoderKey(encoderId, true);
      for (const [hash, vec] of rows) {
        this.putStmt.run(key, hash, dims, Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength), now);
      }
    });
    insert(list);
    return list.length;
  }

  /** Entry and byte counts, per encoder. */
  stats(): CacheStats {
    const rows = this.db
      .prepare(
        'SELECT e.name AS encoder, v.dims AS dims, COUNT(*) AS entries, SUM(LENGTH(v.vector)) AS bytes ' +
          'FROM vectors v JOIN encoders e ON e.id = v.encoder GROUP BY e.name, v.dims ORDER BY e.name',
      )
      .all() as CacheEncoderStats[];
    const encoders = rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
    return {
      path: this.path,
      entries: encoders.reduce((a, r) => a + r.entries, 0),
      bytes: encoders.reduce((a, r) => a + r.bytes, 0),
      encoders,
    };
  }

  /** Deletes every entry of `encoderId`; returns how many went. */
  clear(encoderId: string): number {
    const key = this.encoderKey(encoderId, false);
    if (key === undefined) return 0;
    const res = this.db.prepare('DELETE FROM vectors WHERE encoder = ?').run(key) as { changes: number };
    return res.changes;
  }

  /** Closes the database (pending WAL content is checkpointed by SQLite). */
  close(): void {
    this.db.close();
  }
}

/** Opens the feature cache at `path` (same as FeatureCache.open). */
export function openFeatureCache(path: string): FeatureCache {
  return FeatureCache.open(path);
}
