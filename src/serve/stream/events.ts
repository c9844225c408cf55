/**
 * @module serve/stream/events
 * One stream entry as an event: fields `id` (the producer's event id, the idempotency key),
 * `kind` (feedback | item | item-delete | user-delete) and `data` (JSON). `data` is what the HTTP
 * API takes, checked by the same zod schemas: a feedback row `{user, item, type, value?,
 * timestamp?}` or an array of them (POST /v1/feedback), an item or an array of items (POST
 * /v1/items), `{id}` for the deletes. A missing timestamp is the entry's time (Redis's clock at
 * XADD), so a redelivered entry gives the same rows. Anything malformed throws InvalidInputError
 * naming the entry and the field.
 */
import { z } from '@hono/zod-openapi';
import { InvalidInputError } from '../../errors.js';
import { MAX_EVENT_ID_LENGTH } from '../../store/stream-event-ids.js';
import type { StoredFeedback, StoredItem } from '../../store/types.js';
import { itemFromInput, secondsOf } from '../http/convert.js';
import { fieldPath } from '../http/errors.js';
import { FeedbackInput, Id, ItemInput } from '../http/schemas.js';
import { entrySeconds, STREAM_KINDS } from './keys.js';

/** A parsed stream event (`entry` = the Redis entry id). */
export type StreamEvent = { id: string; entry: string } & (
  | { kind: 'feedback'; rows: StoredFeedback[] }
  | { kind: 'item'; items: StoredItem[] }
  | { kind: 'item-delete'; item: string }
  | { kind: 'user-delete'; user: string }
);

const Ref = z.object({ id: Id });

/** The fields of an entry as ioredis returns them ([f1, v1, f2, v2, …]). */
export function entryFields(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let k = 0; k + 1 < flat.length; k += 2) out[flat[k]!] = flat[k + 1]!;
  return out;
}

/** The producer's event id of an entry, when it has a usable one. */
export function eventIdOf(fields: Record<string, string>): string | undefined {
  const id = fields.id;
  return id !== undefined && id !== '' && id.length <= MAX_EVENT_ID_LENGTH ? id : undefined;
}

export function parseStreamEntry(entry: string, fields: Record<string, string>): StreamEvent {
  const file = `stream entry ${entry}`;
  const bad = (field: string, detail: string) => new InvalidInputError({ file, line: 0, field }, detail);
  const id = eventIdOf(fields);
  if (id === undefined) throw bad('id', `expected the event id (1 to ${MAX_EVENT_ID_LENGTH} characters)`);
  const kind = fields.kind;
  if (!STREAM_KINDS.includes(kind as never)) {
    throw bad('kind', `expected one of ${STREAM_KINDS.join(', ')}, got ${JSON.stringify(kind ?? null)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(fields.data ?? '');
  } catch {
    throw bad('data', 'expected JSON');
  }
  const check = <T extends z.ZodType>(schema: T): z.infer<T> => {
    const r = schema.safeParse(data);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    throw bad(fieldPath(issue.path, 'data'), issue.message);
  };
  /** One object or a non-empty array of them, as a list. */
  const list = <T extends z.ZodType>(schema: T): z.infer<T>[] =>
    Array.isArray(data) ? check(z.array(schema).min(1)) : [check(schema)];
  const now = entrySeconds(entry);
  switch (kind as StreamEvent['kind']) {
    case 'feedback': {
      const rows = list(FeedbackInput).map((f, k) => ({
        user: f.user,
        item: f.item,
        type: f.type,
        value: f.value ?? 1,
        timestamp: secondsOf(
          f.timestamp,
          Array.isArray(data) ? `data[${k}].timestamp` : 'data.timestamp',
          now,
        ),
      }));
      return { id, entry, kind: 'feedback', rows };
    }
    case 'item': {
      return { id, entry, kind: 'item', items: list(ItemInput).map((x, k) => itemFromInput(x, k, now)) };
    }
    case 'item-delete':
      return { id, entry, kind: 'item-delete', item: check(Ref).id };
    case 'user-delete':
      return { id, entry, kind: 'user-delete', user: check(Ref).id };
  }
}
