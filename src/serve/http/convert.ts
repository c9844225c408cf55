/**
 * @module serve/http/convert
 * Between the JSON of the API and the store's records: timestamps (ISO-8601 or unix seconds in,
 * ISO-8601 out), item and user inputs with their defaults, items as returned.
 */
import type { z } from '@hono/zod-openapi';
import type { AttributeValue } from '../../data/types.js';
import { InvalidInputError, InvalidRequestError } from '../../errors.js';
import { parseTimestamp } from '../../io/fields.js';
import type { Store, StoredItem, StoredUser } from '../../store/types.js';
import type { Item, ItemInput, UserInput } from './schemas.js';

export type ItemJson = z.infer<typeof Item>;

/** Unix seconds of an ISO-8601 string or a number; `fallback` when absent. Throws at `field`. */
export function secondsOf(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  try {
    return parseTimestamp(value, { file: 'request body', line: 0, field });
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidRequestError(field, err.detail, { cause: err });
    throw err;
  }
}

/** ISO-8601 of unix seconds (undefined for 0 = unknown). */
export function isoOf(seconds: number): string | undefined {
  if (!seconds) return undefined;
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function itemJson(it: StoredItem): ItemJson {
  const out: ItemJson = {
    id: it.id,
    text: it.text,
    categories: it.categories,
    labels: it.labels,
    attributes: it.attributes,
    hidden: it.hidden,
    modalities: it.modalities,
  };
  if (it.image !== undefined) out.image = it.image;
  if (it.audio !== undefined) out.audio = it.audio;
  const ts = isoOf(it.timestamp);
  if (ts !== undefined) out.timestamp = ts;
  if (it.comment !== undefined) out.comment = it.comment;
  return out;
}

/** A stored item from a posted one (`k` = its position, for error fields). */
export function itemFromInput(x: z.infer<typeof ItemInput>, k: number, now: number): StoredItem {
  const it: StoredItem = {
    id: x.id,
    text: x.text ?? {},
    categories: x.categories ?? [],
    labels: x.labels ?? [],
    attributes: (x.attributes ?? {}) as Record<string, AttributeValue>,
    timestamp: secondsOf(x.timestamp, `[${k}].timestamp`, now),
    hidden: x.hidden ?? false,
    modalities: {},
  };
  if (x.image !== undefined) it.image = x.image;
  if (x.audio !== undefined) it.audio = x.audio;
  if (x.comment !== undefined) it.comment = x.comment;
  return it;
}

export function userFromInput(x: z.infer<typeof UserInput>): StoredUser {
  const u: StoredUser = {
    id: x.id,
    labels: x.labels ?? [],
    attributes: (x.attributes ?? {}) as Record<string, AttributeValue>,
  };
  if (x.comment !== undefined) u.comment = x.comment;
  return u;
}

/** Attaches the stored items to results when asked. */
export async function withItems<T extends { id: string }>(
  store: Store,
  rows: T[],
  want: boolean,
): Promise<(T & { item?: ItemJson })[]> {
  if (!want || rows.length === 0) return rows;
  const found = await store.getItems(rows.map((r) => r.id));
  return rows.map((r) => {
    const it = found.get(r.id);
    return it ? { ...r, item: itemJson(it) } : r;
  });
}

/** Decodes a base64 field of a request body. */
export function base64(value: string, field: string): Uint8Array {
  const clean = value.replace(/^data:[^;]+;base64,/, '');
  if (!/^[A-Za-z0-9+/=\s_-]*$/.test(clean)) {
    throw new InvalidRequestError(field, 'expected base64-encoded bytes');
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
