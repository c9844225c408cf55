/**
 * @module store/sqlite/rules
 * Operator control and users' data on SQLite: business rules (`rules`), the audit log
 * (`audit_log`), the review queue of new items (`review_queue`), personalisation opt-outs
 * (`opt_outs`), a user's export, and retention (raw feedback aggregated into
 * `feedback_aggregates` or deleted, old request logs deleted). Tables of migration 6.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../errors.js';
import type {
  AttributedEvent,
  AuditEntry,
  ChangeKind,
  FeedbackAggregate,
  Impression,
  RequestLogEntry,
  RetentionResult,
  ReviewRecord,
  ReviewStatus,
  RuleInput,
  RuleRecord,
  StoredFeedback,
  StoredUser,
  UserExport,
} from '../types.js';
import type { Database } from './driver.js';

const iso = (): string => new Date().toISOString();

interface RuleRow {
  id: string;
  body: string;
  created_at: string;
  updated_at: string;
}

function ruleOf(r: RuleRow): RuleRecord {
  return { ...(JSON.parse(r.body) as RuleInput), id: r.id, createdAt: r.created_at, updatedAt: r.updated_at };
}

interface ReviewRow {
  item: string;
  status: ReviewStatus;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

function reviewOf(r: ReviewRow): ReviewRecord {
  return {
    item: r.item,
    status: r.status,
    createdAt: r.created_at,
    ...(r.decided_at ? { decidedAt: r.decided_at } : {}),
    ...(r.decided_by ? { decidedBy: r.decided_by } : {}),
  };
}

/** The rules' body: what the operator wrote, without ids and times. */
export function ruleBody(rule: RuleInput): RuleInput {
  return {
    name: rule.name,
    enabled: rule.enabled,
    ...(rule.segment ? { segment: rule.segment } : {}),
    action: rule.action,
  };
}

export class SqliteOperatorData {
  constructor(
    private readonly db: Database,
    /** Appends a change row inside the current transaction. */
    private readonly record: (kind: ChangeKind, keys: readonly string[]) => void,
    /** Writes buffered impressions and request logs. */
    private readonly flush: () => void,
  ) {}

  listRules(): RuleRecord[] {
    return (this.db.prepare('SELECT * FROM rules ORDER BY created_at, rowid').all() as RuleRow[]).map(ruleOf);
  }

  getRule(id: string): RuleRecord | undefined {
    const r = this.db.prepare('SELECT * FROM rules WHERE id = ?').get(id) as RuleRow | undefined;
    return r ? ruleOf(r) : undefined;
  }

