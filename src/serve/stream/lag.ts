/**
 * @module serve/stream/lag
 * How far the ingestion workers are behind the stream, read from Redis alone (so any server
 * reports it, whichever worker is behind): the entries not yet acknowledged — delivered to a
 * worker and pending, plus not yet delivered (XINFO GROUPS `lag` on Redis 7, else counted with
 * XRANGE up to a cap) — and the age of the oldest of them by Redis's own clock (TIME against the
 * entry id's milliseconds). Before any worker created the group, every entry counts as behind.
 * {@link StreamLagReader} is the servers' cached reader for `/metrics` and `/v1/status`.
 */
import { Redis } from 'ioredis';
import { describeError } from '../../errors.js';
import { entrySeconds, type StreamKeys, streamKeys } from './keys.js';

/** Undelivered entries counted one by one at most (when Redis gives no `lag`). */
const COUNT_CAP = 100_000;

export interface StreamLag {
  stream: string;
  group: string;
  /** Entries not acknowledged yet: pending + undelivered. */
  events: number;
  /** Delivered to a worker, not acknowledged. */
  pending: number;
  /** Not delivered to any worker yet. */
  undelivered: number;
  /** Age in seconds of the oldest entry not acknowledged (0 when none). */
  seconds: number;
  /** Workers that ever read in the group (dead ones too, until removed). */
  consumers: number;
  /** Entries in the stream (acknowledged ones included, until trimmed). */
  length: number;
}

type Flat = (string | number | null | Flat)[];

function field(flat: Flat, name: string): unknown {
  for (let k = 0; k + 1 < flat.length; k += 2) if (flat[k] === name) return flat[k + 1];
  return undefined;
}

/** The lag of the group on the stream; undefined when the stream does not exist. */
export async function readStreamLag(redis: Redis, keys: StreamKeys): Promise<StreamLag | undefined> {
  const length = await redis.xlen(keys.stream);
  if (length === 0 && (await redis.exists(keys.stream)) === 0) return undefined;
  const groups = (await redis.xinfo('GROUPS', keys.stream)) as Flat[];
  const g = groups.find((x) => field(x, 'name') === keys.group);
  const lastDelivered = g ? String(field(g, 'last-delivered-id')) : '0-0';
  const pending = g ? Number(field(g, 'pending')) : 0;
  const reported = g ? field(g, 'lag') : undefined;
  let undelivered: number;
  if (typeof reported === 'number') undelivered = reported;
  else {
    const after = await redis.xrange(keys.stream, `(${lastDelivered}`, '+', 'COUNT', COUNT_CAP);
    undelivered = after.length;
  }
  let oldest: string | undefined;
  if (pending > 0) {
    const summary = (await redis.xpending(keys.stream, keys.group)) as [number, string | null, ...unknown[]];
    oldest = summary[1] ?? undefined;
  }
  if (oldest === undefined && undelivered > 0) {
    const first = await redis.xrange(keys.stream, `(${lastDelivered}`, '+', 'COUNT', 1);
    oldest = first[0]?.[0];
  }
  let seconds = 0;
  if (oldest !== undefined) {
    const [s, us] = await redis.time();
    seconds = Math.max(0, Number(s) + Number(us) / 1e6 - entrySeconds(oldest));
  }
  return {
    stream: keys.stream,
    group: keys.group,
    events: pending + undelivered,
    pending,
    undelivered,
    seconds,
    consumers: g ? Number(field(g, 'consumers')) : 0,
    length,
  };
}

/**
 * A server's view of the stream lag: its own Redis connection (fail-fast, no offline queue), the
 * last reading reused for `maxAgeMs` so that scrapes and dashboards cost Redis little.
 */
export class StreamLagReader {
  private readonly redis: Redis;
  private readonly keys: StreamKeys;
  private last: { at: number; value: Promise<StreamLag | undefined> } | undefined;
  /** Why the last reading failed (null when it did not). */
  lastError: string | null = null;

  constructor(
    cacheUrl: string,
    private readonly maxAgeMs = 1000,
  ) {
    this.keys = streamKeys(cacheUrl);
    this.redis = new Redis(this.keys.connect, {
      lazyConnect: true,
      protocol: 2,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    });
    this.redis.on('error', (err: Error) => {
      this.lastError = err.message;
    });
  }

  /** The lag now (at most `maxAgeMs` old); undefined when there is no stream or Redis does not answer. */
  read(): Promise<StreamLag | undefined> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.maxAgeMs) return this.last.value;
    const value = this.fetch();
    this.last = { at: now, value };
    return value;
  }

  private async fetch(): Promise<StreamLag | undefined> {
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      const lag = await readStreamLag(this.redis, this.keys);
      this.lastError = null;
      return lag;
    } catch (err) {
      this.lastError = describeError(err);
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
