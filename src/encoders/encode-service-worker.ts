/**
 * @module encoders/encode-service-worker
 * Worker-thread entry of the server's long-lived encode service (serve/content/encode-service.ts).
 * Unlike the one-shot pool (encode-worker.ts), one worker serves any built-in encoder: it builds
 * each (kind, name, options) through the registry on first use and keeps it for later jobs (a few
 * at most), encodes one job at a time and posts the vectors back (transferred, not copied). The
 * audio limits in `workerData` apply to every clip this thread decodes (checked from the header
 * before decoding, see audio/decode.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { type AudioLimits, setAudioLimits } from './audio/decode.js';
import type { Encoder, EncoderInput, MediaKind } from './encoder.js';
import { createEncoder, type EncoderOptions } from './registry.js';

/** Data a service worker starts with. */
export interface ServiceWorkerData {
  audioLimits?: AudioLimits;
}

/** A job for a service worker. */
export interface ServiceJob {
  type: 'job';
  job: number;
  kind: MediaKind;
  name: string;
  options: EncoderOptions;
  inputs: EncoderInput[];
}

/** A service worker's answer to one job. */
export type ServiceReply =
  | {
      type: 'done';
      job: number;
      id: string;
      dims: number;
      vectors: Float32Array;
      ok: Uint8Array;
      errors: (string | undefined)[];
    }
  | { type: 'failed'; job: number; error: string };

/** Encoders kept per worker (least recently used ones are released beyond this). */
const KEEP = 6;

const port = parentPort!;
const data = (workerData ?? {}) as ServiceWorkerData;
if (data.audioLimits) setAudioLimits(data.audioLimits);

const encoders = new Map<string, Promise<Encoder>>();

async function encoderFor(job: ServiceJob): Promise<Encoder> {
  const key = JSON.stringify([job.kind, job.name, job.options]);
  let p = encoders.get(key);
  if (p) {
    encoders.delete(key); // re-inserted below: most recently used last
  } else {
    p = createEncoder(job.kind, job.name, job.options);
    p.catch(() => encoders.delete(key));
  }
  encoders.set(key, p);
  while (encoders.size > KEEP) {
    const [oldest, old] = encoders.entries().next().value as [string, Promise<Encoder>];
    encoders.delete(oldest);
    void old.then((e) => e.dispose()).catch(() => undefined);
  }
  return p;
}

// The service sends one job at a time per worker, so handling is sequential.
port.on('message', async (job: ServiceJob) => {
  try {
    const encoder = await encoderFor(job);
    const r = await encoder.encode(job.inputs);
    const n = job.inputs.length;
    const vectors = r.vectors.slice(0, n * encoder.dims);
    const ok = r.ok.slice(0, n);
    const errors = job.inputs.map((_, b) => (ok[b] ? undefined : (r.errors[b] ?? 'encoder gave no reason')));
    const reply: ServiceReply = {
      type: 'done',
      job: job.job,
      id: encoder.id,
      dims: encoder.dims,
      vectors,
      ok,
      errors,
    };
    port.postMessage(reply, [vectors.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ type: 'failed', job: job.job, error: describeError(err) } satisfies ServiceReply);
  }
});
