/**
 * @module models/bpr/bpr-hogwild
 * Hogwild training for BPR (Recht, Re, Wright & Niu, "Hogwild!: A Lock-Free Approach to
 * Parallelizing Stochastic Gradient Descent", NIPS 2011): a persistent pool of worker threads
 * updating the same factor tables (and Adam state) in SharedArrayBuffers without locks. Each
 * epoch, part w of `parts` takes batches b with b % parts === w; the main thread takes part 0.
 * Not deterministic (updates race), which is why BPR's default is one thread.
 */
import type { Worker } from 'node:worker_threads';
import type { Interactions } from '../../data/interactions.js';
import { siblingModule, startWorker, toShared } from '../../util/workers.js';
import type { BprStepOptions, BprTables } from './bpr-core.js';

/** What each worker is started with (all arrays in shared memory). */
export interface HogwildWorkerData {
  nUsers: number;
  nItems: number;
  indptr: Int32Array;
  indices: Int32Array;
  tables: BprTables;
  stepOptions: BprStepOptions;
  samplerSeed: number;
  batchSize: number;
  part: number;
  parts: number;
}

/** A worker's answer to one epoch. */
export type HogwildReply = { ok: true; loss: number; batches: number } | { ok: false; error: string };

/** Worker threads that each train their part of every epoch on shared tables. */
export class HogwildPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `n` workers (parts 1..n of `parts`). The tables must already be shared. */
  static async start(
    n: number,
    init: {
      train: Interactions;
      tables: BprTables;
      stepOptions: BprStepOptions;
      samplerSeed: number;
      batchSize: number;
      parts: number;
    },
  ): Promise<HogwildPool> {
    const url = siblingModule(import.meta.url, './bpr-worker');
    const indptr = toShared(init.train.indptr);
    const indices = toShared(init.train.indices);
    const workers = Array.from({ length: n }, (_, w) => {
      const data: HogwildWorkerData = {
        nUsers: init.train.nUsers,
        nItems: init.train.nItems,
        indptr,
        indices,
        tables: init.tables,
        stepOptions: init.stepOptions,
        samplerSeed: init.samplerSeed,
        batchSize: init.batchSize,
        part: w + 1,
        parts: init.parts,
      };
      return startWorker(url, data);
    });
    return new HogwildPool(workers);
  }

  /** Has every worker train its part of the next epoch; resolves with their summed loss and batch count. */
  epoch(): Promise<{ loss: number; batches: number }> {
    const runs = this.workers.map(
      (worker) =>
        new Promise<{ loss: number; batches: number }>((resolve, reject) => {
          const onError = (err: Error): void => {
            worker.off('message', onMessage);
            reject(err);
          };
          const onMessage = (msg: HogwildReply): void => {
            worker.off('error', onError);
            if (msg.ok) resolve({ loss: msg.loss, batches: msg.batches });
            else reject(new Error(`BPR Hogwild worker failed: ${msg.error}`));
          };
          worker.once('message', onMessage);
          worker.once('error', onError);
          worker.postMessage('epoch');
        }),
    );
    return Promise.all(runs).then((rs) =>
      rs.reduce((a, r) => ({ loss: a.loss + r.loss, batches: a.batches + r.batches }), {
        loss: 0,
        batches: 0,
      }),
    );
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
