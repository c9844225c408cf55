/**
 * @module store/postgres/rules
 * Operator control and users' data on PostgreSQL, the counterpart of store/sqlite/rules.ts:
 * business rules, the audit log, the review queue, opt-outs, a user's export and retention
 * (tables of migration 5). Writes the servers must see record their change row in the same
 * transaction (./changes).
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../errors.js';
import type {
  AttributedEvent,
  AuditEntry,
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
import * as changes from './changes.js';
import type { Queryable } from './pool.js';
import { fromBytea } from './rows.js';

const iso = (): string => new Date().toISOString();

interface RuleRow {
  id: string;
  body: RuleInput;
  created_at: string;
  updated_at: string;
}

const ruleOf = (r: RuleRow): RuleRecord => ({
  ...r.body,
  id: r.id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface ReviewRow {
  item: string;
  status: ReviewStatus;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

const reviewOf = (r: ReviewRow): ReviewRecord => ({
  item: r.item,
  status: r.status,
  createdAt: r.created_at,
  ...(r.decided_at ? { decidedAt: r.decided_at } : {}),
  ...(r.decided_by ? { decidedBy: r.decided_by } : {}),
});

function ruleBody(rule: RuleInput): RuleInput {
  return {
    name: rule.name,
    enabled: rule.enabled,
    ...(rule.segment ? { segment: rule.segment } : {}),
    action: rule.action,
  };
}

export async function listRules(db: Queryable): Promise<RuleRecord[]> {
  const { rows } = await db.query<RuleRow>('SELECT id, body, created_at, updated_at FROM rules ORDER BY pos');
  return rows.map(ruleOf);
}

export async function getRule(db: Queryable, id: string): Promise<RuleRecord | undefined> {
  const { rows } = await db.query<RuleRow>(
    'SELECT id, body, created_at, updated_at FROM rules WHERE id = $1',
    [id],
  );
  return rows[0] ? ruleOf(rows[0]) : undefined;
}

/** Inside a transaction `c`. */
export async function putRule(
  c: Queryable,
  origin: string,
  rule: RuleInput & { id?: string },
): Promise<string> {
  const id = rule.id ?? randomUUID();
  const t = iso();
  await c.query(
    'INSERT INTO rules (id, body, created_at, updated_at) VALUES ($1, $2, $3, $3) ' +
      'ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
    [id, JSON.stringify(ruleBody(rule)), t],
  );
  await changes.record(c, origin, 'rules', [id]);
  return id;
}

/** Inside a transaction `c`. */
export async function deleteRule(c: Queryable, origin: string, id: string): Promise<void> {
  const r = await c.query('DELETE FROM rules WHERE id = $1', [id]);
  if (r.rowCount === 0) throw new NotFoundError(`unknown rule "${id}"`);
  await changes.record(c, origin, 'rules', [id]);
}

export async function addAudit(db: Queryable, e: Omit<AuditEntry, 'id' | 'time'>): Promise<AuditEntry> {
  const time = iso();
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO audit_log (time, actor, action, target, details) VALUES ($1, $2, $3, $4, $5) RETURNING id::float8 AS id',
    [time, e.actor, e.action, e.target, JSON.stringify(e.details)],
  );
  return { id: rows[0]!.id, time, ...e };
}

export async function listAudit(
  db: Queryable,
  o: { limit?: number; before?: number } = {},
): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditEntry>(
    'SELECT id::float8 AS id, time, actor, action, target, details FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2',
    [o.before ?? Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(o.limit ?? 100))],
  );
  return rows;
}

export async function queueReview(db: Queryable, items: readonly string[]): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `INSERT INTO review_queue (item, status, created_at) SELECT x, 'pending', $2 FROM unnest($1::text[]) WITH ORDINALITY AS t(x, k) ORDER BY k ON CONFLICT (item) DO NOTHING`,
    [[...new Set(items)], iso()],
  );
}

export async function listReview(
  db: Queryable,
  o: { status?: ReviewStatus; limit?: number } = {},
): Promise<ReviewRecord[]> {
  const { rows } = await db.query<ReviewRow>(
    'SELECT item, status, created_at, decided_at, decided_by FROM review_queue WHERE status = $1 ORDER BY pos LIMIT $2',
    [o.status ?? 'pending', Math.max(0, Math.floor(o.limit ?? 100))],
  );
  return rows.map(reviewOf);
}

export async function decideReview(
  db: Queryable,
  item: string,
  status: 'approved' | 'rejected',
  by: string,
): Promise<ReviewRecord> {
  const { rows } = await db.query<ReviewRow>(
    'UPDATE review_queue SET status = $1, decided_at = $2, decided_by = $3 WHERE item = $4 ' +
      'RETURNING item, status, created_at, decided_at, decided_by',
    [status, iso(), by, item],
  );
  if (!rows[0]) throw new NotFoundError(`item "${item}" is not in the review queue`);
  return reviewOf(rows[0]);
}

