/**
 * @module serve/worker/train-handler
 * Runs a queued training job in `fusionrec worker`: trains with the server's training code
 * (serve/train/train, in the train-worker thread with its own store connection, so the worker's
 * event loop keeps heartbeating; in-process for an in-memory store), which stores the new version
 * inactive; then decides activation by the job's policy (serve/train/activation) and activates it
 * in the store, which every server's change follower picks up. The active model is only touched
 * after the version is fully written, so a worker killed mid-training leaves it as it was (at
 * worst an inactive version is left behind). An aborted job (worker stopping, lease lost)
 * terminates the thread and activates nothing.
 */
import type { Worker } from 'node:worker_threads';
import type { Store } from '../../store/types.js';
import { siblingModule, startWorker } from '../../util/workers.js';
import { decideActivation } from '../train/activation.js';
import { type TrainProgress, type TrainSpec, trainVersion } from '../train/train.js';
import type { JobContext, JobHandler } from './job-worker.js';
import { readTrainParams, type TrainJobResult } from './train-params.js';

export interface TrainHandlerOptions {
  store: Store;
  /** The store URL with its credentials, for the training thread's own connection. */
  dbUrl: string;
  /** Train in a worker thread (default: true unless the store is in memory). */
  thread?: boolean;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** Trains `spec` in the train-worker thread; terminates it when `ctx.signal` aborts. */
function trainInThread(dbUrl: string, spec: TrainSpec, ctx: JobContext): Promise<number> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(abortError(ctx.signal));
    const w: Worker = startWorker(siblingModule(import.meta.url, '../train/train-worker'), {
      storeUrl: dbUrl,
      spec,
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => settle(() => void w.terminate().finally(() => reject(abortError(ctx.signal))));
    ctx.signal.addEventListener('abort', onAbort);
    w.on('message', (m: { type: string; p?: TrainProgress; version?: number; message?: string }) => {
      if (m.type === 'progress' && m.p) ctx.progress({ ...m.p });
      else if (m.type === 'done') settle(() => resolve(m.version!));
      else if (m.type === 'error') settle(() => reject(new Error(m.message)));
    });
    w.on('error', (err) => settle(() => reject(err)));
    w.on('exit', (code) => settle(() => reject(new Error(`training thread exited with code ${code}`))));
  });
}

export function trainHandler(o: TrainHandlerOptions): JobHandler {
  const thread = o.thread ?? o.store.url !== 'sqlite::memory:';
  return async (job, ctx) => {
    const { spec, activate } = readTrainParams(job.params);
    const trainSpec: TrainSpec = { ...spec, activate: false };
    const version = thread
      ? await trainInThread(o.dbUrl, trainSpec, ctx)
      : (await trainVersion(o.store, trainSpec, (p) => ctx.progress({ ...p }))).version;
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const decision = await decideActivation(o.store, activate, version);
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    if (decision.activate) {
      await o.store.activateModelVersion(version);
      await o.store.addAudit({
        actor: 'worker',
        action: 'model.activate',
        target: String(version),
        details: { job: job.id, reason: decision.reason },
      });
    }
    const metrics = (await o.store.getModelVersion(version))?.metrics ?? {};
    const result: TrainJobResult = {
      version,
      metrics,
      activated: decision.activate,
      activation: decision.reason,
    };
    return { ...result };
  };
}
