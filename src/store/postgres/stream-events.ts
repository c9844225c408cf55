/**
 * @module store/postgres/stream-events
 * The processed stream event ids on PostgreSQL (the `stream_events` table): a write that carries
 * an event id records it first, inside the write's own transaction (`INSERT … ON CONFLICT DO
 * NOTHING`: a concurrent writer of the same id waits for the first to commit or roll back), and
 * does nothing more when the id was already there — so a redelivered event writes nothing.
 */
import { checkEventId } from '../stream-event-ids.js';
import type { Queryable } from './pool.js';
import { distinct, now } from './rows.js';

/**
 * Call first inside the writing transaction: true when the write should go ahead (no event id,
 * or one recorded now), false when the event was already applied.
 */
export async function claimEvent(c: Queryable, eventId: string | undefined): Promise<boolean> {
  if (eventId === undefined) return true;
  checkEventId(eventId);
  const r = await c.query(
    'INSERT INTO stream_events (id, applied_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
    [eventId, now()],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Which of `ids` were applied. */
export async function appliedEvents(c: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await c.query<{ id: string }>('SELECT id FROM stream_events WHERE id = ANY($1::text[])', [
    distinct(ids),
  ]);
  return new Set(rows.map((r) => r.id));
}

/** Forgets ids applied before `before` (unix seconds); returns how many. */
export async function pruneEvents(c: Queryable, before: number): Promise<number> {
  const r = await c.query('DELETE FROM stream_events WHERE applied_at < $1', [before]);
  return r.rowCount ?? 0;
}
