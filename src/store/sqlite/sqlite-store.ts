/**
 * @module store/sqlite/sqlite-store
 * The embedded backend of {@link Store}: one SQLite file through better-sqlite3, WAL journal (readers
 * never wait for the writer), prepared statements, every batch in one transaction, schema
 * migrations on open. Impressions and request logs are buffered and written in batches (one
 * transaction per flush, at most every 100 ms); every read that could see them flushes first.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AttributeValue } from '../../data/types.js';
import type { MediaKind } from '../../encoders/encoder.js';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import { armBuckets, armCounts, type EventRow, type ImpressionRow } from '../ab-counts.js';
import { checkIds, pageOf } from '../batch-checks.js';
import type {
  ArmBucket,
  ArmCounts,
  ArtifactFile,
  AttributedEvent,
  AuditEntry,
  ChangeKind,
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
  ModalityStatus,
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
import { MAX_CHANGE_ROWS } from '../types.js';
import { type Database, openDatabase, type Statement } from './driver.js';
import { type Durability, durabilityOf, synchronousPragma } from './durability.js';
import { importFeedbackRows } from './import-feedback.js';
import { SqliteJobs } from './jobs.js';
import { SqliteOperatorData } from './rules.js';
import { migrate } from './schema.js';
import { SqliteStreamEvents } from './stream-events.js';

interface ItemRow {
  id: string;
  text: string;
  categories: string;
  labels: string;
  attributes: string;
  image: string | null;
  audio: string | null;
  timestamp: number;
  hidden: number;
  modalities: string;
  comment: string | null;
}

interface UserRow {
  id: string;
  labels: string;
  attributes: string;
  comment: string | null;
  n?: number;
}

interface FeedbackRow {
  user: string;
  item: string;
  type: string;
  value: number;
  timestamp: number;
}

const FLUSH_MS = 100;
const FLUSH_ROWS = 512;

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Copies a BLOB into an aligned Float32Array. */
function fromBlob(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength >>> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.length * 4));
  return out;
}

function rowToItem(r: ItemRow): StoredItem {
  const item: StoredItem = {
    id: r.id,
    text: JSON.parse(r.text) as Record<string, string>,
    categories: JSON.parse(r.categories) as string[],
    labels: JSON.parse(r.labels) as string[],
    attributes: JSON.parse(r.attributes) as Record<string, AttributeValue>,
    timestamp: r.timestamp,
    hidden: r.hidden !== 0,
    modalities: JSON.parse(r.modalities) as Partial<Record<MediaKind, ModalityStatus>>,
  };
  if (r.image !== null) item.image = r.image;
  if (r.audio !== null) item.audio = r.audio;
  if (r.comment !== null) item.comment = r.comment;
  return item;
}

function rowToUser(r: UserRow): UserSummary {
  const u: UserSummary = {
    id: r.id,
    labels: JSON.parse(r.labels) as string[],
    attributes: JSON.parse(r.attributes) as Record<string, AttributeValue>,
    feedbackCount: r.n ?? 0,
  };
  if (r.comment !== null) u.comment = r.comment;
  return u;
}

function itemParams(it: StoredItem): unknown[] {
  return [
    it.id,
    JSON.stringify(it.text),
    JSON.stringify(it.categories),
    JSON.stringify(it.labels),
    JSON.stringify(it.attributes),
    it.image ?? null,
    it.audio ?? null,
    it.timestamp,
    it.hidden ? 1 : 0,
    JSON.stringify(it.modalities),
    it.comment ?? null,
  ];
}

const now = (): number => Date.now() / 1000;

/** A {@link Store} on one SQLite file (or in memory). */
/** Bytes per model_indexes row (SQLite's largest value is 1 GB by default; a 10^6-item graph is ~400 MB). */
const INDEX_CHUNK = 16 << 20;

export class SqliteStore implements Store {
  readonly url: string;
  readonly origin = randomUUID();
  readonly dataDir: string | undefined;
  private readonly db: Database;
  private readonly st: Record<string, Statement>;
  private pendingImpressions: Impression[] = [];
  private pendingLogs: RequestLogEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The durable job queue (jobs.ts). */
  private readonly jobs: SqliteJobs;
  /** Processed stream event ids (stream-events.ts). */
  private readonly events: SqliteStreamEvents;
  /** Rules, audit log, review queue, opt-outs, export and retention (rules.ts). */
  private readonly ops: SqliteOperatorData;

