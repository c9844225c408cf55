/**
 * @module encoders/pool
 * Runs a built-in encoder over many inputs on a pool of worker threads. Each worker builds its own
 * encoder from (kind, name, options) through the registry and encodes the batches the main thread
 * hands it, one at a time (so slow files do not hold up a fixed slice); results are written back
 * at their batch offset, so the merged output is in input order and identical to one encoder
 * encoding everything on the main thread.
 *
 * Encoders that fit (the built-in text encoder's IDF, vocabulary and SVD) are fitted once on the
 * main thread; their `exportState()` (typed arrays: about 2 MB for the IDF of a 10k-item catalog,
 * plus dims x 10k floats for the SVD) is passed to each worker as `options.state`, and the random
 * projection is regenerated from the seed there, so text can run in the pool too. The encode job
 * only does so for very large catalogs: the text encoder is fast enough that starting threads
 * costs more than it saves below ~50k texts (see DEFAULT_MIN_POOL_ITEMS in jobs/encode.ts).
 * Encoders that need model weights never run here (onnxruntime has its own threads, and a model
 * per worker would multiply memory).
 */
import type { Worker } from 'node:worker_threads';
import { FusionrecError, MismatchError } from '../errors.js';
import { defaultWorkers, siblingModule, startWorker } from '../util/workers.js';
import {
  type EncodeResult,
  type Encoder,
  type EncoderInput,
  emptyResult,
  type MediaKind,
} from './encoder.js';
import { createEncoder, type EncoderOptions } from './registry.js';

/** Called with the number of inputs done so far and the total. */
export type EncodeProgress = (done: number, total: number) => void;

/** Options of {@link encodeInPool}. */
export interface PoolOptions {
  kind: MediaKind;
  name: string;
  options?: EncoderOptions;
  /** A fitted state (an encoder's exportState()), passed to each worker as `options.state`. */
  state?: unknown;
  /** Worker threads (default: the machine's cores). */
  workers?: number;
  /** Inputs per batch (default 32). */
  batchSize?: number;
  /** When given, every worker's encoder must have this id (else MismatchError). */
  expectId?: string;
  onProgress?: EncodeProgress;
}

/** An EncodeResult with the encoder's id and dims. */
export interface PoolResult extends EncodeResult {
  id: string;
  dims: number;
}

/** Messages from encode-worker.ts. */
export type WorkerReply =
  | { type: 'ready'; id: string; dims: number }
  | { type: 'result'; start: number; vectors: Float32Array; ok: Uint8Array; errors: (string | undefined)[] }
  | { type: 'error'; error: string; code?: string }
  | { type: 'closed' };

/** Messages to encode-worker.ts. */
export type WorkerRequest = { type: 'batch'; start: number; inputs: EncoderInput[] } | { type: 'close' };

/** Encodes `inputs` on the main thread in batches of `batchSize`, merging the results in order. */
export async function encodeSerial(
  encoder: Encoder,
  inputs: readonly EncoderInput[],
  batchSize = 32,
  onProgress?: EncodeProgress,
): Promise<EncodeResult> {
  const dims = encoder.dims;
  const out = emptyResult(inputs.length, dims);
  for (let start = 0; start < inputs.length; start += batchSize) {
    const batch = inputs.slice(start, start + batchSize);
    const r = await encoder.encode(batch);
    out.vectors.set(r.vectors.subarray(0, batch.length * dims), start * dims);
    out.ok.set(r.ok.subarray(0, batch.length), start);
    batch.forEach((_, b) => {
      out.errors[start + b] = r.ok[b] ? undefined : (r.errors[b] ?? 'encoder gave no reason');
    });
    onProgress?.(Math.min(inputs.length, start + batchSize), inputs.length);
  }
  return out;
}

/**
 * Encodes `inputs` with encoder `kind`/`name` on `workers` threads. Rejects when a worker cannot
 * create its encoder or an encode() call throws (single bad items are failures in the result).
 */
export async function encodeInPool(inputs: readonly EncoderInput[], o: PoolOptions): Promise<PoolResult> {
  const batchSize = Math.max(1, o.batchSize ?? 32);
  const batches: number[] = [];
  for (let s = 0; s < inputs.length; s += batchSize) batches.push(s);
  const nWorkers = Math.max(1, Math.min(o.workers ?? defaultWorkers(), batches.length));
  const url = siblingModule(import.meta.url, './encode-worker');
  const options = { ...(o.options ?? {}), ...(o.state !== undefined ? { state: o.state } : {}) };
  // Build the encoder once here first: it checks the options before any thread starts, gives the
  // id every worker must match, and loads native modules (sharp) in the main thread, as sharp asks.
  const probe = await createEncoder(o.kind, o.name, options);
  const id = o.expectId ?? probe.id;
  const dims = probe.dims;
  await probe.dispose();
  if (probe.id !== id) {
    throw new MismatchError(`encoder ${o.kind}/${o.name} has id "${probe.id}", expected "${id}"`);
  }
  const out = emptyResult(inputs.length, dims);
  const workers: Worker[] = [];
  let done = 0;
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let open = nWorkers;
      const fail = (err: Error): void => reject(err);
      const feed = (w: Worker): void => {
        const start = batches[next++];
        if (start === undefined) {
          w.postMessage({ type: 'close' } satisfies WorkerRequest);
          return;
        }
        const batch = inputs.slice(start, start + batchSize).map((x) => ({ ...x }));
        w.postMessage({ type: 'batch', start, inputs: batch } satisfies WorkerRequest);
      };
      for (let k = 0; k < nWorkers; k++) {
        const w = startWorker(url, { kind: o.kind, name: o.name, options });
        workers.push(w);
        w.on('message', (msg: WorkerReply) => {
          if (msg.type === 'ready') {
            if (msg.id !== id || msg.dims !== dims) {
              fail(
                new MismatchError(
                  `encoder worker built "${msg.id}" (${msg.dims} dims), expected "${id}" (${dims})`,
                ),
              );
              return;
            }
            feed(w);
          } else if (msg.type === 'result') {
            const n = msg.ok.length;
            out.vectors.set(msg.vectors.subarray(0, n * dims), msg.start * dims);
            out.ok.set(msg.ok, msg.start);
            for (let b = 0; b < n; b++) out.errors[msg.start + b] = msg.ok[b] ? undefined : msg.errors[b];
            done += n;
            o.onProgress?.(done, inputs.length);
            feed(w);
          } else if (msg.type === 'error') {
            fail(new FusionrecError('INTERNAL', `encoder worker (${o.kind}/${o.name}) failed: ${msg.error}`));
          } else if (msg.type === 'closed') {
            if (--open === 0) resolve();
          }
        });
        w.once('error', (err) => fail(err));
        w.once('exit', (code) => {
          if (code !== 0) fail(new FusionrecError('INTERNAL', `encoder worker exited with code ${code}`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { ...out, id, dims };
}
