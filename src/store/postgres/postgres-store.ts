/**
 * @module store/postgres/postgres-store
 * The networked backend of {@link Store}: PostgreSQL through a node-postgres pool, the store's
 * tables in one PostgreSQL schema named by the URL (`?schema=fr_abc`, default `public`), schema
 * migrations on open, every batch in one transaction that also records its change-feed row, and
 * the same behaviour as the SQLite store (the contract suite in store/contract.ts runs against
 * both). As in the SQLite store, impressions and request logs are buffered and written in batches
 * (one transaction per flush, at most every 100 ms); every read that could see them flushes first.
 * The batch writes live in catalog.ts, models in models.ts, A/B data in experiments.ts and the
 * change feed in changes.ts.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, describeError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type {
  ArmBucket,
  ArmCounts,
  ArtifactFile,
  AttributedEvent,
  AuditEntry,
  ChangeRecord,
  EventWriteOptions,
  ExperimentArm,
  ExperimentRecord,
  FeedbackAggregate,
  ImportAllOptions,
  ImportAllResult,
  Impression,
  ItemListOptions,
  ItemPatch,
  ItemVectorRecord,
  JobRecord,
  JobStatus,
  ListOptions,
  ModalityVectors,
  ModelIds,
  ModelVersion,
  ModelVersionDetail,
  NewJob,
  NewModelVersion,
  ReportKind,
  ReportRecord,
  ReportSummary,
  RequestLogEntry,
  RetentionResult,
  ReviewRecord,
  ReviewStatus,
  RuleInput,
  RuleRecord,
  Store,
  StoreCounts,
  StoredFeedback,
  StoredItem,
  StoredUser,
  UserExport,
  UserSummary,
} from '../types.js';
import {
  checkItemsExist,
  insertFeedbackRows,
  putVectorRows,
  upsertItemRows,
  upsertUserRows,
} from './catalog.js';
import * as changes from './changes.js';
import * as ab from './experiments.js';
import { importFeedbackRows } from './import-feedback.js';
import * as indexes from './indexes.js';
import * as jobs from './jobs.js';
import * as models from './models.js';
import { createPool, inTransaction, type Pool, parsePostgresUrl, sqlState } from './pool.js';
import {
  checkIds,
  distinct,
  FEEDBACK_COLUMNS,
  type FeedbackRow,
  fromBytea,
  ITEM_COLUMNS,
  type ItemRow,
  pageOf,
  rowToItem,
  rowToUser,
  type UserRow,
} from './rows.js';
import * as ops from './rules.js';
import { migrate } from './schema.js';
import * as streamEvents from './stream-events.js';

const FLUSH_MS = 100;
const FLUSH_ROWS = 512;
const USER_COLUMNS =
  'u.id, u.labels, u.attributes, u.comment, (SELECT COUNT(*) FROM feedback f WHERE f.user_id = u.id)::int AS n';

/** A {@link Store} in one schema of a PostgreSQL database. */
export class PostgresStore implements Store {
  readonly url: string;
  readonly origin = randomUUID();
  readonly dataDir: string | undefined = undefined;
  /** The PostgreSQL schema the tables live in. */
  readonly schema: string;
  private readonly pool: Pool;
  private pendingImpressions: Impression[] = [];
  private pendingLogs: RequestLogEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(pool: Pool, url: string, schema: string) {
    this.pool = pool;
    this.url = url;
    this.schema = schema;
  }

