/**
 * @module serve/server
 * Starts the fusionrec server: opens the store by URL, the engine over it, the training job runner,
 * the HTTP app, and listens (port 0 picks a free port). Experiments from a config file are created
 * at start-up when absent. Says at start-up when the API is open (no key configured).
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { describeError, InvalidInputError } from '../errors.js';
import { jsonObject, parseJson } from '../io/fields.js';
import { openStore } from '../store/open.js';
import type { ExperimentArm, Store } from '../store/types.js';
import { Engine, type EngineOptions } from './engine/engine.js';
import { ChangeFollower } from './engine/follower.js';
import { type AppOptions, createApp } from './http/app.js';
import { ServerMetrics } from './http/metrics.js';
import { JobRunner } from './train/jobs.js';

export interface ServeOptions extends Omit<EngineOptions, 'onEvent'>, AppOptions {
  /** Store URL, e.g. sqlite://shop.db. */
  db: string;
  port?: number;
  host?: string;
  apiKey?: string | undefined;
  readKey?: string | undefined;
  /** JSON file of experiments `[{name, arms: [{name, version, share}]}]` created when absent. */
  experimentsFile?: string;
  /** Run training jobs in a worker thread (default true for file stores). */
  trainInWorker?: boolean;
  /** Collect Node process metrics (default true). */
  processMetrics?: boolean;
  /** How often the change feed is polled for other processes' writes, ms (default 250). */
  followIntervalMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  engine: Engine;
  /** Follows the store's change feed (other processes' writes). */
  follower: ChangeFollower;
  jobs: JobRunner;
  app: OpenAPIHono;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

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

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = await openStore(o.db);
  let metrics: ServerMetrics | undefined;
  let engine: Engine;
  let cursor: number;
  try {
    cursor = await ChangeFollower.cursor(store);
    engine = await Engine.open(store, { ...o, log, onEvent: (e) => metrics?.onEngineEvent(e) });
  } catch (err) {
    await store.close();
    throw err;
  }
  metrics = new ServerMetrics({
    ...(o.processMetrics === undefined ? {} : { processMetrics: o.processMetrics }),
    items: () => engine.catalog.live,
  });
  const snap = engine.active;
  if (snap) metrics.onEngineEvent({ kind: 'model', name: snap.name, version: snap.version });
  const jobs = new JobRunner(engine, o.trainInWorker === undefined ? {} : { worker: o.trainInWorker });
  const keys = { apiKey: o.apiKey || undefined, readKey: o.readKey || undefined };
  const app = createApp({ engine, jobs, keys, metrics }, o);
  if (o.experimentsFile) await loadExperiments(o.experimentsFile, engine, log);
  const follower = ChangeFollower.start(store, () => engine, cursor, {
    ...(o.followIntervalMs === undefined ? {} : { intervalMs: o.followIntervalMs }),
    log,
  });

  const server = serve({
    fetch: (req) => app.fetch(jsonByDefault(req)),
    port: o.port ?? 8087,
    hostname: o.host ?? '127.0.0.1',
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (keys.apiKey === undefined)
    log('API is open (no key configured): anyone who can reach the port can write');
  else if (keys.readKey === undefined)
    log('API keys: write and admin routes need X-API-Key; read routes are open');
  else log('API keys: every route but health, metrics and the dashboard needs X-API-Key');
  if (engine.modelError) log(`no model served: ${engine.modelError}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    engine,
    follower,
    jobs,
    app,
    metrics,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await follower.stop();
        try {
          await jobs.close();
        } catch (err) {
          log(describeError(err));
        }
        await engine.close();
        await store.close();
      })();
      return closing;
    },
  };
}
