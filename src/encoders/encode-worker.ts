/**
 * @module encoders/encode-worker
 * Worker-thread entry of the encoder pool (pool.ts): builds the encoder named in `workerData`
 * through the registry, reports "ready" with its id and dims, then encodes each batch it is sent
 * and posts the vectors back (transferred, not copied) until told to close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, FusionrecError } from '../errors.js';
import type { Encoder, MediaKind } from './encoder.js';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { createEncoder, type EncoderOptions } from './registry.js';

interface WorkerInput {
  kind: MediaKind;
  name: string;
  options: EncoderOptions;
}

const port = parentPort!;
const input = workerData as WorkerInput;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function postError(err: unknown): void {
  post({
    type: 'error',
    error: describeError(err),
    ...(err instanceof FusionrecError ? { code: err.code } : {}),
  });
}

let encoder: Encoder | undefined;
try {
  encoder = await createEncoder(input.kind, input.name, input.options);
  post({ type: 'ready', id: encoder.id, dims: encoder.dims });
} catch (err) {
  postError(err);
}

// Batches arrive one at a time (the pool waits for each result), so handling is sequential.
port.on('message', async (msg: WorkerRequest) => {
  if (!encoder) return;
  if (msg.type === 'close') {
    try {
      await encoder.dispose();
    } finally {
      post({ type: 'closed' });
    }
    return;
  }
  try {
    const r = await encoder.encode(msg.inputs);
    const vectors = r.vectors.slice(0, msg.inputs.length * encoder.dims);
    const ok = r.ok.slice(0, msg.inputs.length);
    const errors = msg.inputs.map((_, b) => (ok[b] ? undefined : (r.errors[b] ?? 'encoder gave no reason')));
    post({ type: 'result', start: msg.start, vectors, ok, errors }, [vectors.buffer as ArrayBuffer]);
  } catch (err) {
    postError(err);
  }
});
