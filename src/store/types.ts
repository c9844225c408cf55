/**
 * @module store/types
 * The records the serving store keeps (items, users, feedback, item feature vectors, folded-in
 * user vectors, model versions with their artifact files, reports, A/B experiments, impressions,
 * attributed clicks/conversions, request logs and the change feed) and the {@link Store} interface
 * every backend implements (SQLite, PostgreSQL; one contract suite in store/contract.ts). The
 * interface is asynchronous for the networked backend; the SQLite backend answers synchronously
 * inside.
 */
import type { AttributeValue } from '../data/types.js';
import type { MediaKind } from '../encoders/encoder.js';

/** Whether an item has a modality: encoded ("present"), absent ("missing"), or not encodable ("failed"). */
export type ModalityStatus = 'present' | 'missing' | 'failed';

/** One catalog item as the server keeps it. */
export interface StoredItem {
  id: string;
  /** Named text fields, e.g. { title, body }. */
  text: Record<string, string>;
  categories: string[];
  labels: string[];
  attributes: Record<string, AttributeValue>;
  /** Image path relative to the media root (or an http(s) URL). */
  image?: string;
  /** Audio path relative to the media root (or an http(s) URL). */
  audio?: string;
  /** Unix seconds when the item appeared (0 when unknown). */
  timestamp: number;
  hidden: boolean;
  /** Per-modality encoding status (absent kinds were never encoded). */
  modalities: Partial<Record<MediaKind, ModalityStatus>>;
  comment?: string;
}

/** Fields an item patch may change (absent = unchanged). */
export type ItemPatch = Partial<Omit<StoredItem, 'id'>>;

/** One user. */
export interface StoredUser {
  id: string;
  labels: string[];
  attributes: Record<string, AttributeValue>;
  comment?: string;
}

/** A user with the number of feedback rows it has. */
export interface UserSummary extends StoredUser {
  feedbackCount: number;
}

/** Options of {@link Store.importAll}. */
export interface ImportAllOptions {
  /** Delete every stored feedback row and store the batch's events instead (default: add the new ones). */
  replaceFeedback?: boolean;
}

/** What {@link Store.importAll} wrote. */
export interface ImportAllResult {
  /** Items upserted. */
  items: number;
  /** Users upserted (users that only events name are created too, and not counted here). */
  users: number;
  /** Feedback events inserted (new). */
  feedback: number;
  /** Feedback events of the batch already stored, not inserted again (0 with replaceFeedback). */
  feedbackExisting: number;
  /** Stored feedback rows deleted by replaceFeedback (0 without). */
  feedbackRemoved: number;
}

