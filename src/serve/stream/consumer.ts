/**
 * @module serve/stream/consumer
 * The stream reader of `fusionrec worker --stream`: one consumer of the group `fusionrec-ingest`
 * on `<prefix>events` (serve/stream/keys). At-least-once, idempotent by event id:
 *
 * - XREADGROUP `>` with BLOCK, a batch at a time; each event is applied (serve/stream/apply: the
 *   store write records the event id in its own transaction) and the batch is acknowledged with
 *   XACK after the writes committed. A worker that dies between the two leaves its entries pending;
 *   they are applied again elsewhere and write nothing the second time.
 * - Pending entries of a dead consumer are taken over with XAUTOCLAIM once idle for `claimIdleMs`
 *   (checked every `claimIdleMs / 2`); this consumer's own pending entries (after a failure, or
 *   under the same name after a restart) are read again from `0`.
 * - Before applying, the batch's event ids are looked up in the store: ids already applied are
 *   acknowledged without a write ("duplicate"); a race with another consumer is settled by the
 *   store (the second write does nothing).
 * - Failures: an entry that can never be applied (malformed, invalid) is copied to
 *   `<prefix>events:rejected` with the reason and acknowledged. The database unavailable stops the
 *   batch and retries it, with backoff, as long as it takes. Anything else (e.g. feedback on an item
 *   another worker has not written yet) is retried up to `maxAttempts` times, then rejected.
 * - Redis restarted empty (no group): the group is created again; entries lost with it are lost.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import {
  describeError,
  FusionrecError,
  InvalidArgumentError,
  InvalidInputError,
  InvalidRequestError,
  MismatchError,
  NotSupportedError,
  UnavailableError,
} from '../../errors.js';
import type { Store } from '../../store/types.js';
import { StreamApplier } from './apply.js';
import { entryFields, eventIdOf, parseStreamEntry, type StreamEvent } from './events.js';
import { type StreamKeys, streamKeys } from './keys.js';
import { readStreamLag, type StreamLag } from './lag.js';

export interface StreamConsumerOptions {
  /** The cache URL, redis://host:port[/db][?prefix=name:]. */
  cache: string;
  /** Consumer name in the group (default host:pid:random). */
  consumer?: string;
  /** Entries read at once (default 100). */
  batch?: number;
  /** Longest XREADGROUP BLOCK, ms (default 1000). */
  blockMs?: number;
  /** How long another consumer's entry stays pending before it is claimed, ms (default 30,000). */
  claimIdleMs?: number;
  /** Tries of an entry that keeps failing (not for an unavailable database) before it is rejected (default 5). */
  maxAttempts?: number;
  /** Item media root (default: the store's). */
  mediaRoot?: string;
  /** How long applied event ids are kept for deduplication, seconds (default 7 days). */
  keepEventIdsSeconds?: number;
  /** How often a line with the counts and the lag is logged when something happened, ms (default 10,000). */
  reportEveryMs?: number;
  log?: (line: string) => void;
}

/** What a consumer did so far. */
export interface StreamStats {
  applied: number;
  duplicates: number;
  /** Deletes of ids already gone (acknowledged, nothing written). */
  absent: number;
  rejected: number;
  /** Entries taken over from other consumers. */
  claimed: number;
  retries: number;
}

type Entry = [id: string, fields: string[] | null];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Errors that mean the event itself is wrong: rejected at once. */
function isPermanent(err: unknown): boolean {
  return (
    err instanceof InvalidInputError ||
    err instanceof InvalidRequestError ||
    err instanceof InvalidArgumentError ||
    err instanceof NotSupportedError ||
    err instanceof MismatchError
  );
}

/** Errors that mean "not now": retried without limit. */
function isUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError) return true;
  // a connection-level failure of the store's driver that was not mapped
  return !(err instanceof FusionrecError) && /ECONNREFUSED|ECONNRESET|terminat|timeout/i.test(String(err));
}

export class StreamConsumer {
  readonly keys: StreamKeys;
  readonly name: string;
  readonly stats: StreamStats = { applied: 0, duplicates: 0, absent: 0, rejected: 0, claimed: 0, retries: 0 };
  private readonly redis: Redis;
  private readonly applier: StreamApplier;
  private readonly batch: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly maxAttempts: number;
  private readonly log: (line: string) => void;
  private readonly attempts = new Map<string, number>();
  private stopping = false;
  private blocked = false;
  private loop: Promise<void> | undefined;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  /** When this consumer's own pending entries are read again (undefined: none to retry). */
  private retryAt: number | undefined = 0;
  private backoffMs = 100;
  private readonly keepIdsSeconds: number;
  private readonly reportEveryMs: number;
  private nextPruneAt = 0;
  private nextReportAt = 0;
  private reported = '';

