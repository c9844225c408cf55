/**
 * @module serve/content/encode-service
 * The server's long-lived, bounded encode service: decoding and describing media (the built-in
 * image and MFCC audio encoders) runs on a few worker threads (encoders/encode-service-worker.ts,
 * started on first use through util/workers.ts, each keeping its encoders between requests), never
 * on the main thread, so one large picture or clip cannot stall other requests.
 *
 * Bounds: at most `maxQueue` encode requests are admitted at once (running or waiting); beyond
 * that {@link EncodeBusyError} (503) is thrown at once instead of growing a queue. A request is cut
 * into batches of `batchSize` inputs, dispatched round-robin across requests (a one-clip search is
 * not stuck behind a large item batch). A batch that runs longer than `timeoutMs` has its worker
 * terminated and replaced, and its request fails with {@link EncodeTimeoutError} (503). Every
 * worker applies the audio limits to each clip it decodes.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { settings } from '../../config/runtime.js';
import type { ServiceJob, ServiceReply, ServiceWorkerData } from '../../encoders/encode-service-worker.js';
import { type EncodeResult, type EncoderInput, emptyResult, type MediaKind } from '../../encoders/encoder.js';
import type { EncoderOptions } from '../../encoders/registry.js';
import { FusionrecError, InvalidArgumentError } from '../../errors.js';
import { siblingModule, startWorker } from '../../util/workers.js';
import { EncodeBusyError, EncodeTimeoutError } from './busy.js';
import { audioLimits, type MediaLimits, mediaLimits } from './limits.js';

/** Settings of the encode service; every field has a default. */
export interface EncodeServiceOptions {
  /** Worker threads (default: cores - 1, at least 1, at most 4). */
  workers?: number;
  /** Encode requests admitted at once, running or waiting (default 16); more get 503. */
  maxQueue?: number;
  /** Longest time one batch may run on a worker, in ms (default 30,000). */
  timeoutMs?: number;
  /** Inputs per batch (default 4). */
  batchSize?: number;
  /** Media limits applied in the workers (defaults: DEFAULT_MEDIA_LIMITS). */
  limits?: Partial<MediaLimits>;
}

/** Which encoder a request uses: a registry entry with its options. */
export interface EncoderRef {
  kind: MediaKind;
  name: string;
  options?: EncoderOptions;
}

/** An EncodeResult with the encoder's id and dims (as the worker built it). */
export interface ServiceResult extends EncodeResult {
  id: string;
  dims: number;
}

interface Task {
  ref: EncoderRef;
  inputs: readonly EncoderInput[];
  label: string;
  timeoutMs: number;
  next: number;
  running: number;
  out?: ServiceResult;
  settled: boolean;
  resolve(r: ServiceResult): void;
  reject(err: unknown): void;
}

interface Slot {
  worker?: Worker;
  job?: { id: number; task: Task; start: number; n: number; timer: NodeJS.Timeout };
}

function positiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v >= 1)) {
    throw new InvalidArgumentError(`encode service option "${name}" must be a positive integer, got ${v}`);
  }
  return v;
}

