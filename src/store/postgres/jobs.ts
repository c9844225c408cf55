/**
 * @module store/postgres/jobs
 * The durable job queue on PostgreSQL (the `jobs` table, migration 2). A claim is one statement:
 * a data-modifying CTE marks failed the running jobs whose lease expired with no attempts left,
 * and the main UPDATE takes the oldest claimable job picked by `SELECT … FOR UPDATE SKIP LOCKED
 * LIMIT 1` (a row another claimer has locked is skipped, not waited for, so concurrent claimers
 * never get the same job and never queue behind each other). Lease times are the database
 * server's clock (workers on several machines need not agree on the time). Heartbeat, finish and
 * release only touch a job the caller still holds (running, same worker id).
 */
import { UnavailableError } from '../../errors.js';
import {
  checkLease,
  checkNewJob,
  JOB_COLUMNS,
  type JobRow,
  jobLimit,
  LEASE_LOST,
  rowToJob,
} from '../job-rows.js';
import type { JobRecord, JobStatus, NewJob } from '../types.js';
import type { Queryable } from './pool.js';

const NOW = 'extract(epoch from clock_timestamp())::float8';
const iso = (): string => new Date().toISOString();

export async function enqueueJob(db: Queryable, job: NewJob): Promise<JobRecord> {
  const maxAttempts = checkNewJob(job);
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.query<JobRow>(
      'INSERT INTO jobs (kind, params, status, dedupe_key, max_attempts, created_at) ' +
        `VALUES ($1, $2, 'queued', $3, $4, $5) ON CONFLICT (dedupe_key) ` +
        `WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING RETURNING ${JOB_COLUMNS}`,
      [job.kind, JSON.stringify(job.params), job.dedupeKey ?? null, maxAttempts, iso()],
    );
    if (rows[0]) return rowToJob(rows[0]);
    const found = await db.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')`,
      [job.dedupeKey],
    );
    if (found.rows[0]) return rowToJob(found.rows[0]);
    // the job holding the key finished between the two statements: insert again
    if (attempt >= 10) throw new UnavailableError(`could not enqueue job with dedupe key "${job.dedupeKey}"`);
  }
}

export async function claimJob(
  db: Queryable,
  workerId: string,
  kinds: readonly string[],
  leaseSeconds: number,
): Promise<JobRecord | undefined> {
  checkLease(leaseSeconds);
  if (kinds.length === 0) return undefined;
  const { rows } = await db.query<JobRow>(
    `WITH lost AS (
       UPDATE jobs SET status = 'failed', error = $1 || ' ' || attempts || ' times', finished_at = $2,
         lease_until = NULL
       WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_until < ${NOW}
                    AND attempts >= max_attempts FOR UPDATE SKIP LOCKED)
       RETURNING id
     )
     UPDATE jobs SET status = 'running', worker_id = $3, lease_until = ${NOW} + $4,
       attempts = attempts + 1, started_at = COALESCE(started_at, $2)
     WHERE id = (SELECT id FROM jobs WHERE kind = ANY($5::text[]) AND (status = 'queued'
                   OR (status = 'running' AND lease_until < ${NOW} AND attempts < max_attempts))
                 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
     RETURNING ${JOB_COLUMNS}`,
    [LEASE_LOST, iso(), workerId, leaseSeconds, [...kinds]],
  );
  return rows[0] ? rowToJob(rows[0]) : undefined;
}

export async function heartbeatJob(
  db: Queryable,
  id: number,
  workerId: string,
  leaseSeconds: number,
  progress?: Record<string, unknown>,
): Promise<boolean> {
  checkLease(leaseSeconds);
  const { rowCount } = await db.query(
    `UPDATE jobs SET lease_until = ${NOW} + $1, progress = COALESCE($2::json, progress) ` +
      `WHERE id = $3 AND worker_id = $4 AND status = 'running'`,
    [leaseSeconds, progress === undefined ? null : JSON.stringify(progress), id, workerId],
  );
  return (rowCount ?? 0) > 0;
}

export async function finishJob(
  db: Queryable,
  id: number,
  workerId: string,
  o: { status: 'done' | 'failed'; result?: Record<string, unknown>; error?: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE jobs SET status = $1, result = $2::json, error = $3, finished_at = $4, lease_until = NULL ' +
      `WHERE id = $5 AND worker_id = $6 AND status = 'running'`,
    [
      o.status,
      o.result === undefined ? null : JSON.stringify(o.result),
      o.error ?? null,
      iso(),
      id,
      workerId,
    ],
  );
  return (rowCount ?? 0) > 0;
}

export async function releaseJob(db: Queryable, id: number, workerId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET status = 'queued', worker_id = NULL, lease_until = NULL, attempts = attempts - 1 ` +
      `WHERE id = $1 AND worker_id = $2 AND status = 'running'`,
    [id, workerId],
  );
  return (rowCount ?? 0) > 0;
}

export async function getJob(db: Queryable, id: number): Promise<JobRecord | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
  return rows[0] ? rowToJob(rows[0]) : undefined;
}

export async function listJobs(
  db: Queryable,
  o: { limit?: number; status?: readonly JobStatus[] } = {},
): Promise<JobRecord[]> {
  const { rows } =
    o.status === undefined
      ? await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1`, [
          jobLimit(o.limit),
        ])
      : await db.query<JobRow>(
          `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = ANY($1::text[]) ORDER BY id DESC LIMIT $2`,
          [[...o.status], jobLimit(o.limit)],
        );
  return rows.map(rowToJob);
}