  constructor(
    private readonly store: Store,
    o: StreamConsumerOptions,
  ) {
    this.keys = streamKeys(o.cache);
    this.name = o.consumer ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.batch = o.batch ?? 100;
    this.blockMs = o.blockMs ?? 1000;
    this.claimIdleMs = o.claimIdleMs ?? 30_000;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.keepIdsSeconds = o.keepEventIdsSeconds ?? 7 * 86_400;
    this.reportEveryMs = o.reportEveryMs ?? 10_000;
    this.log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.applier = new StreamApplier(store, o.mediaRoot === undefined ? {} : { mediaRoot: o.mediaRoot });
    this.redis = new Redis(this.keys.connect, {
      lazyConnect: true,
      protocol: 2, // RESP2 replies: XREADGROUP as [[stream, entries]] whatever the server speaks
      connectTimeout: 2000,
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    });
    this.redis.on('error', () => {}); // reconnects by itself; failed commands are reported by the loop
  }

  /** Connects, creates the group when missing (reading the stream from its start) and starts reading. */
  async start(): Promise<this> {
    try {
      await this.redis.connect();
      await this.ensureGroup();
    } catch (err) {
      this.redis.disconnect();
      throw new InvalidArgumentError(
        `cannot read the stream ${this.keys.stream} at ${this.keys.shown}: ${describeError(err)}`,
      );
    }
    this.loop = this.run();
    return this;
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.stream, this.keys.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test(String(err))) throw err;
    }
  }

  /** The lag of the group now (Redis's view). */
  lag(): Promise<StreamLag | undefined> {
    return readStreamLag(this.redis, this.keys);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const now = Date.now();
        await this.housekeeping(now);
        if (now >= this.nextClaimAt) {
          const claimed = await this.claimIdle();
          this.nextClaimAt = claimed > 0 ? now : now + Math.max(100, this.claimIdleMs / 2);
          if (claimed > 0) continue;
        }
        if (this.retryAt !== undefined && now >= this.retryAt) {
          this.retryAt = undefined;
          await this.handle(await this.read('0', 0));
          continue;
        }
        const wait = Math.min(this.blockMs, this.nextClaimAt - now, (this.retryAt ?? Infinity) - now);
        await this.handle(await this.read('>', Math.max(1, Math.floor(wait))));
      } catch (err) {
        if (this.stopping) break;
        if (/NOGROUP/.test(String(err))) {
          this.log(`stream ${this.keys.stream}: the group is gone (Redis restarted?); creating it again`);
          await this.ensureGroup().catch(() => {});
        } else {
          this.log(`stream ${this.keys.stream}: ${describeError(err)}`);
        }
        this.retryAt = 0; // whatever was read and not acknowledged is read again
        await sleep(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 5000);
      }
    }
  }

  /** Forgets old event ids (hourly) and logs the counts with the lag when they changed. */
  private async housekeeping(now: number): Promise<void> {
    if (now >= this.nextPruneAt) {
      this.nextPruneAt = now + 3_600_000;
      const n = await this.store.pruneStreamEvents(now / 1000 - this.keepIdsSeconds);
      if (n > 0)
        this.log(`stream ${this.keys.stream}: forgot ${n} event ids older than ${this.keepIdsSeconds} s`);
    }
    if (now >= this.nextReportAt) {
      this.nextReportAt = now + this.reportEveryMs;
      const s = this.stats;
      const counts = `applied ${s.applied}, duplicates ${s.duplicates}, absent ${s.absent}, rejected ${s.rejected}, claimed ${s.claimed}`;
      if (counts === this.reported) return;
      this.reported = counts;
      const lag = await this.lag();
      this.log(
        `stream ${this.keys.stream}: ${counts}; lag ${lag?.events ?? 0} events, ${(lag?.seconds ?? 0).toFixed(1)} s`,
      );
    }
  }

  /** XREADGROUP from `id` (`>`: new entries, blocking up to `blockMs`; `0`: this consumer's pending). */
  private async read(id: '>' | '0', blockMs: number): Promise<Entry[]> {
    const args: (string | number)[] = ['GROUP', this.keys.group, this.name, 'COUNT', this.batch];
    if (id === '>') args.push('BLOCK', blockMs);
    args.push('STREAMS', this.keys.stream, id);
    this.blocked = id === '>';
    try {
      const r = (await this.redis.call('XREADGROUP', ...args)) as [string, Entry[]][] | null;
      return r?.[0]?.[1] ?? [];
    } finally {
      this.blocked = false;
    }
  }

  /** Takes over entries other consumers left pending for `claimIdleMs`; returns how many it handled. */
  private async claimIdle(): Promise<number> {
    const r = (await this.redis.call(
      'XAUTOCLAIM',
      this.keys.stream,
      this.keys.group,
      this.name,
      this.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.batch,
    )) as [string, Entry[], string[]?];
    this.claimCursor = r[0];
    const entries = r[1] ?? [];
    if (entries.length > 0) {
      this.stats.claimed += entries.length;
      this.log(
        `stream ${this.keys.stream}: claimed ${entries.length} idle entr${entries.length === 1 ? 'y' : 'ies'}`,
      );
      await this.handle(entries);
    }
    return entries.length;
  }

  /** Applies a batch in order and acknowledges what is settled; leaves the rest pending. */
  private async handle(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.flatMap(([, f]) => {
      const id = f ? eventIdOf(entryFields(f)) : undefined;
      return id === undefined ? [] : [id];
    });
    const applied = await this.store.appliedStreamEvents(ids);
    const ack: string[] = [];
    let failed = false;
    for (const [entry, flat] of entries) {
      if (flat === null) {
        ack.push(entry); // trimmed from the stream while pending: nothing to apply
        continue;
      }
      const fields = entryFields(flat);
      let event: StreamEvent;
      try {
        event = parseStreamEntry(entry, fields);
      } catch (err) {
        await this.reject(entry, fields, err);
        ack.push(entry);
        continue;
      }
      if (applied.has(event.id)) {
        this.stats.duplicates++;
        ack.push(entry);
        continue;
      }
      try {
        const outcome = await this.applier.apply(event);
        if (outcome === 'absent') this.stats.absent++;
        else this.stats.applied++;
        applied.add(event.id); // the same id later in the batch is a duplicate
        this.attempts.delete(entry);
        ack.push(entry);
      } catch (err) {
        if (isPermanent(err)) {
          await this.reject(entry, fields, err);
          ack.push(entry);
          continue;
        }
        this.stats.retries++;
        failed = true;
        if (isUnavailable(err)) {
          this.log(`stream ${this.keys.stream}: ${describeError(err)}; retrying from entry ${entry}`);
          break; // the rest would fail too: keep them, in order, for the retry
        }
        const n = (this.attempts.get(entry) ?? 0) + 1;
        if (n >= this.maxAttempts) {
          this.attempts.delete(entry);
          await this.reject(entry, fields, err, n);
          ack.push(entry);
        } else {
          this.attempts.set(entry, n);
        }
      }
    }
    if (ack.length > 0) await this.redis.xack(this.keys.stream, this.keys.group, ...ack);
    if (failed) {
      this.retryAt = Date.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    } else {
      this.backoffMs = 100;
    }
  }

  /** Copies an entry that cannot be applied to `<prefix>events:rejected` with the reason. */
  private async reject(
    entry: string,
    fields: Record<string, string>,
    err: unknown,
    tries = 1,
  ): Promise<void> {
    this.stats.rejected++;
    const reason = describeError(err);
    this.log(`stream ${this.keys.stream}: entry ${entry} (event ${fields.id ?? '?'}) rejected: ${reason}`);
    const copy = Object.entries({ ...fields, entry, error: reason, tries: String(tries) }).flat();
    await this.redis.xadd(this.keys.rejected, 'MAXLEN', '~', 10_000, '*', ...copy);
  }

  /** Stops reading: the batch being applied is finished and acknowledged first. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.blocked) this.redis.disconnect(); // ends the BLOCK at once; delivered entries stay pending
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      this.loop?.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), 5000);
      }),
    ]);
    clearTimeout(timer);
    if (!ended) this.redis.disconnect(); // Redis not answering: stop waiting for it
    await this.loop;
    this.redis.disconnect();
    await this.applier.close();
  }
}
