/**
 * @module store/postgres/rows
 * Converting between the store's records and PostgreSQL rows and parameters: the row shapes the
 * queries return (node-postgres parses `json` columns, returns bytea as a Buffer and float8 and
 * integer as numbers; bigint columns are cast in SQL), vectors as bytea, and batch checks shared
 * with the SQLite store's behaviour (unique non-empty ids, paging defaults).
 */
import type { AttributeValue } from '../../data/types.js';
import type { MediaKind } from '../../encoders/encoder.js';
import type {
  ExperimentArm,
  ExperimentRecord,
  Impression,
  ModalityStatus,
  StoredFeedback,
  StoredItem,
  UserSummary,
} from '../types.js';

export { checkIds, pageOf } from '../batch-checks.js';

export interface ItemRow {
  id: string;
  text: Record<string, string>;
  categories: string[];
  labels: string[];
  attributes: Record<string, AttributeValue>;
  image: string | null;
  audio: string | null;
  timestamp: number;
  hidden: boolean;
  modalities: Partial<Record<MediaKind, ModalityStatus>>;
  comment: string | null;
}

export const ITEM_COLUMNS =
  'id, text, categories, labels, attributes, image, audio, timestamp, hidden, modalities, comment';

export interface UserRow {
  id: string;
  labels: string[];
  attributes: Record<string, AttributeValue>;
  comment: string | null;
  n: number;
}

export interface ExperimentRow {
  id: string;
  name: string;
  status: 'running' | 'stopped';
  arms: ExperimentArm[];
  created_at: string;
  stopped_at: string | null;
}

export interface ImpressionRow {
  id: string;
  user_id: string;
  experiment: string | null;
  arm: string | null;
  items: string[];
  time: number;
}

/** Feedback columns selected under the record's field names. */
export const FEEDBACK_COLUMNS = 'user_id AS "user", item, type, value, timestamp';

export type FeedbackRow = StoredFeedback;

export function toBytea(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Copies a bytea into an aligned Float32Array. */
export function fromBytea(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength >>> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.length * 4));
  return out;
}

export function rowToItem(r: ItemRow): StoredItem {
  const item: StoredItem = {
    id: r.id,
    text: r.text,
    categories: r.categories,
    labels: r.labels,
    attributes: r.attributes,
    timestamp: r.timestamp,
    hidden: r.hidden,
    modalities: r.modalities,
  };
  if (r.image !== null) item.image = r.image;
  if (r.audio !== null) item.audio = r.audio;
  if (r.comment !== null) item.comment = r.comment;
  return item;
}

/** The parameters $1…$11 of an item row, in {@link ITEM_COLUMNS} order. */
export function itemParams(it: StoredItem): unknown[] {
  return [
    it.id,
    JSON.stringify(it.text),
    JSON.stringify(it.categories),
    JSON.stringify(it.labels),
    JSON.stringify(it.attributes),
    it.image ?? null,
    it.audio ?? null,
    it.timestamp,
    it.hidden,
    JSON.stringify(it.modalities),
    it.comment ?? null,
  ];
}

export function rowToUser(r: UserRow): UserSummary {
  const u: UserSummary = { id: r.id, labels: r.labels, attributes: r.attributes, feedbackCount: r.n };
  if (r.comment !== null) u.comment = r.comment;
  return u;
}

export function rowToExperiment(r: ExperimentRow): ExperimentRecord {
  const e: ExperimentRecord = {
    id: r.id,
    name: r.name,
    status: r.status,
    arms: r.arms,
    createdAt: r.created_at,
  };
  if (r.stopped_at !== null) e.stoppedAt = r.stopped_at;
  return e;
}

export function rowToImpression(r: ImpressionRow): Impression {
  const imp: Impression = { id: r.id, user: r.user_id, items: r.items, time: r.time };
  if (r.experiment !== null) imp.experiment = r.experiment;
  if (r.arm !== null) imp.arm = r.arm;
  return imp;
}

/** The distinct values in first-appearance order. */
export function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/** Unix seconds on this process's clock (the clock callers of feedbackInsertedSince use). */
export const now = (): number => Date.now() / 1000;

/** Splits `xs` into slices of at most `size`. */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < xs.length; k += size) out.push(xs.slice(k, k + size));
  return out;
}
