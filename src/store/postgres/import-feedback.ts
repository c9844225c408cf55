/**
 * @module store/postgres/import-feedback
 * The feedback half of `importAll` on PostgreSQL, run inside the caller's transaction: either
 * replace every stored row with the batch's, or insert only the events not already stored
 * (multiset rule in store/feedback-import: a row's occurrence rank in the batch is compared with
 * the count of identical rows stored before the import, found through the (user_id, timestamp)
 * index). Items must have been checked; unknown users are created.
 */
import { occurrenceRanks } from '../feedback-import.js';
import type { StoredFeedback } from '../types.js';
import { insertFeedbackRows, SLICE } from './catalog.js';
import type { Queryable } from './pool.js';
import { chunks, distinct, now } from './rows.js';

export interface FeedbackImportCounts {
  inserted: number;
  existing: number;
  removed: number;
}

/** Writes `rows`; call inside a transaction. */
export async function importFeedbackRows(
  c: Queryable,
  rows: readonly StoredFeedback[],
  replace: boolean,
): Promise<FeedbackImportCounts> {
  if (replace) {
    const r = await c.query('DELETE FROM feedback');
    await insertFeedbackRows(c, rows);
    return { inserted: rows.length, existing: 0, removed: r.rowCount ?? 0 };
  }
  const { rows: top } = await c.query<{ n: string }>('SELECT COALESCE(MAX(id), 0) AS n FROM feedback');
  const before = top[0]!.n;
  if (before === '0') {
    await insertFeedbackRows(c, rows);
    return { inserted: rows.length, existing: 0, removed: 0 };
  }
  for (const part of chunks(distinct(rows.map((f) => f.user)), SLICE)) {
    await c.query(
      `INSERT INTO users (id, labels, attributes) SELECT u, '[]', '{}' FROM unnest($1::text[]) ` +
        'WITH ORDINALITY AS x(u, o) ORDER BY o ON CONFLICT (id) DO NOTHING',
      [part],
    );
  }
  const ranks = occurrenceRanks(rows);
  const t = now();
  let inserted = 0;
  for (let start = 0; start < rows.length; start += SLICE) {
    const part = rows.slice(start, start + SLICE);
    const r = await c.query(
      'INSERT INTO feedback (user_id, item, type, value, timestamp, inserted_at) ' +
        'SELECT u, i, ty, v, ts, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::int[]) ' +
        'WITH ORDINALITY AS x(u, i, ty, v, ts, k, o) WHERE x.k > (SELECT COUNT(*) FROM feedback f ' +
        'WHERE f.user_id = x.u AND f.timestamp = x.ts AND f.item = x.i AND f.type = x.ty AND f.value = x.v ' +
        'AND f.id <= $8) ORDER BY o',
      [
        part.map((f) => f.user),
        part.map((f) => f.item),
        part.map((f) => f.type),
        part.map((f) => f.value),
        part.map((f) => f.timestamp),
        Array.from(ranks.subarray(start, start + SLICE)),
        t,
        before,
      ],
    );
    inserted += r.rowCount ?? 0;
  }
  return { inserted, existing: rows.length - inserted, removed: 0 };
}