/** One feedback event. */
export interface StoredFeedback {
  user: string;
  item: string;
  type: string;
  /** Rating, play count… 1 when the source has none. */
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

/** A feature vector of one item in one modality, with the encoder that made it. */
export interface ItemVectorRecord {
  item: string;
  modality: string;
  encoder: string;
  vector: Float32Array;
}

/** All stored vectors of one modality, row-aligned with `ids`. */
export interface ModalityVectors {
  modality: string;
  encoder: string;
  dim: number;
  ids: string[];
  /** ids.length x dim, row-major. */
  data: Float32Array;
}

/** One file of a saved model artifact (the folder written by Recommender.save). */
export interface ArtifactFile {
  name: string;
  data: Uint8Array;
}

/** What is stored for a new model version. */
export interface NewModelVersion {
  name: string;
  params: Record<string, unknown>;
  /** Headline metrics (test metrics at the best-validation epoch). */
  metrics: Record<string, number>;
  /** The training report (per-epoch loss and validation metric, test metrics, …). */
  report: Record<string, unknown>;
  /** Item ids in the model's item index order. */
  items: string[];
  /** User ids in the model's user index order. */
  users: string[];
  files: ArtifactFile[];
}

/** A stored model version (without its files). */
export interface ModelVersion {
  version: number;
  name: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  createdAt: string;
  active: boolean;
}

/** A model version with its report. */
export interface ModelVersionDetail extends ModelVersion {
  report: Record<string, unknown>;
}

/** The id maps of a model version (users deleted since training are left out). */
export interface ModelIds {
  items: string[];
  /** user id -> row of the model's user table. */
  users: Map<string, number>;
}

export type ReportKind = 'experiment' | 'ablation' | 'tune';

export interface ReportSummary {
  id: string;
  kind: ReportKind;
  title: string;
  createdAt: string;
}

export interface ReportRecord extends ReportSummary {
  body: unknown;
}

/** One arm of an A/B experiment: a model version and its traffic share. */
export interface ExperimentArm {
  name: string;
  version: number;
  share: number;
}

export interface ExperimentRecord {
  id: string;
  name: string;
  status: 'running' | 'stopped';
  arms: ExperimentArm[];
  createdAt: string;
  stoppedAt?: string;
}

/** One served list. */
export interface Impression {
  id: string;
  user: string;
  experiment?: string;
  arm?: string;
  items: string[];
  /** Unix seconds. */
  time: number;
}

/** A click or conversion attributed to an impression. */
export interface AttributedEvent {
  impression: string;
  experiment: string;
  arm: string;
  user: string;
  item: string;
  kind: 'click' | 'conversion';
  time: number;
}

/** Per-arm counts of an experiment: impressions, impressions with >= 1 click, with >= 1 conversion. */
export interface ArmCounts {
  arm: string;
  impressions: number;
  clicks: number;
  conversions: number;
}

/** Counts per time bucket and arm. */
export interface ArmBucket extends ArmCounts {
  /** Bucket start, unix seconds. */
  t: number;
}

export interface RequestLogEntry {
  /** Unix seconds. */
  time: number;
  method: string;
  route: string;
  status: number;
  ms: number;
  user?: string;
}

export interface ListOptions {
  offset?: number;
  limit?: number;
}

export interface ItemListOptions extends ListOptions {
  category?: string;
  /** Substring of the id or of any text field (case-insensitive). */
  q?: string;
  /** Only items where this modality is present. */
  modality?: MediaKind;
}

/**
 * What a change-log row says changed. Every write that servers must see records one row in the
 * same transaction as the write (the change feed every server follows):
 * - `meta`: setMeta (keys = the meta keys);
 * - `items`: upsertItems, patchItem, putItemVectors (keys = item ids; read them and their vectors);
 * - `item-deleted`: deleteItem (keys = [id]);
 * - `users`: upsertUsers (keys = user ids);
 * - `user-deleted`: deleteUser (keys = [id]);
 * - `feedback`: insertFeedback (keys = distinct user ids, `rows` = the inserted rows; a batch of
 *   more than {@link MAX_CHANGE_ROWS} rows is recorded as `bulk` instead);
 * - `model`: addModelVersion (keys = [version]); `model-activated`: activateModelVersion (keys = [version]);
 * - `experiment`: createExperiment, stopExperiment (keys = [id]);
 * - `rules`: putRule, deleteRule (keys = [rule id]): re-read the business rules;
 * - `opt-out`: setOptOut (keys = [user id]): re-read the user's personalisation choice;
 * - `bulk`: importAll and very large feedback batches: reload everything.
 */
export type ChangeKind =
  | 'meta'
  | 'items'
  | 'item-deleted'
  | 'users'
  | 'user-deleted'
  | 'feedback'
  | 'model'
  | 'model-activated'
  | 'experiment'
  | 'rules'
  | 'opt-out'
  | 'bulk';

/** The largest feedback batch a `feedback` change carries; larger ones are recorded as `bulk`. */
export const MAX_CHANGE_ROWS = 5000;

/** One row of the change feed. */
export interface ChangeRecord {
  /** Increasing, in commit order (a reader that saw seq n never later sees a new row below n). */
  seq: number;
  /** The store handle that wrote it ({@link Store.origin}). */
  origin: string;
  kind: ChangeKind;
  keys: string[];
  /** Unix seconds (server clock) when it was recorded. */
  time: number;
  /** The inserted feedback rows of a `feedback` change. */
  rows?: StoredFeedback[];
}

/** Where a queued job is: waiting, claimed by a worker (under a lease), or finished. */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** What {@link Store.enqueueJob} takes. */
export interface NewJob {
  /** What runs it, e.g. "train" (workers claim the kinds they know). */
  kind: string;
  /** The job's input (JSON). */
  params: Record<string, unknown>;
  /**
   * While a queued or running job has this key, enqueueing the same key again returns that job
   * instead of adding another.
   */
  dedupeKey?: string;
  /** Claims allowed before a job whose worker keeps dying is marked failed (default 2). */
  maxAttempts?: number;
}

/** One job of the durable queue (store/types: the `jobs` table of every backend). */
export interface JobRecord {
  /** Increasing in enqueue order. */
  id: number;
  kind: string;
  params: Record<string, unknown>;
  status: JobStatus;
  dedupeKey?: string;
  /** Claims so far (a claim after an expired lease counts again). */
  attempts: number;
  maxAttempts: number;
  /** The worker holding it (while running) or that last held it. */
  workerId?: string;
  /** Unix seconds (store clock) until which the worker's claim holds, while running. */
  leaseUntil?: number;
  /** The latest progress a worker reported with its heartbeat (JSON). */
  progress?: Record<string, unknown>;
  /** What a `done` job produced (JSON). */
  result?: Record<string, unknown>;
  /** Why a `failed` job failed. */
  error?: string;
  createdAt: string;
  /** When it was first claimed. */
  startedAt?: string;
  finishedAt?: string;
}

/** The default of {@link NewJob.maxAttempts}. */
export const DEFAULT_JOB_ATTEMPTS = 2;

/**
 * Options of the writes a stream event can ask for ({@link Store.insertFeedback}, upsertItems,
 * deleteItem, deleteUser).
 */
export interface EventWriteOptions {
  /**
   * The producer's id of the event behind this write (1 to 256 characters): recorded in
   * `stream_events` in the same transaction as the write. When it is already recorded the write
   * does nothing (zero counts, no change row, no NotFoundError), so a redelivered event writes
   * nothing; when the write fails, the id is not recorded either.
   */
  eventId?: string;
}

/** Which users a business rule applies to: absent fields match anyone (an empty segment is everyone). */
export interface RuleSegment {
  /** Users carrying this label. */
  label?: string;
  /** Users whose attribute `attribute` equals `value`. */
  attribute?: string;
  value?: AttributeValue;
}

/** Which items a rule's block/boost touches: every given field must match. */
export interface ItemMatch {
  /** Item ids. */
  items?: string[];
  /** Items in any of these categories. */
  categories?: string[];
  /** Items carrying this label. */
  label?: string;
  /** Items whose attribute equals `value` (or, for a list attribute, contains it). */
  attribute?: string;
  value?: AttributeValue;
}

/**
 * What a business rule does at serve time (serve/engine/rules.ts): pin an item at a 1-based
 * position, block matching items, boost (or bury, with a factor below 1 or a negative addend)
 * matching items' scores, boost items that appeared within `days`.
 */
export type RuleAction =
  | { kind: 'pin'; item: string; position: number }
  | { kind: 'block'; match: ItemMatch }
  | { kind: 'boost'; match: ItemMatch; multiply?: number; add?: number }
  | { kind: 'freshness'; days: number; multiply?: number; add?: number };

/** A business rule as written by an operator. */
export interface RuleInput {
  name: string;
  enabled: boolean;
  /** Absent: every user. */
  segment?: RuleSegment;
  action: RuleAction;
}

/** A stored business rule. */
export interface RuleRecord extends RuleInput {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** One audit-log entry: who (a key's label and fingerprint, never the secret), when, what. */
export interface AuditEntry {
  id: number;
  /** ISO time (store clock). */
  time: string;
  /** Who: e.g. "write key 3fa2c1d0", "open (no keys)", "config". */
  actor: string;
  /** What: e.g. "rule.create", "model.activate", "experiment.start", "keys.change". */
  action: string;
  /** The object acted on (rule id, version, experiment id). */
  target: string;
  details: Record<string, unknown>;
}

/** Review status of a newly imported item (the review queue). */
export type ReviewStatus = 'pending' | 'approved' | 'rejected';

export interface ReviewRecord {
  item: string;
  status: ReviewStatus;
  createdAt: string;
  decidedAt?: string;
  decidedBy?: string;
}

/** Everything stored about one user (the right of access), see {@link Store.exportUser}. */
export interface UserExport {
  user: StoredUser;
  optedOut: boolean;
  feedback: StoredFeedback[];
  /** Folded-in vectors per model version. */
  vectors: { version: number; vector: number[] }[];
  /** Rows of model id maps naming the user. */
  modelRows: { version: number; row: number }[];
  impressions: Impression[];
  attributed: AttributedEvent[];
  requestLogs: RequestLogEntry[];
}

/** What {@link Store.applyRetention} removed. */
export interface RetentionResult {
  /** Raw feedback rows removed (aggregated first with mode `aggregate`). */
  feedback: number;
  requestLogs: number;
}

/** Per-item feedback counts kept after raw rows were aggregated away by retention. */
export interface FeedbackAggregate {
  item: string;
  type: string;
  count: number;
}

export interface StoreCounts {
  items: number;
  users: number;
  feedback: number;
}

/**
 * The storage behind the server. Every batch method is all-or-nothing: it validates the whole
 * batch and writes it in one transaction, or throws and writes nothing.
 */
export interface Store {
  /** Backend name and location, e.g. "sqlite:/data/shop.db". */
  readonly url: string;
  /**
   * A random id of this open handle, written into every change it records, so that a server can
   * tell its own writes (already applied in memory) from other processes' writes.
   */
  readonly origin: string;
  /** Folder for files that belong to this store (media uploads); undefined for in-memory stores. */
  readonly dataDir: string | undefined;

  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;

  /** Inserts or replaces items, with optional vectors, in one transaction. */
  upsertItems(
    items: readonly StoredItem[],
    vectors?: readonly ItemVectorRecord[],
    options?: EventWriteOptions,
  ): Promise<{ inserted: number; updated: number }>;
  getItem(id: string): Promise<StoredItem | undefined>;
  getItems(ids: readonly string[]): Promise<Map<string, StoredItem>>;
  listItems(options?: ItemListOptions): Promise<{ items: StoredItem[]; total: number }>;
  /** Every item (for the engine's start-up and for training). */
  allItems(): Promise<StoredItem[]>;
  /** Applies a patch; throws NotFoundError for an unknown id. */
  patchItem(id: string, patch: ItemPatch): Promise<StoredItem>;
  /** Deletes an item with its feedback and vectors; throws NotFoundError for an unknown id. */
  deleteItem(id: string, options?: EventWriteOptions): Promise<void>;

  /**
   * Writes a whole catalog import (items with vectors, users, feedback) in one transaction;
   * feedback on items neither in the batch nor stored throws NotFoundError and writes nothing.
   * Items and users are upserted; an event identical to one stored before the import (same user,
   * item, type, value and timestamp) is not inserted again (store/feedback-import: the k-th copy
   * in the batch is inserted only when fewer than k copies were stored), so a re-import adds
   * nothing. `replaceFeedback` deletes every stored feedback row first (same transaction).
   */
  importAll(
    batch: {
      items: readonly StoredItem[];
      vectors: readonly ItemVectorRecord[];
      users: readonly StoredUser[];
      feedback: readonly StoredFeedback[];
    },
    options?: ImportAllOptions,
  ): Promise<ImportAllResult>;

  upsertUsers(users: readonly StoredUser[]): Promise<{ inserted: number; updated: number }>;
  getUser(id: string): Promise<UserSummary | undefined>;
  listUsers(options?: ListOptions): Promise<{ users: UserSummary[]; total: number }>;
  /**
   * Deletes a user and everything about them: feedback, folded-in vectors, model id-map rows,
   * impressions, attributed events and request logs. Throws NotFoundError for an unknown id.
   */
  deleteUser(id: string, options?: EventWriteOptions): Promise<void>;

  /**
   * Inserts feedback; unknown users are created, an unknown item throws NotFoundError naming it
   * and its position (`[3].item`); nothing is written then.
   */
  insertFeedback(
    rows: readonly StoredFeedback[],
    options?: EventWriteOptions,
  ): Promise<{ inserted: number; usersCreated: string[] }>;
  /** A user's feedback, newest first. */
  userFeedback(user: string, options?: { type?: string; limit?: number }): Promise<StoredFeedback[]>;
  /** Every feedback row in insertion order (for training and the engine's start-up). */
  allFeedback(): Promise<StoredFeedback[]>;
  /** Feedback rows inserted at or after `since` (unix seconds, server clock). */
  feedbackInsertedSince(since: number): Promise<number>;
  counts(): Promise<StoreCounts>;

  putItemVectors(rows: readonly ItemVectorRecord[]): Promise<void>;
  /** The stored vectors of one item, by modality. */
  itemVectors(item: string): Promise<Record<string, Float32Array>>;
  /** Names of the modalities that have vectors. */
  vectorModalities(): Promise<string[]>;
  /** All vectors of a modality. */
  modalityVectors(modality: string): Promise<ModalityVectors | undefined>;

  putUserVector(user: string, version: number, vector: Float32Array): Promise<void>;
  userVectors(version: number): Promise<Map<string, Float32Array>>;

  addModelVersion(v: NewModelVersion): Promise<number>;
  listModelVersions(): Promise<ModelVersion[]>;
  getModelVersion(version: number): Promise<ModelVersionDetail | undefined>;
  modelFiles(version: number): Promise<ArtifactFile[]>;
  modelIds(version: number): Promise<ModelIds>;
  /** Marks one version active (and no other); throws NotFoundError for an unknown version. */
  activateModelVersion(version: number): Promise<void>;
  activeModelVersion(): Promise<number | undefined>;
  /**
   * Stores a serving artifact derived from a model version under `kind` (e.g. its saved item index,
   * so that servers load it instead of rebuilding it), replacing one stored before; throws
   * NotFoundError for an unknown version. Large artifacts (hundreds of MB) are stored in chunks.
   */
  putModelIndex(version: number, kind: string, data: Uint8Array): Promise<void>;
  /** The artifact stored under (`version`, `kind`), or undefined. */
  getModelIndex(version: number, kind: string): Promise<Uint8Array | undefined>;

  addReport(r: { kind: ReportKind; title: string; body: unknown; id?: string }): Promise<ReportSummary>;
  listReports(): Promise<ReportSummary[]>;
  getReport(id: string): Promise<ReportRecord | undefined>;

  createExperiment(e: { name: string; arms: ExperimentArm[]; id?: string }): Promise<ExperimentRecord>;
  listExperiments(): Promise<ExperimentRecord[]>;
  getExperiment(idOrName: string): Promise<ExperimentRecord | undefined>;
  stopExperiment(id: string): Promise<ExperimentRecord>;

  addImpression(imp: Impression): Promise<void>;
  /** The user's impressions in experiments since `since` (unix seconds), newest first. */
  recentImpressions(user: string, since: number): Promise<Impression[]>;
  /** Records attributed clicks/conversions (duplicates of (impression, item, kind) are ignored). */
  addAttributedEvents(events: readonly AttributedEvent[]): Promise<void>;
  /** Per-arm totals of an experiment. */
  experimentCounts(experiment: string): Promise<ArmCounts[]>;
  /** Per-arm counts in time buckets of `bucketSeconds`. */
  experimentTimeseries(experiment: string, bucketSeconds: number): Promise<ArmBucket[]>;

  /** Changes with seq > `after`, oldest first, at most `limit` (default 1000). */
  changesSince(after: number, limit?: number): Promise<ChangeRecord[]>;
  /** The newest change's seq (0 when there is none). */
  lastChangeSeq(): Promise<number>;
  /**
   * Deletes changes recorded before `before` (unix seconds), always keeping the newest one (so the
   * seq never goes backwards); returns how many were deleted. A reader whose cursor is older than
   * the oldest kept change reloads everything.
   */
  pruneChanges(before: number): Promise<number>;
  /** The oldest kept change's seq (0 when there is none). */
  firstChangeSeq(): Promise<number>;

  /** Which of `ids` are recorded as applied stream events ({@link EventWriteOptions.eventId}). */
  appliedStreamEvents(ids: readonly string[]): Promise<Set<string>>;
  /** Forgets stream event ids applied before `before` (unix seconds); returns how many. */
  pruneStreamEvents(before: number): Promise<number>;

  /**
   * Adds a job to the durable queue (status `queued`); with a `dedupeKey` that a queued or running
   * job already has, returns that job and adds nothing.
   */
  enqueueJob(job: NewJob): Promise<JobRecord>;
  /**
   * Atomically claims the oldest job of one of `kinds` that is queued, or running with an expired
   * lease (its worker died) and attempts left: marks it running by `workerId` until now +
   * `leaseSeconds`, counts the attempt, and returns it; undefined when there is none. Running jobs
   * whose lease expired with no attempts left are marked failed ("worker lost (lease expired) N
   * times") on the way. Two claimers never get the same job.
   */
  claimJob(workerId: string, kinds: readonly string[], leaseSeconds: number): Promise<JobRecord | undefined>;
  /**
   * Extends the lease of a job `workerId` holds (and records `progress` when given); false when the
   * worker no longer holds it (finished, released or claimed again by another worker).
   */
  heartbeatJob(
    id: number,
    workerId: string,
    leaseSeconds: number,
    progress?: Record<string, unknown>,
  ): Promise<boolean>;
  /** Records the outcome of a job `workerId` holds; false (and nothing written) when it no longer holds it. */
  finishJob(
    id: number,
    workerId: string,
    outcome: { status: 'done' | 'failed'; result?: Record<string, unknown>; error?: string },
  ): Promise<boolean>;
  /**
   * Gives a job `workerId` holds back to the queue (a worker stopping before it finished): queued
   * again, the attempt not counted; false when the worker no longer holds it.
   */
  releaseJob(id: number, workerId: string): Promise<boolean>;
  getJob(id: number): Promise<JobRecord | undefined>;
  /** Jobs, newest first, at most `limit` (default 100), optionally of some statuses only. */
  listJobs(options?: { limit?: number; status?: readonly JobStatus[] }): Promise<JobRecord[]>;

  /** Business rules in creation order. */
  listRules(): Promise<RuleRecord[]>;
  getRule(id: string): Promise<RuleRecord | undefined>;
  /** Creates (no id, or an unknown id) or replaces a rule; records a `rules` change. */
  putRule(rule: RuleInput & { id?: string }): Promise<RuleRecord>;
  /** Deletes a rule (NotFoundError when unknown); records a `rules` change. */
  deleteRule(id: string): Promise<void>;

  /** Appends an audit-log entry. */
  addAudit(entry: Omit<AuditEntry, 'id' | 'time'>): Promise<AuditEntry>;
  /** Audit entries, newest first, at most `limit` (default 100), with id < `before` when given. */
  listAudit(options?: { limit?: number; before?: number }): Promise<AuditEntry[]>;

  /** Puts items in the review queue as pending (an item already queued keeps its status). */
  queueReview(items: readonly string[]): Promise<void>;
  /** Review records of a status (default pending), oldest first. */
  listReview(options?: { status?: ReviewStatus; limit?: number }): Promise<ReviewRecord[]>;
  /** Records a decision; NotFoundError when the item is not in the queue. */
  decideReview(item: string, status: 'approved' | 'rejected', by: string): Promise<ReviewRecord>;

  /** Opts a user out of (true) or back into (false) personalisation; records an `opt-out` change. */
  setOptOut(user: string, optedOut: boolean): Promise<void>;
  /** Users opted out of personalisation. */
  optedOutUsers(): Promise<string[]>;

  /**
   * Everything stored about a user; request logs are those stored under any of `logKeys` (the raw
   * id and its pseudonym). NotFoundError for an unknown user.
   */
  exportUser(id: string, logKeys: readonly string[]): Promise<UserExport>;
  /** Deletes request logs stored under any of `keys` (a deleted user's pseudonymised logs); returns how many. */
  forgetRequestLogs(keys: readonly string[]): Promise<number>;
  /**
   * Retention: raw feedback inserted before `before` (unix seconds) is aggregated into per-item
   * counts ({@link feedbackAggregates}) and deleted (`aggregate`), or only deleted (`delete`);
   * request logs older than `before` are deleted (impressions are kept: A/B reports count them). Records a `bulk` change when
   * feedback was removed.
   */
  applyRetention(before: number, mode: 'aggregate' | 'delete'): Promise<RetentionResult>;
  feedbackAggregates(): Promise<FeedbackAggregate[]>;

  logRequests(entries: readonly RequestLogEntry[]): Promise<void>;
  /** Request log rows of a user (for data-protection checks). */
  userRequestLogCount(user: string): Promise<number>;

  close(): Promise<void>;
}
