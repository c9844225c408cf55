/**
 * @module store/stream-event-ids
 * The check both backends apply to a stream event id before recording it in `stream_events`
 * (store/types EventWriteOptions): a non-empty string of at most {@link MAX_EVENT_ID_LENGTH}
 * characters.
 */
import { InvalidArgumentError } from '../errors.js';

/** Longest event id accepted. */
export const MAX_EVENT_ID_LENGTH = 256;

/** Throws InvalidArgumentError unless `id` is a usable event id. */
export function checkEventId(id: string): void {
  if (typeof id !== 'string' || id === '' || id.length > MAX_EVENT_ID_LENGTH) {
    throw new InvalidArgumentError(
      `expected an event id of 1 to ${MAX_EVENT_ID_LENGTH} characters, got ${JSON.stringify(String(id).slice(0, 40))}`,
    );
  }
}
