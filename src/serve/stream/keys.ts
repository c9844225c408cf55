/**
 * @module serve/stream/keys
 * Where the ingestion stream lives in Redis, from the cache URL the servers and workers share
 * (`redis://host:port[/db]?prefix=name:`, parsed as the change bus parses it): the stream
 * `<prefix>events`, its consumer group `fusionrec-ingest`, and `<prefix>events:rejected`, where
 * events that can never be applied are copied with the reason before they are acknowledged.
 */
import { parseRedisUrl } from '../../bus/redis-bus.js';

/** The consumer group every `fusionrec worker --stream` reads in. */
export const STREAM_GROUP = 'fusionrec-ingest';

/** The event kinds an entry's `kind` field may name. */
export const STREAM_KINDS = ['feedback', 'item', 'item-delete', 'user-delete'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

export interface StreamKeys {
  /** ioredis connection string (the URL without `prefix`). */
  connect: string;
  /** The URL as shown (no credentials). */
  shown: string;
  /** The stream: `<prefix>events`. */
  stream: string;
  /** Events that cannot be applied: `<prefix>events:rejected`. */
  rejected: string;
  group: string;
}

/** The stream's keys for a `redis://…` cache URL (InvalidArgumentError for another URL). */
export function streamKeys(cacheUrl: string): StreamKeys {
  const { connect, prefix, shown } = parseRedisUrl(cacheUrl);
  return {
    connect,
    shown,
    stream: `${prefix}events`,
    rejected: `${prefix}events:rejected`,
    group: STREAM_GROUP,
  };
}

/** Unix seconds of a stream entry id (`<ms>-<seq>`: Redis's clock when it was added). */
export function entrySeconds(entryId: string): number {
  const ms = Number(entryId.split('-')[0]);
  return Number.isFinite(ms) ? ms / 1000 : 0;
}
