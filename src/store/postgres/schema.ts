/**
 * @module store/postgres/schema
 * The PostgreSQL schema as numbered migrations, the counterpart of store/sqlite/schema.ts (its own
 * numbering: the two histories are independent). `migrate` creates the store's PostgreSQL schema
 * when missing and applies every migration newer than the highest one recorded in its
 * `migrations` table, in one transaction under an advisory lock (two processes opening a new
 * database at once do not both migrate it); a database made by a newer fusionrec is refused.
 *
 * JSON values are kept in `json` columns (not `jsonb`, which reorders object keys: an item's text
 * fields must come back in the order they were written). Times are float8 unix seconds and ISO
 * strings, as in the SQLite store; `pos` columns (bigserial) keep insertion order for listings.
 */
import { MismatchError } from '../../errors.js';
import { inTransaction, type Pool, type Queryable } from './pool.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema with change log',
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value json NOT NULL);
CREATE TABLE items (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  text json NOT NULL,
  categories json NOT NULL,
  labels json NOT NULL,
  attributes json NOT NULL,
  image text,
  audio text,
  timestamp float8 NOT NULL,
  hidden boolean NOT NULL,
  modalities json NOT NULL,
  comment text
);
CREATE INDEX items_pos ON items (pos);
CREATE TABLE users (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  labels json NOT NULL,
  attributes json NOT NULL,
  comment text
);
CREATE INDEX users_pos ON users (pos);
CREATE TABLE feedback (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL,
  item text NOT NULL,
  type text NOT NULL,
  value float8 NOT NULL,
  timestamp float8 NOT NULL,
  inserted_at float8 NOT NULL
);
CREATE INDEX feedback_user ON feedback (user_id, timestamp);
CREATE INDEX feedback_item ON feedback (item);
CREATE INDEX feedback_inserted ON feedback (inserted_at);
CREATE TABLE item_vectors (
  item text NOT NULL,
  modality text NOT NULL,
  encoder text NOT NULL,
  dim integer NOT NULL,
  vector bytea NOT NULL,
  PRIMARY KEY (modality, item)
);
CREATE INDEX item_vectors_item ON item_vectors (item);
CREATE TABLE user_vectors (
  user_id text NOT NULL,
  version integer NOT NULL,
  vector bytea NOT NULL,
  PRIMARY KEY (version, user_id)
);
CREATE INDEX user_vectors_user ON user_vectors (user_id);
CREATE TABLE model_versions (
  version serial PRIMARY KEY,
  name text NOT NULL,
  params json NOT NULL,
  metrics json NOT NULL,
  report json NOT NULL,
  items json NOT NULL,
  created_at text NOT NULL,
  active boolean NOT NULL DEFAULT false
);
CREATE TABLE model_users (
  version integer NOT NULL,
  user_id text NOT NULL,
  row_index integer NOT NULL,
  PRIMARY KEY (version, user_id)
);
CREATE INDEX model_users_user ON model_users (user_id);
CREATE TABLE model_files (
  version integer NOT NULL,
  name text NOT NULL,
  chunk integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (version, name, chunk)
);
CREATE TABLE reports (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  created_at text NOT NULL,
  body json NOT NULL
);
CREATE TABLE experiments (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  name text NOT NULL UNIQUE,
  status text NOT NULL,
  arms json NOT NULL,
  created_at text NOT NULL,
  stopped_at text
);
CREATE TABLE impressions (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  experiment text,
  arm text,
  items json NOT NULL,
  time float8 NOT NULL
);
CREATE INDEX impressions_user ON impressions (user_id, time);
CREATE INDEX impressions_experiment ON impressions (experiment, arm, time);
CREATE TABLE ab_events (
  impression text NOT NULL,
  experiment text NOT NULL,
  arm text NOT NULL,
  user_id text NOT NULL,
  item text NOT NULL,
  kind text NOT NULL,
  time float8 NOT NULL,
  PRIMARY KEY (impression, item, kind)
);
CREATE INDEX ab_events_experiment ON ab_events (experiment, kind);
CREATE INDEX ab_events_user ON ab_events (user_id);
CREATE TABLE request_log (
  id bigserial PRIMARY KEY,
  time float8 NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  status integer NOT NULL,
  ms float8 NOT NULL,
  user_id text
);
CREATE INDEX request_log_user ON request_log (user_id);
CREATE INDEX request_log_time ON request_log (time);
CREATE TABLE changes (
  seq bigserial PRIMARY KEY,
  origin text NOT NULL,
  kind text NOT NULL,
  keys json NOT NULL,
  rows json,
  time float8 NOT NULL
);
CREATE INDEX changes_time ON changes (time);
`,
  },
  {
    version: 2,
    name: 'job queue',
    sql: `
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  params json NOT NULL,
  status text NOT NULL,
  dedupe_key text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  worker_id text,
  lease_until float8,
  progress json,
  result json,
  error text,
  created_at text NOT NULL,
  started_at text,
  finished_at text
);
CREATE INDEX jobs_claim ON jobs (status, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
`,
  },
  {
    version: 3,
    name: 'stream event ids',
    sql: `
CREATE TABLE stream_events (
  id text PRIMARY KEY,
  applied_at float8 NOT NULL
);
CREATE INDEX stream_events_applied ON stream_events (applied_at);
`,
  },
  {
    version: 4,
    name: 'model indexes',
    sql: `
CREATE TABLE model_indexes (
  version integer NOT NULL,
  kind text NOT NULL,
  chunk integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (version, kind, chunk)
);
`,
  },
  {
    version: 5,
    name: 'business rules, audit log, review queue, opt-outs, feedback aggregates',
    sql: `
CREATE TABLE rules (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  body json NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  time text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  details json NOT NULL
);
CREATE TABLE review_queue (
  item text PRIMARY KEY,
  pos bigserial NOT NULL,
  status text NOT NULL,
  created_at text NOT NULL,
  decided_at text,
  decided_by text
);
CREATE INDEX review_queue_status ON review_queue (status, pos);
CREATE TABLE opt_outs (user_id text PRIMARY KEY, at text NOT NULL);
CREATE TABLE feedback_aggregates (
  item text NOT NULL,
  type text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (item, type)
);
`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** First key of the advisory locks (migrations, change log); the second is the schema's hash. */
export const LOCK_CLASS = 0x66720000;
export const MIGRATE_LOCK = LOCK_CLASS + 1;
export const CHANGES_LOCK = LOCK_CLASS + 2;

/**
 * The highest migration recorded in `schema` (0 when the schema or its `migrations` table does not
 * exist), read without creating or changing anything (for `fusionrec migrate --check`).
 */
export async function recordedSchemaVersion(db: Queryable, schema: string): Promise<number> {
  const { rows: found } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    `"${schema}".migrations`,
  ]);
  if (found[0]?.t == null) return 0;
  // the name is checked to be a lower-case identifier (pool.ts), and quoted
  const { rows } = await db.query<{ v: number | null }>(
    `SELECT MAX(version) AS v FROM "${schema}".migrations`,
  );
  return rows[0]?.v ?? 0;
}

/**
 * Creates `schema` when missing and brings it to {@link SCHEMA_VERSION}; returns the migrations
 * applied. The pool's search path must be `schema`.
 */
export async function migrate(pool: Pool, schema: string, location: string): Promise<number[]> {
  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATE_LOCK, schema]);
    // the name is checked to be a lower-case identifier (pool.ts), and quoted
    await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
    );
    const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM migrations');
    const current = rows[0]?.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new MismatchError(
        `${location}: database schema version ${current} is newer than this fusionrec supports (${SCHEMA_VERSION})`,
      );
    }
    const applied: number[] = [];
    // every migration not recorded yet, so a gap (a lower number added after a higher one shipped) is filled
    const { rows: recorded } = await c.query<{ version: number }>('SELECT version FROM migrations');
    const done = new Set(recorded.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
