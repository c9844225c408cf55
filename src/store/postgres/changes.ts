/**
 * @module store/postgres/changes
 * The change feed on PostgreSQL: `record` writes one change row as the last statement of a
 * writing transaction, after taking a transaction-scoped advisory lock (one per store schema), so
 * that a change's seq is drawn only once every earlier change's transaction has committed; seq
 * order is therefore commit order and a reader that saw seq n never later sees a new row below n.
 * The lock is held from the change insert to COMMIT only, so writers wait for each other's commit,
 * not for each other's work. Reading, pruning and the first/last seq follow.
 */
import { type ChangeKind, type ChangeRecord, MAX_CHANGE_ROWS, type StoredFeedback } from '../types.js';
import type { Queryable } from './pool.js';
import { now } from './rows.js';
import { CHANGES_LOCK } from './schema.js';

/**
 * Records one change inside the caller's transaction `c` (the schema is the search path's); a
 * change of more than {@link MAX_CHANGE_ROWS} keys is recorded as `bulk` (reload everything).
 */
export async function record(
  c: Queryable,
  origin: string,
  kind: ChangeKind,
  keys: readonly string[],
  rows?: readonly StoredFeedback[],
): Promise<void> {
  if (keys.length > MAX_CHANGE_ROWS) {
    kind = 'bulk';
    keys = [];
    rows = undefined;
  }
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [CHANGES_LOCK]);
  await c.query('INSERT INTO changes (origin, kind, keys, rows, time) VALUES ($1, $2, $3, $4, $5)', [
    origin,
    kind,
    JSON.stringify(keys),
    rows === undefined
      ? null
      : JSON.stringify(
          rows.map((f) => ({
            user: f.user,
            item: f.item,
            type: f.type,
            value: f.value,
            timestamp: f.timestamp,
          })),
        ),
    now(),
  ]);
}

/** Records a feedback batch: `feedback` with its rows, or `bulk` past {@link MAX_CHANGE_ROWS}. */
export async function recordFeedback(
  c: Queryable,
  origin: string,
  rows: readonly StoredFeedback[],
): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length > MAX_CHANGE_ROWS) {
    await record(c, origin, 'bulk', []);
    return;
  }
  await record(c, origin, 'feedback', [...new Set(rows.map((f) => f.user))], rows);
}

interface ChangeRow {
  seq: number;
  origin: string;
  kind: ChangeKind;
  keys: string[];
  rows: StoredFeedback[] | null;
  time: number;
}

export async function changesSince(db: Queryable, after: number, limit = 1000): Promise<ChangeRecord[]> {
  const { rows } = await db.query<ChangeRow>(
    'SELECT seq::float8 AS seq, origin, kind, keys, rows, time FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2',
    [after, Math.max(0, Math.floor(limit))],
  );
  return rows.map((r) => {
    const out: ChangeRecord = { seq: r.seq, origin: r.origin, kind: r.kind, keys: r.keys, time: r.time };
    if (r.rows !== null) out.rows = r.rows;
    return out;
  });
}

export async function lastChangeSeq(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number | null }>('SELECT MAX(seq)::float8 AS n FROM changes');
  return rows[0]?.n ?? 0;
}

export async function firstChangeSeq(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number | null }>('SELECT MIN(seq)::float8 AS n FROM changes');
  return rows[0]?.n ?? 0;
}

/** Deletes changes older than `before` (unix seconds) except the newest; returns how many. */
export async function pruneChanges(db: Queryable, before: number): Promise<number> {
  const r = await db.query('DELETE FROM changes WHERE time < $1 AND seq < (SELECT MAX(seq) FROM changes)', [
    before,
  ]);
  return r.rowCount ?? 0;
}
