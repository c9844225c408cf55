/**
 * @module serve/worker/run-worker
 * Starts a `fusionrec worker`: opens the store (and the change bus when a Redis URL is given, so
 * that an activation wakes every server at once and an enqueue wakes this worker at once; without
 * it, servers and workers poll), and runs a {@link JobWorker} with the handlers of the asked kinds
 * (today: `train`). With `stream`, it also consumes the ingestion stream on the same Redis
 * (serve/stream/consumer: feedback and item changes applied to the store, idempotent by event id).
 * `close(graceMs)` stops claiming and reading, lets running jobs finish within the grace period,
 * releases the rest to the queue, and closes the store and the bus.
 */
import { notifyingStore, openBus } from '../../bus/open.js';
import { InvalidArgumentError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { requireExistingStore } from '../store-file.js';
import { StreamConsumer, type StreamConsumerOptions } from '../stream/consumer.js';
import { type JobHandler, JobWorker } from './job-worker.js';
import { trainHandler } from './train-handler.js';
import { TRAIN_KIND } from './train-params.js';

export interface WorkerOptions {
  /** Store URL (sqlite://… file or postgres://…). */
  db: string;
  /** Change bus URL (redis://…); default in-process (polling only). */
  cache?: string | undefined;
  /** Job kinds to claim (default ['train']). */
  kinds?: readonly string[];
  concurrency?: number;
  leaseSeconds?: number;
  pollMs?: number;
  workerId?: string;
  log?: (line: string) => void;
  /**
   * Also consume the ingestion stream `<prefix>events` of the `cache` Redis (which it then needs);
   * `true` for the defaults.
   */
  stream?: boolean | Omit<StreamConsumerOptions, 'cache' | 'log'>;
}

export interface RunningWorker {
  worker: JobWorker;
  store: Store;
  /** The stream consumer, when started with `stream`. */
  stream: StreamConsumer | undefined;
  close(graceMs?: number): Promise<void>;
}

/** The job kinds a worker can run. */
export const WORKER_KINDS: readonly string[] = [TRAIN_KIND];

export async function startJobWorker(o: WorkerOptions): Promise<RunningWorker> {
  const kinds = o.kinds ?? [TRAIN_KIND];
  const unknown = kinds.filter((k) => !WORKER_KINDS.includes(k));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new InvalidArgumentError(
      `--kinds: unknown job kind(s) ${unknown.join(', ') || '(none given)'}; known: ${WORKER_KINDS.join(', ')}`,
    );
  }
  if (o.db === 'sqlite::memory:' || o.db === 'sqlite://:memory:') {
    throw new InvalidArgumentError(
      'a worker needs a store other processes share (a SQLite file or PostgreSQL), not an in-memory one',
    );
  }
  requireExistingStore(o.db);
  if (o.stream && !o.cache) {
    throw new InvalidArgumentError(
      '--stream reads the stream on the cache Redis: give --cache redis://host:port',
    );
  }
  const bus = await openBus(o.cache);
  let store: Store;
  try {
    store = notifyingStore(await openStore(o.db), bus);
  } catch (err) {
    await bus.close();
    throw err;
  }
  const handlers: Record<string, JobHandler> = {};
  if (kinds.includes(TRAIN_KIND)) handlers[TRAIN_KIND] = trainHandler({ store, dbUrl: o.db, thread: true });
  const worker = new JobWorker(store, {
    handlers,
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    ...(o.leaseSeconds === undefined ? {} : { leaseSeconds: o.leaseSeconds }),
    ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }),
    ...(o.workerId === undefined ? {} : { workerId: o.workerId }),
    ...(o.log === undefined ? {} : { log: o.log }),
  }).start();
  bus.subscribe(() => worker.wake());
  let stream: StreamConsumer | undefined;
  if (o.stream) {
    try {
      stream = await new StreamConsumer(store, {
        ...(o.stream === true ? {} : o.stream),
        cache: o.cache!,
        consumer: o.stream !== true && o.stream.consumer ? o.stream.consumer : worker.id,
        ...(o.log === undefined ? {} : { log: o.log }),
      }).start();
    } catch (err) {
      await worker.stop(0);
      await store.close();
      await bus.close();
      throw err;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    worker,
    store,
    stream,
    close(graceMs = 0) {
      closing ??= (async () => {
        await stream?.stop();
        await worker.stop(graceMs);
        await store.close();
        await bus.close();
      })();
      return closing;
    },
  };
}
