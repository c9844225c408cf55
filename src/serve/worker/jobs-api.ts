/**
 * @module serve/worker/jobs-api
 * What the HTTP routes need from the server's training jobs, whichever runs them: the in-process
 * JobRunner (`jobs: 'local'`, serve/train/jobs) or the store's durable queue drained by
 * `fusionrec worker` processes (`jobs: 'queue'`, serve/worker/queue-jobs). Either may answer
 * synchronously or with a promise; the routes await.
 */
import type { Job, JobRequest } from '../train/jobs.js';

/** How a server runs training jobs: in-process (default) or through the store's job queue. */
export type JobsMode = 'local' | 'queue';

export const JOBS_MODES: readonly JobsMode[] = ['local', 'queue'];

export interface TrainJobs {
  /** Checks and queues a request (InvalidArgumentError, TrainQueueFullError before anything is queued). */
  submit(request: JobRequest): Job | Promise<Job>;
  get(id: string): Job | undefined | Promise<Job | undefined>;
  list(): Job[] | Promise<Job[]>;
  close(): Promise<void>;
}