  /**
   * Connects to the database a `postgres://` URL names, creates the schema (`?schema=`) when
   * missing and migrates it; refuses a schema written by a newer fusionrec (MismatchError).
   */
  static async open(url: string, options: { maxConnections?: number } = {}): Promise<PostgresStore> {
    const target = parsePostgresUrl(url);
    const pool = createPool({
      connectionString: target.connectionString,
      options: `-c search_path=${target.schema}`,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'fusionrec',
    });
    // an idle connection dropped by the server must not crash the process; the next query reconnects
    pool.on('error', (err) =>
      process.emitWarning(`PostgreSQL store ${target.display}: ${describeError(err)}`),
    );
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => {});
      throw new InvalidArgumentError(
        `cannot connect to PostgreSQL at ${target.display}: ${describeError(err)}`,
        { cause: err },
      );
    }
    try {
      await migrate(pool, target.schema, target.display);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PostgresStore(pool, target.display, target.schema);
  }

  private tx<T>(fn: Parameters<typeof inTransaction<T>>[1]): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ value: T }>('SELECT value FROM meta WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, JSON.stringify(value) ?? 'null'],
      );
      await changes.record(c, this.origin, 'meta', [key]);
    });
  }

  async upsertItems(
    items: readonly StoredItem[],
    vectors: readonly ItemVectorRecord[] = [],
    options: EventWriteOptions = {},
  ): Promise<{ inserted: number; updated: number }> {
    checkIds(
      items.map((i) => i.id),
      'item',
    );
    return this.tx(async (c) => {
      if (!(await streamEvents.claimEvent(c, options.eventId))) return { inserted: 0, updated: 0 };
      const counts = await upsertItemRows(c, items);
      await checkItemsExist(c, vectors, 'vectors');
      await putVectorRows(c, vectors);
      const keys = distinct([...items.map((i) => i.id), ...vectors.map((v) => v.item)]);
      if (keys.length > 0) await changes.record(c, this.origin, 'items', keys);
      return counts;
    });
  }

  async getItem(id: string): Promise<StoredItem | undefined> {
    const { rows } = await this.pool.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`, [id]);
    return rows[0] ? rowToItem(rows[0]) : undefined;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, StoredItem>> {
    const { rows } = await this.pool.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM items WHERE id = ANY($1::text[])`,
      [distinct(ids)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out = new Map<string, StoredItem>();
    for (const id of ids) {
      const r = byId.get(id);
      if (r && !out.has(id)) out.set(id, rowToItem(r));
    }
    return out;
  }

  async listItems(o: ItemListOptions = {}): Promise<{ items: StoredItem[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (o.category !== undefined) {
      where.push(
        `EXISTS (SELECT 1 FROM json_array_elements_text(categories) AS c(v) WHERE c.v = ${arg(o.category)})`,
      );
    }
    if (o.q !== undefined && o.q !== '') {
      const like = arg(`%${o.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
      where.push(
        `(LOWER(id) LIKE ${like} ESCAPE '\\' OR ` +
          `EXISTS (SELECT 1 FROM json_each_text(text) AS t WHERE LOWER(t.value) LIKE ${like} ESCAPE '\\'))`,
      );
    }
    if (o.modality !== undefined) where.push(`modalities ->> ${arg(o.modality)} = 'present'`);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { limit, offset } = pageOf(o);
    const total = await this.pool.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM items ${clause}`,
      args,
    );
    const { rows } = await this.pool.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM items ${clause} ORDER BY pos LIMIT ${arg(limit)} OFFSET ${arg(offset)}`,
      args,
    );
    return { items: rows.map(rowToItem), total: total.rows[0]!.n };
  }

  async allItems(): Promise<StoredItem[]> {
    const { rows } = await this.pool.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY pos`);
    return rows.map(rowToItem);
  }

  async patchItem(id: string, patch: ItemPatch): Promise<StoredItem> {
    return this.tx(async (c) => {
      const { rows } = await c.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      if (!rows[0]) throw new NotFoundError(`unknown item "${id}"`);
      const next: StoredItem = { ...rowToItem(rows[0]), ...patch, id };
      for (const key of ['image', 'audio', 'comment'] as const) {
        if (key in patch && patch[key] === undefined) delete next[key];
      }
      await upsertItemRows(c, [next]);
      await changes.record(c, this.origin, 'items', [id]);
      return next;
    });
  }

  async deleteItem(id: string, options: EventWriteOptions = {}): Promise<void> {
    await this.tx(async (c) => {
      if (!(await streamEvents.claimEvent(c, options.eventId))) return;
      const r = await c.query('DELETE FROM items WHERE id = $1', [id]);
      if (r.rowCount === 0) throw new NotFoundError(`unknown item "${id}"`);
      await c.query('DELETE FROM feedback WHERE item = $1', [id]);
      await c.query('DELETE FROM item_vectors WHERE item = $1', [id]);
      await changes.record(c, this.origin, 'item-deleted', [id]);
    });
  }

  async importAll(
    batch: {
      items: readonly StoredItem[];
      vectors: readonly ItemVectorRecord[];
      users: readonly StoredUser[];
      feedback: readonly StoredFeedback[];
    },
    options: ImportAllOptions = {},
  ): Promise<ImportAllResult> {
    checkIds(
      batch.items.map((i) => i.id),
      'item',
    );
    checkIds(
      batch.users.map((u) => u.id),
      'user',
    );
    return this.tx(async (c) => {
      await upsertItemRows(c, batch.items);
      await checkItemsExist(c, batch.vectors, 'vectors');
      await putVectorRows(c, batch.vectors);
      await upsertUserRows(c, batch.users);
      await checkItemsExist(c, batch.feedback, 'feedback');
      const fb = await importFeedbackRows(c, batch.feedback, options.replaceFeedback === true);
      await changes.record(c, this.origin, 'bulk', []);
      return {
        items: batch.items.length,
        users: batch.users.length,
        feedback: fb.inserted,
        feedbackExisting: fb.existing,
        feedbackRemoved: fb.removed,
      };
    });
  }

  async upsertUsers(users: readonly StoredUser[]): Promise<{ inserted: number; updated: number }> {
    checkIds(
      users.map((u) => u.id),
      'user',
    );
    return this.tx(async (c) => {
      const counts = await upsertUserRows(c, users);
      if (users.length > 0) {
        await changes.record(
          c,
          this.origin,
          'users',
          users.map((u) => u.id),
        );
      }
      return counts;
    });
  }

  async getUser(id: string): Promise<UserSummary | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [
      id,
    ]);
    return rows[0] ? rowToUser(rows[0]) : undefined;
  }

  async listUsers(o?: ListOptions): Promise<{ users: UserSummary[]; total: number }> {
    const { limit, offset } = pageOf(o);
    const { rows } = await this.pool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u ORDER BY u.pos LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const total = await this.pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM users');
    return { users: rows.map(rowToUser), total: total.rows[0]!.n };
  }

  async deleteUser(id: string, options: EventWriteOptions = {}): Promise<void> {
    await this.flush();
    await this.tx(async (c) => {
      if (!(await streamEvents.claimEvent(c, options.eventId))) return;
      const r = await c.query('DELETE FROM users WHERE id = $1', [id]);
      if (r.rowCount === 0) throw new NotFoundError(`unknown user "${id}"`);
      for (const table of [
        'feedback',
        'user_vectors',
        'model_users',
        'impressions',
        'ab_events',
        'request_log',
      ]) {
        await c.query(`DELETE FROM ${table} WHERE user_id = $1`, [id]);
      }
      await changes.record(c, this.origin, 'user-deleted', [id]);
    });
  }

  async insertFeedback(
    rows: readonly StoredFeedback[],
    options: EventWriteOptions = {},
  ): Promise<{ inserted: number; usersCreated: string[] }> {
    return this.tx(async (c) => {
      if (!(await streamEvents.claimEvent(c, options.eventId))) return { inserted: 0, usersCreated: [] };
      await checkItemsExist(c, rows, '');
      const usersCreated = await insertFeedbackRows(c, rows);
      await changes.recordFeedback(c, this.origin, rows);
      return { inserted: rows.length, usersCreated };
    });
  }

  async userFeedback(user: string, o: { type?: string; limit?: number } = {}): Promise<StoredFeedback[]> {
    const limit = o.limit === undefined || o.limit < 0 ? null : o.limit;
    const { rows } =
      o.type === undefined
        ? await this.pool.query<FeedbackRow>(
            `SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE user_id = $1 ORDER BY timestamp DESC, id DESC LIMIT $2`,
            [user, limit],
          )
        : await this.pool.query<FeedbackRow>(
            `SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE user_id = $1 AND type = $2 ` +
              'ORDER BY timestamp DESC, id DESC LIMIT $3',
            [user, o.type, limit],
          );
    return rows;
  }

  async allFeedback(): Promise<StoredFeedback[]> {
    return (await this.pool.query<FeedbackRow>(`SELECT ${FEEDBACK_COLUMNS} FROM feedback ORDER BY id`)).rows;
  }

  async feedbackInsertedSince(since: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT COUNT(*)::int AS n FROM feedback WHERE inserted_at >= $1',
      [since],
    );
    return rows[0]!.n;
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.pool.query<StoreCounts>(
      'SELECT (SELECT COUNT(*) FROM items)::int AS items, (SELECT COUNT(*) FROM users)::int AS users, ' +
        '(SELECT COUNT(*) FROM feedback)::int AS feedback',
    );
    return rows[0]!;
  }

  async putItemVectors(rows: readonly ItemVectorRecord[]): Promise<void> {
    await this.tx(async (c) => {
      await checkItemsExist(c, rows, '');
      await putVectorRows(c, rows);
      const keys = distinct(rows.map((v) => v.item));
      if (keys.length > 0) await changes.record(c, this.origin, 'items', keys);
    });
  }

  async itemVectors(item: string): Promise<Record<string, Float32Array>> {
    const { rows } = await this.pool.query<{ modality: string; vector: Buffer }>(
      'SELECT modality, vector FROM item_vectors WHERE item = $1',
      [item],
    );
    const out: Record<string, Float32Array> = {};
    for (const r of rows) out[r.modality] = fromBytea(r.vector);
    return out;
  }

  async vectorModalities(): Promise<string[]> {
    const { rows } = await this.pool.query<{ modality: string }>(
      'SELECT DISTINCT modality COLLATE "C" AS modality FROM item_vectors ORDER BY 1',
    );
    return rows.map((r) => r.modality);
  }

  async modalityVectors(modality: string): Promise<ModalityVectors | undefined> {
    const { rows } = await this.pool.query<{ item: string; encoder: string; dim: number; vector: Buffer }>(
      'SELECT v.item, v.encoder, v.dim, v.vector FROM item_vectors v JOIN items i ON i.id = v.item ' +
        'WHERE v.modality = $1 ORDER BY i.pos',
      [modality],
    );
    if (rows.length === 0) return undefined;
    const { dim, encoder } = rows[0]!;
    const keep = rows.filter((r) => r.dim === dim && r.encoder === encoder);
    const data = new Float32Array(keep.length * dim);
    keep.forEach((r, k) => {
      data.set(fromBytea(r.vector), k * dim);
    });
    return { modality, encoder, dim, ids: keep.map((r) => r.item), data };
  }

  putUserVector(user: string, version: number, vector: Float32Array): Promise<void> {
    return models.putUserVector(this.pool, user, version, vector);
  }

  userVectors(version: number): Promise<Map<string, Float32Array>> {
    return models.userVectors(this.pool, version);
  }

  addModelVersion(v: NewModelVersion): Promise<number> {
    return models.addModelVersion(this.pool, this.origin, v);
  }

  listModelVersions(): Promise<ModelVersion[]> {
    return models.listModelVersions(this.pool);
  }

  getModelVersion(version: number): Promise<ModelVersionDetail | undefined> {
    return models.getModelVersion(this.pool, version);
  }

  modelFiles(version: number): Promise<ArtifactFile[]> {
    return models.modelFiles(this.pool, version);
  }

  modelIds(version: number): Promise<ModelIds> {
    return models.modelIds(this.pool, version);
  }

  activateModelVersion(version: number): Promise<void> {
    return models.activateModelVersion(this.pool, this.origin, version);
  }

  activeModelVersion(): Promise<number | undefined> {
    return models.activeModelVersion(this.pool);
  }

  putModelIndex(version: number, kind: string, data: Uint8Array): Promise<void> {
    return indexes.putModelIndex(this.pool, version, kind, data);
  }

  getModelIndex(version: number, kind: string): Promise<Uint8Array | undefined> {
    return indexes.getModelIndex(this.pool, version, kind);
  }

  async addReport(r: {
    kind: ReportKind;
    title: string;
    body: unknown;
    id?: string;
  }): Promise<ReportSummary> {
    const id = r.id ?? randomUUID();
    const createdAt = new Date().toISOString();
    try {
      await this.pool.query(
        'INSERT INTO reports (id, kind, title, created_at, body) VALUES ($1, $2, $3, $4, $5)',
        [id, r.kind, r.title, createdAt, JSON.stringify(r.body) ?? 'null'],
      );
    } catch (err) {
      if (sqlState(err) === '23505') {
        throw new AlreadyExistsError(`a report with id "${id}" already exists`, { cause: err });
      }
      throw err;
    }
    return { id, kind: r.kind, title: r.title, createdAt };
  }

  async listReports(): Promise<ReportSummary[]> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: ReportKind;
      title: string;
      created_at: string;
    }>('SELECT id, kind, title, created_at FROM reports ORDER BY created_at COLLATE "C", pos');
    return rows.map((r) => ({ id: r.id, kind: r.kind, title: r.title, createdAt: r.created_at }));
  }

  async getReport(id: string): Promise<ReportRecord | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: ReportKind;
      title: string;
      created_at: string;
      body: unknown;
    }>('SELECT id, kind, title, created_at, body FROM reports WHERE id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, kind: r.kind, title: r.title, createdAt: r.created_at, body: r.body } : undefined;
  }

  createExperiment(e: { name: string; arms: ExperimentArm[]; id?: string }): Promise<ExperimentRecord> {
    return ab.createExperiment(this.pool, this.origin, e);
  }

  listExperiments(): Promise<ExperimentRecord[]> {
    return ab.listExperiments(this.pool);
  }

  getExperiment(idOrName: string): Promise<ExperimentRecord | undefined> {
    return ab.getExperiment(this.pool, idOrName);
  }

  stopExperiment(id: string): Promise<ExperimentRecord> {
    return ab.stopExperiment(this.pool, this.origin, id);
  }

  async addImpression(imp: Impression): Promise<void> {
    this.pendingImpressions.push(imp);
    this.scheduleFlush();
  }

  async recentImpressions(user: string, since: number): Promise<Impression[]> {
    await this.flush();
    return ab.recentImpressions(this.pool, user, since);
  }

  addAttributedEvents(events: readonly AttributedEvent[]): Promise<void> {
    return ab.addAttributedEvents(this.pool, events);
  }

  async experimentCounts(experiment: string): Promise<ArmCounts[]> {
    await this.flush();
    return ab.experimentCounts(this.pool, experiment);
  }

  async experimentTimeseries(experiment: string, bucketSeconds: number): Promise<ArmBucket[]> {
    await this.flush();
    return ab.experimentTimeseries(this.pool, experiment, bucketSeconds);
  }

  changesSince(after: number, limit?: number): Promise<ChangeRecord[]> {
    return changes.changesSince(this.pool, after, limit);
  }

  lastChangeSeq(): Promise<number> {
    return changes.lastChangeSeq(this.pool);
  }

  pruneChanges(before: number): Promise<number> {
    return changes.pruneChanges(this.pool, before);
  }

  firstChangeSeq(): Promise<number> {
    return changes.firstChangeSeq(this.pool);
  }

  appliedStreamEvents(ids: readonly string[]): Promise<Set<string>> {
    return streamEvents.appliedEvents(this.pool, ids);
  }

  pruneStreamEvents(before: number): Promise<number> {
    return streamEvents.pruneEvents(this.pool, before);
  }

  async enqueueJob(job: NewJob): Promise<JobRecord> {
    return jobs.enqueueJob(this.pool, job);
  }

  async claimJob(
    workerId: string,
    kinds: readonly string[],
    leaseSeconds: number,
  ): Promise<JobRecord | undefined> {
    return jobs.claimJob(this.pool, workerId, kinds, leaseSeconds);
  }

  async heartbeatJob(
    id: number,
    workerId: string,
    leaseSeconds: number,
    progress?: Record<string, unknown>,
  ): Promise<boolean> {
    return jobs.heartbeatJob(this.pool, id, workerId, leaseSeconds, progress);
  }

  async finishJob(
    id: number,
    workerId: string,
    outcome: { status: 'done' | 'failed'; result?: Record<string, unknown>; error?: string },
  ): Promise<boolean> {
    return jobs.finishJob(this.pool, id, workerId, outcome);
  }

  async releaseJob(id: number, workerId: string): Promise<boolean> {
    return jobs.releaseJob(this.pool, id, workerId);
  }

  async getJob(id: number): Promise<JobRecord | undefined> {
    return jobs.getJob(this.pool, id);
  }

  async listJobs(options?: { limit?: number; status?: readonly JobStatus[] }): Promise<JobRecord[]> {
    return jobs.listJobs(this.pool, options);
  }

  listRules(): Promise<RuleRecord[]> {
    return ops.listRules(this.pool);
  }
  getRule(id: string): Promise<RuleRecord | undefined> {
    return ops.getRule(this.pool, id);
  }
  async putRule(rule: RuleInput & { id?: string }): Promise<RuleRecord> {
    const id = await this.tx((c) => ops.putRule(c, this.origin, rule));
    return (await ops.getRule(this.pool, id))!;
  }
  deleteRule(id: string): Promise<void> {
    return this.tx((c) => ops.deleteRule(c, this.origin, id));
  }
  addAudit(entry: Omit<AuditEntry, 'id' | 'time'>): Promise<AuditEntry> {
    return ops.addAudit(this.pool, entry);
  }
  listAudit(options?: { limit?: number; before?: number }): Promise<AuditEntry[]> {
    return ops.listAudit(this.pool, options);
  }
  queueReview(items: readonly string[]): Promise<void> {
    return ops.queueReview(this.pool, items);
  }
  listReview(options?: { status?: ReviewStatus; limit?: number }): Promise<ReviewRecord[]> {
    return ops.listReview(this.pool, options);
  }
  decideReview(item: string, status: 'approved' | 'rejected', by: string): Promise<ReviewRecord> {
    return ops.decideReview(this.pool, item, status, by);
  }
  setOptOut(user: string, optedOut: boolean): Promise<void> {
    return this.tx((c) => ops.setOptOut(c, this.origin, user, optedOut));
  }
  optedOutUsers(): Promise<string[]> {
    return ops.optedOutUsers(this.pool);
  }
  async exportUser(id: string, logKeys: readonly string[]): Promise<UserExport> {
    await this.flush();
    return ops.exportUser(this.pool, id, logKeys);
  }
  async forgetRequestLogs(keys: readonly string[]): Promise<number> {
    await this.flush();
    return ops.forgetRequestLogs(this.pool, keys);
  }
  async applyRetention(before: number, mode: 'aggregate' | 'delete'): Promise<RetentionResult> {
    await this.flush();
    return this.tx((c) => ops.applyRetention(c, this.origin, before, mode));
  }
  feedbackAggregates(): Promise<FeedbackAggregate[]> {
    return ops.feedbackAggregates(this.pool);
  }

  async logRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    for (const e of entries) this.pendingLogs.push(e);
    this.scheduleFlush();
  }

  async userRequestLogCount(user: string): Promise<number> {
    await this.flush();
    return ab.userRequestLogCount(this.pool, user);
  }

  private scheduleFlush(): void {
    if (this.pendingImpressions.length + this.pendingLogs.length >= FLUSH_ROWS) {
      this.flush().catch(() => {});
      return;
    }
    if (this.flushTimer === undefined && !this.closed) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush().catch(() => {});
      }, FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /**
   * Writes buffered impressions and request logs in one transaction, after any flush in progress;
   * resolves when everything buffered before the call is written. A failed flush rejects its
   * callers and warns once (a timer's flush has no caller); the rows it carried are dropped.
   */
  flush(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pendingImpressions.length === 0 && this.pendingLogs.length === 0) return this.flushing;
    const imps = this.pendingImpressions;
    const logs = this.pendingLogs;
    this.pendingImpressions = [];
    this.pendingLogs = [];
    const run = this.flushing.then(() =>
      this.tx(async (c) => {
        await ab.writeImpressions(c, imps);
        await ab.writeRequestLogs(c, logs);
      }),
    );
    this.flushing = run.catch((err) => {
      process.emitWarning(
        `PostgreSQL store ${this.url}: ${imps.length} impressions and ${logs.length} request-log rows ` +
          `were not written: ${describeError(err)}`,
      );
    });
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => {});
    this.closed = true;
    await this.pool.end();
  }
}
