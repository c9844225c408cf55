/**
 * @module serve/worker/queue-jobs
 * Training jobs of a server in queue mode (`fusionrec serve --jobs queue`): `POST /v1/models/train`
 * checks the request as in local mode (serve/train/validate; 429 when the store's queue already
 * holds more unfinished training jobs than the limit) and enqueues it in the store, where any
 * `fusionrec worker` claims it; `GET /v1/jobs/{id}` reads the stored job, so every server on the
 * store answers about every job. The worker activates the version in the store and every server's
 * change follower serves it.
 */
import type { JobStatus, Store } from '../../store/types.js';
import { type ActivationPolicy, policyOf } from '../train/activation.js';
import type { Job, JobRequest } from '../train/jobs.js';
import { TrainQueueFullError } from '../train/queue-full.js';
import { DEFAULT_TRAIN_LIMITS, type TrainLimits, validateTrainSpec } from '../train/validate.js';
import type { TrainJobs } from './jobs-api.js';
import { jobView, TRAIN_KIND, trainJobParams } from './train-params.js';

export interface QueueJobsOptions {
  /** Activation policy of requests that do not say (default 'never'). */
  activate?: ActivationPolicy;
  /** Unfinished training jobs allowed beyond one running (default 4); more are refused (429). */
  maxQueue?: number;
  limits?: Partial<TrainLimits>;
  /** Called after a job is enqueued (wakes the workers through the change bus). */
  wake?: () => void;
  /** Jobs `GET /v1/jobs` lists, newest first (default 100). */
  listLimit?: number;
}

const UNFINISHED: readonly JobStatus[] = ['queued', 'running'];

export class QueueJobs implements TrainJobs {
  constructor(
    private readonly store: Store,
    private readonly options: QueueJobsOptions = {},
  ) {}

  async submit(request: JobRequest): Promise<Job> {
    const { activate, ...spec } = request;
    validateTrainSpec(spec, { ...DEFAULT_TRAIN_LIMITS, ...this.options.limits });
    const maxQueue = this.options.maxQueue ?? 4;
    const pending = (await this.store.listJobs({ status: UNFINISHED, limit: 10_000 })).filter(
      (j) => j.kind === TRAIN_KIND,
    ).length;
    if (pending > maxQueue) throw new TrainQueueFullError(pending, maxQueue);
    const policy = policyOf(activate, this.options.activate ?? 'never');
    const job = await this.store.enqueueJob({
      kind: TRAIN_KIND,
      params: { ...trainJobParams(spec, policy) },
    });
    this.options.wake?.();
    return jobView(job);
  }

  async get(id: string): Promise<Job | undefined> {
    if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
    const job = await this.store.getJob(Number(id));
    return job && job.kind === TRAIN_KIND ? jobView(job) : undefined;
  }

  async list(): Promise<Job[]> {
    const jobs = await this.store.listJobs({ limit: this.options.listLimit ?? 100 });
    return jobs.filter((j) => j.kind === TRAIN_KIND).map(jobView);
  }

  async close(): Promise<void> {}
}