function defaultServiceWorkers(): number {
  const set = settings().encodeWorkers;
  if (set !== undefined) return set;
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export class EncodeService {
  readonly workers: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  readonly batchSize: number;
  readonly limits: MediaLimits;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private admitted = 0;
  private jobs = 0;
  private closed = false;
  private readonly url = siblingModule(import.meta.url, '../../encoders/encode-service-worker');

  constructor(o: EncodeServiceOptions = {}) {
    this.workers = positiveInt('workers', o.workers ?? defaultServiceWorkers());
    this.maxQueue = positiveInt('maxQueue', o.maxQueue ?? 16);
    this.timeoutMs = positiveInt('timeoutMs', o.timeoutMs ?? 30_000);
    this.batchSize = positiveInt('batchSize', o.batchSize ?? 4);
    this.limits = mediaLimits(o.limits);
    this.slots = Array.from({ length: this.workers }, () => ({}));
  }

  /** Encode requests admitted and not finished. */
  get pending(): number {
    return this.admitted;
  }

  /**
   * Encodes `inputs` with encoder `ref` on the workers. Resolves with one row per input (failed
   * inputs carry their reason); rejects with EncodeBusyError when `maxQueue` requests are already
   * admitted, EncodeTimeoutError when a batch ran past `timeoutMs`, and an INTERNAL error when the
   * encoder cannot be built or a worker dies. `label` names the work in messages; `o.timeoutMs`
   * overrides the service's timeout for this request's batches.
   */
  encode(
    ref: EncoderRef,
    inputs: readonly EncoderInput[],
    label = `${ref.kind}`,
    o: { timeoutMs?: number } = {},
  ): Promise<ServiceResult> {
    if (this.closed) return Promise.reject(new FusionrecError('INTERNAL', 'the encode service is closed'));
    if (this.admitted >= this.maxQueue)
      return Promise.reject(new EncodeBusyError(this.admitted, this.maxQueue));
    if (inputs.length === 0) return Promise.resolve({ ...emptyResult(0, 0), id: '', dims: 0 });
    this.admitted++;
    return new Promise<ServiceResult>((resolve, reject) => {
      const task: Task = {
        ref,
        inputs,
        label,
        timeoutMs: o.timeoutMs ?? this.timeoutMs,
        next: 0,
        running: 0,
        settled: false,
        resolve: (r) => {
          task.settled = true;
          this.admitted--;
          resolve(r);
        },
        reject: (err) => {
          task.settled = true;
          this.admitted--;
          this.drop(task);
          reject(err);
        },
      };
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every worker; admitted requests fail. */
  async dispose(): Promise<void> {
    this.closed = true;
    for (const t of [...this.queue])
      t.reject(new FusionrecError('INTERNAL', 'the encode service was closed'));
    const workers: Worker[] = [];
    for (const s of this.slots) {
      if (s.job) {
        clearTimeout(s.job.timer);
        if (!s.job.task.settled)
          s.job.task.reject(new FusionrecError('INTERNAL', 'the encode service was closed'));
        s.job = undefined;
      }
      if (s.worker) workers.push(s.worker);
      s.worker = undefined;
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private drop(task: Task): void {
    const k = this.queue.indexOf(task);
    if (k >= 0) this.queue.splice(k, 1);
  }

  /** Hands the next batch of the next request (round-robin) to each idle worker. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.closed || this.queue.length === 0) return;
      if (slot.job) continue;
      const task = this.queue.shift()!;
      const start = task.next;
      const n = Math.min(this.batchSize, task.inputs.length - start);
      task.next += n;
      task.running++;
      if (task.next < task.inputs.length) this.queue.push(task); // back of the line: round-robin
      this.run(slot, task, start, n);
    }
  }

  private worker(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const data: ServiceWorkerData = { audioLimits: audioLimits(this.limits) };
    const w = startWorker(this.url, data);
    w.unref();
    w.on('message', (msg: ServiceReply) => this.onReply(slot, msg));
    const lost = (why: string) => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      this.finishJob(slot, new FusionrecError('INTERNAL', `the encoder worker stopped (${why})`));
    };
    w.on('error', (err) => lost(err.message));
    w.on('exit', (code) => lost(`exit code ${code}`));
    slot.worker = w;
    return w;
  }

  private run(slot: Slot, task: Task, start: number, n: number): void {
    const id = ++this.jobs;
    const timer = setTimeout(() => this.timeout(slot, id), task.timeoutMs);
    slot.job = { id, task, start, n, timer };
    const inputs = task.inputs.slice(start, start + n).map((x) => ({ ...x }));
    const job: ServiceJob = {
      type: 'job',
      job: id,
      kind: task.ref.kind,
      name: task.ref.name,
      options: task.ref.options ?? {},
      inputs,
    };
    try {
      this.worker(slot).postMessage(job);
    } catch (err) {
      this.finishJob(slot, err);
    }
  }

  /** A batch ran past the timeout: its worker is terminated (a fresh one starts on the next batch). */
  private timeout(slot: Slot, id: number): void {
    const job = slot.job;
    if (!job || job.id !== id) return;
    const w = slot.worker;
    slot.worker = undefined;
    void w?.terminate();
    const what = job.task.inputs.length === 1 ? `the ${job.task.label}` : `a batch of ${job.task.label}`;
    this.finishJob(slot, new EncodeTimeoutError(what, job.task.timeoutMs));
  }

  private onReply(slot: Slot, msg: ServiceReply): void {
    const job = slot.job;
    if (!job || job.id !== msg.job) return;
    if (msg.type === 'failed') {
      this.finishJob(
        slot,
        new FusionrecError('INTERNAL', `encoder ${job.task.ref.kind}/${job.task.ref.name}: ${msg.error}`),
      );
      return;
    }
    const task = job.task;
    if (!task.settled) {
      task.out ??= { ...emptyResult(task.inputs.length, msg.dims), id: msg.id, dims: msg.dims };
      const out = task.out;
      out.vectors.set(msg.vectors.subarray(0, job.n * out.dims), job.start * out.dims);
      out.ok.set(msg.ok.subarray(0, job.n), job.start);
      for (let b = 0; b < job.n; b++) out.errors[job.start + b] = msg.errors[b];
    }
    this.finishJob(slot);
  }

  /** Ends the slot's job (with `err`: its request fails), settles a finished request, dispatches. */
  private finishJob(slot: Slot, err?: unknown): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    const task = job.task;
    task.running--;
    if (!task.settled) {
      if (err !== undefined) task.reject(err);
      else if (task.running === 0 && task.next >= task.inputs.length) task.resolve(task.out!);
    }
    this.dispatch();
  }
}
