/**
 * @module serve/server
 * Starts the fusionrec server: opens the store by URL, the engine over it, the training job runner,
 * the HTTP app, and listens (port 0 picks a free port). Experiments from a config file are created
 * at start-up when absent. Says at start-up when the API is open (no key configured). Media are
 * decoded and encoded on the encode service's worker threads (bounded queue, per-batch timeout,
 * media limits), which lives as long as the server and is stopped on close. A SQLite file that
 * does not exist is refused unless `create` is set (a mistyped path must not start an empty
 * server); a busy port is named with the flag that changes it.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { notifyingStore, openBus } from '../bus/open.js';
import type { Bus } from '../bus/types.js';
import { RedisUserVectors } from '../cache/redis-user-vectors.js';
import { describeError, InvalidInputError } from '../errors.js';
import { jsonObject, parseJson } from '../io/fields.js';
import { openStore } from '../store/open.js';
import type { ExperimentArm, Store } from '../store/types.js';
import { EncodeService } from './content/encode-service.js';
import type { MediaLimits } from './content/limits.js';
import { Engine, type EngineOptions } from './engine/engine.js';
import { ChangeFollower } from './engine/follower.js';
import { LiveRate } from './engine/live-rate.js';
import { type AppOptions, createApp } from './http/app.js';
import { ServerMetrics } from './http/metrics.js';
import { listenError } from './listen-error.js';
import { RetentionJob } from './retention.js';
import { requireExistingStore } from './store-file.js';
import { StreamLagReader } from './stream/lag.js';
import type { ActivationPolicy } from './train/activation.js';
import { JobRunner } from './train/jobs.js';
import { defaultWebRoot } from './web-root.js';
import type { JobsMode, TrainJobs } from './worker/jobs-api.js';
import { QueueJobs } from './worker/queue-jobs.js';

export interface ServeOptions extends Omit<EngineOptions, 'onEvent'>, AppOptions {
  /** Store URL, e.g. sqlite://shop.db. */
  db: string;
  /** Create the SQLite file when it does not exist (default false: refuse, naming the path). */
  create?: boolean;
  port?: number;
  host?: string;
  apiKey?: string | undefined;
  readKey?: string | undefined;
  /** JSON file of experiments `[{name, arms: [{name, version, share}]}]` created when absent. */
  experimentsFile?: string;
  /**
   * Where `POST /v1/models/train` runs: `local` (default: in this process, one at a time) or
   * `queue` (enqueued in the store's job queue for `fusionrec worker` processes; any server on the
   * store answers `GET /v1/jobs/{id}`).
   */
  jobs?: JobsMode;
  /** Run training jobs in a worker thread (default true for file stores). */
  trainInWorker?: boolean;
  /** When versions trained through the API go live, for requests that do not say (default 'never'). */
  trainActivate?: ActivationPolicy;
  /** Training jobs allowed to wait behind the running one (default 4); more get 429. */
  trainQueue?: number;
  /** Largest `params.dim` a training request may ask for (default 1024). */
  trainMaxDim?: number;
  /** Largest `epochs` a training request may ask for (default 1000). */
  trainMaxEpochs?: number;
  /** Collect Node process metrics (default true). */
  processMetrics?: boolean;
  /** Change bus URL: redis://host:port[?prefix=…] to wake other servers at once (default: in-process). */
  cache?: string | undefined;
  /** How often the change feed is polled for other processes' writes, ms (default 250; 1,000 with a Redis bus). */
  followIntervalMs?: number;
  /** Worker threads that decode and encode media (default: cores - 1, 1 to 4). */
  encodeWorkers?: number;
  /** Media encodes admitted at once, running or waiting (default 16); more get 503. */
  encodeQueue?: number;
  /** Longest time one media batch may take on a worker, in ms (default 30,000); longer gets 503. */
  encodeTimeoutMs?: number;
  /** Longest audio clip in seconds, posted or stored (default 600). */
  maxAudioSeconds?: number;
  /** Most decoded audio samples, frames x channels (default 30,000,000). */
  maxAudioSamples?: number;
  /** Largest picture in pixels, width x height (default 40,000,000). */
  maxImagePixels?: number;
  /** Retention age in days (overrides the `privacy.retentionDays` setting; see serve/retention). */
  retentionDays?: number;
  /** How often the retention job runs, ms (default one hour). */
  retentionIntervalMs?: number;
}

