/**
 * @module store/feedback-import
 * What both store backends share when `importAll` writes feedback: an event's identity (user,
 * item, type, value, timestamp) and its occurrence rank within the batch. A re-import is
 * idempotent as a multiset: the k-th copy of an event in the batch is inserted only when fewer
 * than k identical events were stored before the import began, so importing the same file twice
 * stores each event once, while a file that itself holds an event twice keeps both copies.
 */
import type { StoredFeedback } from './types.js';

/** The identity of an event: two events with the same key are the same event. */
export function feedbackKey(f: StoredFeedback): string {
  return JSON.stringify([f.user, f.item, f.type, f.value, f.timestamp]);
}

/** For each row, how many rows up to and including it (in batch order) share its key (1-based). */
export function occurrenceRanks(rows: readonly StoredFeedback[]): Int32Array {
  const seen = new Map<string, number>();
  const out = new Int32Array(rows.length);
  rows.forEach((f, k) => {
    const key = feedbackKey(f);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    out[k] = n;
  });
  return out;
}
