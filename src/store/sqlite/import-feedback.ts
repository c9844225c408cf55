/**
 * @module store/sqlite/import-feedback
 * The feedback half of `importAll` on SQLite, run inside the caller's transaction: either replace
 * every stored row with the batch's, or insert only the events not already stored (multiset rule
 * in store/feedback-import). Items must have been checked; unknown users are created.
 */
import { feedbackKey, occurrenceRanks } from '../feedback-import.js';
import type { StoredFeedback } from '../types.js';
import type { Database } from './driver.js';

export interface FeedbackImportCounts {
  inserted: number;
  existing: number;
  removed: number;
}

/** Writes `rows` (inserted_at = `insertedAt`); call inside a transaction. */
export function importFeedbackRows(
  db: Database,
  rows: readonly StoredFeedback[],
  o: { replace: boolean; insertedAt: number },
): FeedbackImportCounts {
  const removed = o.replace ? db.prepare('DELETE FROM feedback').run().changes : 0;
  // rows stored before this import: those with id <= before (later ids are this import's)
  const before = (db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM feedback').get() as { n: number }).n;
  const same = db.prepare(
    'SELECT COUNT(*) AS n FROM feedback WHERE user = ? AND timestamp = ? AND item = ? AND type = ? AND value = ? AND id <= ?',
  );
  const addUser = db.prepare(`INSERT OR IGNORE INTO users (id, labels, attributes) VALUES (?, '[]', '{}')`);
  const insert = db.prepare(
    'INSERT INTO feedback (user, item, type, value, timestamp, inserted_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const ranks = o.replace || before === 0 ? undefined : occurrenceRanks(rows);
  const stored = new Map<string, number>();
  let inserted = 0;
  let existing = 0;
  rows.forEach((f, k) => {
    if (ranks) {
      const key = feedbackKey(f);
      let n = stored.get(key);
      if (n === undefined) {
        n = (same.get(f.user, f.timestamp, f.item, f.type, f.value, before) as { n: number }).n;
        stored.set(key, n);
      }
      if (ranks[k]! <= n) {
        existing++;
        return;
      }
    }
    addUser.run(f.user);
    insert.run(f.user, f.item, f.type, f.value, f.timestamp, o.insertedAt);
    inserted++;
  });
  return { inserted, existing, removed };
}