  putRule(rule: RuleInput & { id?: string }): RuleRecord {
    const id = rule.id ?? randomUUID();
    const t = iso();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO rules (id, body, created_at, updated_at) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
        )
        .run(id, JSON.stringify(ruleBody(rule)), t, t);
      this.record('rules', [id]);
    })();
    return this.getRule(id)!;
  }

  deleteRule(id: string): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes === 0)
        throw new NotFoundError(`unknown rule "${id}"`);
      this.record('rules', [id]);
    })();
  }

  addAudit(e: Omit<AuditEntry, 'id' | 'time'>): AuditEntry {
    const time = iso();
    const r = this.db
      .prepare('INSERT INTO audit_log (time, actor, action, target, details) VALUES (?, ?, ?, ?, ?)')
      .run(time, e.actor, e.action, e.target, JSON.stringify(e.details));
    return { id: Number(r.lastInsertRowid), time, ...e };
  }

  listAudit(o: { limit?: number; before?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(o.before ?? Number.MAX_SAFE_INTEGER, Math.max(0, o.limit ?? 100)) as (Omit<
      AuditEntry,
      'details'
    > & {
      details: string;
    })[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  queueReview(items: readonly string[]): void {
    const st = this.db.prepare(
      `INSERT OR IGNORE INTO review_queue (item, status, created_at) VALUES (?, 'pending', ?)`,
    );
    const t = iso();
    this.db.transaction(() => {
      for (const id of items) st.run(id, t);
    })();
  }

  listReview(o: { status?: ReviewStatus; limit?: number } = {}): ReviewRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM review_queue WHERE status = ? ORDER BY created_at, rowid LIMIT ?')
        .all(o.status ?? 'pending', Math.max(0, o.limit ?? 100)) as ReviewRow[]
    ).map(reviewOf);
  }

  decideReview(item: string, status: 'approved' | 'rejected', by: string): ReviewRecord {
    const r = this.db
      .prepare('UPDATE review_queue SET status = ?, decided_at = ?, decided_by = ? WHERE item = ?')
      .run(status, iso(), by, item);
    if (r.changes === 0) throw new NotFoundError(`item "${item}" is not in the review queue`);
    return reviewOf(this.db.prepare('SELECT * FROM review_queue WHERE item = ?').get(item) as ReviewRow);
  }

  setOptOut(user: string, optedOut: boolean): void {
    this.db.transaction(() => {
      if (optedOut)
        this.db.prepare('INSERT OR IGNORE INTO opt_outs (user, at) VALUES (?, ?)').run(user, iso());
      else this.db.prepare('DELETE FROM opt_outs WHERE user = ?').run(user);
      this.record('opt-out', [user]);
    })();
  }

  optedOutUsers(): string[] {
    return (this.db.prepare('SELECT user FROM opt_outs ORDER BY rowid').all() as { user: string }[]).map(
      (r) => r.user,
    );
  }

  exportUser(id: string, logKeys: readonly string[]): UserExport {
    this.flush();
    const u = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as
      | { id: string; labels: string; attributes: string; comment: string | null }
      | undefined;
    if (!u) throw new NotFoundError(`unknown user "${id}"`);
    const user: StoredUser = {
      id: u.id,
      labels: JSON.parse(u.labels) as string[],
      attributes: JSON.parse(u.attributes) as StoredUser['attributes'],
      ...(u.comment !== null ? { comment: u.comment } : {}),
    };
    const feedback = this.db
      .prepare('SELECT user, item, type, value, timestamp FROM feedback WHERE user = ? ORDER BY id')
      .all(id) as StoredFeedback[];
    const vectors = (
      this.db.prepare('SELECT version, vector FROM user_vectors WHERE user = ? ORDER BY version').all(id) as {
        version: number;
        vector: Uint8Array;
      }[]
    ).map((r) => ({
      version: r.version,
      vector: Array.from(
        new Float32Array(
          r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
        ),
      ),
    }));
    const modelRows = this.db
      .prepare('SELECT version, row FROM model_users WHERE user = ? ORDER BY version')
      .all(id) as { version: number; row: number }[];
    const impressions = (
      this.db.prepare('SELECT * FROM impressions WHERE user = ? ORDER BY time').all(id) as {
        id: string;
        user: string;
        experiment: string | null;
        arm: string | null;
        items: string;
        time: number;
      }[]
    ).map(
      (r): Impression => ({
        id: r.id,
        user: r.user,
        ...(r.experiment !== null ? { experiment: r.experiment } : {}),
        ...(r.arm !== null ? { arm: r.arm } : {}),
        items: JSON.parse(r.items) as string[],
        time: r.time,
      }),
    );
    const attributed = this.db
      .prepare(
        'SELECT impression, experiment, arm, user, item, kind, time FROM ab_events WHERE user = ? ORDER BY time',
      )
      .all(id) as AttributedEvent[];
    const keys = [...new Set(logKeys)];
    const requestLogs =
      keys.length === 0
        ? []
        : (
            this.db
              .prepare(
                `SELECT time, method, route, status, ms, user FROM request_log WHERE user IN (${keys.map(() => '?').join(',')}) ORDER BY id`,
              )
              .all(...keys) as (Omit<RequestLogEntry, 'user'> & { user: string })[]
          ).map((r) => ({ ...r }));
    const optedOut = this.db.prepare('SELECT 1 FROM opt_outs WHERE user = ?').get(id) !== undefined;
    return { user, optedOut, feedback, vectors, modelRows, impressions, attributed, requestLogs };
  }

  forgetRequestLogs(keys: readonly string[]): number {
    this.flush();
    const st = this.db.prepare('DELETE FROM request_log WHERE user = ?');
    return this.db.transaction(() => keys.reduce((n, k) => n + st.run(k).changes, 0))();
  }

  applyRetention(before: number, mode: 'aggregate' | 'delete'): RetentionResult {
    this.flush();
    return this.db.transaction(() => {
      if (mode === 'aggregate') {
        this.db
          .prepare(
            'INSERT INTO feedback_aggregates (item, type, count) ' +
              'SELECT item, type, COUNT(*) FROM feedback WHERE inserted_at < ? GROUP BY item, type ' +
              'ON CONFLICT (item, type) DO UPDATE SET count = count + excluded.count',
          )
          .run(before);
      }
      const feedback = this.db.prepare('DELETE FROM feedback WHERE inserted_at < ?').run(before).changes;
      const requestLogs = this.db.prepare('DELETE FROM request_log WHERE time < ?').run(before).changes;
      if (feedback > 0) this.record('bulk', []);
      return { feedback, requestLogs };
    })();
  }

  feedbackAggregates(): FeedbackAggregate[] {
    return this.db
      .prepare('SELECT item, type, count FROM feedback_aggregates ORDER BY item, type')
      .all() as FeedbackAggregate[];
  }
}
