/**
 * @module store/sqlite/stream-events
 * The processed stream event ids on SQLite (the `stream_events` table): a write that carries an
 * event id records it first, inside the write's own transaction (`INSERT OR IGNORE`), and does
 * nothing more when the id was already there — so a redelivered event writes nothing, and a
 * failed write leaves its id unrecorded (rolled back with it).
 */
import { checkEventId } from '../stream-event-ids.js';
import type { Database, Statement } from './driver.js';

const now = (): number => Date.now() / 1000;

export class SqliteStreamEvents {
  private readonly st: Record<string, Statement>;

  constructor(db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      claim: p('INSERT OR IGNORE INTO stream_events (id, applied_at) VALUES (?, ?)'),
      has: p('SELECT 1 FROM stream_events WHERE id = ?'),
      prune: p('DELETE FROM stream_events WHERE applied_at < ?'),
    };
  }

  /**
   * Call first inside the writing transaction: true when the write should go ahead (no event id,
   * or one recorded now), false when the event was already applied.
   */
  claim(eventId: string | undefined): boolean {
    if (eventId === undefined) return true;
    checkEventId(eventId);
    return this.st.claim!.run(eventId, now()).changes > 0;
  }

  applied(ids: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const id of ids) if (this.st.has!.get(id)) out.add(id);
    return out;
  }

  prune(before: number): number {
    return this.st.prune!.run(before).changes;
  }
}