/** Inside a transaction `c`. */
export async function setOptOut(
  c: Queryable,
  origin: string,
  user: string,
  optedOut: boolean,
): Promise<void> {
  if (optedOut) {
    await c.query('INSERT INTO opt_outs (user_id, at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [
      user,
      iso(),
    ]);
  } else await c.query('DELETE FROM opt_outs WHERE user_id = $1', [user]);
  await changes.record(c, origin, 'opt-out', [user]);
}

export async function optedOutUsers(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM opt_outs ORDER BY at, user_id');
  return rows.map((r) => r.user_id);
}

export async function exportUser(db: Queryable, id: string, logKeys: readonly string[]): Promise<UserExport> {
  const { rows: us } = await db.query<{
    id: string;
    labels: string[];
    attributes: StoredUser['attributes'];
    comment: string | null;
  }>('SELECT id, labels, attributes, comment FROM users WHERE id = $1', [id]);
  const u = us[0];
  if (!u) throw new NotFoundError(`unknown user "${id}"`);
  const user: StoredUser = {
    id: u.id,
    labels: u.labels,
    attributes: u.attributes,
    ...(u.comment !== null ? { comment: u.comment } : {}),
  };
  const feedback = (
    await db.query<StoredFeedback>(
      'SELECT user_id AS "user", item, type, value, timestamp FROM feedback WHERE user_id = $1 ORDER BY id',
      [id],
    )
  ).rows;
  const vectors = (
    await db.query<{ version: number; vector: Uint8Array }>(
      'SELECT version, vector FROM user_vectors WHERE user_id = $1 ORDER BY version',
      [id],
    )
  ).rows.map((r) => ({ version: r.version, vector: Array.from(fromBytea(r.vector)) }));
  const modelRows = (
    await db.query<{ version: number; row: number }>(
      'SELECT version, row_index AS row FROM model_users WHERE user_id = $1 ORDER BY version',
      [id],
    )
  ).rows;
  const impressions = (
    await db.query<{
      id: string;
      user: string;
      experiment: string | null;
      arm: string | null;
      items: string[];
      time: number;
    }>(
      'SELECT id, user_id AS "user", experiment, arm, items, time FROM impressions WHERE user_id = $1 ORDER BY time',
      [id],
    )
  ).rows.map(
    (r): Impression => ({
      id: r.id,
      user: r.user,
      ...(r.experiment !== null ? { experiment: r.experiment } : {}),
      ...(r.arm !== null ? { arm: r.arm } : {}),
      items: r.items,
      time: r.time,
    }),
  );
  const attributed = (
    await db.query<AttributedEvent>(
      'SELECT impression, experiment, arm, user_id AS "user", item, kind, time FROM ab_events WHERE user_id = $1 ORDER BY time',
      [id],
    )
  ).rows;
  const requestLogs = (
    await db.query<RequestLogEntry>(
      'SELECT time, method, route, status, ms, user_id AS "user" FROM request_log WHERE user_id = ANY($1::text[]) ORDER BY id',
      [[...new Set(logKeys)]],
    )
  ).rows;
  const optedOut = (await db.query('SELECT 1 FROM opt_outs WHERE user_id = $1', [id])).rows.length > 0;
  return { user, optedOut, feedback, vectors, modelRows, impressions, attributed, requestLogs };
}

export async function forgetRequestLogs(db: Queryable, keys: readonly string[]): Promise<number> {
  const r = await db.query('DELETE FROM request_log WHERE user_id = ANY($1::text[])', [[...new Set(keys)]]);
  return r.rowCount ?? 0;
}

/** Inside a transaction `c`. */
export async function applyRetention(
  c: Queryable,
  origin: string,
  before: number,
  mode: 'aggregate' | 'delete',
): Promise<RetentionResult> {
  if (mode === 'aggregate') {
    await c.query(
      'INSERT INTO feedback_aggregates (item, type, count) ' +
        'SELECT item, type, COUNT(*) FROM feedback WHERE inserted_at < $1 GROUP BY item, type ' +
        'ON CONFLICT (item, type) DO UPDATE SET count = feedback_aggregates.count + excluded.count',
      [before],
    );
  }
  const feedback = (await c.query('DELETE FROM feedback WHERE inserted_at < $1', [before])).rowCount ?? 0;
  const requestLogs = (await c.query('DELETE FROM request_log WHERE time < $1', [before])).rowCount ?? 0;
  if (feedback > 0) await changes.record(c, origin, 'bulk', []);
  return { feedback, requestLogs };
}

export async function feedbackAggregates(db: Queryable): Promise<FeedbackAggregate[]> {
  const { rows } = await db.query<FeedbackAggregate>(
    'SELECT item, type, count::float8 AS count FROM feedback_aggregates ORDER BY item, type',
  );
  return rows;
}
