/**
 * @module store/postgres/catalog
 * The batch writes of the catalog on PostgreSQL, each run inside the caller's transaction: items,
 * users and feedback upserted/inserted as INSERT … SELECT FROM unnest(arrays) WITH ORDINALITY in
 * slices of {@link SLICE} rows (one round trip per slice instead of one per row; the batch keeps
 * its order for listings), item vectors, and the existence checks whose NotFoundError names the
 * unknown item and its position in the batch (`[3].item`, `feedback[3].item`, `vectors[3].item`).
 */
import { NotFoundError } from '../../errors.js';
import type { ItemVectorRecord, StoredFeedback, StoredItem, StoredUser } from '../types.js';
import type { Queryable } from './pool.js';
import { chunks, distinct, itemParams, now, toBytea } from './rows.js';

/** Rows per INSERT statement. */
export const SLICE = 5000;

/** Upserts items; returns how many were new and how many replaced. */
export async function upsertItemRows(
  c: Queryable,
  items: readonly StoredItem[],
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (const part of chunks(items, SLICE)) {
    const cols: unknown[][] = Array.from({ length: 11 }, () => []);
    for (const it of part) {
      itemParams(it).forEach((v, k) => {
        cols[k]!.push(v);
      });
    }
    const { rows } = await c.query<{ inserted: boolean }>(
      'INSERT INTO items (id, text, categories, labels, attributes, image, audio, timestamp, hidden, modalities, comment) ' +
        'SELECT id, tx::json, ca::json, la::json, at::json, im, au, ts, hi, mo::json, co FROM unnest(' +
        '$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], ' +
        '$9::bool[], $10::text[], $11::text[]) WITH ORDINALITY AS x(id, tx, ca, la, at, im, au, ts, hi, mo, co, o) ' +
        'ORDER BY o ON CONFLICT (id) DO UPDATE SET text = excluded.text, categories = excluded.categories, ' +
        'labels = excluded.labels, attributes = excluded.attributes, image = excluded.image, audio = excluded.audio, ' +
        'timestamp = excluded.timestamp, hidden = excluded.hidden, modalities = excluded.modalities, ' +
        'comment = excluded.comment RETURNING (xmax = 0) AS inserted',
      cols,
    );
    for (const r of rows) {
      if (r.inserted) inserted++;
      else updated++;
    }
  }
  return { inserted, updated };
}

/** Upserts users; returns how many were new and how many replaced. */
export async function upsertUserRows(
  c: Queryable,
  users: readonly StoredUser[],
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (const part of chunks(users, SLICE)) {
    const { rows } = await c.query<{ inserted: boolean }>(
      'INSERT INTO users (id, labels, attributes, comment) ' +
        'SELECT id, la::json, at::json, co FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ' +
        'WITH ORDINALITY AS x(id, la, at, co, o) ORDER BY o ON CONFLICT (id) DO UPDATE SET ' +
        'labels = excluded.labels, attributes = excluded.attributes, comment = excluded.comment ' +
        'RETURNING (xmax = 0) AS inserted',
      [
        part.map((u) => u.id),
        part.map((u) => JSON.stringify(u.labels)),
        part.map((u) => JSON.stringify(u.attributes)),
        part.map((u) => u.comment ?? null),
      ],
    );
    for (const r of rows) {
      if (r.inserted) inserted++;
      else updated++;
    }
  }
  return { inserted, updated };
}

/**
 * Throws NotFoundError for the first record whose item is not stored, naming it as
 * `${prefix}[k].item`. The found items are locked against deletion until the transaction ends.
 */
export async function checkItemsExist(
  c: Queryable,
  refs: readonly { item: string }[],
  prefix: string,
): Promise<void> {
  const wanted = distinct(refs.map((r) => r.item));
  const found = new Set<string>();
  for (const part of chunks(wanted, SLICE)) {
    const { rows } = await c.query<{ id: string }>(
      'SELECT id FROM items WHERE id = ANY($1::text[]) FOR KEY SHARE',
      [part],
    );
    for (const r of rows) found.add(r.id);
  }
  if (found.size === wanted.length) return;
  const k = refs.findIndex((r) => !found.has(r.item));
  throw new NotFoundError(`unknown item "${refs[k]!.item}" (${prefix}[${k}].item)`, {
    field: `${prefix}[${k}].item`,
  });
}

/** Writes item vectors (items must exist; see {@link checkItemsExist}). */
export async function putVectorRows(c: Queryable, vectors: readonly ItemVectorRecord[]): Promise<void> {
  // a later vector of the same (modality, item) wins, as with one upsert per row
  const last = new Map<string, ItemVectorRecord>();
  for (const v of vectors) last.set(`${v.modality}\u0000${v.item}`, v);
  for (const part of chunks([...last.values()], SLICE)) {
    await c.query(
      'INSERT INTO item_vectors (item, modality, encoder, dim, vector) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bytea[]) ' +
        'ON CONFLICT (modality, item) DO UPDATE SET encoder = excluded.encoder, dim = excluded.dim, vector = excluded.vector',
      [
        part.map((v) => v.item),
        part.map((v) => v.modality),
        part.map((v) => v.encoder),
        part.map((v) => v.vector.length),
        part.map((v) => toBytea(v.vector)),
      ],
    );
  }
}

/**
 * Inserts feedback rows whose items were checked, creating unknown users (in order of first
 * appearance); returns the users created.
 */
export async function insertFeedbackRows(c: Queryable, rows: readonly StoredFeedback[]): Promise<string[]> {
  const users = distinct(rows.map((f) => f.user));
  const created = new Set<string>();
  for (const part of chunks(users, SLICE)) {
    const res = await c.query<{ id: string }>(
      `INSERT INTO users (id, labels, attributes) SELECT u, '[]', '{}' FROM unnest($1::text[]) ` +
        'WITH ORDINALITY AS x(u, o) ORDER BY o ON CONFLICT (id) DO NOTHING RETURNING id',
      [part],
    );
    for (const r of res.rows) created.add(r.id);
  }
  const t = now();
  for (const part of chunks(rows, SLICE)) {
    await c.query(
      'INSERT INTO feedback (user_id, item, type, value, timestamp, inserted_at) ' +
        'SELECT u, i, ty, v, ts, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[]) ' +
        'WITH ORDINALITY AS x(u, i, ty, v, ts, o) ORDER BY o',
      [
        part.map((f) => f.user),
        part.map((f) => f.item),
        part.map((f) => f.type),
        part.map((f) => f.value),
        part.map((f) => f.timestamp),
        t,
      ],
    );
  }
  return users.filter((u) => created.has(u));
}
