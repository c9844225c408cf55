/**
 * @module store/job-rows
 * The `jobs` table row as both backends return it, and its conversion to a {@link JobRecord}
 * (SQLite keeps JSON as text, PostgreSQL's `json` columns arrive parsed); the checks every
 * backend applies to a new job; and the reason a job whose workers kept dying fails with.
 */
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_JOB_ATTEMPTS, type JobRecord, type JobStatus, type NewJob } from './types.js';

/** Columns of the `jobs` table, in both backends. */
export const JOB_COLUMNS =
  'id, kind, params, status, dedupe_key, attempts, max_attempts, worker_id, lease_until, progress, result, error, created_at, started_at, finished_at';

export interface JobRow {
  id: number | string;
  kind: string;
  params: unknown;
  status: JobStatus;
  dedupe_key: string | null;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_until: number | null;
  progress: unknown;
  result: unknown;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The prefix of the error of a job failed because its lease expired too often ("… N times"). */
export const LEASE_LOST = 'worker lost (lease expired)';

const json = (v: unknown): Record<string, unknown> | undefined => {
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
};

export function rowToJob(r: JobRow): JobRecord {
  const j: JobRecord = {
    id: Number(r.id),
    kind: r.kind,
    params: json(r.params) ?? {},
    status: r.status,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    createdAt: r.created_at,
  };
  if (r.dedupe_key !== null) j.dedupeKey = r.dedupe_key;
  if (r.worker_id !== null) j.workerId = r.worker_id;
  if (r.lease_until !== null) j.leaseUntil = Number(r.lease_until);
  const progress = json(r.progress);
  if (progress) j.progress = progress;
  const result = json(r.result);
  if (result) j.result = result;
  if (r.error !== null) j.error = r.error;
  if (r.started_at !== null) j.startedAt = r.started_at;
  if (r.finished_at !== null) j.finishedAt = r.finished_at;
  return j;
}

/** Checks a new job; returns its attempt limit. */
export function checkNewJob(job: NewJob): number {
  if (typeof job.kind !== 'string' || job.kind === '') {
    throw new InvalidArgumentError('a job needs a non-empty kind');
  }
  if (job.params === null || typeof job.params !== 'object' || Array.isArray(job.params)) {
    throw new InvalidArgumentError(`job params must be a JSON object, got ${JSON.stringify(job.params)}`);
  }
  const max = job.maxAttempts ?? DEFAULT_JOB_ATTEMPTS;
  if (!Number.isInteger(max) || max < 1) {
    throw new InvalidArgumentError(`maxAttempts must be a positive integer, got ${job.maxAttempts}`);
  }
  return max;
}

/** Checks a lease length in seconds. */
export function checkLease(leaseSeconds: number): void {
  if (!(Number.isFinite(leaseSeconds) && leaseSeconds > 0)) {
    throw new InvalidArgumentError(`a job lease must be a positive number of seconds, got ${leaseSeconds}`);
  }
}

/** The page size of listJobs (default 100, at least 0). */
export const jobLimit = (limit: number | undefined): number => Math.max(0, Math.floor(limit ?? 100));