/** The server's encode service: media are decoded and encoded on its workers, within its bounds. */
function encodeService(o: ServeOptions): EncodeService {
  const limits: Partial<MediaLimits> = {};
  if (o.maxAudioSeconds !== undefined) limits.maxAudioSeconds = o.maxAudioSeconds;
  if (o.maxAudioSamples !== undefined) limits.maxAudioSamples = o.maxAudioSamples;
  if (o.maxImagePixels !== undefined) limits.maxImagePixels = o.maxImagePixels;
  return new EncodeService({
    limits,
    ...(o.encodeWorkers === undefined ? {} : { workers: o.encodeWorkers }),
    ...(o.encodeQueue === undefined ? {} : { maxQueue: o.encodeQueue }),
    ...(o.encodeTimeoutMs === undefined ? {} : { timeoutMs: o.encodeTimeoutMs }),
  });
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  engine: Engine;
  /** Follows the store's change feed (other processes' writes). */
  follower: ChangeFollower;
  /** Wakes the followers of every server on the same store. */
  bus: Bus;
  jobs: TrainJobs;
  app: OpenAPIHono;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** How long `close()` lets requests in flight finish before it cuts their connections. */
export const DRAIN_MS = 10_000;

/**
 * JSON routes need `Content-Type: application/json`; clients that omit it (curl -d sends
 * x-www-form-urlencoded) get it set, except on media uploads whose type matters.
 */
function jsonByDefault(req: Request): Request {
  if (!BODY_METHODS.has(req.method)) return req;
  const ct = req.headers.get('content-type');
  if (ct && !ct.startsWith('application/x-www-form-urlencoded') && !ct.startsWith('text/plain')) return req;
  const path = new URL(req.url).pathname;
  if (!(path.startsWith('/v1/') || path.startsWith('/api/')) || path.includes('/media/')) return req;
  const headers = new Headers(req.headers);
  headers.set('content-type', 'application/json');
  return new Request(req, { headers, duplex: 'half' } as RequestInit);
}

async function loadExperiments(file: string, engine: Engine, log: (s: string) => void): Promise<void> {
  const where = { file, line: 0, field: 'json' };
  const list = parseJson(await readFile(file, 'utf8'), where);
  if (!Array.isArray(list)) throw new InvalidInputError(where, 'expected an array of {name, arms}');
  for (const [k, raw] of list.entries()) {
    const e = jsonObject(raw, { file, line: 0, field: `[${k}]` });
    if (typeof e.name !== 'string' || !Array.isArray(e.arms)) {
      throw new InvalidInputError({ file, line: 0, field: `[${k}]` }, 'expected {name: string, arms: [...]}');
    }
    if (await engine.store.getExperiment(e.name)) continue;
    await engine.createExperiment(e.name, e.arms as ExperimentArm[]);
    log(`experiment "${e.name}" started from ${file}`);
  }
}

/** The server's training jobs: in-process (`jobs: 'local'`) or through the store's queue (`'queue'`). */
function trainJobs(o: ServeOptions, engine: Engine, bus: Bus): TrainJobs {
  const limits = {
    ...(o.trainMaxDim === undefined ? {} : { maxDim: o.trainMaxDim }),
    ...(o.trainMaxEpochs === undefined ? {} : { maxEpochs: o.trainMaxEpochs }),
  };
  const common = {
    ...(o.trainActivate === undefined ? {} : { activate: o.trainActivate }),
    ...(o.trainQueue === undefined ? {} : { maxQueue: o.trainQueue }),
    limits,
  };
  if (o.jobs === 'queue') return new QueueJobs(engine.store, { ...common, wake: () => void bus.notify() });
  return new JobRunner(engine, {
    ...(o.trainInWorker === undefined ? {} : { worker: o.trainInWorker }),
    ...common,
  });
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const encoding = encodeService(o); // checks the options before anything is opened; starts no thread yet
  requireExistingStore(o.db, o.create);
  const liveFeedback = new LiveRate();
  const bus = await openBus(o.cache);
  // with a Redis cache, folded-in user vectors live there (the cache half of the store split)
  const userVectors = bus.url === 'local' || !o.cache ? undefined : new RedisUserVectors(o.cache);
  let store: Store;
  try {
    store = notifyingStore(await openStore(o.db), bus);
  } catch (err) {
    await bus.close();
    await userVectors?.close();
    throw err;
  }
  let metrics: ServerMetrics | undefined;
  let engine: Engine;
  let cursor: number;
  try {
    cursor = await ChangeFollower.cursor(store);
    engine = await Engine.open(store, {
      ...o,
      log,
      onEvent: (e) => {
        metrics?.onEngineEvent(e);
        if (e.kind === 'feedback') liveFeedback.add(e.rows.length);
      },
      encodeService: encoding,
      userVectors,
    });
  } catch (err) {
    await store.close();
    await bus.close();
    await userVectors?.close();
    throw err;
  }
  // with a Redis cache, the ingestion stream's lag is read from it (`fusionrec worker --stream`)
  const streamLag = bus.url === 'local' || !o.cache ? undefined : new StreamLagReader(o.cache);
  metrics = new ServerMetrics({
    ...(o.processMetrics === undefined ? {} : { processMetrics: o.processMetrics }),
    ...(streamLag
      ? {
          streamLag: async () =>
            (await streamLag.read()) ?? (streamLag.lastError ? undefined : { events: 0, seconds: 0 }),
        }
      : {}),
    items: () => engine.catalog.live,
    feedbackTypes: [
      ...(o.positive ?? []).map((r) => r.split(/[<>=]/)[0]!.trim()),
      ...(o.clickTypes ?? []),
      ...(o.conversionTypes ?? []),
    ],
  });
  const snap = engine.active;
  if (snap) metrics.onEngineEvent({ kind: 'model', name: snap.name, version: snap.version });
  const jobs = trainJobs(o, engine, bus);
  const keys = { apiKey: o.apiKey || undefined, readKey: o.readKey || undefined };
  const app = createApp(
    { engine, jobs, keys, metrics, bus, liveFeedback, ...(streamLag ? { streamLag } : {}) },
    { ...o, webRoot: o.webRoot ?? defaultWebRoot() },
  );
  if (o.experimentsFile) await loadExperiments(o.experimentsFile, engine, log);
  const follower = ChangeFollower.start(store, () => engine, cursor, {
    intervalMs: o.followIntervalMs ?? (bus.url === 'local' ? 250 : 1000),
    log,
  });
  bus.subscribe(() => void follower.wake());
  const retention = new RetentionJob(() => engine, {
    ...(o.retentionDays === undefined ? {} : { days: o.retentionDays }),
    ...(o.retentionIntervalMs === undefined ? {} : { intervalMs: o.retentionIntervalMs }),
    log,
  }).start();

  const server = serve({
    fetch: (req) => app.fetch(jsonByDefault(req)),
    port: o.port ?? 8087,
    hostname: o.host ?? '127.0.0.1',
  });
  /** Releases everything opened above, in order (after the HTTP server stopped or never listened). */
  const release = async (): Promise<void> => {
    await retention.stop();
    await follower.stop();
    try {
      await jobs.close();
    } catch (err) {
      log(describeError(err));
    }
    await engine.close();
    await encoding.dispose();
    await store.close();
    await bus.close();
    await streamLag?.close();
    await userVectors?.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    // nothing listens: release what was opened, then say which port and which flag
    await release();
    throw listenError(err, o.port ?? 8087, o.host ?? '127.0.0.1');
  }
  const { port } = server.address() as AddressInfo;
  const host = o.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (keys.apiKey === undefined)
    log('API is open (no key configured): anyone who can reach the port can write');
  else if (keys.readKey === undefined)
    log('API keys: write and admin routes need X-API-Key; read routes are open');
  else log('API keys: every route but health, metrics and the dashboard needs X-API-Key');
  if (engine.modelError) log(`no model served: ${engine.modelError}`);
  if (o.jobs === 'queue') log('training jobs are queued in the store: `fusionrec worker` processes run them');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    engine,
    follower,
    bus,
    jobs,
    app,
    metrics,
    close() {
      closing ??= (async () => {
        // stop accepting; requests in flight finish (for at most DRAIN_MS) while idle keep-alive
        // sockets are closed as they become idle; the stores below flush what is buffered
        await new Promise<void>((resolve) => {
          const http = server as unknown as { closeIdleConnections?(): void; closeAllConnections?(): void };
          const idle = setInterval(() => http.closeIdleConnections?.(), 50);
          const cut = setTimeout(() => http.closeAllConnections?.(), DRAIN_MS);
          server.close(() => {
            clearInterval(idle);
            clearTimeout(cut);
            resolve();
          });
          http.closeIdleConnections?.();
        });
        await release();
      })();
      return closing;
    },
  };
}
