/**
 * @module serve/http/routes/gorse-schemas
 * The JSON shapes of the Gorse-compatible API (Gorse's field names: ItemId, UserId, FeedbackType,
 * Timestamp, Labels, Categories, IsHidden, Comment; `{"RowAffected": n}`; scores as
 * `[{"Id", "Score"}]`; cursor pages `{"Cursor", "Items"}`), and the conversions between them and
 * the store's records. Shared by the route modules gorse, gorse-data and gorse-feedback.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { InvalidRequestError } from '../../../errors.js';
import type { StoredFeedback, StoredItem, StoredUser } from '../../../store/types.js';
import { isoOf, secondsOf } from '../convert.js';
import { ErrorBody, Id, MAX_ID_LENGTH } from '../schemas.js';

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Gorse's zero time, for items without a timestamp. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export const Labels = z.union([z.array(z.string()), z.record(z.string(), z.unknown()), z.null()]).optional();
export const GorseItem = z
  .object({
    ItemId: Id,
    IsHidden: z.boolean().optional(),
    Categories: z.array(z.string().max(MAX_ID_LENGTH)).nullable().optional(),
    Timestamp: z.union([z.string(), z.number()]).optional(),
    Labels,
    Comment: z.string().optional(),
  })
  .openapi('GorseItem');
/** Gorse's ItemPatch: only the fields given change. */
export const GorseItemPatch = GorseItem.omit({ ItemId: true })
  .extend({ ItemId: z.string().optional() })
  .openapi('GorseItemPatch');
export const GorseUser = z
  .object({
    UserId: Id,
    Labels,
    Subscribe: z.array(z.string()).nullable().optional(),
    Comment: z.string().optional(),
  })
  .openapi('GorseUser');
/** Gorse's UserPatch: only the fields given change. */
export const GorseUserPatch = GorseUser.omit({ UserId: true })
  .extend({ UserId: z.string().optional() })
  .openapi('GorseUserPatch');
export const GorseFeedback = z
  .object({
    FeedbackType: Id,
    UserId: Id,
    ItemId: Id,
    Timestamp: z.union([z.string(), z.number()]).optional(),
    Value: z.number().optional(),
    Comment: z.string().optional(),
  })
  .openapi('GorseFeedback');
/** A session's feedback: anonymous, so UserId may be empty or absent (it is not used). */
export const GorseSessionFeedback = GorseFeedback.extend({
  UserId: z.string().max(MAX_ID_LENGTH).optional(),
}).openapi('GorseSessionFeedback');
export const Success = z.object({ RowAffected: z.number().int() }).openapi('GorseSuccess');
export const Scores = z.array(z.object({ Id: z.string(), Score: z.number() })).openapi('GorseScores');
export const Health = z
  .object({
    Ready: z.boolean(),
    DataStoreConnected: z.boolean(),
    CacheStoreConnected: z.boolean(),
    DataStoreError: z.string().nullable(),
    CacheStoreError: z.string().nullable(),
  })
  .openapi('GorseHealth');
export const Page = z.object({
  n: z.coerce.number().int().min(1).max(1000).default(10),
  offset: z.coerce.number().int().min(0).default(0),
});
/** A cursor page's query; gorsejs sends the cursor as `Cursor`, Gorse documents `cursor`. */
export const CursorQuery = z.object({
  n: z.coerce.number().int().min(1).max(1000).default(10),
  cursor: z.string().max(20).optional(),
  Cursor: z.string().max(20).optional(),
});

const pathParam = (name: string) =>
  z
    .string()
    .min(1)
    .openapi({ param: { name, in: 'path' } });
export const ItemParam = z.object({ itemId: pathParam('itemId') });
export const UserParam = z.object({ userId: pathParam('userId') });
export const CategoryParam = z.object({ category: pathParam('category') });

/** The 501 of a Gorse feature fusionrec deliberately does not offer. */
export const NotSupported = json(ErrorBody, 'not supported by fusionrec (the message says why)');

/** Answers 501 `not_supported`, naming the Gorse feature and what to do instead. */
export function notSupported(c: Context, feature: string, instead: string) {
  return c.json(
    {
      error: {
        code: 'not_supported',
        message: `${feature} is not supported by fusionrec's Gorse API: ${instead}`,
      },
    },
    501,
  );
}

/** The offset a cursor stands for (fusionrec's cursors are offsets; "" is the first page). */
export function offsetOf(q: { cursor?: string | undefined; Cursor?: string | undefined }): number {
  const c = q.cursor ?? q.Cursor ?? '';
  if (c === '') return 0;
  if (!/^\d{1,9}$/.test(c)) {
    throw new InvalidRequestError('cursor', `expected a cursor from a previous page, got "${c}"`);
  }
  return Number(c);
}

/** The next page's cursor ("" when this page was the last). */
export function nextCursor(offset: number, got: number, total: number): string {
  return offset + got < total && got > 0 ? String(offset + got) : '';
}

/** Gorse labels (a list, or an object) as strings. */
export function labelsOf(l: unknown): string[] {
  if (Array.isArray(l)) return l.map(String);
  if (l && typeof l === 'object') {
    return Object.entries(l as Record<string, unknown>).map(
      ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
    );
  }
  return [];
}

export function itemOf(x: z.infer<typeof GorseItem>, k: string, now: number): StoredItem {
  const it: StoredItem = {
    id: x.ItemId,
    text: x.Comment ? { comment: x.Comment } : {},
    categories: x.Categories ?? [],
    labels: labelsOf(x.Labels),
    attributes: {},
    timestamp: secondsOf(x.Timestamp, `${k}Timestamp`, now),
    hidden: x.IsHidden ?? false,
    modalities: {},
  };
  if (x.Comment !== undefined) it.comment = x.Comment;
  return it;
}

export function userOf(x: z.infer<typeof GorseUser>): StoredUser {
  const u: StoredUser = { id: x.UserId, labels: labelsOf(x.Labels), attributes: {} };
  if (x.Comment !== undefined) u.comment = x.Comment;
  return u;
}

/** A stored item as Gorse returns it. */
export function gorseItem(it: StoredItem) {
  return {
    ItemId: it.id,
    IsHidden: it.hidden,
    Categories: it.categories,
    Timestamp: isoOf(it.timestamp) ?? ZERO_TIME,
    Labels: it.labels,
    Comment: it.comment ?? '',
  };
}

/** A stored user as Gorse returns it. */
export function gorseUser(u: StoredUser) {
  return { UserId: u.id, Labels: u.labels, Subscribe: [] as string[], Comment: u.comment ?? '' };
}

/** A stored feedback row as Gorse returns it. */
export function gorseFeedback(f: StoredFeedback) {
  return {
    FeedbackType: f.type,
    UserId: f.user,
    ItemId: f.item,
    Value: f.value,
    Timestamp: isoOf(f.timestamp) ?? ZERO_TIME,
    Comment: '',
  };
}
