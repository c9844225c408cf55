/**
 * @module util/workers
 * Starts worker threads from modules of this package, whether it runs compiled (dist/*.js) or
 * from TypeScript sources under a test runner (src/*.ts, through tsx's loader).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { settings } from '../config/runtime.js';

/** Resolves a sibling module path given without extension, e.g. siblingModule(import.meta.url, './rank-worker'). */
export function siblingModule(fromUrl: string, relative: string): URL {
  const ext = fromUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${relative}${ext}`, fromUrl);
}

/** Starts a worker on `moduleUrl` with `workerData`. */
export function startWorker(moduleUrl: URL, workerData: unknown): Worker {
  if (moduleUrl.pathname.endsWith('.ts')) {
    // Node 20 applies --import hooks after a worker's entry is resolved, so bootstrap tsx first.
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
    return new Worker(code, { eval: true, workerData, execArgv: [] });
  }
  return new Worker(moduleUrl, { workerData });
}

/** Number of worker threads to use by default: the machine's cores, capped by `max`. */
export function defaultWorkers(max = 8): number {
  const set = settings().workers;
  if (set !== undefined) return set;
  return Math.max(1, Math.min(max, availableParallelism()));
}

/** Copies a typed array into shared memory (so workers read it without another copy). */
export function toShared<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(arr: T): T {
  const Ctor = arr.constructor as new (buf: SharedArrayBuffer) => T;
  const sab = new SharedArrayBuffer(arr.byteLength);
  const out = new Ctor(sab);
  (out as unknown as { set(a: T): void }).set(arr);
  return out;
}
