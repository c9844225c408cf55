/**
 * @module serve/train/jobs
 * Background training for the server (`POST /v1/models/train`): jobs run one at a time, in a
 * worker thread with its own store connection when the store is a file (so requests keep being
 * served while it trains), in-process for in-memory stores. A request is checked before it is
 * queued (serve/train/validate: model, parameters, limits) and the queue is bounded (429 beyond
 * it). When a job finishes, the new version is activated in the engine (an atomic snapshot swap)
 * only as its activation policy says (serve/train/activation; default: stored inactive). A request
 * with `tuneBudgetSeconds` auto-tunes on validation first (phase "tune"; serve/train/train).
 */
import { randomUUID } from 'node:crypto';
import { describeError } from '../../errors.js';
import { siblingModule, startWorker } from '../../util/workers.js';
import type { Engine } from '../engine/engine.js';
import { type ActivationPolicy, decideActivation, policyOf } from './activation.js';
import { TrainQueueFullError } from './queue-full.js';
import { type TrainProgress, type TrainSpec, trainVersion } from './train.js';
import { DEFAULT_TRAIN_LIMITS, type TrainLimits, validateTrainSpec } from './validate.js';

export interface Job {
  id: string;
  kind: 'train';
  status: 'queued' | 'running' | 'done' | 'failed';
  model: string;
  params: Record<string, unknown>;
  /** When the new version goes live (see serve/train/activation). */
  activate: ActivationPolicy;
  /** Whether the new version was activated, once the job is done. */
  activated?: boolean;
  /** Why it was or was not activated. */
  activation?: string;
  phase?: string;
  epoch?: number;
  maxEpochs?: number;
  loss?: number;
  valid?: number;
  version?: number;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

type Outcome = { version: number; dataTime: number };

/** A training request: the spec, with `activate` as a policy (true = always, false = never). */
export type JobRequest = Omit<TrainSpec, 'activate'> & { activate?: boolean | ActivationPolicy };

export interface JobRunnerOptions {
  /** Train in a worker thread when the store is a file (default true). */
  worker?: boolean;
  /** Activation policy of requests that do not say (default 'never'). */
  activate?: ActivationPolicy;
  /** Jobs allowed to wait behind the running one (default 4); more are refused (429). */
  maxQueue?: number;
  /** Upper bounds on `dim` and `epochs`. */
  limits?: Partial<TrainLimits>;
}

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: JobRunnerOptions = {},
  ) {}

  /**
   * Queues a training job. Throws at once, before anything is queued: InvalidArgumentError for an
   * unknown or unservable model, bad parameters or sizes beyond the limits; TrainQueueFullError
   * when the queue is full.
   */
  submit(request: JobRequest): Job {
    const { activate, ...spec } = request;
    validateTrainSpec(spec, { ...DEFAULT_TRAIN_LIMITS, ...this.options.limits });
    const maxQueue = this.options.maxQueue ?? 4;
    const pending = this.list().filter((j) => j.status === 'queued' || j.status === 'running').length;
    if (pending > maxQueue) throw new TrainQueueFullError(pending, maxQueue);
    const job: Job = {
      id: randomUUID(),
      kind: 'train',
      status: 'queued',
      model: spec.model,
      params: spec.params ?? {},
      activate: policyOf(activate, this.options.activate ?? 'never'),
      createdAt: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    this.chain = this.chain.then(() => this.run(job, spec));
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(): Job[] {
    return [...this.jobs.values()];
  }

  /** Resolves when every queued job has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private progress(job: Job, p: TrainProgress): void {
    job.phase = p.phase;
    if (p.epoch !== undefined) job.epoch = p.epoch;
    if (p.maxEpochs !== undefined) job.maxEpochs = p.maxEpochs;
    if (p.loss !== undefined && Number.isFinite(p.loss)) job.loss = p.loss;
    if (p.valid !== undefined) job.valid = p.valid;
  }

  private async run(job: Job, spec: TrainSpec): Promise<void> {
    if (this.closed) {
      job.status = 'failed';
      job.error = 'the server is shutting down';
      return;
    }
    job.status = 'running';
    job.startedAt = new Date().toISOString();
    try {
      const out = this.useWorker() ? await this.inWorker(job, spec) : await this.inProcess(job, spec);
      job.version = out.version;
      const decision = await decideActivation(this.engine.store, job.activate, out.version);
      if (decision.activate) {
        await this.engine.activate(out.version, { dataTime: out.dataTime });
        await this.engine.store
          .addAudit({
            actor: 'training job',
            action: 'model.activate',
            target: String(out.version),
            details: { job: job.id, reason: decision.reason },
          })
          .catch((err) => process.emitWarning(`audit log: ${String(err)}`));
      }
      job.activated = decision.activate;
      job.activation = decision.reason;
      job.status = 'done';
    } catch (err) {
      job.status = 'failed';
      job.error = describeError(err);
    } finally {
      job.finishedAt = new Date().toISOString();
    }
  }

  private useWorker(): boolean {
    return (this.options.worker ?? true) && this.engine.store.dataDir !== undefined;
  }

  private async inProcess(job: Job, spec: TrainSpec): Promise<Outcome> {
    const out = await trainVersion(this.engine.store, { ...spec, activate: false }, (p) =>
      this.progress(job, p),
    );
    return { version: out.version, dataTime: out.dataTime };
  }

  private inWorker(job: Job, spec: TrainSpec): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const w = startWorker(siblingModule(import.meta.url, './train-worker'), {
        storeUrl: this.engine.store.url,
        spec,
      });
      let settled = false;
      w.on(
        'message',
        (m: { type: string; p?: TrainProgress; version?: number; dataTime?: number; message?: string }) => {
          if (m.type === 'progress' && m.p) this.progress(job, m.p);
          else if (m.type === 'done') {
            settled = true;
            resolve({ version: m.version!, dataTime: m.dataTime! });
          } else if (m.type === 'error') {
            settled = true;
            reject(new Error(m.message));
          }
        },
      );
      w.on('error', (err) => {
        if (!settled) reject(err);
        settled = true;
      });
      w.on('exit', (code) => {
        if (!settled) reject(new Error(`training worker exited with code ${code}`));
      });
    });
  }

  /** Lets the running job finish; no new job starts. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }
}
