/**
 * @module store/sqlite/schema
 * The SQLite schema as numbered migrations. `migrate` applies, in one transaction each, every
 * migration not recorded in the `migrations` table (in number order; a gap is filled later), so a
 * database made by an older fusionrec is brought up to date on open and a newer one is refused.
 */
import { MismatchError } from '../../errors.js';
import type { Database } from './driver.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
  id TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  categories TEXT NOT NULL,
  labels TEXT NOT NULL,
  attributes TEXT NOT NULL,
  image TEXT,
  audio TEXT,
  timestamp REAL NOT NULL,
  hidden INTEGER NOT NULL,
  modalities TEXT NOT NULL,
  comment TEXT
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  attributes TEXT NOT NULL,
  comment TEXT
);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  user TEXT NOT NULL,
  item TEXT NOT NULL,
  type TEXT NOT NULL,
  value REAL NOT NULL,
  timestamp REAL NOT NULL,
  inserted_at REAL NOT NULL
);
CREATE INDEX feedback_user ON feedback (user, timestamp);
CREATE INDEX feedback_item ON feedback (item);
CREATE INDEX feedback_inserted ON feedback (inserted_at);
CREATE TABLE item_vectors (
  item TEXT NOT NULL,
  modality TEXT NOT NULL,
  encoder TEXT NOT NULL,
  dim INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (modality, item)
);
CREATE INDEX item_vectors_item ON item_vectors (item);
CREATE TABLE user_vectors (
  user TEXT NOT NULL,
  version INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (version, user)
);
CREATE INDEX user_vectors_user ON user_vectors (user);
CREATE TABLE model_versions (
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  params TEXT NOT NULL,
  metrics TEXT NOT NULL,
  report TEXT NOT NULL,
  items TEXT NOT NULL,
  created_at TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE model_users (
  version INTEGER NOT NULL,
  user TEXT NOT NULL,
  row INTEGER NOT NULL,
  PRIMARY KEY (version, user)
);
CREATE INDEX model_users_user ON model_users (user);
CREATE TABLE model_files (
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (version, name)
);
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE experiments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  arms TEXT NOT NULL,
  created_at TEXT NOT NULL,
  stopped_at TEXT
);
CREATE TABLE impressions (
  id TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  experiment TEXT,
  arm TEXT,
  items TEXT NOT NULL,
  time REAL NOT NULL
);
CREATE INDEX impressions_user ON impressions (user, time);
CREATE INDEX impressions_experiment ON impressions (experiment, arm, time);
CREATE TABLE ab_events (
  impression TEXT NOT NULL,
  experiment TEXT NOT NULL,
  arm TEXT NOT NULL,
  user TEXT NOT NULL,
  item TEXT NOT NULL,
  kind TEXT NOT NULL,
  time REAL NOT NULL,
  PRIMARY KEY (impression, item, kind)
);
CREATE INDEX ab_events_experiment ON ab_events (experiment, kind);
CREATE INDEX ab_events_user ON ab_events (user);
CREATE TABLE request_log (
  id INTEGER PRIMARY KEY,
  time REAL NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  ms REAL NOT NULL,
  user TEXT
);
CREATE INDEX request_log_user ON request_log (user);
`,
  },
  {
    version: 2,
    name: 'change feed',
    sql: `
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  kind TEXT NOT NULL,
  keys TEXT NOT NULL,
  rows TEXT,
  time REAL NOT NULL
);
CREATE INDEX changes_time ON changes (time);
`,
  },
  {
    version: 3,
    name: 'job queue',
    sql: `
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  status TEXT NOT NULL,
  dedupe_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  worker_id TEXT,
  lease_until REAL,
  progress TEXT,
  result TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX jobs_claim ON jobs (status, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
`,
  },
  {
    version: 4,
    name: 'stream event ids',
    sql: `
CREATE TABLE stream_events (
  id TEXT PRIMARY KEY,
  applied_at REAL NOT NULL
);
CREATE INDEX stream_events_applied ON stream_events (applied_at);
`,
  },
  {
    version: 5,
    name: 'model indexes',
    sql: `
CREATE TABLE model_indexes (
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (version, kind, chunk)
);
`,
  },
  {
    version: 6,
    name: 'business rules, audit log, review queue, opt-outs, feedback aggregates',
    sql: `
CREATE TABLE rules (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE TABLE review_queue (
  item TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_at TEXT,
  decided_by TEXT
);
CREATE INDEX review_queue_status ON review_queue (status, created_at);
CREATE TABLE opt_outs (user TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE feedback_aggregates (
  item TEXT NOT NULL,
  type TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (item, type)
);
CREATE INDEX request_log_time ON request_log (time);
`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * The highest migration recorded in `db` (0 for a database without a `migrations` table), read
 * without creating or changing anything (for `fusionrec migrate --check`).
 */
export function recordedSchemaVersion(db: Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Brings `db` to {@link SCHEMA_VERSION}; returns the migrations applied. */
export function migrate(db: Database, location: string): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new MismatchError(
      `${location}: database schema version ${current} is newer than this fusionrec supports (${SCHEMA_VERSION})`,
    );
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)');
  // every migration not recorded yet, so a gap (a lower number added after a higher one shipped) is filled
  const done = new Set(
    (db.prepare('SELECT version FROM migrations').all() as { version: number }[]).map((r) => r.version),
  );
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
    applied.push(m.version);
  }
  return applied;
}
