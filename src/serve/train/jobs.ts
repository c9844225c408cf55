/**
 * @module serve/train/jobs
 * Background training for the server (`POST /v1/models/train`): jobs run one at a time, in a
 * worker thread with its own store connection when the store is a file (so requests keep being
 * served while it trains), in-process for in-memory stores. When a job finishes, the new version is
 * activated in the engine (an atomic snapshot swap) unless the request said `activate: false`.
 */
import { randomUUID } from 'node:crypto';
import { describeError } from '../../errors.js';
import { getModel } from '../../models/registry.js';
import { siblingModule, startWorker } from '../../util/workers.js';
import type { Engine } from '../engine/engine.js';
import { type TrainProgress, type TrainSpec, trainVersion } from './train.js';

export interface Job {
  id: string;
  kind: 'train';
  status: 'queued' | 'running' | 'done' | 'failed';
  model: string;
  params: Record<string, unknown>;
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

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: { worker?: boolean } = {},
  ) {}

  /** Queues a training job; throws InvalidArgumentError at once for an unknown model name. */
  submit(spec: TrainSpec): Job {
    getModel(spec.model);
    const job: Job = {
      id: randomUUID(),
      kind: 'train',
      status: 'queued',
      model: spec.model,
      params: spec.params ?? {},
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
      if (spec.activate !== false) await this.engine.activate(out.version, { dataTime: out.dataTime });
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