  private constructor(db: Database, url: string, dataDir: string | undefined) {
    this.db = db;
    this.jobs = new SqliteJobs(db);
    this.events = new SqliteStreamEvents(db);
    this.ops = new SqliteOperatorData(
      db,
      (kind, keys) => this.record(kind, keys),
      () => this.flush(),
    );
    this.url = url;
    this.dataDir = dataDir;
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      itemExists: p('SELECT 1 FROM items WHERE id = ?'),
      upsertItem: p(
        'INSERT INTO items (id, text, categories, labels, attributes, image, audio, timestamp, hidden, modalities, comment) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET text = excluded.text, ' +
          'categories = excluded.categories, labels = excluded.labels, attributes = excluded.attributes, ' +
          'image = excluded.image, audio = excluded.audio, timestamp = excluded.timestamp, hidden = excluded.hidden, ' +
          'modalities = excluded.modalities, comment = excluded.comment',
      ),
      getItem: p('SELECT * FROM items WHERE id = ?'),
      allItems: p('SELECT * FROM items ORDER BY rowid'),
      deleteItem: p('DELETE FROM items WHERE id = ?'),
      deleteItemFeedback: p('DELETE FROM feedback WHERE item = ?'),
      deleteItemVectors: p('DELETE FROM item_vectors WHERE item = ?'),
      userExists: p('SELECT 1 FROM users WHERE id = ?'),
      upsertUser: p(
        'INSERT INTO users (id, labels, attributes, comment) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ' +
          'labels = excluded.labels, attributes = excluded.attributes, comment = excluded.comment',
      ),
      insertUserIfNew: p(`INSERT OR IGNORE INTO users (id, labels, attributes) VALUES (?, '[]', '{}')`),
      getUser: p(
        'SELECT u.*, (SELECT COUNT(*) FROM feedback f WHERE f.user = u.id) AS n FROM users u WHERE u.id = ?',
      ),
      listUsers: p(
        'SELECT u.*, (SELECT COUNT(*) FROM feedback f WHERE f.user = u.id) AS n FROM users u ORDER BY u.rowid LIMIT ? OFFSET ?',
      ),
      countUsers: p('SELECT COUNT(*) AS n FROM users'),
      countItems: p('SELECT COUNT(*) AS n FROM items'),
      countFeedback: p('SELECT COUNT(*) AS n FROM feedback'),
      insertFeedback: p(
        'INSERT INTO feedback (user, item, type, value, timestamp, inserted_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      userFeedback: p(
        'SELECT user, item, type, value, timestamp FROM feedback WHERE user = ? ORDER BY timestamp DESC, id DESC LIMIT ?',
      ),
      userFeedbackTyped: p(
        'SELECT user, item, type, value, timestamp FROM feedback WHERE user = ? AND type = ? ' +
          'ORDER BY timestamp DESC, id DESC LIMIT ?',
      ),
      allFeedback: p('SELECT user, item, type, value, timestamp FROM feedback ORDER BY id'),
      feedbackSince: p('SELECT COUNT(*) AS n FROM feedback WHERE inserted_at >= ?'),
      putVector: p(
        'INSERT INTO item_vectors (item, modality, encoder, dim, vector) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (modality, item) DO UPDATE SET encoder = excluded.encoder, dim = excluded.dim, vector = excluded.vector',
      ),
      deleteVector: p('DELETE FROM item_vectors WHERE item = ? AND modality = ?'),
      itemVectors: p('SELECT modality, vector FROM item_vectors WHERE item = ?'),
      vectorModalities: p('SELECT DISTINCT modality FROM item_vectors ORDER BY modality'),
      modalityVectors: p(
        'SELECT v.item, v.encoder, v.dim, v.vector FROM item_vectors v JOIN items i ON i.id = v.item ' +
          'WHERE v.modality = ? ORDER BY i.rowid',
      ),
      putUserVector: p(
        'INSERT INTO user_vectors (user, version, vector) VALUES (?, ?, ?) ' +
          'ON CONFLICT (version, user) DO UPDATE SET vector = excluded.vector',
      ),
      userVectors: p('SELECT user, vector FROM user_vectors WHERE version = ?'),
      addVersion: p(
        'INSERT INTO model_versions (name, params, metrics, report, items, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      addModelUser: p('INSERT INTO model_users (version, user, row) VALUES (?, ?, ?)'),
      addModelFile: p('INSERT INTO model_files (version, name, data) VALUES (?, ?, ?)'),
      listVersions: p(
        'SELECT version, name, params, metrics, created_at, active FROM model_versions ORDER BY version',
      ),
      getVersion: p(
        'SELECT version, name, params, metrics, report, created_at, active FROM model_versions WHERE version = ?',
      ),
      versionItems: p('SELECT items FROM model_versions WHERE version = ?'),
      modelUsers: p('SELECT user, row FROM model_users WHERE version = ?'),
      modelFiles: p('SELECT name, data FROM model_files WHERE version = ? ORDER BY name'),
      activate: p('UPDATE model_versions SET active = (version = ?)'),
      active: p('SELECT version FROM model_versions WHERE active = 1'),
      deleteModelIndex: p('DELETE FROM model_indexes WHERE version = ? AND kind = ?'),
      addModelIndexChunk: p('INSERT INTO model_indexes (version, kind, chunk, data) VALUES (?, ?, ?, ?)'),
      modelIndexChunks: p('SELECT data FROM model_indexes WHERE version = ? AND kind = ? ORDER BY chunk'),
      addReport: p('INSERT INTO reports (id, kind, title, created_at, body) VALUES (?, ?, ?, ?, ?)'),
      listReports: p('SELECT id, kind, title, created_at FROM reports ORDER BY created_at, rowid'),
      getReport: p('SELECT id, kind, title, created_at, body FROM reports WHERE id = ?'),
      addExperiment: p(
        `INSERT INTO experiments (id, name, status, arms, created_at) VALUES (?, ?, 'running', ?, ?)`,
      ),
      listExperiments: p('SELECT * FROM experiments ORDER BY created_at, rowid'),
      getExperiment: p('SELECT * FROM experiments WHERE id = ? OR name = ? ORDER BY (id = ?) DESC LIMIT 1'),
      stopExperiment: p(`UPDATE experiments SET status = 'stopped', stopped_at = ? WHERE id = ?`),
      addImpression: p(
        'INSERT INTO impressions (id, user, experiment, arm, items, time) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      recentImpressions: p(
        'SELECT id, user, experiment, arm, items, time FROM impressions ' +
          'WHERE user = ? AND experiment IS NOT NULL AND time >= ? ORDER BY time DESC LIMIT 200',
      ),
      addEvent: p(
        'INSERT OR IGNORE INTO ab_events (impression, experiment, arm, user, item, kind, time) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      impressionCounts: p('SELECT arm, COUNT(*) AS n FROM impressions WHERE experiment = ? GROUP BY arm'),
      eventCounts: p(
        'SELECT arm, kind, COUNT(DISTINCT impression) AS n FROM ab_events WHERE experiment = ? GROUP BY arm, kind',
      ),
      impressionSeries: p(
        'SELECT CAST(time / ? AS INTEGER) AS b, arm, COUNT(*) AS n FROM impressions WHERE experiment = ? GROUP BY b, arm',
      ),
      eventSeries: p(
        'SELECT CAST(time / ? AS INTEGER) AS b, arm, kind, COUNT(DISTINCT impression) AS n FROM ab_events ' +
          'WHERE experiment = ? GROUP BY b, arm, kind',
      ),
      addLog: p('INSERT INTO request_log (time, method, route, status, ms, user) VALUES (?, ?, ?, ?, ?, ?)'),
      userLogCount: p('SELECT COUNT(*) AS n FROM request_log WHERE user = ?'),
      addChange: p('INSERT INTO changes (origin, kind, keys, rows, time) VALUES (?, ?, ?, ?, ?)'),
      changesSince: p(
        'SELECT seq, origin, kind, keys, rows, time FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      lastChange: p('SELECT COALESCE(MAX(seq), 0) AS n FROM changes'),
      firstChange: p('SELECT COALESCE(MIN(seq), 0) AS n FROM changes'),
      pruneChanges: p('DELETE FROM changes WHERE time < ? AND seq < (SELECT MAX(seq) FROM changes)'),
    };
  }

  /**
   * Opens (creating and migrating when needed) the database at `file`, or ":memory:".
   * `durability` (default: FUSIONREC_SQLITE_DURABILITY, else normal): see sqlite/durability.
   */
  static open(file: string, options: { durability?: Durability } = {}): SqliteStore {
    const durability = durabilityOf(options.durability);
    const memory = file === ':memory:';
    const path = memory ? file : resolve(file);
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    const db = openDatabase(path);
    try {
      if (!memory) db.pragma('journal_mode = WAL');
      db.pragma(synchronousPragma(durability));
      // checkpoint the WAL every ~80 MB instead of every 4 MB: each checkpoint syncs the file on the
      // request that triggers it (feedback POST p99 on the demo server: 5.3-7.6 ms before, 3.3-3.9 after)
      if (!memory) db.pragma('wal_autocheckpoint = 20000');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(
      db,
      memory ? 'sqlite::memory:' : `sqlite://${path}`,
      memory ? undefined : dirname(path),
    );
  }

  private count(stmt: string, ...args: unknown[]): number {
    return (this.st[stmt]!.get(...args) as { n: number }).n;
  }

  /** Appends a change-feed row (`bulk` for more than MAX_CHANGE_ROWS keys); call inside the writing transaction. */
  private record(kind: ChangeKind, keys: readonly string[], rows?: readonly StoredFeedback[]): void {
    if (keys.length > MAX_CHANGE_ROWS) {
      kind = 'bulk';
      keys = [];
      rows = undefined;
    }
    this.st.addChange!.run(
      this.origin,
      kind,
      JSON.stringify(keys),
      rows === undefined ? null : JSON.stringify(rows),
      now(),
    );
  }

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    const row = this.st.getMeta!.get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.db.transaction(() => {
      this.st.setMeta!.run(key, JSON.stringify(value));
      this.record('meta', [key]);
    })();
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
    const ids = new Set(items.map((i) => i.id));
    return this.db.transaction(() => {
      if (!this.events.claim(options.eventId)) return { inserted: 0, updated: 0 };
      let inserted = 0;
      let updated = 0;
      for (const it of items) {
        if (this.st.itemExists!.get(it.id)) updated++;
        else inserted++;
        this.st.upsertItem!.run(...itemParams(it));
      }
      vectors.forEach((v, k) => {
        if (!ids.has(v.item) && !this.st.itemExists!.get(v.item)) {
          throw new NotFoundError(`unknown item "${v.item}" (vectors[${k}].item)`, {
            field: `vectors[${k}].item`,
          });
        }
        this.st.putVector!.run(v.item, v.modality, v.encoder, v.vector.length, toBlob(v.vector));
      });
      this.record('items', [...ids]);
      return { inserted, updated };
    })();
  }

  async getItem(id: string): Promise<StoredItem | undefined> {
    const r = this.st.getItem!.get(id) as ItemRow | undefined;
    return r ? rowToItem(r) : undefined;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, StoredItem>> {
    const out = new Map<string, StoredItem>();
    for (const id of ids) {
      if (out.has(id)) continue;
      const r = this.st.getItem!.get(id) as ItemRow | undefined;
      if (r) out.set(id, rowToItem(r));
    }
    return out;
  }

  async listItems(o: ItemListOptions = {}): Promise<{ items: StoredItem[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.category !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(items.categories) WHERE value = ?)');
      args.push(o.category);
    }
    if (o.q !== undefined && o.q !== '') {
      const like = `%${o.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(
        `(LOWER(id) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM json_each(items.text) WHERE LOWER(value) LIKE ? ESCAPE '\\'))`,
      );
      args.push(like, like);
    }
    if (o.modality !== undefined) {
      where.push(`json_extract(modalities, '$.' || ?) = 'present'`);
      args.push(o.modality);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { limit, offset } = pageOf(o);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM items ${clause}`).get(...args) as { n: number })
      .n;
    const rows = this.db
      .prepare(`SELECT * FROM items ${clause} ORDER BY rowid LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as ItemRow[];
    return { items: rows.map(rowToItem), total };
  }

  async allItems(): Promise<StoredItem[]> {
    return (this.st.allItems!.all() as ItemRow[]).map(rowToItem);
  }

  async patchItem(id: string, patch: ItemPatch): Promise<StoredItem> {
    return this.db.transaction(() => {
      const r = this.st.getItem!.get(id) as ItemRow | undefined;
      if (!r) throw new NotFoundError(`unknown item "${id}"`);
      const cur = rowToItem(r);
      const next: StoredItem = { ...cur, ...patch, id };
      for (const key of ['image', 'audio', 'comment'] as const) {
        if (key in patch && patch[key] === undefined) delete next[key];
      }
      this.st.upsertItem!.run(...itemParams(next));
      this.record('items', [id]);
      return next;
    })();
  }

  async deleteItem(id: string, options: EventWriteOptions = {}): Promise<void> {
    this.db.transaction(() => {
      if (!this.events.claim(options.eventId)) return;
      if (!this.st.itemExists!.get(id)) throw new NotFoundError(`unknown item "${id}"`);
      this.st.deleteItemFeedback!.run(id);
      this.st.deleteItemVectors!.run(id);
      this.st.deleteItem!.run(id);
      this.record('item-deleted', [id]);
    })();
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
    return this.db.transaction(() => {
      for (const it of batch.items) this.st.upsertItem!.run(...itemParams(it));
      batch.vectors.forEach((v, k) => {
        if (!this.st.itemExists!.get(v.item))
          throw new NotFoundError(`unknown item "${v.item}" (vectors[${k}].item)`, {
            field: `vectors[${k}].item`,
          });
        this.st.putVector!.run(v.item, v.modality, v.encoder, v.vector.length, toBlob(v.vector));
      });
      for (const u of batch.users) {
        this.st.upsertUser!.run(
          u.id,
          JSON.stringify(u.labels),
          JSON.stringify(u.attributes),
          u.comment ?? null,
        );
      }
      const known = new Set<string>();
      batch.feedback.forEach((f, k) => {
        if (!known.has(f.item)) {
          if (!this.st.itemExists!.get(f.item))
            throw new NotFoundError(`unknown item "${f.item}" (feedback[${k}].item)`, {
              field: `feedback[${k}].item`,
            });
          known.add(f.item);
        }
      });
      const fb = importFeedbackRows(this.db, batch.feedback, {
        replace: options.replaceFeedback === true,
        insertedAt: now(),
      });
      this.record('bulk', []);
      return {
        items: batch.items.length,
        users: batch.users.length,
        feedback: fb.inserted,
        feedbackExisting: fb.existing,
        feedbackRemoved: fb.removed,
      };
    })();
  }

  async upsertUsers(users: readonly StoredUser[]): Promise<{ inserted: number; updated: number }> {
    checkIds(
      users.map((u) => u.id),
      'user',
    );
    return this.db.transaction(() => {
      let inserted = 0;
      let updated = 0;
      for (const u of users) {
        if (this.st.userExists!.get(u.id)) updated++;
        else inserted++;
        this.st.upsertUser!.run(
          u.id,
          JSON.stringify(u.labels),
          JSON.stringify(u.attributes),
          u.comment ?? null,
        );
      }
      this.record(
        'users',
        users.map((u) => u.id),
      );
      return { inserted, updated };
    })();
  }

  async getUser(id: string): Promise<UserSummary | undefined> {
    const r = this.st.getUser!.get(id) as UserRow | undefined;
    return r ? rowToUser(r) : undefined;
  }

  async listUsers(o?: ListOptions): Promise<{ users: UserSummary[]; total: number }> {
    const { limit, offset } = pageOf(o);
    const rows = this.st.listUsers!.all(limit, offset) as UserRow[];
    return { users: rows.map(rowToUser), total: this.count('countUsers') };
  }

  async deleteUser(id: string, options: EventWriteOptions = {}): Promise<void> {
    this.flush();
    this.db.transaction(() => {
      if (!this.events.claim(options.eventId)) return;
      if (!this.st.userExists!.get(id)) throw new NotFoundError(`unknown user "${id}"`);
      for (const table of [
        'feedback',
        'user_vectors',
        'model_users',
        'impressions',
        'ab_events',
        'request_log',
      ]) {
        this.db.prepare(`DELETE FROM ${table} WHERE user = ?`).run(id);
      }
      this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
      this.record('user-deleted', [id]);
    })();
  }

  async insertFeedback(
    rows: readonly StoredFeedback[],
    options: EventWriteOptions = {},
  ): Promise<{ inserted: number; usersCreated: string[] }> {
    return this.db.transaction(() => {
      if (!this.events.claim(options.eventId)) return { inserted: 0, usersCreated: [] };
      const known = new Set<string>();
      rows.forEach((f, k) => {
        if (known.has(f.item)) return;
        if (!this.st.itemExists!.get(f.item))
          throw new NotFoundError(`unknown item "${f.item}" ([${k}].item)`, { field: `[${k}].item` });
        known.add(f.item);
      });
      const created: string[] = [];
      const t = now();
      for (const f of rows) {
        if (this.st.insertUserIfNew!.run(f.user).changes > 0) created.push(f.user);
        this.st.insertFeedback!.run(f.user, f.item, f.type, f.value, f.timestamp, t);
      }
      if (rows.length > MAX_CHANGE_ROWS) this.record('bulk', []);
      else if (rows.length > 0) {
        this.record(
          'feedback',
          [...new Set(rows.map((f) => f.user))],
          rows.map(({ user, item, type, value, timestamp }) => ({ user, item, type, value, timestamp })),
        );
      }
      return { inserted: rows.length, usersCreated: created };
    })();
  }

  async userFeedback(user: string, o: { type?: string; limit?: number } = {}): Promise<StoredFeedback[]> {
    const limit = o.limit ?? -1;
    const rows =
      o.type === undefined
        ? this.st.userFeedback!.all(user, limit)
        : this.st.userFeedbackTyped!.all(user, o.type, limit);
    return rows as FeedbackRow[];
  }

  async allFeedback(): Promise<StoredFeedback[]> {
    return this.st.allFeedback!.all() as FeedbackRow[];
  }

  async feedbackInsertedSince(since: number): Promise<number> {
    return this.count('feedbackSince', since);
  }

  async counts(): Promise<StoreCounts> {
    return {
      items: this.count('countItems'),
      users: this.count('countUsers'),
      feedback: this.count('countFeedback'),
    };
  }

  async putItemVectors(rows: readonly ItemVectorRecord[]): Promise<void> {
    this.db.transaction(() => {
      rows.forEach((v, k) => {
        if (!this.st.itemExists!.get(v.item))
          throw new NotFoundError(`unknown item "${v.item}" ([${k}].item)`, { field: `[${k}].item` });
        this.st.putVector!.run(v.item, v.modality, v.encoder, v.vector.length, toBlob(v.vector));
      });
      this.record('items', [...new Set(rows.map((v) => v.item))]);
    })();
  }

  async itemVectors(item: string): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const r of this.st.itemVectors!.all(item) as { modality: string; vector: Uint8Array }[]) {
      out[r.modality] = fromBlob(r.vector);
    }
    return out;
  }

  async vectorModalities(): Promise<string[]> {
    return (this.st.vectorModalities!.all() as { modality: string }[]).map((r) => r.modality);
  }

  async modalityVectors(modality: string): Promise<ModalityVectors | undefined> {
    const rows = this.st.modalityVectors!.all(modality) as {
      item: string;
      encoder: string;
      dim: number;
      vector: Uint8Array;
    }[];
    if (rows.length === 0) return undefined;
    const dim = rows[0]!.dim;
    const encoder = rows[0]!.encoder;
    const keep = rows.filter((r) => r.dim === dim && r.encoder === encoder);
    const data = new Float32Array(keep.length * dim);
    keep.forEach((r, k) => {
      data.set(fromBlob(r.vector), k * dim);
    });
    return { modality, encoder, dim, ids: keep.map((r) => r.item), data };
  }

  async putUserVector(user: string, version: number, vector: Float32Array): Promise<void> {
    this.st.putUserVector!.run(user, version, toBlob(vector));
  }

  async userVectors(version: number): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const r of this.st.userVectors!.all(version) as { user: string; vector: Uint8Array }[]) {
      out.set(r.user, fromBlob(r.vector));
    }
    return out;
  }

  async addModelVersion(v: NewModelVersion): Promise<number> {
    return this.db.transaction(() => {
      const res = this.st.addVersion!.run(
        v.name,
        JSON.stringify(v.params),
        JSON.stringify(v.metrics),
        JSON.stringify(v.report),
        JSON.stringify(v.items),
        new Date().toISOString(),
      );
      const version = Number(res.lastInsertRowid);
      v.users.forEach((u, row) => {
        this.st.addModelUser!.run(version, u, row);
      });
      for (const f of v.files) this.st.addModelFile!.run(version, f.name, Buffer.from(f.data));
      this.record('model', [String(version)]);
      return version;
    })();
  }

  async listModelVersions(): Promise<ModelVersion[]> {
    return (
      this.st.listVersions!.all() as {
        version: number;
        name: string;
        params: string;
        metrics: string;
        created_at: string;
        active: number;
      }[]
    ).map((r) => ({
      version: r.version,
      name: r.name,
      params: JSON.parse(r.params) as Record<string, unknown>,
      metrics: JSON.parse(r.metrics) as Record<string, number>,
      createdAt: r.created_at,
      active: r.active === 1,
    }));
  }

  async getModelVersion(version: number): Promise<ModelVersionDetail | undefined> {
    const r = this.st.getVersion!.get(version) as
      | {
          version: number;
          name: string;
          params: string;
          metrics: string;
          report: string;
          created_at: string;
          active: number;
        }
      | undefined;
    if (!r) return undefined;
    return {
      version: r.version,
      name: r.name,
      params: JSON.parse(r.params) as Record<string, unknown>,
      metrics: JSON.parse(r.metrics) as Record<string, number>,
      report: JSON.parse(r.report) as Record<string, unknown>,
      createdAt: r.created_at,
      active: r.active === 1,
    };
  }

  async modelFiles(version: number): Promise<ArtifactFile[]> {
    return (this.st.modelFiles!.all(version) as { name: string; data: Uint8Array }[]).map((r) => ({
      name: r.name,
      data: new Uint8Array(r.data),
    }));
  }

  async modelIds(version: number): Promise<ModelIds> {
    const r = this.st.versionItems!.get(version) as { items: string } | undefined;
    if (!r) throw new NotFoundError(`unknown model version ${version}`);
    const users = new Map<string, number>();
    for (const u of this.st.modelUsers!.iterate(version) as Iterable<{ user: string; row: number }>) {
      users.set(u.user, u.row);
    }
    return { items: JSON.parse(r.items) as string[], users };
  }

  async activateModelVersion(version: number): Promise<void> {
    this.db.transaction(() => {
      if (!this.st.getVersion!.get(version)) throw new NotFoundError(`unknown model version ${version}`);
      this.st.activate!.run(version);
      this.record('model-activated', [String(version)]);
    })();
  }

  async activeModelVersion(): Promise<number | undefined> {
    return (this.st.active!.get() as { version: number } | undefined)?.version;
  }

  async putModelIndex(version: number, kind: string, data: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      if (!this.st.getVersion!.get(version)) throw new NotFoundError(`unknown model version ${version}`);
      this.st.deleteModelIndex!.run(version, kind);
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const n = Math.max(1, Math.ceil(bytes.length / INDEX_CHUNK));
      for (let k = 0; k < n; k++) {
        this.st.addModelIndexChunk!.run(
          version,
          kind,
          k,
          bytes.subarray(k * INDEX_CHUNK, (k + 1) * INDEX_CHUNK),
        );
      }
    })();
  }

  async getModelIndex(version: number, kind: string): Promise<Uint8Array | undefined> {
    const parts = this.db.transaction(
      () => this.st.modelIndexChunks!.all(version, kind) as { data: Uint8Array }[],
    )();
    if (parts.length === 0) return undefined;
    const out = new Uint8Array(parts.reduce((s, r) => s + r.data.length, 0));
    let at = 0;
    for (const r of parts) {
      out.set(r.data, at);
      at += r.data.length;
    }
    return out;
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
      this.st.addReport!.run(id, r.kind, r.title, createdAt, JSON.stringify(r.body));
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new AlreadyExistsError(`a report with id "${id}" already exists`, { cause: err });
      }
      throw err;
    }
    return { id, kind: r.kind, title: r.title, createdAt };
  }

  async listReports(): Promise<ReportSummary[]> {
    return (
      this.st.listReports!.all() as { id: string; kind: ReportKind; title: string; created_at: string }[]
    ).map((r) => ({ id: r.id, kind: r.kind, title: r.title, createdAt: r.created_at }));
  }

  async getReport(id: string): Promise<ReportRecord | undefined> {
    const r = this.st.getReport!.get(id) as
      | { id: string; kind: ReportKind; title: string; created_at: string; body: string }
      | undefined;
    return r
      ? {
          id: r.id,
          kind: r.kind,
          title: r.title,
          createdAt: r.created_at,
          body: JSON.parse(r.body) as unknown,
        }
      : undefined;
  }

  private rowToExperiment(r: {
    id: string;
    name: string;
    status: 'running' | 'stopped';
    arms: string;
    created_at: string;
    stopped_at: string | null;
  }): ExperimentRecord {
    const e: ExperimentRecord = {
      id: r.id,
      name: r.name,
      status: r.status,
      arms: JSON.parse(r.arms) as ExperimentArm[],
      createdAt: r.created_at,
    };
    if (r.stopped_at !== null) e.stoppedAt = r.stopped_at;
    return e;
  }

  async createExperiment(e: { name: string; arms: ExperimentArm[]; id?: string }): Promise<ExperimentRecord> {
    const id = e.id ?? randomUUID();
    try {
      this.db.transaction(() => {
        this.st.addExperiment!.run(id, e.name, JSON.stringify(e.arms), new Date().toISOString());
        this.record('experiment', [id]);
      })();
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new AlreadyExistsError(`an experiment named "${e.name}" (or with id "${id}") already exists`, {
          cause: err,
        });
      }
      throw err;
    }
    return (await this.getExperiment(id))!;
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    return (this.st.listExperiments!.all() as Parameters<SqliteStore['rowToExperiment']>[0][]).map((r) =>
      this.rowToExperiment(r),
    );
  }

  async getExperiment(idOrName: string): Promise<ExperimentRecord | undefined> {
    const r = this.st.getExperiment!.get(idOrName, idOrName, idOrName) as
      | Parameters<SqliteStore['rowToExperiment']>[0]
      | undefined;
    return r ? this.rowToExperiment(r) : undefined;
  }

  async stopExperiment(id: string): Promise<ExperimentRecord> {
    const e = await this.getExperiment(id);
    if (!e) throw new NotFoundError(`unknown experiment "${id}"`);
    if (e.status === 'running') {
      this.db.transaction(() => {
        this.st.stopExperiment!.run(new Date().toISOString(), e.id);
        this.record('experiment', [e.id]);
      })();
    }
    return (await this.getExperiment(e.id))!;
  }

  async addImpression(imp: Impression): Promise<void> {
    this.pendingImpressions.push(imp);
    this.scheduleFlush();
  }

  async recentImpressions(user: string, since: number): Promise<Impression[]> {
    this.flush();
    return (
      this.st.recentImpressions!.all(user, since) as {
        id: string;
        user: string;
        experiment: string | null;
        arm: string | null;
        items: string;
        time: number;
      }[]
    ).map((r) => {
      const imp: Impression = {
        id: r.id,
        user: r.user,
        items: JSON.parse(r.items) as string[],
        time: r.time,
      };
      if (r.experiment !== null) imp.experiment = r.experiment;
      if (r.arm !== null) imp.arm = r.arm;
      return imp;
    });
  }

  async addAttributedEvents(events: readonly AttributedEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.db.transaction(() => {
      for (const e of events) {
        this.st.addEvent!.run(e.impression, e.experiment, e.arm, e.user, e.item, e.kind, e.time);
      }
    })();
  }

  async experimentCounts(experiment: string): Promise<ArmCounts[]> {
    this.flush();
    return armCounts(
      this.st.impressionCounts!.all(experiment) as ImpressionRow[],
      this.st.eventCounts!.all(experiment) as EventRow[],
    );
  }

  async experimentTimeseries(experiment: string, bucketSeconds: number): Promise<ArmBucket[]> {
    this.flush();
    return armBuckets(
      bucketSeconds,
      this.st.impressionSeries!.all(bucketSeconds, experiment) as (ImpressionRow & { b: number })[],
      this.st.eventSeries!.all(bucketSeconds, experiment) as (EventRow & { b: number })[],
    );
  }

  async changesSince(after: number, limit = 1000): Promise<ChangeRecord[]> {
    const rows = this.st.changesSince!.all(after, limit) as {
      seq: number;
      origin: string;
      kind: ChangeKind;
      keys: string;
      rows: string | null;
      time: number;
    }[];
    return rows.map((r) => {
      const c: ChangeRecord = {
        seq: r.seq,
        origin: r.origin,
        kind: r.kind,
        keys: JSON.parse(r.keys) as string[],
        time: r.time,
      };
      if (r.rows !== null) c.rows = JSON.parse(r.rows) as StoredFeedback[];
      return c;
    });
  }

  async lastChangeSeq(): Promise<number> {
    return this.count('lastChange');
  }

  async appliedStreamEvents(ids: readonly string[]): Promise<Set<string>> {
    return this.events.applied(ids);
  }

  async pruneStreamEvents(before: number): Promise<number> {
    return this.events.prune(before);
  }

  async firstChangeSeq(): Promise<number> {
    return this.count('firstChange');
  }

  async pruneChanges(before: number): Promise<number> {
    return this.st.pruneChanges!.run(before).changes;
  }

  async enqueueJob(job: NewJob): Promise<JobRecord> {
    return this.jobs.enqueue(job);
  }

  async claimJob(
    workerId: string,
    kinds: readonly string[],
    leaseSeconds: number,
  ): Promise<JobRecord | undefined> {
    return this.jobs.claim(workerId, kinds, leaseSeconds);
  }

  async heartbeatJob(
    id: number,
    workerId: string,
    leaseSeconds: number,
    progress?: Record<string, unknown>,
  ): Promise<boolean> {
    return this.jobs.heartbeat(id, workerId, leaseSeconds, progress);
  }

  async finishJob(
    id: number,
    workerId: string,
    outcome: { status: 'done' | 'failed'; result?: Record<string, unknown>; error?: string },
  ): Promise<boolean> {
    return this.jobs.finish(id, workerId, outcome);
  }

  async releaseJob(id: number, workerId: string): Promise<boolean> {
    return this.jobs.release(id, workerId);
  }

  async getJob(id: number): Promise<JobRecord | undefined> {
    return this.jobs.get(id);
  }

  async listJobs(options?: { limit?: number; status?: readonly JobStatus[] }): Promise<JobRecord[]> {
    return this.jobs.list(options);
  }

  async listRules(): Promise<RuleRecord[]> {
    return this.ops.listRules();
  }
  async getRule(id: string): Promise<RuleRecord | undefined> {
    return this.ops.getRule(id);
  }
  async putRule(rule: RuleInput & { id?: string }): Promise<RuleRecord> {
    return this.ops.putRule(rule);
  }
  async deleteRule(id: string): Promise<void> {
    this.ops.deleteRule(id);
  }
  async addAudit(entry: Omit<AuditEntry, 'id' | 'time'>): Promise<AuditEntry> {
    return this.ops.addAudit(entry);
  }
  async listAudit(options?: { limit?: number; before?: number }): Promise<AuditEntry[]> {
    return this.ops.listAudit(options);
  }
  async queueReview(items: readonly string[]): Promise<void> {
    this.ops.queueReview(items);
  }
  async listReview(options?: { status?: ReviewStatus; limit?: number }): Promise<ReviewRecord[]> {
    return this.ops.listReview(options);
  }
  async decideReview(item: string, status: 'approved' | 'rejected', by: string): Promise<ReviewRecord> {
    return this.ops.decideReview(item, status, by);
  }
  async setOptOut(user: string, optedOut: boolean): Promise<void> {
    this.ops.setOptOut(user, optedOut);
  }
  async optedOutUsers(): Promise<string[]> {
    return this.ops.optedOutUsers();
  }
  async exportUser(id: string, logKeys: readonly string[]): Promise<UserExport> {
    return this.ops.exportUser(id, logKeys);
  }
  async forgetRequestLogs(keys: readonly string[]): Promise<number> {
    return this.ops.forgetRequestLogs(keys);
  }
  async applyRetention(before: number, mode: 'aggregate' | 'delete'): Promise<RetentionResult> {
    return this.ops.applyRetention(before, mode);
  }
  async feedbackAggregates(): Promise<FeedbackAggregate[]> {
    return this.ops.feedbackAggregates();
  }

  async logRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    for (const e of entries) this.pendingLogs.push(e);
    this.scheduleFlush();
  }

  async userRequestLogCount(user: string): Promise<number> {
    this.flush();
    return this.count('userLogCount', user);
  }

  private scheduleFlush(): void {
    if (this.pendingImpressions.length + this.pendingLogs.length >= FLUSH_ROWS) {
      this.flush();
      return;
    }
    if (this.flushTimer === undefined && !this.closed) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes buffered impressions and request logs in one transaction. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.closed || (this.pendingImpressions.length === 0 && this.pendingLogs.length === 0)) return;
    const imps = this.pendingImpressions;
    const logs = this.pendingLogs;
    this.pendingImpressions = [];
    this.pendingLogs = [];
    this.db.transaction(() => {
      for (const i of imps) {
        this.st.addImpression!.run(
          i.id,
          i.user,
          i.experiment ?? null,
          i.arm ?? null,
          JSON.stringify(i.items),
          i.time,
        );
      }
      for (const l of logs) this.st.addLog!.run(l.time, l.method, l.route, l.status, l.ms, l.user ?? null);
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
